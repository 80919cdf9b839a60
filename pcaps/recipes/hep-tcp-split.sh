#!/bin/bash
# hep-tcp-split: the 52 HEP v3 packets of hep-kamailio-v3.pcap sent
# again over one TCP connection (127.0.0.10 -> collector 127.0.0.16:9060)
# by recipes/hep-tcp-split.py, in 700-byte writes with TCP_NODELAY: most
# segments end inside a HEP packet, some carry the end of one and the start
# of the next.  The stream ends with a HEP3 header claiming 65535 bytes,
# 100 bytes of it, and FIN.  Expected: the 52 messages of the original
# (they pair with hep-kamailio-v3-wire.pcap: auth-loop), and one
# counted drop for the unfinished packet at the end of the stream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-tcp-split
sw_setup "$NAME"
hep_collector collector 127.0.0.16 9060 tcp
sw_capture_start "tcp and host 127.0.0.16 and port 9060"
nsx python3 "$SW_RECIPES/hep-tcp-split.py" --send 127.0.0.16:9060 \
	--from 127.0.0.10 "$HEP_PENDING/hep-kamailio-v3.pcap" >&2
sleep 0.5
sw_capture_finish "$NAME"
sw_log "collector: $(tail -1 "$SW_WORK/collector.log")"
hep_expect "$NAME" -- auth-loop
hep_compare "$NAME" "hep-kamailio-v3-wire.pcap"
