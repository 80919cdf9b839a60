#!/bin/bash
# register-403-udp: baresip registers with a wrong password; kamailio
# (-A WITH_REJECT_403) challenges the first REGISTER (401) and answers the
# REGISTER carrying the wrong credentials with 403 Forbidden.
# Expected diagnosis: auth-rejected.
. "$(dirname "$0")/lib.sh"
NAME=register-403-udp
sw_setup "$NAME"
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070" -A WITH_REJECT_403
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=not-the-password;regint=300"
sleep 2
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_expect "$NAME" auth-rejected
