#!/bin/bash
# expect.sh FILE.pcap FINDING... : print the .expect content for a capture.
# Counts come from tshark/capinfos; the findings are given by the recipe
# (the diagnosis sipwatch is expected to report; "none" for healthy).
set -euo pipefail
f="$1"; shift
[ $# -ge 1 ] || { echo "usage: $0 FILE.pcap FINDING..." >&2; exit 2; }
T() { tshark -n -o sip.display_raw_text:FALSE -r "$f" "$@" 2>/dev/null; }

ver="$(tshark --version 2>/dev/null | head -1 | awk '{print $3}')"
stat="$(T -q -z sip,stat)"
echo "# verified with tshark $ver"
echo "packets $(capinfos -M -c "$f" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')"
echo "sip_messages $(awk -F: '/Number of SIP messages/ {gsub(/ /,"",$2); print $2}' <<<"$stat")"
# request methods, in order of appearance
awk '/List of SIP Request methods/ {m=1; next} /^\*/ {m=0} m && NF>=4 && $2==":" {print "requests." $1, $3}' <<<"$stat"
# status codes, ascending
awk '/SIP Status Codes in reply packets/ {m=1; next} /^\*/ {m=0} m && $1=="SIP" {print "responses." $2, $(NF-1)}' <<<"$stat" | sort -t. -k2 -n
echo "ip_fragments_reassembled $(T -Y 'ip.fragments || ipv6.fragments' | wc -l)"
echo "tcp_streams $(T -Y 'sip && tcp' -T fields -e tcp.stream | sort -u | grep -c . || true)"
for x in "$@"; do echo "finding $x"; done
