#!/bin/bash
# hep-kamailio-v3-sl-acks: the hep-kamailio-v3 scenario (HEP v3, node id
# 1013) with kamailio's default trace_sl_acks 1.  The ACK to the 407 that
# auth_challenge sent statelessly is exported twice, a fraction of a
# millisecond apart, with identical bytes: once by siptrace's core receive
# event, once by its sl callback.  It crossed the wire once.  Expected:
# HEP has one message more than the wire (53 / 52); the copy is the same
# message from the same agent, not a retransmission, and the findings
# equal the wire's (auth-loop).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-kamailio-v3-sl-acks
hep_kamailio_run "$NAME" 3 1013 -A HEP_SL_ACKS=1
sw_expect "$NAME-wire" auth-loop
hep_expect "$NAME" -- auth-loop
hep_compare "$NAME" "$NAME-wire.pcap" unpaired-ok
