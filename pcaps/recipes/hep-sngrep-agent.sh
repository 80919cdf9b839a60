#!/bin/bash
# hep-sngrep-agent: sngrep 1.6 as a HEP agent.  It reads an existing capture
# (register-wrong-password-udp.pcap: 16 x REGISTER -> 401 on one Call-ID)
# with -I and sends every SIP message in it as HEP v3 (-H, eep.send.id 2030
# in its config) to a collector; the HEP datagrams are captured.  sngrep
# sends the whole file within milliseconds while the HEP timestamp chunks
# keep the times of the original capture.  Expected: the findings of the
# original capture (auth-loop).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-sngrep-agent
SRC=register-wrong-password-udp
mapfile -t FINDINGS < <(hep_findings_of "$SRC")
hep_sngrep_run "$NAME" "$SRC" 2030
hep_expect "$NAME" -- "${FINDINGS[@]}"
hep_compare "$NAME" "$SRC.pcap"
