#!/bin/bash
# register-401-200-udp: baresip registers to kamailio over UDP; the first
# REGISTER is challenged (401), the retry with credentials gets 200 OK.
# Healthy.  The capture stops before baresip quits (no de-registration).
. "$(dirname "$0")/lib.sh"
NAME=register-401-200-udp
sw_setup "$NAME"
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=300"
sleep 2
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_expect "$NAME" none
