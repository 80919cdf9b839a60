#!/bin/bash
# refer-declined-udp: REFER refused.  SIPp (scenario
# sipp/transferee-uac.xml.in, REFER answered 603 Decline) calls bob (baresip,
# auto-answer); bob tries to transfer the call to carol: REFER -> 603
# Decline; baresip then ends the call itself (BYE -> 200 from SIPp).
# Expected diagnosis: refer-failed.
. "$(dirname "$0")/lib.sh"
NAME=refer-declined-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5073 or port 5077)"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sed 's/@REFER_CODE@/603/; s/@REFER_REASON@/Decline/; s/@HOLD_MS@/5000/' \
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
sw_expect "$NAME" refer-failed
