#!/bin/bash
# invite-fragmented-proxy-udp: IPv4 fragmentation through a proxy.  The
# namespace loopback gets MTU 1500.  SIPp (scenario
# sipp/uac-big-invite-auth.xml) sends a ~3.5 KB INVITE to kamailio
# (authenticating, record-routing proxy) -> 407, ACK, the INVITE again with
# Proxy-Authorization -> 100, kamailio relays it to bob (baresip,
# auto-answer) -> 180, 200, ACK, 2 s later BYE -> 200.  Each of the three
# big INVITE datagrams (two from SIPp, one from kamailio) is fragmented by
# the kernel.  Healthy call (the single 407 is answered with credentials).
. "$(dirname "$0")/lib.sh"
NAME=invite-fragmented-proxy-udp
sw_setup "$NAME" 1500
# IP fragments after the first carry no UDP header: keep every packet with a
# non-zero fragment offset too; RTP/RTCP stay out of the capture
sw_capture_start "ip and (udp port 5070 or udp port 5073 or udp port 5077 or (ip[6:2] & 0x1fff != 0))"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;regint=0;answermode=auto"
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-big-invite-auth.xml" -i 127.0.0.14 \
	-p 5077 -mi 127.0.0.14 -mp 6000 -t u1 -m 1 -s bob -nostdin \
	-timeout 30s 127.0.0.10:5070
for i in $(seq 1 40); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
