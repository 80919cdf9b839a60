#!/bin/bash
# refer-no-notify-udp: the transferee never notifies.  SIPp (scenario
# sipp/transferee-uac.xml.in, REFER answered 202 Accepted) calls bob
# (baresip, auto-answer); bob transfers the call to carol: REFER -> 202
# Accepted, and then no NOTIFY at all (SIPp does not implement the refer
# subscription).  10 s later SIPp hangs up (BYE/200); baresip then tries to
# end the implicit subscription with SUBSCRIBE (Expires: 0) -> 481.
# Real behaviour of the scripted transferee, nothing removed afterwards.
# Expected diagnosis: refer-no-notify.
. "$(dirname "$0")/lib.sh"
NAME=refer-no-notify-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5073 or port 5077)"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sed 's/@REFER_CODE@/202/; s/@REFER_REASON@/Accepted/; s/@HOLD_MS@/10000/' \
	"$SW_RECIPES/sipp/transferee-uac.xml.in" >"$SW_WORK/transferee.xml"
sw_bg sipp sipp -sf "$SW_WORK/transferee.xml" -i 127.0.0.14 -p 5077 \
	-mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin -timeout 40s \
	127.0.0.12:5073
sleep 2
sw_cmd 5583 "/transfer sip:carol@127.0.0.13:5075"
for i in $(seq 1 40); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" refer-no-notify
