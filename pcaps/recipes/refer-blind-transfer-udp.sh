#!/bin/bash
# refer-blind-transfer-udp: blind transfer between three baresip UAs, direct
# (no proxy).  alice calls bob (auto-answer); bob transfers alice to carol:
# REFER -> 202 Accepted; alice sends NOTIFY (Event: refer, sipfrag
# "SIP/2.0 100 Trying"), calls carol (auto-answer), then NOTIFY with sipfrag
# "SIP/2.0 200 OK"; bob hangs up (BYE/200); later alice hangs up on carol.
# Healthy.
. "$(dirname "$0")/lib.sh"
NAME=refer-blind-transfer-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5071 or port 5073 or port 5075)"
sw_baresip carol "127.0.0.13:5075" 5585 \
	"<sip:carol@127.0.0.13:5075;transport=udp>;regint=0;answermode=auto"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.11:5071;transport=udp>;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.12:5073"
sleep 2
sw_cmd 5583 "/transfer sip:carol@127.0.0.13:5075"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
for p in 5581 5583 5585; do sw_cmd $p "/quit"; done
sw_expect "$NAME" none
