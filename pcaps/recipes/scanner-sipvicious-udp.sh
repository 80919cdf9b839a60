#!/bin/bash
# scanner-sipvicious-udp: a SIPVicious 0.3.3 attack on a kamailio registrar
# (recipes/kamailio.cfg, normal config), all from 127.0.0.1:5079 with
# SIPVicious' default User-Agent "friendly-scanner" (svwar and svcrack 0.3.3
# ignore -b and always bind to any address, so the kernel picks 127.0.0.1 as
# the source; svmap is told the same address so all three use one):
#   1. svmap: one OPTIONS, which kamailio challenges with 407;
#   2. svwar -e 100-130: first a REGISTER for a random extension.  kamailio
#      challenges it with 401 like any user, so svwar reports that it cannot
#      tell extensions apart ("Set --force to force a scan") and stops;
#   3. svcrack: guesses alice's password from a 9-word list whose 7th word is
#      the right one ("secret").  After a REGISTER without credentials, it
#      answers each new 401 challenge on the same Call-ID (CSeq 2 every time)
#      with the next password; kamailio re-challenges each wrong one with 401
#      until the right password gets 200 OK, after which svcrack stops.
#      (-t 0.05: one guess every 50 ms.)
# Expected diagnosis: scanner (and auth-loop: one Call-ID on which the
# credentials are rejected again and again).
. "$(dirname "$0")/lib.sh"
NAME=scanner-sipvicious-udp
sw_setup "$NAME"
for tool in svmap svwar svcrack; do
	command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install sipvicious)" >&2; exit 1; }
done
sw_capture_start "udp and host 127.0.0.10 and port 5070"
sw_kamailio kam "udp:127.0.0.10:5070"
printf '%s\n' 123456 password 1234 alice 12345678 qwerty secret letmein 111111 \
	>"$SW_WORK/words.txt"
# sipvicious keeps state under $HOME/.sipvicious: keep it in the temp dir
sv() { HOME="$SW_WORK" nsx timeout 30 "$@" -P 5079 -x 127.0.0.1 \
	-p 5070 127.0.0.10 2>&1 | tee -a "$SW_WORK/sipvicious.log" >&2 || true; }
sv svmap
sleep 1
sv svwar -e 100-130 -m REGISTER
sleep 1
# -t 0.05: svcrack sends its next guess 50 ms after each answer (default
# 5 ms); when no answer comes in that time it opens another Call-ID with a
# fresh REGISTER, so a slow machine would split the guesses over Call-IDs
sv svcrack -u alice -d "$SW_WORK/words.txt" -t 0.05
sleep 1
sw_capture_finish "$NAME"
sw_expect "$NAME" "scanner critical" auth-loop
