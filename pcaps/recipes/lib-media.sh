# Helpers for the media recipes (captures in pcaps/ with SIP and
# RTP/RTCP).  Source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/lib-media.sh"
# Adds: a baresip start with its own RTP port range and codec modules,
# nftables rules inside a namespace, extra namespaces joined by veth pairs
# (for the NAT recipe), and the .rtp-streams file written with tshark.

# sw_media_trap: replace lib.sh's EXIT trap so that the extra namespaces are
# deleted after every process (in any namespace) has been stopped by PID
sw_media_trap() {
	trap sw_media_cleanup EXIT
}

sw_media_cleanup() {
	local rc=$? f ns
	set +e
	if [ -n "$SW_WORK" ] && [ -d "$SW_WORK" ]; then
		for f in "$SW_WORK"/*.pid; do
			[ -e "$f" ] || continue
			case "$f" in */capture.pid) continue ;; esac
			sw_stop "$(basename "$f" .pid)"
		done
		sw_stop capture
	fi
	if [ -n "$SW_WORK" ] && [ -f "$SW_WORK/netns.list" ]; then
		for ns in $(cat "$SW_WORK/netns.list"); do
			ip netns del "$ns" 2>/dev/null
		done
	fi
	(exit $rc)
	sw_cleanup
}

# sw_media_ns SUFFIX: create namespace swpcap-<pid>-SUFFIX with lo up and
# print its name; its name goes to $SW_WORK/netns.list for the cleanup
sw_media_ns() {
	local ns="swpcap-$$-$1"
	echo "$ns" >>"$SW_WORK/netns.list"
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	echo "$ns"
}

# sw_media_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: veth pair between two
# namespaces, addresses in CIDR form (e.g. 192.168.1.20/24), links up
sw_media_veth() {
	local ns1="$1" if1="$2" a1="$3" ns2="$4" if2="$5" a2="$6"
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2"
	ip -n "$ns1" addr add "$a1" dev "$if1"
	ip -n "$ns2" addr add "$a2" dev "$if2"
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

# sw_nft RULES...: load nftables rules (nft -f syntax, one argument per
# line) into the current namespace ($SW_NS; override with SW_NS=... sw_nft)
sw_nft() {
	sw_log "nft [$SW_NS]: $*"
	printf '%s\n' "$@" | ip netns exec "$SW_NS" nft -f -
}

# sw_media_baresip NAME SIP_LISTEN CONS_PORT RTP_RANGE ACCOUNT [CODECS]
# A baresip with the 440 Hz sine source, RTP/RTCP ports in RTP_RANGE
# (e.g. 10000-10019), codec modules CODECS (default "g711"), cons console on
# 127.0.0.20:CONS_PORT.  Runs in $SW_NS (override with SW_NS=...).
sw_media_baresip() {
	local name="$1" listen="$2" cport="$3" range="$4" account="$5"
	local codecs="${6:-g711}" dir="$SW_WORK/$1" c mods=""
	local ifaddr="${listen%:*}"
	for c in $codecs; do mods="${mods}module			$c.so"$'\n'; done
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
rtp_ports		$range
rtcp_mux		no
net_interface		$ifaddr
module_path		/usr/lib/baresip/modules
module			cons.so
${mods}module			ausine.so
module			aufile.so
module_tmp		account.so
module_app		menu.so
cons_listen		127.0.0.20:$cport
EOC
	printf '%s\n' "$account" >"$dir/accounts"
	: >"$dir/contacts"
	sw_bg "$name" baresip -f "$dir"
	sleep 1
	kill -0 "$(cat "$SW_WORK/$name.pid")" || { cat "$SW_WORK/$name.log" >&2; exit 1; }
}

# sw_rtp_streams NAME [TSHARK_OPTIONS...]: write pcaps/NAME.rtp-streams,
# tshark's RTP stream table, with the exact command as its first line
sw_rtp_streams() {
	local name="$1"; shift
	local out="$SW_PCAPS/$name.rtp-streams" base
	base="$(basename "$name")"
	echo "# tshark -n -r $base.pcap -q -o rtp.heuristic_rtp:TRUE${*:+ $*} -z rtp,streams" >"$out"
	(cd "$(dirname "$SW_PCAPS/$name.pcap")" &&
		tshark -n -r "$base.pcap" -q -o rtp.heuristic_rtp:TRUE "$@" -z rtp,streams) >>"$out"
	sw_log "wrote $out"
	cat "$out" >&2
}

# sw_media_lo_src DST SRC: inside the namespace, packets to DST from a socket
# bound to the any-address leave with source SRC instead of 127.0.0.1.
# baresip binds its RTP/RTCP sockets to the any-address, so without this its
# media would come from 127.0.0.1 rather than from the address in its SDP.
sw_media_lo_src() {
	nsx ip route add local "$1/32" dev lo src "$2" table local
}

# sw_media_capture_start IFACE FILTER: as sw_capture_start, on IFACE of $SW_NS
sw_media_capture_start() {
	local iface="$1" filter="$2" i
	sw_bg capture dumpcap -q -P -i "$iface" -s 0 -f "$filter" -w "$SW_WORK/capture.pcap"
	for i in $(seq 1 50); do
		[ -s "$SW_WORK/capture.pcap" ] && break
		sleep 0.1
	done
	sleep 0.5
}

# sw_media_port_src PORTS SRC TABLE: inside the namespace, UDP sent from a
# socket bound to the any-address with a source port in PORTS (e.g.
# 10000-10019) leaves with source SRC, whatever its destination.  Needed when
# two phones send media to the same address (a media relay), where
# sw_media_lo_src cannot tell them apart.  Moves the "local" table's rule
# from priority 0 to 100 so that the port rule (priority 10) comes first.
sw_media_port_src() {
	local ports="$1" src="$2" table="$3"
	if ! nsx ip rule show pref 100 | grep -q 'lookup local'; then
		nsx ip rule add pref 100 lookup local
		nsx ip rule del pref 0
	fi
	nsx ip route add local 127.0.0.0/8 dev lo src "$src" table "$table"
	nsx ip rule add pref 10 ipproto udp sport "$ports" lookup "$table"
}
