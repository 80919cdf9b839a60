#!/bin/bash
# invite-407-wrong-password-udp: proxy credentials rejected, no loop.
# alice (baresip) calls bob through kamailio with a wrong password:
# INVITE -> 407, ACK, INVITE with (wrong) Proxy-Authorization -> 407, ACK.
# For INVITE, baresip gives up after the second challenge (the call fails
# with 407); bob is never reached.  Only one request carried credentials,
# so this is a rejection, not an authentication loop.
# Expected diagnosis: auth-rejected (and not auth-loop).
. "$(dirname "$0")/lib.sh"
NAME=invite-407-wrong-password-udp
sw_setup "$NAME"
sw_capture_start "udp and (port 5070 or port 5071 or port 5073)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_baresip bob "127.0.0.12:5073" 5583 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=not-the-password;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
for p in 5581 5583; do sw_cmd $p "/quit"; done
sw_expect "$NAME" auth-rejected
