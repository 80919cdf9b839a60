#!/bin/bash
# hep-sngrep-ipv6: sngrep 1.6 replays register-ipv6-udp.pcap (REGISTER 401
# 200 and de-registration 401 200 on ::1) as HEP v3 (node id 2030): the
# HEP packets travel over IPv4 and carry IPv6 address chunks (family 10,
# chunk types 5 and 6).  Expected: none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-sngrep-ipv6
SRC=register-ipv6-udp
mapfile -t FINDINGS < <(hep_findings_of "$SRC")
hep_sngrep_run "$NAME" "$SRC" 2030
hep_expect "$NAME" -- "${FINDINGS[@]}"
hep_compare "$NAME" "$SRC.pcap"
