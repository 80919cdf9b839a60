#!/bin/bash
# register-wrong-password-udp: authentication loop.  baresip 1.0.0 registers
# to kamailio with a wrong password.  kamailio (ordinary registrar config)
# answers every REGISTER without valid credentials with 401 and a fresh
# challenge; baresip (libre) answers each challenge at once with the same
# wrong credentials, on the same Call-ID (CSeq +1 each time), until libre's
# internal retry limit stops it: 16 REGISTERs / 16 x 401 within a few ms;
# 15 of the 401s answer REGISTERs that carried an Authorization header.
# Nothing is simulated.  Expected diagnosis: auth-loop.
. "$(dirname "$0")/lib.sh"
NAME=register-wrong-password-udp
sw_setup "$NAME"
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=not-the-password;regint=300"
sleep 3
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_expect "$NAME" auth-loop
