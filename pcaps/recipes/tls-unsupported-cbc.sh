#!/bin/bash
# tls-unsupported-cbc: TLS 1.2 with ECDHE-RSA-AES128-SHA256 (0xc027,
# AES-128-CBC + HMAC-SHA256), a suite sipwatch does not decrypt (only AEAD
# suites are required).  openssl s_server/s_client, key log complete.  Two
# connections: the REGISTER 401 loop and a healthy call.
# tshark does decrypt CBC suites: with the key log it counts the SIP given in
# the comments below.  The counts in this file are what sipwatch should
# report: nothing decrypted (tshark's counts without the key log).
# Expected: "not decrypted: unsupported cipher suite" for both connections,
# no SIP, no finding, and --check must not report OK.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
NAME=tls-unsupported-cbc
sw_setup "$NAME"
sw_tls_cert rsa
sw_capture_start "tcp port $SW_TLS_PORT"
sw_tls_feed --scenario register-loop,call \
	--openssl-client "-tls1_2 -cipher ECDHE-RSA-AES128-SHA256"
sleep 0.5
sw_stop capture
: >"$SW_WORK/nokeys"
tshark_sip="$(tshark -n -o "tls.keylog_file:$SW_WORK/keylog" -r "$SW_WORK/capture.pcap" -q -z sip,stat 2>/dev/null |
	awk -F: '/Number of SIP messages/ {gsub(/ /,"",$2); print $2}')"
sw_capture_finish "$NAME"
cp "$SW_WORK/keylog" "$SW_PCAPS/$NAME.keylog"
chmod 644 "$SW_PCAPS/$NAME.keylog"
# counts without the key log (what sipwatch can read), comments with tshark's
"$SW_RECIPES/tls-expect.sh" "$SW_PCAPS/$NAME.pcap" "$SW_WORK/nokeys" none -- \
	"counts: without the key log" \
	"tls_not_decrypted unsupported 2 (TLS 1.2 ECDHE-RSA-AES128-SHA256, CBC)" \
	"tshark_with_keylog sip_messages $tshark_sip (tshark decrypts CBC; sipwatch is not required to)" \
	"--check must not say OK: no connection could be read" \
	| sed "s/and the key log nokeys/without the key log (see $NAME.keylog for tshark)/" \
	>"$SW_PCAPS/$NAME.expect"
cat "$SW_PCAPS/$NAME.expect" >&2
