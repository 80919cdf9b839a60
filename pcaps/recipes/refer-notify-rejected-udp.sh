#!/bin/bash
# refer-notify-rejected-udp: the transfer progress reports are refused.
# SIPp (scenario sipp/transferor-notify-reject-uac.xml.in) calls bob
# (baresip, auto-answer) and, 2 s into the call, transfers him to carol
# (baresip, auto-answer): REFER -> 202 Accepted.  bob, the transferee,
# reports progress with NOTIFY (Event: refer;id=2, Subscription-State:
# active, sipfrag "SIP/2.0 100 Trying"), which SIPp answers 488 Not
# Acceptable Here (as it would every NOTIFY).  baresip takes that as a
# failed transfer ("menu: transfer failure: 488 Not Acceptable Here"),
# sends no further NOTIFY and hangs up the original call (BYE -> 200 from
# SIPp), while its INVITE to carol, already sent, goes on: 180, 200, ACK.
# (The BYE to SIPp and carol's answers race: their order varies between
# runs, the counts do not.)  1 s after SIPp has exited, bob hangs up on
# carol (BYE -> 200), so no call is left open.
# Expected diagnosis: refer-notify-rejected.
. "$(dirname "$0")/lib.sh"
NAME=refer-notify-rejected-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5073 or port 5075 or port 5077)"
sw_baresip carol "127.0.0.13:5075" 5585 \
	"<sip:carol@127.0.0.13:5075;transport=udp>;regint=0;answermode=auto"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sed 's/@CAROL@/127.0.0.13:5075/' "$SW_RECIPES/sipp/transferor-notify-reject-uac.xml.in" \
	>"$SW_WORK/transferor.xml"
sw_bg sipp sipp -sf "$SW_WORK/transferor.xml" -i 127.0.0.14 -p 5077 \
	-mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin -timeout 40s \
	127.0.0.12:5073
for i in $(seq 1 60); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sleep 1
sw_cmd 5583 "/hangup"
sleep 1
sw_capture_finish "$NAME"
for p in 5583 5585; do sw_cmd $p "/quit"; done
sw_expect "$NAME" refer-notify-rejected
