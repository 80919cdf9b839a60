#!/bin/bash
# hep-sngrep-authkey: as hep-sngrep-agent (register-wrong-password-udp
# replayed by sngrep as HEP v3, node id 2030), with eep.send.pass
# "sipwatch-hep-key": every packet carries the auth key chunk (type 14).
# Expected: with --hep-password sipwatch-hep-key all 32 messages are taken
# (auth-loop); with any other password all 32 are dropped and counted, and
# nothing is found.  The .expect holds the counts with the right password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-sngrep-authkey
SRC=register-wrong-password-udp
mapfile -t FINDINGS < <(hep_findings_of "$SRC")
hep_sngrep_run "$NAME" "$SRC" 2030 "set eep.send.pass sipwatch-hep-key"
hep_expect "$NAME" --password sipwatch-hep-key -- "${FINDINGS[@]}"
hep_compare "$NAME" "$SRC.pcap"
