#!/bin/bash
# register-no-response-udp: a registrar that never answers REGISTER.
# kamailio is started with -A WITH_DEAD (it silently drops every request
# except OPTIONS); baresip sends REGISTER over UDP and retransmits it (RFC
# 3261 timer A: 0.5, 1, 2, 4, 4, 4 ... s) until its transaction times out
# after 32 s (timer F).  At ~35 s baresip sends an OPTIONS to the registrar,
# which is answered 200 OK, so the capture visibly lasts past 32 s.
# Expected diagnosis: transaction-timeout.
. "$(dirname "$0")/lib.sh"
NAME=register-no-response-udp
sw_setup "$NAME"
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070" -A WITH_DEAD
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=300"
sleep 35
sw_cmd 5581 "/options sip:127.0.0.10:5070"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_expect "$NAME" transaction-timeout
