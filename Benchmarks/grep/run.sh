#!/usr/bin/env bash
# Benchmarks/grep/run.sh - log filtering benchmark, one run, side by side:
#   xmppscope grep (--count, --json)  vs  jq  vs  GNU grep -c
# on the same JSON Lines log, written by `xmppscope replay --json` from a
# synthetic capture (Benchmarks/replay/synth-capture.c).
#
# Everything it builds or generates goes to $BENCH_WORK (default
# Benchmarks/grep/.build-bench/, ignored by git through the `.build-*/`
# line of the top-level .gitignore, and by its own .gitignore).  The
# capture and the logs are cached there by parameters; delete them
# (`rm -rf Benchmarks/grep/.build-bench`) or set BENCH_REGEN_LOG=1 to make
# the logs again, e.g. after a change of the log format.  No network access.
#
# Environment (defaults in brackets):
#   BENCH_STANZAS [600000]   stanzas in the capture (~620 bytes of log each)
#   BENCH_CONNS [200]        connections in the capture
#   BENCH_SEED [1]           generator seed
#   BENCH_REPEAT [3]         runs per measurement, best wall time kept
#   BENCH_TIMEOUT [600]      seconds per command
#   BENCH_MIN_MB [200]       the log must be at least this big (MB = 10^6 bytes)
#   BENCH_BUILD_SWIFT [1]    0: do not run swift build, use what exists
#   BENCH_REGEN_LOG [0]      1: write the logs again even if cached
#   BENCH_XMPPSCOPE [<repo>/.build-install/release/xmppscope, built as scripts/install.sh builds it: Swift runtime linked statically]
#   BENCH_WORK [Benchmarks/grep/.build-bench]
#
# Definitions: MB = 10^6 bytes of log file; MB/s = log size / wall time;
# wall time measured by this script around each command (so it includes
# process start-up); peak RSS from /usr/bin/time -f %M.  The quarter log is
# the first quarter of the lines of the full log (head -n).  LC_ALL=C for
# every command (GNU grep is at its fastest in the C locale).

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$ROOT/Benchmarks/lib.sh"

STANZAS=${BENCH_STANZAS:-600000}
CONNS=${BENCH_CONNS:-200}
SEED=${BENCH_SEED:-1}
REPEAT=${BENCH_REPEAT:-3}
TIMEOUT=${BENCH_TIMEOUT:-600}
MIN_MB=${BENCH_MIN_MB:-200}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
REGEN_LOG=${BENCH_REGEN_LOG:-0}
XMPPSCOPE=${BENCH_XMPPSCOPE:-$ROOT/.build-install/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}

for v in STANZAS CONNS SEED REPEAT TIMEOUT MIN_MB; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a number" >&2; exit 2; }
done
(( REPEAT >= 1 )) || { echo "run.sh: BENCH_REPEAT must be at least 1" >&2; exit 2; }

mkdir -p "$WORK"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
SYNTH_SRC=$ROOT/Benchmarks/replay/synth-capture.c
SYNTH=$WORK/synth-capture
TIME=/usr/bin/time

need gcc "apt-get install gcc"
need jq "apt-get install jq"
need grep "apt-get install grep"
need timeout "coreutils"
[ -x "$TIME" ] || { echo "run.sh: $TIME not found (apt-get install time)" >&2; exit 1; }
[ -f "$SYNTH_SRC" ] || { echo "run.sh: $SYNTH_SRC not found" >&2; exit 1; }

NAME=synth-n$STANZAS-c$CONNS-s$SEED
CAP=$WORK/$NAME.pcap
LOG=$WORK/$NAME.jsonl
QLOG=$WORK/$NAME.quarter.jsonl

FILTER='iq and type == "error"'
JQ_PROG='select(.kind=="iq" and .type=="error")'
GREP_PAT='"type":"error"'

PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMD_CC_SYNTH="gcc -O2 -Wall -Wextra -o $SYNTH $SYNTH_SRC $PCAP_LIBS"
CMD_SWIFT="$ROOT/scripts/release-build.sh"

# The measured commands, as argument arrays (name -> command on FILE).
TOOLS=(xcount xjson jq grep)
declare -A TOOL_LABEL=(
    [xcount]="xmppscope grep --count"
    [xjson]="xmppscope grep --json"
    [jq]="jq -c select"
    [grep]="grep -c"
)
cmd_for() { # tool file -> sets CMD (array)
    case $1 in
        xcount) CMD=("$XMPPSCOPE" grep --count "$FILTER" "$2") ;;
        xjson)  CMD=("$XMPPSCOPE" grep --json "$FILTER" "$2") ;;
        jq)     CMD=(jq -c "$JQ_PROG" "$2") ;;
        grep)   CMD=(grep -c "$GREP_PAT" "$2") ;;
    esac
}
# Where each tool's output goes when timed.  GNU grep must not write to
# /dev/null: it notices and stops at the first match (as with -q), even
# with -c, so it would "read" 375 MB in 2 ms.  Its one-line output goes to
# a file instead; the others write to /dev/null.
out_for() { if [ "$1" = grep ]; then echo "$WORK/grep.out"; else echo /dev/null; fi; }

quote() { # arg -> the arg, single-quoted for a shell when needed
    if [[ $1 =~ ^[A-Za-z0-9_./=+:@%-]+$ ]]; then printf '%s' "$1"
    else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
show_cmd() { # tool file -> the command, quoted for a shell
    local CMD a out=""
    cmd_for "$1" "$2"
    for a in "${CMD[@]}"; do out+="${out:+ }$(quote "$a")"; done
    printf '%s' "$out"
}

# ---------------------------------------------------------------- header
echo "== xmppscope grep benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "jq: $(jq --version 2>&1), grep: $(grep --version | head -1), LC_ALL=$LC_ALL"
echo "repeat: $REPEAT (best wall time kept), timeout: ${TIMEOUT}s per command"
echo
echo "== commands"
echo "build:    [ -nt ] $CMD_CC_SYNTH"
if [ "$BUILD_SWIFT" = 1 ]; then echo "build:    $CMD_SWIFT"; fi
echo "capture:  [cached] $SYNTH $CAP --stanzas $STANZAS --conns $CONNS --seed $SEED"
echo "log:      [cached] $XMPPSCOPE replay $CAP --json > $LOG"
echo "quarter:  [cached] head -n \$((LINES / 4)) $LOG > $QLOG"
echo "measure:  timeout $TIMEOUT $TIME -f %M -o RSSFILE CMD > OUT  (wall time: bash \$EPOCHREALTIME around it)"
for t in "${TOOLS[@]}"; do
    printf '  %-24s %s > %s\n' "${TOOL_LABEL[$t]}:" "$(show_cmd "$t" LOG)" "$(out_for "$t")"
done
echo "  (grep -c writes to a file: with stdout on /dev/null GNU grep stops at the first match)"
echo "  (xmppscope grep --count and --json also on the quarter log, for peak RSS)"
echo "checks (untimed, same timeout):"
echo "  $(show_cmd xcount LOG)   ==   $(show_cmd jq LOG) | wc -l"
echo "  $(show_cmd xjson LOG) | wc -l   (must equal too)"
echo "  $(show_cmd grep LOG)   (superset: any record with type error)"
echo

# ---------------------------------------------------------------- build
echo "== build"
if [ ! -x "$SYNTH" ] || [ "$SYNTH_SRC" -nt "$SYNTH" ]; then
    echo "+ $CMD_CC_SYNTH"
    # shellcheck disable=SC2086
    gcc -O2 -Wall -Wextra -o "$SYNTH" "$SYNTH_SRC" $PCAP_LIBS
fi

X_SKIP=""
if [ "$BUILD_SWIFT" = 1 ]; then
    if [ -f "$ROOT/Package.swift" ] && command -v swift >/dev/null 2>&1; then
        echo "+ $CMD_SWIFT   (log: $WORK/swift-build.log)"
        if ! "$ROOT/scripts/release-build.sh" >"$WORK/swift-build.log" 2>&1; then
            X_SKIP="swift build failed (see $WORK/swift-build.log)"
        fi
    else
        echo "(no $ROOT/Package.swift or no swift: not building xmppscope)"
    fi
fi
HAVE_REPLAY=0 HAVE_GREP=0
if [ -z "$X_SKIP" ]; then
    if [ ! -x "$XMPPSCOPE" ]; then
        X_SKIP="binary $XMPPSCOPE missing"
    else
        HAVE_REPLAY=1
        if "$XMPPSCOPE" grep --help >/dev/null 2>&1; then
            HAVE_GREP=1
        else
            X_SKIP="$XMPPSCOPE has no working 'grep' subcommand"
        fi
    fi
fi
echo "xmppscope: $XMPPSCOPE ($("$XMPPSCOPE" --version 2>/dev/null || echo '?'), built $(date -u -r "$XMPPSCOPE" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo '?'))"
[ "$HAVE_GREP" = 1 ] || echo "SKIPPING the xmppscope rows: $X_SKIP"
echo

# ---------------------------------------------------------------- generate
echo "== data"
if [ ! -s "$CAP" ] || [ ! -s "$CAP.info" ] || [ "$SYNTH" -nt "$CAP" ]; then
    echo "+ $SYNTH $CAP --stanzas $STANZAS --conns $CONNS --seed $SEED"
    "$SYNTH" "$CAP" --stanzas "$STANZAS" --conns "$CONNS" --seed "$SEED" 2>"$CAP.info.tmp" \
        || { cat "$CAP.info.tmp" >&2; exit 1; }
    mv "$CAP.info.tmp" "$CAP.info"
fi
if [ "$REGEN_LOG" = 1 ] || [ ! -s "$LOG" ] || [ "$CAP" -nt "$LOG" ]; then
    [ "$HAVE_REPLAY" = 1 ] || { echo "run.sh: no log $LOG and no xmppscope to write it: $X_SKIP" >&2; exit 1; }
    echo "+ $XMPPSCOPE replay $CAP --json > $LOG"
    rm -f "$QLOG"
    set +e
    timeout --kill-after=10 "$TIMEOUT" "$XMPPSCOPE" replay "$CAP" --json >"$LOG.tmp" 2>"$WORK/replay.err"
    rc=$?
    set -e
    if [ "$rc" != 0 ]; then
        echo "run.sh: replay failed (exit $rc): $(head -c 300 "$WORK/replay.err")" >&2
        rm -f "$LOG.tmp"; exit 1
    fi
    mv "$LOG.tmp" "$LOG"
fi
LINES=$(wc -l <"$LOG")
if [ ! -s "$QLOG" ] || [ "$LOG" -nt "$QLOG" ]; then
    head -n $((LINES / 4)) "$LOG" >"$QLOG.tmp"
    mv "$QLOG.tmp" "$QLOG"
fi
QLINES=$(wc -l <"$QLOG")
BYTES=$(stat -c %s "$LOG")
QBYTES=$(stat -c %s "$QLOG")
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1e6}'; }
printf 'capture: %s (%s MB)  %s\n' "$(basename "$CAP")" "$(mb "$(stat -c %s "$CAP")")" \
    "$(head -1 "$CAP.info" | sed 's/^[^:]*: [^:]*: //')"
printf 'log:     %s  %s MB, %s lines, written %s\n' "$(basename "$LOG")" "$(mb "$BYTES")" "$LINES" \
    "$(date -u -r "$LOG" +%Y-%m-%dT%H:%M:%SZ)"
printf 'quarter: %s  %s MB, %s lines\n' "$(basename "$QLOG")" "$(mb "$QBYTES")" "$QLINES"
if (( BYTES < MIN_MB * 1000000 )); then
    echo "WARNING: the log is smaller than ${MIN_MB} MB: raise BENCH_STANZAS"
fi
if [ "$HAVE_REPLAY" = 1 ] && [ "$XMPPSCOPE" -nt "$LOG" ]; then
    echo "note: the log is older than the xmppscope binary (BENCH_REGEN_LOG=1 to write it again)"
fi
echo

# ---------------------------------------------------------------- measure
declare -A WALL RSS STATUS ROUNDS
R_WALL="" R_RSS="" R_RC=0


# Exit status 1 is "no match" for grep and xmppscope grep: accepted here,
# the checks below catch a wrong count.
measure() { # key outfile cmd...
    local key=$1 out=$2 i best="" rss=0
    shift 2
    printf '  %-34s ' "$key"
    for ((i = 1; i <= REPEAT; i++)); do
        run_one "$TIMEOUT" "$out" "$@"
        if [ "$R_RC" = 124 ] || [ "$R_RC" = 137 ]; then
            STATUS[$key]="timeout"; WALL[$key]=$R_WALL; RSS[$key]=""
            echo "TIMEOUT after ${TIMEOUT}s"
            return
        elif [ "$R_RC" != 0 ] && [ "$R_RC" != 1 ]; then
            STATUS[$key]="exit $R_RC"; WALL[$key]=""; RSS[$key]=""
            echo "FAILED (exit $R_RC): $(head -c 300 "$WORK/cmd.err" | tr '\n' ' ')"
            return
        fi
        if [ -z "$best" ] || awk -v a="$R_WALL" -v b="$best" 'BEGIN{exit !(a < b)}'; then
            best=$R_WALL
        fi
        if [ -n "$R_RSS" ] && (( R_RSS > rss )); then rss=$R_RSS; fi
    done
    STATUS[$key]=ok; WALL[$key]=$best; RSS[$key]=$rss
    echo "${best}s  ${rss} KB"
}

echo "== measurements"
for t in "${TOOLS[@]}"; do
    if [[ $t == x* ]] && [ "$HAVE_GREP" != 1 ]; then continue; fi
    cmd_for "$t" "$LOG"
    measure "$t/full" "$(out_for "$t")" "${CMD[@]}"
done
if [ "$HAVE_GREP" = 1 ]; then
    for t in xcount xjson; do
        cmd_for "$t" "$QLOG"
        measure "$t/quarter" "$(out_for "$t")" "${CMD[@]}"
    done
fi
echo

# ---------------------------------------------------------------- checks
# Each prints a number, or "?" with the reason on failure.
count_of() { # description cmd... (stdout of cmd is the number)
    local out rc
    set +e
    out=$(timeout --kill-after=10 "$TIMEOUT" "$@" 2>"$WORK/check.err")
    rc=$?
    set -e
    if [ "$rc" -gt 1 ] || ! [[ $out =~ ^[0-9]+$ ]]; then
        echo "? (exit $rc: $(head -c 200 "$WORK/check.err" | tr '\n' ' '))"
    else
        echo "$out"
    fi
}
lines_of() { # cmd... -> number of output lines
    local n rc
    set +e
    n=$(timeout --kill-after=10 "$TIMEOUT" "$@" 2>"$WORK/check.err" | wc -l)
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -gt 1 ]; then echo "? (exit $rc: $(head -c 200 "$WORK/check.err" | tr '\n' ' '))"; else echo "$n"; fi
}

echo "== checks (untimed)"
cmd_for jq "$LOG";   N_JQ=$(lines_of "${CMD[@]}")
cmd_for grep "$LOG"; N_GREP=$(count_of "${CMD[@]}")
N_X="skipped" N_XJ="skipped" CHECK="not run (no xmppscope grep)"
if [ "$HAVE_GREP" = 1 ]; then
    cmd_for xcount "$LOG"; N_X=$(count_of "${CMD[@]}")
    cmd_for xjson "$LOG";  N_XJ=$(lines_of "${CMD[@]}")
    if [[ $N_X =~ ^[0-9]+$ ]] && [ "$N_X" = "$N_JQ" ] && [ "$N_XJ" = "$N_JQ" ]; then
        CHECK="OK"
    else
        CHECK="MISMATCH"
    fi
fi
printf '  %-44s %s\n' "xmppscope grep --count:" "$N_X"
printf '  %-44s %s\n' "xmppscope grep --json | wc -l:" "$N_XJ"
printf '  %-44s %s\n' "jq -c select(iq, type error) | wc -l:" "$N_JQ"
printf '  %-44s %s\n' "grep -c '\"type\":\"error\"' (any kind):" "$N_GREP"
echo "  xmppscope == jq: $CHECK"
echo

# ---------------------------------------------------------------- report
mbps()  { awk -v b="$1" -v t="$2" 'BEGIN{ if (t > 0) printf "%.1f", b / 1e6 / t; else print "-" }'; }
goal()  { # value op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{
        if (v == "n/a") { print ""; exit }
        ok = (op == ">=") ? (v >= t) : (v < t)
        print ok ? "PASS" : "FAIL" }'
}
okrss()  { if [ "${STATUS[$1]:-}" = ok ]; then echo "${RSS[$1]}"; fi; }

echo "== results (wall time includes process start-up; MB = 10^6 bytes of log)"
printf '%-26s %-8s %8s %9s %9s %10s  %s\n' tool log "MB" "wall s" "MB/s" "RSS MiB" status
row() { # tool which
    local t=$1 which=$2 id="$1/$2" b
    local st=${STATUS[$id]:-skipped} w=${WALL[$id]:-} r=${RSS[$id]:-}
    if [ "$which" = full ]; then b=$BYTES; else b=$QBYTES; fi
    local wcol=- mcol=- rcol=-
    if [ "$st" = ok ]; then
        wcol=$w; mcol=$(mbps "$b" "$w"); rcol=$(awk -v k="$r" 'BEGIN{printf "%.1f", k / 1024}')
    elif [ "$st" = timeout ]; then
        wcol=">$w"; mcol="<$(mbps "$b" "$w")"
    fi
    printf '%-26s %-8s %8s %9s %9s %10s  %s\n' "${TOOL_LABEL[$t]}" "$which" "$(mb "$b")" "$wcol" "$mcol" "$rcol" "$st"
}
for t in "${TOOLS[@]}"; do row "$t" full; done
row xcount quarter; row xjson quarter
[ "$HAVE_GREP" = 1 ] || echo "(xmppscope rows skipped: $X_SKIP)"
echo

jq_w=$(okwall jq/full); gr_w=$(okwall grep/full)
echo "== ratios (speed ratio = other tool's wall time / xmppscope's)"
for t in xcount xjson; do
    x_w=$(okwall "$t/full")
    r=$(ratio "$jq_w" "$x_w")
    printf '%-58s %8s  %s\n' "${TOOL_LABEL[$t]} speed / jq speed (goal >= 3)" "$r" "$(goal "$r" '>=' 3)"
    r=$(ratio "$gr_w" "$x_w")
    printf '%-58s %8s  %s\n' "${TOOL_LABEL[$t]} speed / grep -c speed (goal >= 0.30)" "$r" "$(goal "$r" '>=' 0.30)"
done
for t in xcount xjson; do
    rf=$(okrss "$t/full"); rq=$(okrss "$t/quarter")
    r=$(ratio "$rf" "$rq")
    printf '%-58s %8s  %s\n' "${TOOL_LABEL[$t]} peak RSS full / quarter (goal < 1.5)" "$r" "$(goal "$r" '<' 1.5)"
    printf '    (%s KB on %s MB vs %s KB on %s MB)\n' "${rf:--}" "$(mb "$BYTES")" "${rq:--}" "$(mb "$QBYTES")"
done
echo "counts: $CHECK (xmppscope $N_X, jq $N_JQ; grep -c superset $N_GREP)"
if [ "$HAVE_GREP" = 1 ] && [ "$CHECK" != OK ]; then exit 1; fi
