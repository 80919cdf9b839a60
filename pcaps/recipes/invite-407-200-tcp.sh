#!/bin/bash
# invite-407-200-tcp: like invite-407-200-udp but every hop over TCP.  alice
# (baresip) calls bob through kamailio (authenticating, record-routing
# proxy): INVITE -> 407, ACK, INVITE with Proxy-Authorization -> 100,
# relayed over TCP to bob (baresip, auto-answer) -> 180, 200, ACK; 3 s later
# alice hangs up: BYE -> 200.  Two TCP connections carry SIP (alice ->
# kamailio, kamailio -> bob).  Healthy.
. "$(dirname "$0")/lib.sh"
NAME=invite-407-200-tcp
sw_setup "$NAME"
sw_capture_start "tcp and (port 5070 or port 5071 or port 5073)"
sw_kamailio kam "tcp:127.0.0.10:5070" -A 'BOB_ADDR="sip:127.0.0.12:5073;transport=tcp"'
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.10:5070;transport=tcp>;auth_pass=secret;regint=0;answermode=auto"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=tcp>;auth_pass=secret;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
for p in 5581 5583; do sw_cmd $p "/quit"; done
sleep 1
sw_stop kam
sw_capture_finish "$NAME"
sw_expect "$NAME" none
