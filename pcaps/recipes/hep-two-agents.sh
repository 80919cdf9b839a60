#!/bin/bash
# hep-two-agents: the hep-kamailio-v3 scenario exported by two agents to one
# collector: kamailio's siptrace (HEP v3, node id 1014, timestamps taken
# when kamailio handles each message) and sngrep 1.6 sniffing port 5070 on
# the loopback (HEP v3, eep.send.id 2030, which its node id chunk carries
# as 133038080; timestamps of the sniffed packets).  Every SIP message on
# the wire arrives twice, once per agent, a few milliseconds apart and not
# always in the same order.  Expected: 52 distinct messages (each pairs
# with hep-two-agents-wire.pcap, see .compare), duplicates by
# agent, not retransmissions; findings as on the wire (auth-loop).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-two-agents
HEP_SNGREP_AGENT=1 hep_kamailio_run "$NAME" 3 1014
sw_expect "$NAME-wire" auth-loop
hep_expect "$NAME" -- auth-loop
hep_compare "$NAME" "$NAME-wire.pcap"
