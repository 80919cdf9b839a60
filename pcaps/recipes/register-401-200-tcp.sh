#!/bin/bash
# register-401-200-tcp: baresip registers to kamailio over TCP (one TCP
# connection): REGISTER -> 401, REGISTER+Authorization -> 200; then baresip
# quits and de-registers on the same connection (again 401 then 200; baresip
# does not reuse the nonce for the Expires: 0 REGISTER).  Healthy.
. "$(dirname "$0")/lib.sh"
NAME=register-401-200-tcp
sw_setup "$NAME"
sw_capture_start "tcp and host 127.0.0.10 and port 5070"
sw_kamailio kam "tcp:127.0.0.10:5070"
sw_baresip alice "127.0.0.11:5071" 5581 \
	"<sip:alice@127.0.0.10:5070;transport=tcp>;auth_pass=secret;regint=300"
sleep 2
sw_cmd 5581 "/quit"
sleep 2
sw_stop kam
sw_capture_finish "$NAME"
sw_expect "$NAME" none
