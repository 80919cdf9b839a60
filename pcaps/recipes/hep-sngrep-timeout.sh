#!/bin/bash
# hep-sngrep-timeout: sngrep 1.6 replays register-no-response-udp.pcap (a
# REGISTER and its 10 retransmissions over 32 s, never answered, then an
# OPTIONS -> 200 at about 36 s) as HEP v3 (node id 2030).  The 13 HEP
# datagrams leave within a few milliseconds, the HEP timestamps span 36 s:
# the transaction-timeout finding is only reached when time is taken from
# the HEP chunks.  Expected: transaction-timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-sngrep-timeout
SRC=register-no-response-udp
mapfile -t FINDINGS < <(hep_findings_of "$SRC")
hep_sngrep_run "$NAME" "$SRC" 2030
hep_expect "$NAME" -- "${FINDINGS[@]}"
hep_compare "$NAME" "$SRC.pcap"
