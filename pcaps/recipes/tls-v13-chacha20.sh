#!/bin/bash
# tls-v13-chacha20: TLS 1.3, TLS_CHACHA20_POLY1305_SHA256, openssl s_server /
# s_client (key log from s_client -keylogfile).  Two connections to port
# 5061: alice registers with wrong credentials (REGISTER -> 401, then 4 x
# REGISTER + Authorization -> 401 with a new nonce, one Call-ID, CSeq 1-5),
# then alice calls bob (INVITE/100/180/200/ACK), bob sends REFER -> 202
# Accepted, no NOTIFY ever comes, and 35 s after the 202 bob hangs up (BYE/200).
# The SIP text is scripted (tls-sip-feed.py); the TLS is real openssl.
# Expected diagnosis: auth-loop and refer-no-notify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
sw_tls_openssl tls-v13-chacha20 "auth-loop refer-no-notify" \
	"-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
