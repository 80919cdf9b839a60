#!/usr/bin/env bash
# bench/soak.sh: memory soak test. Streams a long generated capture (default
# 20,000,000 SIP messages, with auth loops and lost NOTIFYs) from sipwatch-gen
# through a pipe into `sipwatch -r - --no-ui --json`, samples sipwatch's RSS
# (VmRSS in /proc/PID/status) every few seconds, and prints a table, then the
# peak, the RSS at 10% and at 100% of the run, and whether memory stayed flat
# (every sample after the 10% warm-up within 10% of the RSS at 10%).
#
# usage: bench/soak.sh [BUILD_DIR] [options]      (BUILD_DIR default: build)
#   --messages N     SIP messages to stream (default 20000000)
#   --interval S     seconds between RSS samples (default 10)
#   --timeout S      stop the run after S seconds (default 3600)
#   --auth-loops N   injected REGISTER auth loops (default 20)
#   --lost-notifies N  injected REFERs that never get a NOTIFY (default 20)
#   --seed N         generator seed (default 1)
#   --profile NAME   generator traffic profile: default or busy-pbx
#   --tolerance PCT  allowed growth after warm-up (default 10)
#   --metrics        also serve --metrics on a free loopback port and scrape it
#                    at every sample (the message count then comes from
#                    sipwatch_sip_messages_total instead of bytes read)
#   -h, --help
# Needs BUILD_DIR/sipwatch and BUILD_DIR/bench/sipwatch-gen (cmake --build).
# Exit status: 0 flat, 1 memory grew, 2 the run failed or timed out, 64 usage.
set -u -o pipefail

usage() { sed -n '9,23p' "$0" | sed 's/^# \{0,1\}//'; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build
MESSAGES=20000000
INTERVAL=10
TIMEOUT=3600
AUTH_LOOPS=20
LOST_NOTIFIES=20
SEED=1
TOLERANCE=10
METRICS=0
PROFILE=default
while [ $# -gt 0 ]; do
    case $1 in
    --messages) MESSAGES=${2-}; shift 2 ;;
    --interval) INTERVAL=${2-}; shift 2 ;;
    --timeout) TIMEOUT=${2-}; shift 2 ;;
    --auth-loops) AUTH_LOOPS=${2-}; shift 2 ;;
    --lost-notifies) LOST_NOTIFIES=${2-}; shift 2 ;;
    --seed) SEED=${2-}; shift 2 ;;
    --profile) PROFILE=${2-}; shift 2 ;;
    --tolerance) TOLERANCE=${2-}; shift 2 ;;
    --metrics) METRICS=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "soak.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
    *) BUILD=$1; shift ;;
    esac
done
for v in "$MESSAGES" "$INTERVAL" "$TIMEOUT" "$AUTH_LOOPS" "$LOST_NOTIFIES" "$SEED" "$TOLERANCE"; do
    case $v in ''|*[!0-9]*) echo "soak.sh: not a number: '$v'" >&2; exit 64 ;; esac
done
case $PROFILE in default|busy-pbx) ;; *) echo "soak.sh: unknown profile '$PROFILE' (default, busy-pbx)" >&2; exit 64 ;; esac
[ "$INTERVAL" -ge 1 ] && [ "$MESSAGES" -ge 1000 ] || { echo "soak.sh: --interval >= 1 and --messages >= 1000" >&2; exit 64; }

case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SW=$BUILD/sipwatch
GEN=$BUILD/bench/sipwatch-gen
for b in "$SW" "$GEN"; do
    [ -x "$b" ] || { echo "soak.sh: $b not found: build first (cmake --build $BUILD)" >&2; exit 2; }
done

OUT=$ROOT/bench/out
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG=$OUT/soak-$STAMP.txt
TMP=$(mktemp -d)
GEN_PID=
SW_PID=
cleanup() {
    [ -n "$SW_PID" ] && kill "$SW_PID" 2>/dev/null
    [ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

say() { printf '%s\n' "$*" | tee -a "$LOG"; }

# Bytes per message of this traffic mix (pcap record headers included), to
# turn the bytes sipwatch has read into an approximate message count.
CAL=200000
[ "$MESSAGES" -lt $CAL ] && CAL=$MESSAGES
CAL_BYTES=$("$GEN" -o - -n "$CAL" -s "$SEED" --profile "$PROFILE" 2>/dev/null | wc -c)
BPM=$(( CAL_BYTES / CAL ))
[ "$BPM" -gt 0 ] || { echo "soak.sh: sipwatch-gen produced nothing" >&2; exit 2; }

say "soak: $MESSAGES messages, profile $PROFILE, seed $SEED, $AUTH_LOOPS auth loops, $LOST_NOTIFIES lost NOTIFYs, sample every ${INTERVAL}s, timeout ${TIMEOUT}s"
say "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
say "sipwatch: $SW ($("$SW" --version 2>/dev/null | head -1)); about $BPM bytes per message"
SW_ARGS=(-r - --no-ui --json)
if [ "$METRICS" -eq 1 ]; then
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    SW_ARGS+=(--metrics "127.0.0.1:$PORT")
fi
# The value of an unlabelled sample in a scrape of the endpoint, or nothing.
scrape() {
    python3 - "$PORT" "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=2).read().decode()
for line in body.splitlines():
    name, _, value = line.partition(" ")
    if name == sys.argv[2]:
        print(int(float(value)))
EOF
}
say "command: sipwatch-gen -o - -n $MESSAGES -s $SEED --profile $PROFILE --auth-loops $AUTH_LOOPS --lost-notifies $LOST_NOTIFIES | sipwatch ${SW_ARGS[*]}"
say ""

mkfifo "$TMP/pipe"
"$GEN" -o - -n "$MESSAGES" -s "$SEED" --profile "$PROFILE" --auth-loops "$AUTH_LOOPS" --lost-notifies "$LOST_NOTIFIES" \
    --manifest "$TMP/manifest.json" >"$TMP/pipe" 2>"$TMP/gen.err" &
GEN_PID=$!
"$SW" "${SW_ARGS[@]}" <"$TMP/pipe" >"$TMP/out.jsonl" 2>"$TMP/sw.err" &
SW_PID=$!

START=$(date +%s.%N)
elapsed() { awk -v s="$START" -v n="$(date +%s.%N)" 'BEGIN { printf "%.0f", n - s }'; }
kb_of() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$SW_PID/status" 2>/dev/null; }

printf '%8s %14s %10s %10s\n' "time_s" "messages~" "rss_MB" "hwm_MB" | tee -a "$LOG"
: >"$TMP/samples"
TIMED_OUT=0
SCRAPES=0
while kill -0 "$SW_PID" 2>/dev/null; do
    rss=$(kb_of VmRSS); hwm=$(kb_of VmHWM)
    rchar=$(awk '$1 == "rchar:" { print $2 }' "/proc/$SW_PID/io" 2>/dev/null)
    if [ -n "$rss" ] && [ -n "$rchar" ]; then
        msgs=$(( rchar / BPM )); [ "$msgs" -gt "$MESSAGES" ] && msgs=$MESSAGES
        if [ "$METRICS" -eq 1 ]; then
            scraped=$(scrape sipwatch_sip_messages_total)
            if [ -n "$scraped" ]; then msgs=$scraped; SCRAPES=$((SCRAPES + 1)); fi
        fi
        t=$(elapsed)
        echo "$t $msgs $rss $hwm" >>"$TMP/samples"
        awk -v t="$t" -v m="$msgs" -v r="$rss" -v h="$hwm" \
            'BEGIN { printf "%8d %14d %10.1f %10.1f\n", t, m, r/1024, h/1024 }' | tee -a "$LOG"
    fi
    if [ "$(elapsed)" -ge "$TIMEOUT" ]; then
        TIMED_OUT=1
        say "soak: timeout after ${TIMEOUT}s, stopping"
        kill "$SW_PID" "$GEN_PID" 2>/dev/null
        break
    fi
    # Sleep in small steps so that the end of the run is noticed promptly.
    for _ in $(seq $(( INTERVAL * 5 ))); do
        kill -0 "$SW_PID" 2>/dev/null || break
        sleep 0.2
    done
done
wait "$SW_PID"; SW_RC=$?
SW_PID=
wait "$GEN_PID"; GEN_RC=$?
GEN_PID=
WALL=$(elapsed)

say ""
STATS=$(grep '"type": *"stats"' "$TMP/out.jsonl" | tail -1)
SEEN=$(printf '%s' "$STATS" | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["sip_messages"])
except Exception: print("?")' 2>/dev/null)
FINDINGS=$(python3 - "$TMP/out.jsonl" <<'EOF' 2>/dev/null
import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") == "finding":
        c[o.get("rule")] += 1
print(", ".join(f"{n} {r}" for r, n in sorted(c.items())) or "none")
EOF
)
say "sipwatch exit status $SW_RC (1 = findings), generator $GEN_RC; ${WALL}s wall"
say "SIP messages analysed: $SEEN of $MESSAGES; findings: $FINDINGS"
[ "$METRICS" -eq 1 ] && say "metrics: $SCRAPES successful scrapes of /metrics during the run"
[ -s "$TMP/sw.err" ] && say "sipwatch stderr: $(head -3 "$TMP/sw.err")"

if [ ! -s "$TMP/samples" ]; then
    say "soak: no RSS sample taken (run shorter than one interval?)"
    exit 2
fi
# RSS at 10% of the run: the first sample at or past 10% of the messages.
# At 100%: the last sample. Flat: no sample after the 10% one above
# (1 + tolerance) x RSS at 10%.
SUMMARY=$(awk -v total="$MESSAGES" -v tol="$TOLERANCE" '
    { t[NR] = $1; m[NR] = $2; r[NR] = $3; if ($4 > peak) peak = $4; if ($3 > peak_rss) peak_rss = $3 }
    END {
        w = 0
        for (i = 1; i <= NR; i++) if (m[i] >= total / 10) { w = i; break }
        if (!w) w = 1
        maxafter = 0
        for (i = w; i <= NR; i++) if (r[i] > maxafter) maxafter = r[i]
        growth = (maxafter - r[w]) * 100 / r[w]
        endgrowth = (r[NR] - r[w]) * 100 / r[w]
        if (peak < peak_rss) peak = peak_rss
        printf "peak RSS (VmHWM): %.1f MB\n", peak / 1024
        printf "RSS at 10%% (%d messages, %ds): %.1f MB\n", m[w], t[w], r[w] / 1024
        printf "RSS at 100%% (%d messages, %ds): %.1f MB (%+.1f%%)\n", m[NR], t[NR], r[NR] / 1024, endgrowth
        printf "largest RSS after warm-up: %.1f MB (%+.1f%% over the 10%% point)\n", maxafter / 1024, growth
        printf "flat: %s (tolerance %d%%)\n", (growth <= tol) ? "yes" : "NO", tol
    }' "$TMP/samples")
say "$SUMMARY"
say "(log: $LOG)"

[ "$TIMED_OUT" -eq 1 ] && exit 2
[ "$SW_RC" -gt 1 ] && exit 2
case $SUMMARY in *"flat: yes"*) exit 0 ;; esac
exit 1
