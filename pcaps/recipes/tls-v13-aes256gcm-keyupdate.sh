#!/bin/bash
# tls-v13-aes256gcm-keyupdate: TLS 1.3, TLS_AES_256_GCM_SHA384, openssl s_server /
# s_client (key log from s_client -keylogfile).  Two connections to port
# 5061: alice registers with wrong credentials (REGISTER -> 401, then 4 x
# REGISTER + Authorization -> 401 with a new nonce, one Call-ID, CSeq 1-5),
# then alice calls bob (INVITE/100/180/200/ACK), bob sends REFER -> 202
# Accepted, no NOTIFY ever comes, and 35 s after the 202 bob hangs up (BYE/200).
# The SIP text is scripted (tls-sip-feed.py); the TLS is real openssl.
# Expected diagnosis: auth-loop and refer-no-notify.
# KeyUpdate: 1 s after the 202, s_server (not -quiet) gets the command "K"
# and sends a KeyUpdate with update_requested; s_client answers with its own
# KeyUpdate before its next record.  The BYE and its 200 OK travel under the
# updated keys of each direction.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
sw_tls_openssl tls-v13-aes256gcm-keyupdate "auth-loop refer-no-notify" \
	"-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384" --keyupdate
