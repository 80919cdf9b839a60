# Shared helpers for the sipwatch pcap recipes.  Source it from a recipe:
#   . "$(dirname "$0")/lib.sh"
# Everything runs inside a private network namespace created here (only its
# loopback, addresses 127.0.0.10-127.0.0.20 and ::1, ports 5070-5090), so
# nothing leaves the namespace and nothing else on the host is disturbed.
# Every background process is started with its PID recorded in $SW_WORK/*.pid
# and is stopped by that PID in sw_cleanup (run from an EXIT trap).

set -euo pipefail

SW_RECIPES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# where captures are written: pcaps/, or SW_PCAPS_OUT (a run that checks
# rather than records, such as hep-kamailio-live.sh)
SW_PCAPS="${SW_PCAPS_OUT:-$(cd "$SW_RECIPES/.." && pwd)}"
SW_NS=""
SW_WORK=""
SW_KEEP="${SW_KEEP:-0}"        # SW_KEEP=1 keeps the temp dir for debugging

sw_log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# sw_setup NAME [MTU]: temp dir, netns with lo up (optionally lower MTU)
sw_setup() {
	local name="$1" mtu="${2:-}"
	for tool in ip dumpcap; do
		command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
	done
	SW_WORK="$(mktemp -d "/tmp/sipwatch-pcap-$name.XXXXXX")"
	SW_NS="swpcap-$$"
	trap sw_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$SW_NS"
	if [ -n "$mtu" ]; then
		ip netns exec "$SW_NS" ip link set lo up mtu "$mtu"
	else
		ip netns exec "$SW_NS" ip link set lo up
	fi
	sw_log "netns $SW_NS, work dir $SW_WORK"
}

# run a command inside the namespace
nsx() { ip netns exec "$SW_NS" "$@"; }

# sw_bg NAME CMD...: start CMD in the namespace in the background, PID in
# NAME.pid.  "ip netns exec" exec()s the command, so $! is the command's own
# PID (do not wrap this in a function or subshell: $! would be the subshell).
sw_bg() {
	local name="$1"; shift
	ip netns exec "$SW_NS" "$@" >"$SW_WORK/$name.log" 2>&1 &
	echo $! >"$SW_WORK/$name.pid"
}

# sw_descendants PID: PIDs of all descendants of PID (children first level
# first), found through their parent PID
sw_descendants() {
	local k
	for k in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$k"
		sw_descendants "$k"
	done
}

# sw_kill_pid PID: TERM, wait up to 5 s, then KILL
sw_kill_pid() {
	local pid="$1" i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

# sw_stop NAME: stop a process started by sw_bg, and any of its descendants
# left behind (kamailio's worker processes), all by PID
sw_stop() {
	local pidf="$SW_WORK/$1.pid" pid kids k
	[ -f "$pidf" ] || return 0
	pid="$(cat "$pidf")"
	kids="$(sw_descendants "$pid")"
	ps -o comm= -p "$pid" >"$pidf.comm" 2>/dev/null || true
	sw_kill_pid "$pid"
	wait "$pid" 2>/dev/null || true
	for k in $kids; do
		# skip a PID that now belongs to another program (reuse)
		[ "$(ps -o comm= -p "$k" 2>/dev/null)" = "$(cat "$pidf.comm" 2>/dev/null)" ] \
			&& sw_kill_pid "$k"
	done
	rm -f "$pidf.comm"
	rm -f "$pidf"
}

sw_cleanup() {
	local rc=$?
	set +e
	if [ -n "$SW_WORK" ] && [ -d "$SW_WORK" ]; then
		local f
		# stop everything except the capture first, the capture last
		for f in "$SW_WORK"/*.pid; do
			[ -e "$f" ] || continue
			case "$f" in */capture.pid) continue ;; esac
			sw_stop "$(basename "$f" .pid)"
		done
		sw_stop capture
	fi
	if [ -n "$SW_NS" ]; then
		ip netns del "$SW_NS" 2>/dev/null
	fi
	if [ -n "$SW_WORK" ] && [ "$SW_KEEP" != 1 ]; then
		rm -rf "$SW_WORK"
	elif [ -n "$SW_WORK" ]; then
		sw_log "kept $SW_WORK"
	fi
	exit $rc
}

# sw_capture_start FILTER: dumpcap on the namespace loopback, classic pcap
sw_capture_start() {
	local filter="$1" i
	sw_bg capture dumpcap -q -P -i lo -s 0 -f "$filter" -w "$SW_WORK/capture.pcap"
	for i in $(seq 1 50); do
		[ -s "$SW_WORK/capture.pcap" ] && break
		sleep 0.1
	done
	sleep 0.5
}

# sw_capture_finish OUTNAME: stop capture, copy to pcaps/OUTNAME.pcap
sw_capture_finish() {
	local out="$SW_PCAPS/$1.pcap"
	sleep 0.5
	sw_stop capture
	cp "$SW_WORK/capture.pcap" "$out"
	chmod 644 "$out"
	sw_log "wrote $out ($(stat -c %s "$out") bytes)"
}

# sw_kamailio NAME ADDR-LISTS [-A DEFINE]...: start kamailio
#   e.g. sw_kamailio kam "udp:127.0.0.10:5070" -A WITH_STALE_LOOP
sw_kamailio() {
	local name="$1" listen="$2"; shift 2
	local args=() l
	for l in $listen; do args+=(-l "$l"); done
	kamailio -c -f "$SW_RECIPES/kamailio.cfg" "$@" >"$SW_WORK/$name.check" 2>&1 \
		|| { cat "$SW_WORK/$name.check" >&2; exit 1; }
	sw_bg "$name" kamailio -f "$SW_RECIPES/kamailio.cfg" -DD -E -m 32 -M 4 \
		-w "$SW_WORK" -Y "$SW_WORK" "${args[@]}" "$@"
	local i
	for i in $(seq 1 50); do
		grep -q "INFO: <core>.*main.c.*\|Listening on" "$SW_WORK/$name.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -0 "$(cat "$SW_WORK/$name.pid")" || { cat "$SW_WORK/$name.log" >&2; exit 1; }
}

# sw_baresip NAME SIP_LISTEN CONS_PORT ACCOUNT_LINE [EXTRA_CONFIG_LINES]
# Writes a minimal baresip config (g711, sine source, wav-file player, cons
# console on 127.0.0.20:CONS_PORT) and starts baresip in the namespace.
sw_baresip() {
	local name="$1" listen="$2" cport="$3" account="$4" extra="${5:-}"
	local dir="$SW_WORK/$name"
	local ifaddr="${listen%:*}"
	ifaddr="${ifaddr#[}"; ifaddr="${ifaddr%]}"
	mkdir -p "$dir"
	cat >"$dir/config" <<EOC
poll_method		epoll
sip_listen		$listen
call_local_timeout	120
call_max_calls		4
audio_player		aufile,$dir/played.wav
audio_source		ausine,440
ausrc_srate		48000
ausrc_channels		2
audio_alert		aufile,$dir/alert.wav
rtp_ports		10000-10100
net_interface		$ifaddr
module_path		/usr/lib/baresip/modules
module			cons.so
module			g711.so
module			ausine.so
module			aufile.so
module_tmp		account.so
module_app		menu.so
cons_listen		127.0.0.20:$cport
$extra
EOC
	printf '%s\n' "$account" >"$dir/accounts"
	: >"$dir/contacts"
	sw_bg "$name" baresip -f "$dir"
	sleep 1
	kill -0 "$(cat "$SW_WORK/$name.pid")" || { cat "$SW_WORK/$name.log" >&2; exit 1; }
}

# sw_cmd CONS_PORT "COMMAND": send one command line to a baresip cons console
sw_cmd() {
	local port="$1" cmd="$2"
	sw_log "baresip@$port <- $cmd"
	nsx timeout 5 python3 - "$port" "$cmd" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
s.sendto((sys.argv[2] + "\n").encode(), ("127.0.0.20", int(sys.argv[1])))
try:
    while True:
        data = s.recv(65535)
        sys.stderr.write(data.decode(errors="replace"))
except OSError:
    pass
EOP
}

# sw_expect NAME FINDING...: write pcaps/NAME.expect from the capture using
# tshark/capinfos (see expect.sh), with one "finding" line per argument
sw_expect() {
	local name="$1"; shift
	"$SW_RECIPES/expect.sh" "$SW_PCAPS/$name.pcap" "$@" >"$SW_PCAPS/$name.expect"
	sw_log "wrote $SW_PCAPS/$name.expect"
	cat "$SW_PCAPS/$name.expect" >&2
}
