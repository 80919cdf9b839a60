#!/bin/bash
# options-icmp-unreachable-udp: SIP requests sent to a UDP port where nothing
# listens (127.0.0.15:5081 and [::1]:5081).  The kernel answers every
# datagram with an ICMP (ICMPv6) "port unreachable" error that quotes the
# IP/UDP headers and the SIP request itself:
#   1. sipsak: one OPTIONS from 127.0.0.11:5071.  sipsak's UDP socket is
#      connected, so it receives the error at once ("Connection refused")
#      and gives up without retransmitting;
#   2. SIPp (built-in uac scenario, -max_invite_retrans 4): one INVITE from
#      127.0.0.14:5077, sent 5 times (timer A: 0.5, 1, 2, 4 s).  SIPp's
#      socket is not connected, so it never sees the ICMP errors: it keeps
#      retransmitting and aborts the call on its own after about 16 s
#      ("UDP retransmission timeout");
#   3. SIPp (sipp/uac-options.xml, -max_non_invite_retrans 3): one OPTIONS
#      from [::1]:5077 to [::1]:5081, sent 4 times, each answered with an
#      ICMPv6 port unreachable.
# tshark's sip,stat counts only the real SIP datagrams, not the copies
# quoted inside the ICMP errors.
# Expected diagnosis: destination-unreachable.
. "$(dirname "$0")/lib.sh"
NAME=options-icmp-unreachable-udp
sw_setup "$NAME"
command -v sipsak >/dev/null || { echo "missing sipsak (apt-get install sipsak)" >&2; exit 1; }
sw_capture_start "udp port 5081 or icmp or icmp6"
# sipsak exits 3 ("send failure: Connection refused"): expected
nsx timeout 10 sipsak -vv -s "sip:bob@127.0.0.15:5081" --local-ip 127.0.0.11 \
	-l 5071 >"$SW_WORK/sipsak.log" 2>&1 || true
cat "$SW_WORK/sipsak.log" >&2
sleep 1
# SIPp exits 1 (the call failed): expected
nsx timeout 40 sipp -sn uac -i 127.0.0.14 -p 5077 -mi 127.0.0.14 -mp 6000 \
	-t u1 -m 1 -s bob -nostdin -max_invite_retrans 4 \
	127.0.0.15:5081 >"$SW_WORK/sipp-invite.log" 2>&1 || true
sleep 1
nsx timeout 30 sipp -sf "$SW_RECIPES/sipp/uac-options.xml" -i ::1 -p 5077 \
	-t u1 -m 1 -s bob -nostdin -max_non_invite_retrans 3 \
	"[::1]:5081" >"$SW_WORK/sipp-options6.log" 2>&1 || true
sw_capture_finish "$NAME"
sw_expect "$NAME" destination-unreachable
# tshark's sip,stat does not count the SIP quoted inside ICMP errors, so the
# counts above are the real SIP datagrams only: say so in the .expect
{
	echo "# sip_messages and requests.* count only the SIP datagrams really sent"
	echo "# ($(tshark -r "$SW_PCAPS/$NAME.pcap" -Y 'sip && !icmp && !icmpv6' 2>/dev/null | wc -l));"
	echo "# the $(tshark -r "$SW_PCAPS/$NAME.pcap" -Y 'sip && (icmp || icmpv6)' 2>/dev/null | wc -l) copies quoted inside ICMP/ICMPv6 errors are not SIP messages"
	echo "# (tshark -Y sip matches those frames too, but sip,stat does not count them)"
} >>"$SW_PCAPS/$NAME.expect"
