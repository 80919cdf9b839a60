#!/bin/bash
# hep-kamailio-v3-tcp: the hep-kamailio-v3 scenario (registration, auth loop,
# call through kamailio) with siptrace sending HEP v3 (node id 1012) over
# one TCP connection to the collector (duplicate_uri ;transport=tcp).  The
# phones still use UDP.  NAME.pcap holds the TCP connection (both
# directions), NAME-wire.pcap the SIP.  HEP packets are framed in
# the stream by their length field only.  Expected: the same messages and
# findings as the wire capture (auth-loop).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-kamailio-v3-tcp
HEP_TRANSPORT=tcp hep_kamailio_run "$NAME" 3 1012
sw_expect "$NAME-wire" auth-loop
hep_expect "$NAME" -- auth-loop
hep_compare "$NAME" "$NAME-wire.pcap"
