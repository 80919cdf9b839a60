#!/bin/bash
# hep-kamailio-v3-authkey: the hep-kamailio-v3 scenario (registration, auth
# loop, call through kamailio; siptrace HEP v3, node id 1011) with siptrace's
# auth_key "sipwatch-hep-key": every HEP packet carries the auth key chunk
# (type 14).  Expected: with --hep-password sipwatch-hep-key everything is
# taken and the findings equal the wire capture's (auth-loop); with another
# password, or a listener that wants one when a packet has none, the
# packets are dropped and counted.  The .expect holds the counts with the
# right password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-kamailio-v3-authkey
hep_kamailio_run "$NAME" 3 1011 -A HEP_AUTH_KEY='"sipwatch-hep-key"'
sw_expect "$NAME-wire" auth-loop
hep_expect "$NAME" --password sipwatch-hep-key -- auth-loop
hep_compare "$NAME" "$NAME-wire.pcap"
