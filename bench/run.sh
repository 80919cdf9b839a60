#!/usr/bin/env bash
# bench/run.sh: builds the benchmark tools, generates synthetic SIP captures
# (default 1,000,000 messages) in bench/out/ for each traffic profile (today's
# "default" and "busy-pbx"), and measures on each big file, every tool under
# /usr/bin/time -v and timeout: sipwatch -r --json (and with --threads 0: one
# core), the libpcap read ceiling,
# sipwatch -r --json --calls (a record per call; its peak memory must stay
# within 10% of --json alone), the libosip2 parse ceiling on 1 and 2
# threads, that two-thread ceiling and sipwatch again side by side in
# alternating pairs, sngrep -N and tshark -z sip,stat; then sipwatch again on the
# small file (memory growth). Prints a
# table per profile (messages, seconds, messages/s, peak RSS, CPU seconds),
# sipwatch's ratios and its correlator's flow and peer counts.
#
# usage: bench/run.sh [options] [BUILD_DIR]      (or BUILD=dir bench/run.sh)
#   --messages N    SIP messages in the capture (default 1000000)
#   --small N       size of the second capture for the memory growth check
#                   (default 100000; 0 = skip the check)
#   --profile LIST  comma-separated traffic profiles: default,busy-pbx (both)
#   --concurrent N  dialogs in flight in the default profile's traffic
#                   (default 2000, or messages/50 for captures under 100000)
#   --parse-threads LIST  thread counts for the parse ceiling (default 1,2)
#   --pairs N       side-by-side pairs of the two-thread parse ceiling and
#                   sipwatch, run alternately (default 7; 0 = none): the
#                   median of their ratios is the one judged against 90%
#   --seed N        generator seed (default 1)
#   --timeout S     per-tool time limit in seconds (default 900)
#   --no-build      use the tools already in BUILD_DIR, do not run cmake
#   --skip LIST     comma-separated, not to run: sipwatch,scaling,calls,read,parse,pairs,sngrep,tshark
#   -h, --help
set -u -o pipefail

usage() { sed -n '/^# usage:/,/^#   -h, --help/p' "$0" | sed 's/^# \{0,1\}//'; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
MESSAGES=1000000
SMALL=100000
CONCURRENT=
SEED=1
TIMEOUT=900
DO_BUILD=1
SKIP=","
PROFILES=default,busy-pbx
PARSE_THREADS=1,2
PAIRS=7
while [ $# -gt 0 ]; do
    case $1 in
    --messages) MESSAGES=$2; shift 2 ;;
    --messages=*) MESSAGES=${1#*=}; shift ;;
    --small) SMALL=$2; shift 2 ;;
    --concurrent) CONCURRENT=$2; shift 2 ;;
    --profile) PROFILES=$2; shift 2 ;;
    --parse-threads) PARSE_THREADS=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
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
for v in "$MESSAGES" "$SMALL" "$CONCURRENT" "$SEED" "$TIMEOUT" "$PAIRS"; do
    case $v in ''|*[!0-9]*) echo "run.sh: not a number: '$v'" >&2; exit 64 ;; esac
done
for p in ${PROFILES//,/ }; do
    case $p in default|busy-pbx) ;; *) echo "run.sh: unknown profile '$p' (default, busy-pbx)" >&2; exit 64 ;; esac
done
for t in ${PARSE_THREADS//,/ }; do
    case $t in ''|*[!0-9]*|0) echo "run.sh: not a thread count: '$t'" >&2; exit 64 ;; esac
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
say "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; other work on the machine slows every tool)"
say "libpcap:   $(pkg-config --modversion libpcap 2>/dev/null || echo '?'), libosip2: $(pkg-config --modversion libosip2 2>/dev/null || echo '?')"
say "sngrep:    $(sngrep -V 2>/dev/null | head -1 || echo 'not installed')"
say "tshark:    $(tshark -v 2>/dev/null | head -1 || echo 'not installed')"
say "sipwatch:  $([ -x "$SIPWATCH" ] && echo "$SIPWATCH" || echo "not built ($SIPWATCH)")"

# ---------------------------------------------------------------------------
# Captures.
# Busy-pbx files carry injected problems only from 15 s of traffic on (the
# generator needs that much capture around them).
BUSY_MIN_INJECT=60000
gen() { # gen PROFILE N FILE -> prints the generator's statistics
    local prof=$1 n=$2 f=$3 args
    if [ "$prof" = busy-pbx ]; then
        args=(--profile busy-pbx)
        [ "$n" -ge $BUSY_MIN_INJECT ] && args+=(--auth-loops 5 --lost-notifies 5)
    else
        args=(-c "$CONCURRENT" --auth-loops 5 --lost-notifies 5)
    fi
    "$GEN" -o "$f" -n "$n" -s "$SEED" "${args[@]}" \
        --manifest "${f%.pcap}.manifest.json" 2> "${f%.pcap}.gen.log" \
        || { cat "${f%.pcap}.gen.log"; die "generator failed"; }
    sed 's/^/   /' "${f%.pcap}.gen.log"
}
# dialogs sngrep should count: every dialog of the default profile; on
# busy-pbx the Call-IDs that open with a request (calls already under way at
# the start show up with a BYE or a response first, which sngrep ignores)
gen_dialogs() {
    local log=${1%.pcap}.gen.log n
    n=$(sed -n 's/.*opening with a request that starts a dialog: \([0-9]*\).*/\1/p' "$log")
    if [ -n "$n" ]; then echo "$n"; return; fi
    sed -n 's/.*dialogs: //p' "$log" | tr ' ;' '\n\n' | awk -F= 'NF==2 {s+=$2} END {print s+0}'
}
# sngrep's dialog count against the generator's: equal (default profile), or
# within 1% on busy-pbx (sngrep also keeps a few Call-IDs first seen mid-dialog)
dialogs_ok() { awk -v w="$1" -v g="$2" -v p="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(p == "default" ? d == 0 : d <= w / 100) }'; }

# ---------------------------------------------------------------------------
# Measurements.
# measure NAME LOGBASE CMD... : sets M_RC M_SECS M_RSS_MB M_CPU (empty on failure)
measure() {
    local log=$2; shift 2
    M_RC=0
    local t0=$EPOCHREALTIME t1
    timeout --kill-after=10 "$TIMEOUT" /usr/bin/time -v -o "$log.time" "$@" > "$log.out" 2> "$log.err" || M_RC=$?
    t1=$EPOCHREALTIME
    M_SECS=; M_RSS_MB=; M_CPU=
    if [ -s "$log.time" ]; then
        # wall time from our own clock (time -v only has 10 ms resolution)
        M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        M_RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$log.time")
        M_CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$log.time")
    fi
    if [ $M_RC = 124 ] || [ $M_RC = 137 ]; then M_NOTE="timed out after ${TIMEOUT}s"; else M_NOTE=; fi
}

ROWS=()
row() { # tool messages secs rss cpu note
    local rate=-
    if [ -n "$3" ] && [ "$2" != - ]; then rate=$(awk -v n="$2" -v s="$3" 'BEGIN { if (s > 0) printf "%.0f", n/s; else print "-" }'); fi
    ROWS+=("$1|$2|${3:--}|$rate|${4:--}|${5:--}|$6")
    printf '   %-10s messages=%s seconds=%s msg/s=%s peak_rss_MB=%s cpu_s=%s %s\n' "$1" "$2" "${3:--}" "$rate" "${4:--}" "${5:--}" "$6"
}
rate_of() { for r in "${ROWS[@]}"; do IFS='|' read -r t m s x rss cpu note <<< "$r"; [ "$t" = "$1" ] && echo "$x"; done; }

run_sipwatch() { # FILE TAG -> sets SW_SECS SW_RSS SW_CPU SW_OK SW_MSGS SW_NOTE SW_CORR
    local f=$1 tag=$2
    SW_OK=0; SW_SECS=; SW_RSS=; SW_CPU=; SW_MSGS=; SW_CORR=
    if [ ! -x "$SIPWATCH" ]; then SW_NOTE="not built"; return; fi
    measure sipwatch "$OUT/sipwatch-$tag" "$SIPWATCH" -r "$f" --json
    SW_SECS=$M_SECS; SW_RSS=$M_RSS_MB; SW_CPU=$M_CPU
    SW_MSGS=$(grep -o '"sip_messages": *[0-9]*' "$OUT/sipwatch-$tag.out" 2>/dev/null | tail -1 | grep -o '[0-9]*$')
    # Exit status 1 means "problems found": the run succeeded. Compare the
    # findings with the generator's manifest: exactly the injected set. The
    # second line is the correlator's table counts from the stats line.
    local verdict
    verdict=$(python3 - "${f%.pcap}.manifest.json" "$OUT/sipwatch-$tag.out" <<'PY' 2>/dev/null
import json, sys
want = {(p["type"], p["call_id"]) for p in json.load(open(sys.argv[1]))["problems"]}
got, corr = set(), None
for line in open(sys.argv[2]):
    d = json.loads(line)
    if d.get("type") == "finding" and d["severity"] in ("warning", "critical"):
        got.add((d["rule"], d["call_id"]))
    elif d.get("type") == "stats":
        corr = d.get("correlator")
print(f"injected problems found: {len(want & got)}/{len(want)}, other findings: {len(got - want)}")
if corr:
    print(f"flows created {corr['flows']:,} (evicted {corr['flows_evicted']:,}, expired {corr['flows_expired']:,}), "
          f"peers created {corr['peers']:,} (evicted {corr['peers_evicted']:,})")
PY
)
    SW_CORR=$(sed -n 2p <<< "$verdict")
    verdict=$(sed -n 1p <<< "$verdict")
    if [ $M_RC = 0 ] || [ $M_RC = 1 ]; then SW_OK=1; SW_NOTE="${verdict:-verdict not checked}"
        [ -n "$SW_MSGS" ] || { SW_MSGS=${tag##*-}; SW_NOTE="$SW_NOTE; no sip_messages in output, count is the file's"; }
    else SW_NOTE="FAILED rc=$M_RC ${M_NOTE:-$(tail -c 200 "$OUT/sipwatch-$tag.err" | tr '\n' ' ')}"; fi
}

ratio() { # name sipwatch-rate other-rate target
    if [ -n "$2" ] && [ "$2" != - ] && [ -n "$3" ] && [ "$3" != - ]; then
        awk -v a="$2" -v b="$3" -v t="$4" -v n="$1" 'BEGIN { r = a / b; printf "%s: %.1fx (target >= %dx: %s)\n", n, r, t, (r >= t ? "met" : "NOT met") }'
    else
        say "$1: n/a (a run failed or was skipped)"
    fi
}

SUMMARY=()
# bench_profile PROFILE: captures, measurements, memory growth and table of one profile
bench_profile() {
    local prof=$1 pre cap smallcap n=$MESSAGES
    [ "$prof" = default ] && pre=sip || pre=busy-pbx
    ROWS=()
    say ""
    say "== profile $prof: captures"
    cap=$OUT/$pre-$n.pcap
    if [ "$prof" = default ]; then
        say "generating $cap ($n messages, $CONCURRENT concurrent dialogs, seed $SEED)"
    else
        say "generating $cap ($n messages, busy-pbx: 4,000 messages/s, 20,000 phones, seed $SEED)"
    fi
    gen "$prof" "$n" "$cap"
    smallcap=
    if [ "$SMALL" -gt 0 ] && [ "$SMALL" -lt "$n" ]; then
        smallcap=$OUT/$pre-$SMALL.pcap
        say "generating $smallcap ($SMALL messages, for the memory growth check)"
        gen "$prof" "$SMALL" "$smallcap"
    fi
    say "file size: $(du -h "$cap" | cut -f1)"
    # warm the page cache so every tool reads from memory
    cat "$cap" > /dev/null

    # logs of the default profile keep their old names (<tool>-N)
    local tag=$n; [ "$prof" = default ] || tag=$prof-$n
    say "== profile $prof: measurements on $cap (timeout ${TIMEOUT}s each)"
    local big_rss= big_ok=0 big_corr= got errs want dlg
    if ! skipped sipwatch; then
        run_sipwatch "$cap" "$tag"
        if [ $SW_OK = 1 ]; then row sipwatch "$SW_MSGS" "$SW_SECS" "$SW_RSS" "$SW_CPU" "$SW_NOTE"
        else row sipwatch - "$SW_SECS" "$SW_RSS" "$SW_CPU" "$SW_NOTE"; say "   sipwatch failed or is not ready; continuing"; fi
        big_rss=$SW_RSS; big_ok=$SW_OK; big_corr=$SW_CORR
        [ -n "$SW_CORR" ] && say "   sipwatch correlator: $SW_CORR"
    fi

    # scaling: the same run on one core (the capture thread parses everything:
    # --threads 0), so what the second core gives can be read off
    if ! skipped scaling && [ -x "$SIPWATCH" ]; then
        measure sw-1core "$OUT/sipwatch-1core-$tag" "$SIPWATCH" -r "$cap" --json --threads 0
        got=$(grep -o '"sip_messages": *[0-9]*' "$OUT/sipwatch-1core-$tag.out" 2>/dev/null | tail -1 | grep -o '[0-9]*$')
        if [ $M_RC = 0 ] || [ $M_RC = 1 ]; then row sw-1core "${got:--}" "$M_SECS" "$M_RSS_MB" "$M_CPU" "--threads 0: one core, no parse worker"
        else row sw-1core - "$M_SECS" "$M_RSS_MB" "$M_CPU" "FAILED rc=$M_RC $M_NOTE"; fi
    fi

    # --calls streams: a finished call is written and forgotten, so its peak
    # memory is --json's (within 10%)
    if ! skipped calls && [ -x "$SIPWATCH" ]; then
        measure calls "$OUT/sipwatch-calls-$tag" "$SIPWATCH" -r "$cap" --json --calls
        got=$(grep -c '"type": *"call"' "$OUT/sipwatch-calls-$tag.out" 2>/dev/null)
        local cnote="call records $got"
        if [ -n "$big_rss" ] && [ -n "$M_RSS_MB" ]; then
            cnote="$cnote, peak RSS $(awk -v a="$M_RSS_MB" -v b="$big_rss" 'BEGIN { r = a / b; printf "x%.3f of --json (target <= 1.10: %s)", r, (r <= 1.10 ? "met" : "NOT met") }')"
        fi
        if [ $M_RC = 0 ] || [ $M_RC = 1 ]; then row sw-calls "${SW_MSGS:--}" "$M_SECS" "$M_RSS_MB" "$M_CPU" "$cnote"
        else row sw-calls - "$M_SECS" "$M_RSS_MB" "$M_CPU" "FAILED rc=$M_RC $M_NOTE"; fi
    fi

    if ! skipped read; then
        measure read "$OUT/read-$tag" "$READ" "$cap"
        got=$(awk -F': ' '/^packets:/ {print $2}' "$OUT/read-$tag.out")
        row read-ceil "${got:--}" "$M_SECS" "$M_RSS_MB" "$M_CPU" "$([ $M_RC = 0 ] && echo "own timer $(awk -F': ' '/^seconds/ {print $2}' "$OUT/read-$tag.out") s" || echo "FAILED rc=$M_RC $M_NOTE")"
    fi

    if ! skipped parse; then
        local t name log
        for t in ${PARSE_THREADS//,/ }; do
            if [ "$t" = 1 ]; then name=parse-ceil; log=$OUT/parse-$tag; else name=parse-${t}t; log=$OUT/parse-${t}t-$tag; fi
            measure parse "$log" "$PARSE" --threads "$t" "$cap"
            got=$(awk -F': ' '/^messages parsed:/ {print $2}' "$log.out")
            errs=$(awk -F': ' '/^parse errors:/ {print $2}' "$log.out")
            row "$name" "${got:--}" "$M_SECS" "$M_RSS_MB" "$M_CPU" "$([ $M_RC = 0 ] && echo "$t thread(s), parse errors ${errs:-?}" || echo "FAILED rc=$M_RC $M_NOTE errors=${errs:-?}")"
        done
    fi

    # side by side: the two-thread parse ceiling and sipwatch alternately, so
    # that a drift in the machine's speed between two runs far apart (a
    # shared virtual machine's is up to 30% within minutes) does not decide
    # the ratio: each pair gives one, their median is judged
    local pairs=
    if ! skipped pairs && ! skipped parse && ! skipped sipwatch && [ "$PAIRS" -gt 0 ] && [ -x "$SIPWATCH" ]; then
        local i ps ratios=()
        for i in $(seq "$PAIRS"); do
            cat "$cap" > /dev/null      # both read it from the page cache
            measure parse "$OUT/pair-parse-$tag" "$PARSE" --threads 2 "$cap"
            ps=$M_SECS
            [ $M_RC = 0 ] || ps=
            measure sipwatch "$OUT/pair-sipwatch-$tag" "$SIPWATCH" -r "$cap" --json
            { [ $M_RC = 0 ] || [ $M_RC = 1 ]; } || M_SECS=
            [ -n "$ps" ] && [ -n "$M_SECS" ] && ratios+=("$(awk -v p="$ps" -v s="$M_SECS" 'BEGIN { printf "%.1f", 100 * p / s }')")
            say "   pair $i: parse-2t ${ps:-failed} s, sipwatch ${M_SECS:-failed} s"
        done
        if [ ${#ratios[@]} -gt 0 ]; then
            pairs=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1; l = l (NR > 1 ? ", " : "") $1 "%" }
                END { m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
                      printf "sipwatch / two-thread parse ceiling, side by side: %.0f%%, the median of %d pairs (%s) (target >= 90%%: %s)", m, NR, l, (m >= 90 ? "met" : "NOT met") }')
        fi
    fi

    if ! skipped sngrep; then
        if command -v sngrep > /dev/null; then
            # -N: no interface, -F: no config file, -l: keep every dialog (the default
            # limit of 20000 would let it stop storing), -I: read the file; it exits at EOF.
            want=$(gen_dialogs "$cap")
            measure sngrep "$OUT/sngrep-$tag" sngrep -F -N -l 100000000 -I "$cap"
            dlg=$(tr '\r' '\n' < "$OUT/sngrep-$tag.out" | awk -F': ' '/Dialog count/ {d=$2} END {print d+0}')
            if [ $M_RC = 0 ] && dialogs_ok "$want" "$dlg" "$prof"; then row sngrep "$n" "$M_SECS" "$M_RSS_MB" "$M_CPU" "dialogs $dlg/$want"
            else row sngrep - "$M_SECS" "$M_RSS_MB" "$M_CPU" "FAILED rc=$M_RC dialogs $dlg/$want $M_NOTE"; fi
            # informative: -R rotates (keeps the last 20000 dialogs, default limit) but
            # still processes every dialog; bounded memory. Not used for the ratio.
            measure sngrep-R "$OUT/sngrep-R-$tag" sngrep -F -N -R -I "$cap"
            dlg=$(tr '\r' '\n' < "$OUT/sngrep-R-$tag.out" | awk -F': ' '/Dialog count/ {d=$2} END {print d+0}')
            # Rotation forgets the oldest dialogs: on busy-pbx a later request of a long
            # call it forgot opens that dialog again, so it may count more than the
            # generator wrote, never fewer.
            if [ $M_RC = 0 ] && { dialogs_ok "$want" "$dlg" "$prof" || { [ "$prof" = busy-pbx ] && [ "$dlg" -ge "$want" ]; }; }; then row sngrep-R "$n" "$M_SECS" "$M_RSS_MB" "$M_CPU" "-R (rotate at 20000 dialogs), dialogs $dlg/$want; info only"
            else row sngrep-R - "$M_SECS" "$M_RSS_MB" "$M_CPU" "FAILED rc=$M_RC dialogs $dlg/$want $M_NOTE"; fi
        else
            row sngrep - "" "" "" "not installed (apt-get install -y sngrep)"
        fi
    fi

    if ! skipped tshark; then
        if command -v tshark > /dev/null; then
            measure tshark "$OUT/tshark-$tag" tshark -q -r "$cap" -z sip,stat
            got=$(awk -F': ' '/Number of SIP messages/ {print $2}' "$OUT/tshark-$tag.out")
            if [ $M_RC = 0 ] && [ -n "$got" ]; then row tshark "$got" "$M_SECS" "$M_RSS_MB" "$M_CPU" "sip,stat"
            else row tshark - "$M_SECS" "$M_RSS_MB" "$M_CPU" "FAILED rc=$M_RC $M_NOTE"; fi
        else
            row tshark - "" "" "" "not installed (apt-get install -y tshark)"
        fi
    fi

    # memory growth: sipwatch on the small capture
    local growth= stag=$SMALL small_rate=
    [ "$prof" = default ] || stag=$prof-$SMALL
    if [ -n "$smallcap" ] && ! skipped sipwatch; then
        say "== profile $prof: memory growth, sipwatch on $smallcap"
        run_sipwatch "$smallcap" "$stag"
        [ $SW_OK = 1 ] && small_rate=$(awk -v n="$SW_MSGS" -v s="$SW_SECS" 'BEGIN { if (s > 0) printf "%.0f", n/s }')
        say "   sipwatch messages=$SW_MSGS seconds=$SW_SECS msg/s=${small_rate:--} peak_rss_MB=$SW_RSS cpu_s=$SW_CPU $SW_NOTE"
        [ -n "$SW_CORR" ] && say "   sipwatch correlator: $SW_CORR"
        if [ $SW_OK = 1 ] && [ "$big_ok" = 1 ]; then
            growth=$(awk -v a="$SW_RSS" -v b="$big_rss" -v s="$SMALL" -v n="$n" -v ra="$small_rate" -v rb="$(rate_of sipwatch)" \
                'BEGIN { printf "sipwatch peak RSS: %.1f MB at %d messages, %.1f MB at %d messages (x%.2f for x%.3g messages); msg/s %s and %s", a, s, b, n, (a > 0 ? b / a : 0), n / s, ra, rb }')
        else
            growth="sipwatch peak RSS: ${SW_RSS:--} MB at $SMALL messages ($SW_NOTE), ${big_rss:--} MB at $n messages"
        fi
        say "   $growth"
    fi

    # table
    local t m s x rss cpu note
    say ""
    say "== results, profile $prof: $(basename "$cap"), $n SIP messages, $(du -h "$cap" | cut -f1)"
    say "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); load $(cut -d' ' -f1-3 /proc/loadavg)"
    say ""
    printf '| %-10s | %12s | %9s | %12s | %13s | %7s | %s\n' tool "SIP messages" seconds "messages/s" "peak RSS MB" "CPU s" "note"
    printf '|%s|%s|%s|%s|%s|%s|%s\n' ------------ -------------- ----------- -------------- --------------- --------- ------
    for r in "${ROWS[@]}"; do
        IFS='|' read -r t m s x rss cpu note <<< "$r"
        printf '| %-10s | %12s | %9s | %12s | %13s | %7s | %s\n' "$t" "$m" "$s" "$x" "$rss" "$cpu" "$note"
    done
    say ""
    local sw_rate two
    sw_rate=$(rate_of sipwatch)
    ratio "sipwatch/sngrep throughput" "$sw_rate" "$(rate_of sngrep)" 10
    ratio "sipwatch/tshark throughput" "$sw_rate" "$(rate_of tshark)" 5
    local one_core
    one_core=$(rate_of sw-1core)
    if [ -n "$sw_rate" ] && [ "$sw_rate" != - ] && [ -n "$one_core" ] && [ "$one_core" != - ]; then
        awk -v a="$sw_rate" -v b="$one_core" 'BEGIN { printf "sipwatch on all cores / on one core: x%.2f\n", a / b }'
    fi
    two=$(rate_of parse-2t)
    if [ -n "$sw_rate" ] && [ "$sw_rate" != - ] && [ -n "$two" ] && [ "$two" != - ]; then
        if [ -n "$pairs" ]; then
            awk -v a="$sw_rate" -v b="$two" 'BEGIN { printf "sipwatch / two-thread parse ceiling, the table'"'"'s single runs: %.0f%% (information: see the pairs)\n", 100 * a / b }'
        else
            awk -v a="$sw_rate" -v b="$two" 'BEGIN { r = 100 * a / b; printf "sipwatch / two-thread parse ceiling: %.0f%% (target >= 90%%: %s)\n", r, (r >= 90 ? "met" : "NOT met") }'
        fi
    fi
    [ -n "$pairs" ] && say "$pairs"
    [ -n "$big_corr" ] && say "sipwatch correlator at $n messages: $big_corr"
    [ -n "$growth" ] && say "$growth"
    SUMMARY+=("$prof: sipwatch ${sw_rate:--} msg/s at $n messages; ${growth:-no growth check}")
    say ""
    say "logs: $OUT/{sipwatch,read,parse,parse-Nt,sngrep,sngrep-R,tshark}-$tag.{out,err,time}"
}

for prof in ${PROFILES//,/ }; do
    bench_profile "$prof"
done
say ""
say "== summary"
for l in "${SUMMARY[@]}"; do say "$l"; done
say "this report: $RESULTS"
