#!/bin/bash
# tls-expect.sh FILE.pcap KEYLOG FINDING... [-- COMMENT...]: print the .expect
# content for a TLS capture.  Like expect.sh, but tshark decrypts with the
# NSS key log KEYLOG (-o tls.keylog_file), so the SIP counts are those of the
# decrypted traffic.  TLS facts (connections, version and cipher suite of
# each ServerHello, SIP seen without the key log) are written as comments,
# and so is each COMMENT after "--" (e.g. "tls_not_decrypted no_key").
set -euo pipefail
f="$1"; k="$2"; shift 2
findings=(); comments=()
while [ $# -gt 0 ]; do
	if [ "$1" = "--" ]; then shift; comments=("$@"); break; fi
	findings+=("$1"); shift
done
[ ${#findings[@]} -ge 1 ] || { echo "usage: $0 FILE.pcap KEYLOG FINDING... [-- COMMENT...]" >&2; exit 2; }
T() { tshark -n -o sip.display_raw_text:FALSE -o "tls.keylog_file:$k" -r "$f" "$@" 2>/dev/null; }
N() { tshark -n -r "$f" "$@" 2>/dev/null; }   # without the key log

ver="$(tshark --version 2>/dev/null | head -1 | awk '{print $3}')"
stat="$(T -q -z sip,stat)"
echo "# verified with tshark $ver and the key log $(basename "$k")"
# TLS facts: one line per ServerHello (stream, negotiated version, suite)
conns="$(N -Y 'tcp' -T fields -e tcp.stream | sort -u | grep -c . || true)"
hellos="$(N -Y 'tls.handshake.type==2' | wc -l)"
echo "# tls.connections $conns ($hellos with their handshake in the capture)"
N -Y 'tls.handshake.type==2' -O tcp,tls -V | awk '
	/\[Stream index:/ {s=$3; sub(/\]/, "", s)}
	/Handshake Type: Server Hello \(2\)/ {sh=1; v=""; sv=""}
	sh && /^ +Version: TLS/ && v=="" {sub(/^ +Version: /, ""); v=$0}
	sh && /Supported Version:/ {sub(/^ +Supported Version: /, ""); sv=$0}
	sh && /Cipher Suite:/ {sub(/^ +Cipher Suite: /, ""); cs=$0}
	/^Frame / || /^$/ {if (cs != "") print "# tls.server_hello stream " s ": " (sv != "" ? sv : v) ", " cs; cs=""; sh=0}
	END {if (cs != "") print "# tls.server_hello stream " s ": " (sv != "" ? sv : v) ", " cs}'
echo "# tls.keyupdate_records $(T -Y 'tls.handshake.type==24' | wc -l)"
echo "# sip_messages_without_keylog $(N -q -z sip,stat | awk -F: '/Number of SIP messages/ {gsub(/ /,"",$2); print $2}')"
for c in ${comments[@]+"${comments[@]}"}; do echo "# $c"; done
echo "packets $(capinfos -M -c "$f" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')"
echo "sip_messages $(awk -F: '/Number of SIP messages/ {gsub(/ /,"",$2); print $2}' <<<"$stat")"
awk '/List of SIP Request methods/ {m=1; next} /^\*/ {m=0} m && NF>=4 && $2==":" {print "requests." $1, $3}' <<<"$stat"
awk '/SIP Status Codes in reply packets/ {m=1; next} /^\*/ {m=0} m && $1=="SIP" {print "responses." $2, $(NF-1)}' <<<"$stat" | sort -t. -k2 -n
echo "ip_fragments_reassembled $(T -Y 'ip.fragments || ipv6.fragments' | wc -l)"
echo "tcp_streams $(T -Y 'sip && tcp' -T fields -e tcp.stream | sort -u | grep -c . || true)"
for x in "${findings[@]}"; do echo "finding $x"; done
