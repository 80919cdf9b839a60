# shellcheck shell=bash
# Helpers for the HEP recipes (captures in pcaps/hep-*).  Source it
# after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/lib-hep.sh"
# Adds: kamailio with siptrace exporting HEP (kamailio-hep.cfg), a HEP
# collector that reads and discards (so the agents' datagrams are not
# answered with ICMP port unreachable), a second dumpcap beside lib.sh's
# own, and the .expect of a HEP capture written from hep-decode.py.
# Addresses: collector 127.0.0.16:9060 (kamailio), 127.0.0.17:9062 (sngrep),
# inside the recipe's namespace.

HEP_PENDING="$SW_PCAPS"

# hep_kamailio NAME ADDR-LISTS [-A DEFINE[=VALUE]]...: start kamailio with
# kamailio-hep.cfg (as sw_kamailio does with kamailio.cfg)
hep_kamailio() {
	local name="$1" listen="$2"; shift 2
	local cfg="$SW_RECIPES/kamailio-hep.cfg" args=() l _
	for l in $listen; do args+=(-l "$l"); done
	kamailio -c -f "$cfg" "$@" >"$SW_WORK/$name.check" 2>&1 \
		|| { cat "$SW_WORK/$name.check" >&2; exit 1; }
	sw_bg "$name" kamailio -f "$cfg" -DD -E -m 32 -M 4 \
		-w "$SW_WORK" -Y "$SW_WORK" "${args[@]}" "$@"
	for _ in $(seq 1 50); do
		grep -q "INFO: <core>.*main.c.*\|Listening on" "$SW_WORK/$name.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -0 "$(cat "$SW_WORK/$name.pid")" || { cat "$SW_WORK/$name.log" >&2; exit 1; }
}

# hep_collector NAME ADDR PORT [tcp]: UDP socket (or TCP listener) in the
# namespace that reads and discards everything (it counts datagrams or
# connections and bytes in its log), for at most 300 s
hep_collector() {
	local name="$1" addr="$2" port="$3" proto="${4:-udp}"
	if [ -n "${HEP_COLLECTOR_SIPWATCH:-}" ]; then
		# sipwatch itself is the collector: its JSON Lines go to the log
		sw_bg "$name" timeout 300 "$HEP_COLLECTOR_SIPWATCH" --hep-listen "$proto:$addr:$port" --json
		sleep 1
		return
	fi
	sw_bg "$name" timeout 300 python3 -u -c '
import socket, sys, threading
addr, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("collector on %s:%s/udp" % (addr, port))
    n = 0
    while True:
        s.recv(65535)
        n += 1
        print("datagrams %d" % n)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(8)
print("collector on %s:%s/tcp" % (addr, port))
def drain(c, k):
    total = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        total += len(b)
        print("connection %d: %d bytes" % (k, total))
    c.close()
k = 0
while True:
    c, _ = s.accept()
    k += 1
    threading.Thread(target=drain, args=(c, k), daemon=True).start()
' "$addr" "$port" "$proto"
	# python may take a second to start: wait until the socket is bound
	local _
	for _ in $(seq 1 100); do
		grep -q "^collector on" "$SW_WORK/$name.log" 2>/dev/null && return 0
		kill -0 "$(cat "$SW_WORK/$name.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SW_WORK/$name.log" >&2
	exit 1
}

# hep_capture_start NAME FILTER: a second dumpcap on the namespace loopback,
# writing $SW_WORK/NAME.pcap (lib.sh's capture writes capture.pcap)
hep_capture_start() {
	local name="$1" filter="$2" _
	sw_bg "$name" dumpcap -q -P -i lo -s 0 -f "$filter" -w "$SW_WORK/$name.pcap"
	for _ in $(seq 1 50); do
		[ -s "$SW_WORK/$name.pcap" ] && break
		sleep 0.1
	done
	sleep 0.5
}

# hep_capture_finish NAME OUTNAME: stop that capture, copy it to
# pcaps/OUTNAME.pcap
hep_capture_finish() {
	local name="$1" out="$HEP_PENDING/$2.pcap"
	sw_stop "$name"
	cp "$SW_WORK/$name.pcap" "$out"
	chmod 644 "$out"
	sw_log "wrote $out ($(stat -c %s "$out") bytes)"
}

# hep_expect OUTNAME [--password PW] -- FINDING...: write
# pcaps/OUTNAME.expect from hep-decode.py --counts, plus one
# "finding" line per FINDING
hep_expect() {
	local name="$1"; shift
	local dec=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do dec+=("$1"); shift; done
	[ "${1:-}" = "--" ] && shift
	local out="$HEP_PENDING/$name.expect" x
	{
		echo "# decoded with recipes/hep-decode.py --counts${dec[*]:+ ${dec[*]}}"
		python3 "$SW_RECIPES/hep-decode.py" --counts "${dec[@]}" "$HEP_PENDING/$name.pcap"
		for x in "$@"; do echo "finding $x"; done
	} >"$out"
	sw_log "wrote $out"
	cat "$out" >&2
}

# hep_kamailio_run NAME VERSION NODE-ID [-A DEFINE[=VALUE]]...: the kamailio
# HEP scenario.  kamailio (registrar + proxy, siptrace HEP VERSION, node id
# NODE-ID) exports to the collector 127.0.0.16:9060 while:
#   bob   (baresip 127.0.0.12:5073) registers: REGISTER 401, REGISTER 200;
#   carol (baresip 127.0.0.13:5075, wrong password) loops on 401;
#   alice (baresip 127.0.0.11:5071) calls bob through kamailio (407, auth,
#         relayed, auto-answer), hangs up after 3 s.
# Two captures of the same run: NAME.pcap (only the HEP datagrams
# to the collector) and NAME-wire.pcap (the SIP ports, without the
# collector port; tshark-verified .expect).  HEP_TRANSPORT=tcp: kamailio
# sends HEP over one TCP connection (it also listens on tcp:127.0.0.10:5070,
# which it needs to open connections; the phones still use UDP).
# HEP_SNGREP_AGENT=1: sngrep (-N -q -d lo, eep.send.id 2030) sniffs the
# SIP on the loopback and sends HEP v3 to the same collector, a second
# agent exporting the same messages.
hep_kamailio_run() {
	local name="$1" version="$2" node="$3"; shift 3
	local tr="${HEP_TRANSPORT:-udp}"
	sw_setup "$name"
	hep_collector collector 127.0.0.16 9060 "$tr"
	sw_capture_start "udp and (port 5070 or port 5071 or port 5073 or port 5075) and not port 9060"
	if [ "$tr" = tcp ]; then
		# both directions: the collector's SYN-ACK and ACKs are in the file
		hep_capture_start hepcap "tcp and host 127.0.0.16 and port 9060"
		hep_kamailio kam "udp:127.0.0.10:5070 tcp:127.0.0.10:5070" \
			-A HEP_VERSION="$version" -A HEP_ID="$node" \
			-A HEP_COLLECTOR='"sip:127.0.0.16:9060;transport=tcp"' "$@"
	else
		hep_capture_start hepcap "udp and dst host 127.0.0.16 and dst port 9060"
		hep_kamailio kam "udp:127.0.0.10:5070" -A HEP_VERSION="$version" -A HEP_ID="$node" "$@"
	fi
	if [ "${HEP_SNGREP_AGENT:-0}" = 1 ]; then
		# second agent: sngrep sniffing kamailio's SIP port on the loopback
		echo "set eep.send.id 2030" >"$SW_WORK/sngreprc"
		# no BPF filter: sngrep 1.6 takes its first free argument as a
		# match expression.  It ignores the HEP datagrams (not SIP).
		sw_bg sngrep sngrep -F -f "$SW_WORK/sngreprc" -N -q -d lo \
			-H udp:127.0.0.16:9060
		sleep 2
		kill -0 "$(cat "$SW_WORK/sngrep.pid")" || { cat "$SW_WORK/sngrep.log" >&2; exit 1; }
	fi
	sw_baresip bob "127.0.0.12:5073" 5583 \
		"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=300;answermode=auto"
	sleep 1
	sw_baresip carol "127.0.0.13:5075" 5585 \
		"<sip:carol@127.0.0.10:5070;transport=udp>;auth_pass=not-the-password;regint=300"
	sleep 1
	sw_baresip alice "127.0.0.11:5071" 5581 \
		"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0"
	sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
	sleep 3
	sw_cmd 5581 "/hangup"
	sleep 1
	sw_stop sngrep
	hep_capture_finish hepcap "$name"
	sw_capture_finish "$name-wire"
	sw_cmd 5581 "/quit"
	sw_cmd 5583 "/quit"
	sw_cmd 5585 "/quit"
	sw_log "collector: $(tail -1 "$SW_WORK/collector.log")"
}

# hep_sngrep_run NAME SOURCE NODE-ID [SNGREP-SETTING-LINE]...: sngrep -N -I
# pcaps/SOURCE.pcap -H udp:127.0.0.17:9062 in the namespace, with its own
# config file (-F -f: eep.send.id NODE-ID plus the given "set ..." lines),
# the HEP datagrams captured to NAME.pcap.  sngrep runs in the
# foreground, without its interface (-N -q), bounded by timeout.
hep_sngrep_run() {
	local name="$1" src="$2" node="$3"; shift 3
	local l
	sw_setup "$name"
	hep_collector collector 127.0.0.17 9062
	sw_capture_start "udp and dst host 127.0.0.17 and dst port 9062"
	{
		echo "set eep.send.id $node"
		for l in "$@"; do echo "$l"; done
	} >"$SW_WORK/sngreprc"
	sw_log "sngrep -I $src.pcap -H udp:127.0.0.17:9062 ($(tr '\n' ';' <"$SW_WORK/sngreprc"))"
	nsx timeout 30 sngrep -F -f "$SW_WORK/sngreprc" -N -q \
		-I "$SW_PCAPS/$src.pcap" -H udp:127.0.0.17:9062 \
		>"$SW_WORK/sngrep.log" 2>&1 || { cat "$SW_WORK/sngrep.log" >&2; exit 1; }
	sw_capture_finish "$name"
	sw_log "collector: $(tail -1 "$SW_WORK/collector.log")"
}

# hep_findings_of NAME: the finding rules of pcaps/NAME.expect (one word each)
hep_findings_of() {
	awk '$1=="finding" {print $2}' "$SW_PCAPS/$1.expect"
}

# hep_compare NAME WIRE [unpaired-ok]: write pcaps/NAME.compare,
# the output of recipes/hep-compare.py WIRE NAME.pcap (paths
# relative to pcaps/), with that command on its first line; fails if the
# messages do not pair one to one, unless unpaired-ok is given
hep_compare() {
	local name="$1" wire="$2" ok="${3:-}" out="$HEP_PENDING/$1.compare"
	{
		echo "# recipes/hep-compare.py $wire $name.pcap"
		(cd "$SW_PCAPS" && python3 recipes/hep-compare.py "$wire" "$name.pcap")
	} >"$out" || [ "$ok" = unpaired-ok ] \
		|| { sw_log "HEP and wire do not pair: see $out"; exit 1; }
	sw_log "wrote $out: $(grep '^# [0-9]* pairs' "$out")"
}
