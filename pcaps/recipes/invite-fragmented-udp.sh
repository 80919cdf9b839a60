#!/bin/bash
# invite-fragmented-udp: real kernel IPv4 fragmentation.  The namespace
# loopback gets MTU 1500; SIPp (scenario sipp/uac-big-invite.xml) calls bob
# (baresip, auto-answer) with a ~3.5 KB INVITE, which the kernel sends as
# 3 IPv4 fragments; 180, 200 (with SDP), ACK, 2 s later BYE -> 200.
# Healthy call.
. "$(dirname "$0")/lib.sh"
NAME=invite-fragmented-udp
sw_setup "$NAME" 1500
# IP fragments after the first carry no UDP header: keep every packet with a
# non-zero fragment offset too; RTP/RTCP stay out of the capture
sw_capture_start "ip and (udp port 5073 or udp port 5077 or (ip[6:2] & 0x1fff != 0))"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-big-invite.xml" -i 127.0.0.14 \
	-p 5077 -mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin \
	-timeout 30s 127.0.0.12:5073
for i in $(seq 1 40); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
