#!/bin/bash
# tls-midstream: the capture starts after the first connection's handshake.
# openssl s_server/s_client, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, key log
# complete.  Connection 1 (stream 0): handshake done before dumpcap starts,
# then the REGISTER 401 loop (5 x REGISTER -> 401); the capture has no SYN,
# no ClientHello/ServerHello, so its keys cannot be matched.  Connection 2
# (stream 1): a healthy call, fully captured and decrypted (7 SIP messages).
# Expected: "not decrypted: capture started mid-connection" for stream 0, the
# call decrypted, no finding, and --check must not report OK.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
NAME=tls-midstream
sw_setup "$NAME"
sw_tls_cert rsa
mkdir "$SW_WORK/sync"
sw_bg feed timeout 120 python3 "$SW_RECIPES/tls-sip-feed.py" --cert "$SW_WORK/tls.crt" \
	--key "$SW_WORK/tls.key" --keylog "$SW_WORK/keylog" --logdir "$SW_WORK" \
	--scenario register-loop,call --pause-after-handshake "$SW_WORK/sync" \
	--openssl-client "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
for i in $(seq 1 100); do [ -e "$SW_WORK/sync/ready" ] && break; sleep 0.1; done
[ -e "$SW_WORK/sync/ready" ] || { cat "$SW_WORK/feed.log" >&2; exit 1; }
sw_log "handshake done; starting the capture now"
sw_capture_start "tcp port $SW_TLS_PORT"
touch "$SW_WORK/sync/go"
while kill -0 "$(cat "$SW_WORK/feed.pid")" 2>/dev/null; do sleep 0.2; done
cat "$SW_WORK/feed.log" >&2
sw_tls_finish "$NAME" "$SW_WORK/keylog" none -- \
	"tls_not_decrypted midstream 1 (stream 0, the REGISTER 401 loop: auth-loop unseen)" \
	"tls_decrypted 1 (stream 1, the call)" \
	"--check must not say OK: one connection could not be read"
