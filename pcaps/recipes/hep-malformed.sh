#!/bin/bash
# hep-malformed: hostile HEP for the negative tests.  recipes/hep-mangle.py
# takes real HEP packets from hep-kamailio-v3.pcap (bob's
# registration: REGISTER, 401, REGISTER with credentials, 200) and
# hep-kamailio-v2.pcap, and sends 24 datagrams from kamailio's
# address 127.0.0.10:5070 to the collector 127.0.0.16:9060, 20 ms apart:
# lying and truncated lengths, missing chunks, wrong address sizes, an
# oversized datagram, unknown chunks, non-SIP payloads, random bytes.
# hep-malformed.cases lists each frame with its expected outcome.
# What decodes is exactly that one registration (findings: none), plus a
# non-SIP payload and a log chunk; every other datagram is a counted drop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-malformed
sw_setup "$NAME"
hep_collector collector 127.0.0.16 9060
sw_capture_start "udp and dst host 127.0.0.16 and dst port 9060"
{
	echo "# recipes/hep-mangle.py hep-kamailio-v3.pcap hep-kamailio-v2.pcap"
	nsx python3 "$SW_RECIPES/hep-mangle.py" --send 127.0.0.16:9060 \
		--from 127.0.0.10:5070 "$HEP_PENDING/hep-kamailio-v3.pcap" \
		"$HEP_PENDING/hep-kamailio-v2.pcap"
} >"$HEP_PENDING/$NAME.cases"
sw_capture_finish "$NAME"
sw_log "collector: $(tail -1 "$SW_WORK/collector.log")"
hep_expect "$NAME" -- none
