#!/bin/bash
# invite-486-ack-missing-udp: a call rejected with 486 whose ACK never
# arrives.  SIPp (scenario sipp/uac-no-ack-486.xml) calls bob (baresip,
# manual answer): INVITE -> 180 Ringing; 2 s later bob rejects the call
# (cons command /hangup on a ringing call: 486 Rejected).  SIPp never sends
# the ACK, so bob's INVITE server transaction (libre) retransmits the 486
# (RFC 3261 timer G: 0.5, 1, 2, 4, 4 ... s) until timer H (64*T1 = 32 s)
# ends it.  About 34.5 s after the 486, sipsak sends an unrelated OPTIONS
# to bob (answered 200 OK), so the capture visibly lasts past timer H.  In
# real networks the ACK of an error response gets lost the same ways as a
# 2xx ACK (NAT, wrong Via or route).
# Expected diagnosis: ack-missing.
. "$(dirname "$0")/lib.sh"
NAME=invite-486-ack-missing-udp
sw_setup "$NAME"
command -v sipsak >/dev/null || { echo "missing sipsak (apt-get install sipsak)" >&2; exit 1; }
sw_capture_start "udp and (port 5073 or port 5077)"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0"
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-no-ack-486.xml" -i 127.0.0.14 -p 5077 \
	-mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin -timeout 50s \
	127.0.0.12:5073
sleep 2
sw_cmd 5583 "/hangup"
sleep 34.5
nsx timeout 10 sipsak -vv -s "sip:bob@127.0.0.12:5073" --local-ip 127.0.0.11 \
	-l 5071 >"$SW_WORK/sipsak.log" 2>&1 || true
cat "$SW_WORK/sipsak.log" >&2
for i in $(seq 1 20); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" ack-missing
