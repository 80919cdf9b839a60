#!/bin/bash
# hep-kamailio-live: the hep-kamailio-v3 scenario (kamailio siptrace HEP v3,
# a registration, carol's 401 loop, a call alice -> bob) with sipwatch
# itself as the HEP collector (--hep-listen udp:127.0.0.16:9060), live.
# The findings sipwatch makes from the HEP kamailio exported must equal the
# findings of `sipwatch -r` on the wire capture of the same run (auth-loop).
# Records nothing in pcaps/: the captures go to a temporary folder.
# usage: hep-kamailio-live.sh SIPWATCH     (root; kamailio, baresip, dumpcap)
set -euo pipefail
SIPWATCH="$(realpath "${1:?usage: hep-kamailio-live.sh SIPWATCH}")"
OUT="$(mktemp -d /tmp/sipwatch-hep-live.XXXXXX)"
export SW_PCAPS_OUT="$OUT" HEP_COLLECTOR_SIPWATCH="$SIPWATCH"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hep.sh"
NAME=hep-kamailio-live
hep_kamailio_run "$NAME" 3 1010
sw_stop collector                       # SIGTERM: sipwatch writes its findings and stats
cp "$SW_WORK/collector.log" "$OUT/live.jsonl"
"$SIPWATCH" -r "$OUT/$NAME-wire.pcap" --json > "$OUT/wire.jsonl" || [ $? = 1 ]
python3 - "$OUT/live.jsonl" "$OUT/wire.jsonl" <<'PY'
import json, sys
def findings(path):
    got = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line)
            if d.get("type") == "finding":
                got.append((d["rule"], d["severity"]))
    return sorted(got)
live, wire = findings(sys.argv[1]), findings(sys.argv[2])
print("live HEP findings:", live)
print("wire findings:    ", wire)
sys.exit(0 if live == wire and any(r == "auth-loop" for r, _ in live) else 1)
PY
echo "hep-kamailio-live: the same findings live over HEP as on the wire ($OUT)"
