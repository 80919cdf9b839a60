#!/bin/bash
# invite-ack-missing-udp: a call answered 200 OK whose ACK never arrives.
# SIPp (scenario sipp/uac-no-ack.xml) calls bob (baresip, auto-answer):
# INVITE -> 180, 200 OK, and SIPp never sends the ACK.  baresip retransmits
# the 200 OK (RFC 3261 timer G: 0.5, 1, 2, 4, 4 ... s) until 64*T1 = 32 s,
# then gives up and hangs up: BYE -> 200 OK.  At about 35 s bob sends an
# OPTIONS to SIPp (answered 200 OK by SIPp's out-of-call scenario, -oocsn
# ooc_default), so the capture visibly lasts past the 32 s timeout.  This is
# the classic "call drops after 32 seconds" (the ACK is lost on its way:
# wrong Contact or Record-Route, NAT).
# Expected diagnosis: ack-missing.
. "$(dirname "$0")/lib.sh"
NAME=invite-ack-missing-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5073 or port 5077)"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-no-ack.xml" -i 127.0.0.14 -p 5077 \
	-mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin -timeout 50s \
	-oocsn ooc_default 127.0.0.12:5073
sleep 35
sw_cmd 5583 "/options sip:alice@127.0.0.14:5077"
for i in $(seq 1 30); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" ack-missing
