#!/bin/bash
# register-ipv6-udp: registration over IPv6 (UDP, ::1): baresip registers to
# kamailio, REGISTER -> 401, REGISTER with Authorization -> 200; baresip then
# quits and de-registers (again 401 then 200).  Healthy.
. "$(dirname "$0")/lib.sh"
NAME=register-ipv6-udp
sw_setup "$NAME"
sw_capture_start "ip6 and udp and port 5070"
sw_kamailio kam "udp:[::1]:5070"
sw_baresip alice "[::1]:5071" 5581 \
	"<sip:alice@[::1]:5070;transport=udp>;auth_pass=secret;regint=300"
sleep 2
sw_cmd 5581 "/quit"
sleep 2
sw_capture_finish "$NAME"
sw_expect "$NAME" none
