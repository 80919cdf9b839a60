#!/bin/bash
# scanner-options-only-udp: a lone SIPVicious probe.  svmap (SIPVicious
# 0.3.3, default User-Agent "friendly-scanner") sends one OPTIONS from
# 127.0.0.1:5079 to a kamailio (recipes/kamailio.cfg -A WITH_PING_OK, which
# answers OPTIONS with 200 OK without authentication), gets 200 OK, reports
# the device and stops: no REGISTER, no INVITE, no password guessing.  This
# is what most Internet-facing SIP servers see many times a day.
# Expected diagnosis: scanner (a probe only, so a warning rather than
# critical).
. "$(dirname "$0")/lib.sh"
NAME=scanner-options-only-udp
sw_setup "$NAME"
command -v svmap >/dev/null || { echo "missing svmap (apt-get install sipvicious)" >&2; exit 1; }
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070" -A WITH_PING_OK
# sipvicious keeps state under $HOME/.sipvicious: keep it in the temp dir
HOME="$SW_WORK" nsx timeout 30 svmap -P 5079 -x 127.0.0.1 -p 5070 127.0.0.10 2>&1 \
	| tee -a "$SW_WORK/sipvicious.log" >&2 || true
sleep 1
sw_capture_finish "$NAME"
sw_expect "$NAME" "scanner warning"
