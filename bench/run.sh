#!/usr/bin/env bash
# bench/run.sh: builds the benchmark tools, generates a synthetic SIP capture
# (default 1,000,000 messages) in bench/out/, and measures on that one file,
# each under /usr/bin/time -v and timeout: sipwatch -r --json, the libpcap read
# ceiling, the libosip2 parse ceiling, sngrep -N and tshark -z sip,stat. Prints
# a table (messages, seconds, messages/s, peak RSS) and sipwatch's ratios.
#
# usage: bench/run.sh [options] [BUILD_DIR]      (or BUILD=dir bench/run.sh)
#   --messages N    SIP messages in the capture (default 1000000)
#   --small N       size of the second capture for the memory growth check
#                   (default 100000; 0 = skip the check)
#   --concurrent N  dialogs in flight in the generated traffic
#                   (default 2000, or messages/50 for captures under 100000)
#   --seed N        generator seed (default 1)
#   --timeout S     per-tool time limit in seconds (default 900)
#   --no-build      use the tools already in BUILD_DIR, do not run cmake
#   --skip LIST     comma-separated, not to run: sipwatch,read,parse,sngrep,tshark
#   -h, --help
set -u -o pipefail

usage() { sed -n '8,18p' "$0" | sed 's/^# \{0,1\}//'; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
MESSAGES=1000000
SMALL=100000
CONCURRENT=
SEED=1
TIMEOUT=900
DO_BUILD=1
SKIP=","
while [ $# -gt 0 ]; do
    case $1 in
    --messages) MESSAGES=$2; shift 2 ;;
    --messages=*) MESSAGES=${1#*=}; shift ;;
    --small) SMALL=$2; shift 2 ;;
    --concurrent) CONCURRENT=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --skip) SKIP=",$2,"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
    *) BUILD=$1; shift ;;
    esac
done
if [ -z "$CONCURRENT" ]; then
    CONCURRENT=$((MESSAGES / 50)); [ $CONCURRENT -gt 2000 ] && CONCURRENT=2000; [ $CONCURRENT -lt 10 ] && CONCURRENT=10
fi
for v in "$MESSAGES" "$SMALL" "$CONCURRENT" "$SEED" "$TIMEOUT"; do
    case $v in ''|*[!0-9]*) echo "run.sh: not a number: '$v'" >&2; exit 64 ;; esac
done
skipped() { case $SKIP in *",$1,"*) return 0 ;; esac; return 1; }

cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=$ROOT/bench/out
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$OUT/results-$STAMP.txt
exec > >(tee "$RESULTS") 2>&1

say() { printf '%s\n' "$*"; }
die() { say "run.sh: $*"; exit 1; }

if [ ! -x /usr/bin/time ]; then
    die "/usr/bin/time not found (GNU time is needed for peak RSS): apt-get install -y time"
fi

# ---------------------------------------------------------------------------
# Build.
GEN=$BUILD/bench/sipwatch-gen
READ=$BUILD/bench/sipwatch-bench-read
PARSE=$BUILD/bench/sipwatch-bench-parse
SIPWATCH=$BUILD/sipwatch
if [ $DO_BUILD = 1 ]; then
    say "== build ($BUILD)"
    BLOG=$OUT/build.log
    : > "$BLOG"
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$BUILD" >> "$BLOG" 2>&1 || say "   configuring the main tree failed (see $BLOG)"
    fi
    if [ -f "$BUILD/Makefile" ] || [ -f "$BUILD/build.ninja" ]; then
        cmake --build "$BUILD" -j "$(nproc)" --target sipwatch-gen sipwatch-bench-read sipwatch-bench-parse >> "$BLOG" 2>&1 \
            || say "   bench tools did not build in the main tree (see $BLOG)"
        cmake --build "$BUILD" -j "$(nproc)" --target sipwatch >> "$BLOG" 2>&1 \
            || say "   sipwatch did not build (see $BLOG); its line will say so"
    fi
    if [ ! -x "$GEN" ] || [ ! -x "$READ" ] || [ ! -x "$PARSE" ]; then
        say "   building the bench tools on their own in $BUILD/bench-only"
        { cmake -S "$ROOT/bench" -B "$BUILD/bench-only" && cmake --build "$BUILD/bench-only" -j "$(nproc)"; } >> "$BLOG" 2>&1 \
            || die "could not build the bench tools (see $BLOG)"
        GEN=$BUILD/bench-only/sipwatch-gen
        READ=$BUILD/bench-only/sipwatch-bench-read
        PARSE=$BUILD/bench-only/sipwatch-bench-parse
    fi
else
    if [ ! -x "$GEN" ] && [ -x "$BUILD/bench-only/sipwatch-gen" ]; then
        GEN=$BUILD/bench-only/sipwatch-gen
        READ=$BUILD/bench-only/sipwatch-bench-read
        PARSE=$BUILD/bench-only/sipwatch-bench-parse
    fi
fi
[ -x "$GEN" ] || die "no sipwatch-gen in $BUILD (run without --no-build)"

# ---------------------------------------------------------------------------
# Machine.
say "== machine"
say "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "cpu:       $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) cores online)"
say "memory:    $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
say "kernel:    $(uname -sr)"
say "libpcap:   $(pkg-config --modversion libpcap 2>/dev/null || echo '?'), libosip2: $(pkg-config --modversion libosip2 2>/dev/null || echo '?')"
say "sngrep:    $(sngrep -V 2>/dev/null | head -1 || echo 'not installed')"
say "tshark:    $(tshark -v 2>/dev/null | head -1 || echo 'not installed')"
say "sipwatch:  $([ -x "$SIPWATCH" ] && echo "$SIPWATCH" || echo "not built ($SIPWATCH)")"

# ---------------------------------------------------------------------------
# Captures.
gen() { # gen N FILE -> prints the generator's statistics
    local n=$1 f=$2
    "$GEN" -o "$f" -n "$n" -c "$CONCURRENT" -s "$SEED" --auth-loops 5 --lost-notifies 5 \
        --manifest "${f%.pcap}.manifest.json" 2> "${f%.pcap}.gen.log" \
        || { cat "${f%.pcap}.gen.log"; die "generator failed"; }
    sed 's/^/   /' "${f%.pcap}.gen.log"
}
# total dialogs from the generator's log (to check sngrep saw every one)
gen_dialogs() { sed -n 's/.*dialogs: //p' "${1%.pcap}.gen.log" | tr ' ;' '\n\n' | awk -F= 'NF==2 {s+=$2} END {print s+0}'; }

say "== captures"
CAP=$OUT/sip-$MESSAGES.pcap
say "generating $CAP ($MESSAGES messages, $CONCURRENT concurrent dialogs, seed $SEED)"
gen "$MESSAGES" "$CAP"
SMALLCAP=
if [ "$SMALL" -gt 0 ] && [ "$SMALL" -lt "$MESSAGES" ]; then
    SMALLCAP=$OUT/sip-$SMALL.pcap
    say "generating $SMALLCAP ($SMALL messages, for the memory growth check)"
    gen "$SMALL" "$SMALLCAP"
fi
say "file size: $(du -h "$CAP" | cut -f1)"
# warm the page cache so every tool reads from memory
cat "$CAP" > /dev/null

# ---------------------------------------------------------------------------
# Measurements.
# measure NAME LOGBASE CMD... : sets M_RC M_SECS M_RSS_MB (M_SECS/M_RSS_MB empty on failure)
measure() {
    local log=$2; shift 2
    M_RC=0
    local t0=$EPOCHREALTIME t1
    timeout --kill-after=10 "$TIMEOUT" /usr/bin/time -v -o "$log.time" "$@" > "$log.out" 2> "$log.err" || M_RC=$?
    t1=$EPOCHREALTIME
    M_SECS=; M_RSS_MB=
    if [ -s "$log.time" ]; then
        # wall time from our own clock (time -v only has 10 ms resolution)
        M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        M_RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$log.time")
    fi
    if [ $M_RC = 124 ] || [ $M_RC = 137 ]; then M_NOTE="timed out after ${TIMEOUT}s"; else M_NOTE=; fi
}

ROWS=()
row() { # tool messages secs rss note
    local rate=-
    if [ -n "$3" ] && [ "$2" != - ]; then rate=$(awk -v n="$2" -v s="$3" 'BEGIN { if (s > 0) printf "%.0f", n/s; else print "-" }'); fi
    ROWS+=("$1|$2|${3:--}|$rate|${4:--}|$5")
    printf '   %-10s messages=%s seconds=%s msg/s=%s peak_rss_MB=%s %s\n' "$1" "$2" "${3:--}" "$rate" "${4:--}" "$5"
}
rate_of() { for r in "${ROWS[@]}"; do IFS='|' read -r t m s x rss note <<< "$r"; [ "$t" = "$1" ] && echo "$x"; done; }

run_sipwatch() { # FILE TAG -> sets SW_SECS SW_RSS SW_OK
    local f=$1 tag=$2
    SW_OK=0; SW_SECS=; SW_RSS=; SW_MSGS=
    if [ ! -x "$SIPWATCH" ]; then SW_NOTE="not built"; return; fi
    measure sipwatch "$OUT/sipwatch-$tag" "$SIPWATCH" -r "$f" --json
    SW_SECS=$M_SECS; SW_RSS=$M_RSS_MB
    SW_MSGS=$(grep -o '"sip_messages": *[0-9]*' "$OUT/sipwatch-$tag.out" 2>/dev/null | tail -1 | grep -o '[0-9]*$')
    # Exit status 1 means "problems found": the run succeeded. Compare the
    # findings with the generator's manifest: exactly the injected set.
    local verdict
    verdict=$(python3 - "${f%.pcap}.manifest.json" "$OUT/sipwatch-$tag.out" <<'PY' 2>/dev/null
import json, sys
want = {(p["type"], p["call_id"]) for p in json.load(open(sys.argv[1]))["problems"]}
got = set()
for line in open(sys.argv[2]):
    d = json.loads(line)
    if d.get("type") == "finding" and d["severity"] in ("warning", "critical"):
        got.add((d["rule"], d["call_id"]))
print(f"injected problems found: {len(want & got)}/{len(want)}, other findings: {len(got - want)}")
PY
)
    if [ $M_RC = 0 ] || [ $M_RC = 1 ]; then SW_OK=1; SW_NOTE="${verdict:-verdict not checked}"
        [ -n "$SW_MSGS" ] || { SW_MSGS=$tag; SW_NOTE="$SW_NOTE; no sip_messages in output, count is the file's"; }
    else SW_NOTE="FAILED rc=$M_RC ${M_NOTE:-$(tail -c 200 "$OUT/sipwatch-$tag.err" | tr '\n' ' ')}"; fi
}

say "== measurements on $CAP (timeout ${TIMEOUT}s each)"
N=$MESSAGES

if ! skipped sipwatch; then
    run_sipwatch "$CAP" "$MESSAGES"
    if [ $SW_OK = 1 ]; then row sipwatch "$SW_MSGS" "$SW_SECS" "$SW_RSS" "$SW_NOTE"
    else row sipwatch - "$SW_SECS" "$SW_RSS" "$SW_NOTE"; say "   sipwatch failed or is not ready; continuing"; fi
    SW_BIG_RSS=$SW_RSS; SW_BIG_OK=$SW_OK
fi

if ! skipped read; then
    measure read "$OUT/read-$MESSAGES" "$READ" "$CAP"
    got=$(awk -F': ' '/^packets:/ {print $2}' "$OUT/read-$MESSAGES.out")
    row read-ceil "${got:--}" "$M_SECS" "$M_RSS_MB" "$([ $M_RC = 0 ] && echo "own timer $(awk -F': ' '/^seconds/ {print $2}' "$OUT/read-$MESSAGES.out") s" || echo "FAILED rc=$M_RC $M_NOTE")"
fi

if ! skipped parse; then
    measure parse "$OUT/parse-$MESSAGES" "$PARSE" "$CAP"
    got=$(awk -F': ' '/^messages parsed:/ {print $2}' "$OUT/parse-$MESSAGES.out")
    errs=$(awk -F': ' '/^parse errors:/ {print $2}' "$OUT/parse-$MESSAGES.out")
    row parse-ceil "${got:--}" "$M_SECS" "$M_RSS_MB" "$([ $M_RC = 0 ] && echo "parse errors ${errs:-?}" || echo "FAILED rc=$M_RC $M_NOTE errors=${errs:-?}")"
fi

if ! skipped sngrep; then
    if command -v sngrep > /dev/null; then
        # -N: no interface, -F: no config file, -l: keep every dialog (the default
        # limit of 20000 would let it stop storing), -I: read the file; it exits at EOF.
        want=$(gen_dialogs "$CAP")
        measure sngrep "$OUT/sngrep-$MESSAGES" sngrep -F -N -l 100000000 -I "$CAP"
        dlg=$(tr '\r' '\n' < "$OUT/sngrep-$MESSAGES.out" | awk -F': ' '/Dialog count/ {d=$2} END {print d+0}')
        if [ $M_RC = 0 ] && [ "$dlg" = "$want" ]; then row sngrep "$N" "$M_SECS" "$M_RSS_MB" "dialogs $dlg/$want"
        else row sngrep - "$M_SECS" "$M_RSS_MB" "FAILED rc=$M_RC dialogs $dlg/$want $M_NOTE"; fi
        # informative: -R rotates (keeps the last 20000 dialogs, default limit) but
        # still processes every dialog; bounded memory. Not used for the ratio.
        measure sngrep-R "$OUT/sngrep-R-$MESSAGES" sngrep -F -N -R -I "$CAP"
        dlg=$(tr '\r' '\n' < "$OUT/sngrep-R-$MESSAGES.out" | awk -F': ' '/Dialog count/ {d=$2} END {print d+0}')
        if [ $M_RC = 0 ] && [ "$dlg" = "$want" ]; then row sngrep-R "$N" "$M_SECS" "$M_RSS_MB" "-R (rotate at 20000 dialogs), dialogs $dlg/$want; info only"
        else row sngrep-R - "$M_SECS" "$M_RSS_MB" "FAILED rc=$M_RC dialogs $dlg/$want $M_NOTE"; fi
    else
        row sngrep - "" "" "not installed (apt-get install -y sngrep)"
    fi
fi

if ! skipped tshark; then
    if command -v tshark > /dev/null; then
        measure tshark "$OUT/tshark-$MESSAGES" tshark -q -r "$CAP" -z sip,stat
        got=$(awk -F': ' '/Number of SIP messages/ {print $2}' "$OUT/tshark-$MESSAGES.out")
        if [ $M_RC = 0 ] && [ -n "$got" ]; then row tshark "$got" "$M_SECS" "$M_RSS_MB" "sip,stat"
        else row tshark - "$M_SECS" "$M_RSS_MB" "FAILED rc=$M_RC $M_NOTE"; fi
    else
        row tshark - "" "" "not installed (apt-get install -y tshark)"
    fi
fi

# memory growth: sipwatch on the small capture
GROWTH=
if [ -n "$SMALLCAP" ] && ! skipped sipwatch; then
    say "== memory growth: sipwatch on $SMALLCAP"
    run_sipwatch "$SMALLCAP" "$SMALL"
    if [ $SW_OK = 1 ] && [ "${SW_BIG_OK:-0}" = 1 ]; then
        GROWTH=$(awk -v a="$SW_RSS" -v b="$SW_BIG_RSS" -v s="$SMALL" -v n="$MESSAGES" \
            'BEGIN { printf "sipwatch peak RSS: %.1f MB at %d messages, %.1f MB at %d messages (x%.2f for x%.0f messages)", a, s, b, n, (a > 0 ? b / a : 0), n / s }')
    else
        GROWTH="sipwatch peak RSS: ${SW_RSS:--} MB at $SMALL messages ($SW_NOTE), ${SW_BIG_RSS:--} MB at $MESSAGES messages"
    fi
    say "   $GROWTH"
fi

# ---------------------------------------------------------------------------
# Table.
say ""
say "== results: $(basename "$CAP"), $MESSAGES SIP messages, $(du -h "$CAP" | cut -f1)"
say "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
say ""
printf '| %-10s | %12s | %9s | %12s | %13s | %s\n' tool "SIP messages" seconds "messages/s" "peak RSS MB" "note"
printf '|%s|%s|%s|%s|%s|%s\n' ------------ -------------- ----------- -------------- --------------- ------
for r in "${ROWS[@]}"; do
    IFS='|' read -r t m s x rss note <<< "$r"
    printf '| %-10s | %12s | %9s | %12s | %13s | %s\n' "$t" "$m" "$s" "$x" "$rss" "$note"
done
say ""
ratio() { # name sipwatch-rate other-rate target
    if [ -n "$2" ] && [ "$2" != - ] && [ -n "$3" ] && [ "$3" != - ]; then
        awk -v a="$2" -v b="$3" -v t="$4" -v n="$1" 'BEGIN { r = a / b; printf "%s: %.1fx (target >= %dx: %s)\n", n, r, t, (r >= t ? "met" : "NOT met") }'
    else
        say "$1: n/a (a run failed or was skipped)"
    fi
}
SW_RATE=$(rate_of sipwatch)
ratio "sipwatch/sngrep throughput" "$SW_RATE" "$(rate_of sngrep)" 10
ratio "sipwatch/tshark throughput" "$SW_RATE" "$(rate_of tshark)" 5
[ -n "$GROWTH" ] && say "$GROWTH"
say ""
say "logs: $OUT/{sipwatch,read,parse,sngrep,sngrep-R,tshark}-$MESSAGES.{out,err,time}; this report: $RESULTS"
