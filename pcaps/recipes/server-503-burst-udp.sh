#!/bin/bash
# server-503-burst-udp: a burst of calls refused by one server.  kamailio
# runs recipes/kamailio-unavailable.cfg (maintenance mode: every INVITE is
# answered statelessly "503 Service Unavailable" with Retry-After: 120).
# SIPp (scenario sipp/uac-503.xml) places 15 calls at 5 calls/s: each is
# INVITE -> 503 -> ACK (same transaction).  kamailio's sl module absorbs the
# ACKs.  Expected diagnosis: server-errors.
. "$(dirname "$0")/lib.sh"
NAME=server-503-burst-udp
CFG="$SW_RECIPES/kamailio-unavailable.cfg"
sw_setup "$NAME"
sw_capture_start "udp and host 127.0.0.10 and port 5070"
# like sw_kamailio, but with this recipe's own config
kamailio -c -f "$CFG" >"$SW_WORK/kam.check" 2>&1 \
	|| { cat "$SW_WORK/kam.check" >&2; exit 1; }
sw_bg kam kamailio -f "$CFG" -DD -E -m 32 -M 4 -w "$SW_WORK" -Y "$SW_WORK" \
	-l udp:127.0.0.10:5070
sleep 2
kill -0 "$(cat "$SW_WORK/kam.pid")" || { cat "$SW_WORK/kam.log" >&2; exit 1; }
sw_bg sipp sipp -sf "$SW_RECIPES/sipp/uac-503.xml" -i 127.0.0.14 -p 5077 \
	-mi 127.0.0.14 -mp 6000 -t u1 -m 15 -r 5 -l 15 -s bob -nostdin \
	-timeout 30s 127.0.0.10:5070
for i in $(seq 1 60); do
	kill -0 "$(cat "$SW_WORK/sipp.pid")" 2>/dev/null || break
	sleep 0.5
done
sw_capture_finish "$NAME"
sw_expect "$NAME" server-errors
