#!/usr/bin/env bash
# bench/floods.sh: what each flood of issue-9 kind costs sipwatch, in time
# and peak memory, and whether it is still reported: a flood of 100,000
# INVITEs with new Call-IDs in 59 s to a server that never answers (default
# flows.max, so half the flows are evicted while waiting), and 200,000
# REGISTERs refused with 403 from 100,000 sources over 130 s (more sources
# than the peer table holds). The captures come from tests/integration/floods.py.
#
# usage: bench/floods.sh SIPWATCH [OLD_SIPWATCH]   (OLD: measured beside it)
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
GEN="python3 $ROOT/tests/integration/floods.py -"
[ -s "$OUT/flood-invite-100k.pcap" ] || $GEN gen-flood 100000 "$OUT/flood-invite-100k.pcap"
[ -s "$OUT/flood-register-200k.pcap" ] || $GEN gen-storm 100000 "$OUT/flood-register-200k.pcap"

measure() {     # measure LABEL BINARY PCAP: seconds, peak RSS, the findings that matter
    local label=$1 bin=$2 pcap=$3
    local log="$OUT/floods-$label.log"
    /usr/bin/time -v "$bin" -r "$pcap" --json >"$OUT/floods-$label.json" 2>"$log"
    local secs rss
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$log")
    local verdict
    verdict=$(python3 - "$OUT/floods-$label.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
f = [l for l in lines if l["type"] == "finding"]
tt = [l for l in f if l["rule"] == "transaction-timeout" and l["severity"] == "critical"]
dist = [l for l in f if l["rule"] == "scanner" and l.get("key") == "distributed"]
print(f"{len(f)} findings; dead server reported: {'yes' if tt else 'no'}; distributed scan reported: "
      f"{'yes' if dist else 'no'}")
PY
)
    printf '%-28s %8s s %8s MB  %s\n' "$label" "$secs" "$rss" "$verdict"
}

printf '%-28s %10s %11s  %s\n' "run" "time" "peak RSS" "verdict"
for which in new old; do
    bin=${1:-}
    [ $which = old ] && bin=${2:-}
    [ -n "$bin" ] || continue
    measure "invite-flood-$which" "$bin" "$OUT/flood-invite-100k.pcap"
    measure "register-storm-$which" "$bin" "$OUT/flood-register-200k.pcap"
done
