#!/bin/bash
# invite-407-200-udp: alice (baresip) calls bob through kamailio acting as an
# authenticating, record-routing proxy.  INVITE -> 407, ACK, INVITE with
# Proxy-Authorization -> 100, forwarded to bob (baresip, auto-answer) ->
# 180, 200, ACK; 3 s later alice hangs up: BYE -> 200.  Healthy.
. "$(dirname "$0")/lib.sh"
NAME=invite-407-200-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5070 or port 5071 or port 5073)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
