#!/bin/bash
# invite-fragmented-ipv6-udp: real kernel IPv6 fragmentation.  Same call as
# invite-fragmented-udp but over ::1: the namespace loopback gets MTU 1500,
# SIPp (scenario sipp/uac-big-invite.xml) sends a ~3.5 KB INVITE to bob
# (baresip, auto-answer, [::1]:5073), which leaves as IPv6 fragments
# (Fragment extension header); 180, 200, ACK, 2 s later BYE -> 200.
# Healthy call.
. "$(dirname "$0")/lib.sh"
NAME=invite-fragmented-ipv6-udp
sw_setup "$NAME" 1500
# IPv6 fragments after the first carry no UDP header: also keep every packet
# whose next header is Fragment (44); RTP/RTCP stay out of the capture
sw_capture_start "ip6 and (port 5073 or port 5077 or ip6[6] == 44)"
sw_baresip bob "[::1]:5073" 5583 \
	"<sip:bob@[::1]:5073;transport=udp>;regint=0;answermode=auto"
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-big-invite.xml" -i ::1 \
	-p 5077 -mi ::1 -mp 6000 -t u1 -m 1 -s bob -nostdin \
	-timeout 30s "[::1]:5073"
for i in $(seq 1 40); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
