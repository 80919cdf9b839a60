#!/bin/bash
# tls-kamailio: SIP over TLS between real stacks, kamailio 5.6 (tls module,
# listening on 127.0.0.10:5061) and baresip 1.0.0 (libre, OpenSSL).  alice
# registers over TLS (REGISTER -> 401, REGISTER + Authorization -> 200), then
# calls bob through kamailio: INVITE -> 407, ACK, INVITE + Proxy-Authorization
# -> 100; kamailio opens a second TLS connection to bob (baresip, TLS on
# 127.0.0.12:5061, auto-answer) -> 180, 200, ACK; 3 s later alice hangs up
# (BYE -> 200).  When alice quits she de-registers (401, 200).
# Key log: neither kamailio 5.6's tls module nor baresip/libre can write one,
# so kamailio runs with tls-keylog-preload.so (LD_PRELOAD), which installs
# OpenSSL's key-log callback (SSL_CTX_set_keylog_callback) on kamailio's TLS
# contexts; its server and client connections both log.  Nothing else in the
# TLS stacks is changed.  Expected diagnosis: none (healthy).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
NAME=tls-kamailio
sw_setup "$NAME"
sw_tls_cert rsa
cc -shared -fPIC -O2 -Wall -o "$SW_WORK/keylog.so" "$SW_RECIPES/tls-keylog-preload.c" -lssl -ldl
cat "$SW_WORK/tls.key" "$SW_WORK/tls.crt" >"$SW_WORK/bob.pem"
sw_capture_start "tcp port 5061"
LD_PRELOAD="$SW_WORK/keylog.so" SIPWATCH_KEYLOG="$SW_WORK/keylog" \
	sw_kamailio kam "tls:127.0.0.10:5061" -A WITH_TLS \
	-A "TLS_CERT=\"$SW_WORK/tls.crt\"" -A "TLS_KEY=\"$SW_WORK/tls.key\"" \
	-A 'BOB_ADDR="sip:127.0.0.12:5061;transport=tls"'
tlsconf="sip_cafile		$SW_WORK/tls.crt"
sw_baresip bob "127.0.0.12:5060" 5583 \
	"<sip:bob@127.0.0.10:5061;transport=tls>;auth_pass=secret;regint=0;answermode=auto" \
	"$tlsconf
sip_certificate		$SW_WORK/bob.pem"
sw_baresip alice "127.0.0.11:5060" 5581 \
	"<sip:alice@127.0.0.10:5061;transport=tls>;auth_pass=secret;regint=300" "$tlsconf"
sleep 2
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5061"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
for p in 5581 5583; do sw_cmd $p "/quit"; done
sleep 2
sw_stop kam
sw_tls_finish "$NAME" "$SW_WORK/keylog" none
