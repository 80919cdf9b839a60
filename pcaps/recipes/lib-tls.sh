# Shared helpers for the TLS recipes (tls-*.sh).  Source after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/lib-tls.sh"
# TLS captures go to pcaps/ with their NSS key log (NAME.keylog) and
# NAME.expect (counts from tshark decrypting with that key log).  The server
# key and certificate are made fresh in the temp dir on every run (test-only,
# thrown away with the temp dir, never copied to pcaps/).

SW_TLS_PORT=5061

# sw_tls_cert [rsa|ec]: throwaway self-signed key+cert in $SW_WORK/tls.{key,crt}
sw_tls_cert() {
	local kind="${1:-rsa}" newkey
	case "$kind" in
		rsa) newkey=(-newkey rsa:2048) ;;
		ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
	esac
	openssl req -x509 "${newkey[@]}" -nodes -days 2 -subj "/CN=sipwatch-test.invalid" \
		-keyout "$SW_WORK/tls.key" -out "$SW_WORK/tls.crt" 2>/dev/null
	chmod 600 "$SW_WORK/tls.key"
}

# sw_tls_feed ARGS...: run tls-sip-feed.py in the namespace (foreground; it
# starts and stops its own openssl processes), key log in $SW_WORK/keylog
sw_tls_feed() {
	nsx timeout 120 python3 "$SW_RECIPES/tls-sip-feed.py" --cert "$SW_WORK/tls.crt" \
		--key "$SW_WORK/tls.key" --keylog "$SW_WORK/keylog" --logdir "$SW_WORK" "$@"
}

# sw_tls_finish NAME KEYLOG FINDING... [-- COMMENT...]: stop the capture, copy
# it and KEYLOG to pcaps/NAME.{pcap,keylog}, write NAME.expect
sw_tls_finish() {
	local name="$1" keylog="$2"; shift 2
	sw_capture_finish "$name"
	cp "$keylog" "$SW_PCAPS/$name.keylog"
	chmod 644 "$SW_PCAPS/$name.keylog"
	"$SW_RECIPES/tls-expect.sh" "$SW_PCAPS/$name.pcap" "$SW_PCAPS/$name.keylog" "$@" \
		>"$SW_PCAPS/$name.expect"
	sw_log "wrote $SW_PCAPS/$name.expect"
	cat "$SW_PCAPS/$name.expect" >&2
}

# sw_tls_openssl NAME FINDINGS OPENSSL-CLIENT-ARGS [FEED-ARGS...]: the
# openssl s_server/s_client capture with the register loop and the call with
# the unanswered REFER, on two TLS connections to port 5061
sw_tls_openssl() {
	local name="$1" findings="$2" cargs="$3"; shift 3
	sw_setup "$name"
	sw_tls_cert rsa
	sw_capture_start "tcp port $SW_TLS_PORT"
	sw_tls_feed --openssl-client "$cargs" "$@"
	# shellcheck disable=SC2086
	sw_tls_finish "$name" "$SW_WORK/keylog" $findings
}

# sw_tls_drop_keys PCAP KEYLOG STREAM OUT: copy KEYLOG to OUT without the
# lines of TCP stream STREAM (those whose client random is that stream's
# ClientHello random)
sw_tls_drop_keys() {
	local pcap="$1" keylog="$2" stream="$3" out="$4" cr
	cr="$(tshark -n -r "$pcap" -Y "tls.handshake.type==1 && tcp.stream==$stream" \
		-T fields -e tls.handshake.random 2>/dev/null | tr -d ':' | head -1)"
	[ -n "$cr" ] || { echo "no ClientHello in stream $stream" >&2; exit 1; }
	awk -v cr="$cr" 'tolower($2) != tolower(cr)' "$keylog" >"$out"
	sw_log "key log without stream $stream (client random ${cr:0:16}...): $(grep -c . "$out") lines"
}

# sw_tls_kamailio NAME [KAMAILIO-ARGS...]: kamailio's tls module on
# 127.0.0.10:5061 with baresip alice and bob over TLS (see tls-kamailio.sh);
# kamailio logs its TLS secrets through tls-keylog-preload.so
sw_tls_kamailio() {
	local name="$1"; shift
	sw_setup "$name"
	sw_tls_cert rsa
	cc -shared -fPIC -O2 -Wall -o "$SW_WORK/keylog.so" "$SW_RECIPES/tls-keylog-preload.c" -lssl -ldl
	cat "$SW_WORK/tls.key" "$SW_WORK/tls.crt" >"$SW_WORK/bob.pem"
	sw_capture_start "tcp port $SW_TLS_PORT"
	LD_PRELOAD="$SW_WORK/keylog.so" SIPWATCH_KEYLOG="$SW_WORK/keylog" \
		sw_kamailio kam "tls:127.0.0.10:$SW_TLS_PORT" -A WITH_TLS \
		-A "TLS_CERT=\"$SW_WORK/tls.crt\"" -A "TLS_KEY=\"$SW_WORK/tls.key\"" \
		-A "BOB_ADDR=\"sip:127.0.0.12:$SW_TLS_PORT;transport=tls\"" "$@"
	local tlsconf="sip_cafile		$SW_WORK/tls.crt"
	# baresip listens for TLS on the sip_listen port + 1
	sw_baresip bob "127.0.0.12:5060" 5583 \
		"<sip:bob@127.0.0.10:$SW_TLS_PORT;transport=tls>;auth_pass=secret;regint=0;answermode=auto" \
		"$tlsconf
sip_certificate		$SW_WORK/bob.pem"
	sw_baresip alice "127.0.0.11:5060" 5581 \
		"<sip:alice@127.0.0.10:$SW_TLS_PORT;transport=tls>;auth_pass=secret;regint=300" "$tlsconf"
	sleep 2
	sw_cmd 5581 "/dial sip:bob@127.0.0.10:$SW_TLS_PORT"
	sleep 3
	sw_cmd 5581 "/hangup"
	sleep 1
	local p
	for p in 5581 5583; do sw_cmd $p "/quit"; done
	sleep 2
	sw_stop kam
	sw_tls_finish "$name" "$SW_WORK/keylog" none
}
