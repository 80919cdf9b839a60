#!/bin/bash
# hep-kamailio-v3: kamailio 5.6 (siptrace, HEP v3, node id 1010) proxies a
# registration, an authentication loop (carol's wrong password, 16 x 401)
# and a call alice -> bob, exporting every SIP message it receives or sends
# to a collector.  Two captures of the same run: the HEP datagrams
# (hep-kamailio-v3.pcap) and the SIP on the wire
# (hep-kamailio-v3-wire.pcap).  Both must give the same findings:
# auth-loop.  See lib-hep.sh (hep_kamailio_run).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-kamailio-v3
hep_kamailio_run "$NAME" 3 1010
sw_expect "$NAME-wire" auth-loop
hep_expect "$NAME" -- auth-loop
hep_compare "$NAME" "$NAME-wire.pcap"
