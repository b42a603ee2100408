#!/usr/bin/env bash
# Benchmarks/replay/run.sh - replay benchmark, one run, side by side:
#   xmppscope replay  vs  tshark  vs  libxml2 alone (libxml2-baseline.c)
# on synthetic plaintext XMPP captures written by synth-capture.c.
#
# Everything it builds or generates goes to $BENCH_WORK (default
# Benchmarks/replay/.build-bench/, which ignores itself in git).  Captures
# are cached there by parameters; `rm -rf Benchmarks/replay/.build-bench`
# to start over.  No network access.
#
# Environment (defaults in brackets):
#   BENCH_STANZAS [100000]          main capture; the memory check uses 10x
#   BENCH_CONNS [200]               connections in the main and 10x captures
#   BENCH_TINY_STANZAS [20000]      1..7-byte-segment capture (xmppscope, libxml2)
#   BENCH_TINY_TSHARK_STANZAS [2000] tiny-segment capture for tshark
#   BENCH_REPEAT [1]                rounds: each measurement runs once a round, best wall time kept
#   BENCH_SEED [1]                  generator seed
#   BENCH_TIMEOUT [600]             seconds per measurement
#   BENCH_TINY_TSHARK_TIMEOUT [300] seconds for tshark on the tiny capture
#   BENCH_BUILD_SWIFT [1]           0: do not run swift build, use what exists
#   BENCH_XMPPSCOPE [<repo>/.build-install/release/xmppscope, built as scripts/install.sh builds it: Swift runtime linked statically]
#   BENCH_XMPPSCOPE_BEFORE []       another xmppscope build (an older commit, say), measured in the
#                                   same run on the main and tiny captures, with its speed ratio
#   BENCH_WORK [Benchmarks/replay/.build-bench]
#
# Definitions: MB = 10^6 bytes of TCP payload; stanzas = depth-1 XML
# elements (iq/message/presence + features/auth/success), as counted by the
# generator; wall time measured by this script around each command (so it
# includes process start-up); peak RSS from /usr/bin/time -f %M.
# The tiny captures use fewer connections (same stanzas per connection as
# the main capture) and each has a "twin": the same seed/stanzas/conns
# without --tiny, i.e. byte-for-byte the same XMPP streams, differently
# segmented.

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$ROOT/Benchmarks/lib.sh"

STANZAS=${BENCH_STANZAS:-100000}
CONNS=${BENCH_CONNS:-200}
TINY_STANZAS=${BENCH_TINY_STANZAS:-20000}
TT_STANZAS=${BENCH_TINY_TSHARK_STANZAS:-2000}
REPEAT=${BENCH_REPEAT:-1}
SEED=${BENCH_SEED:-1}
TIMEOUT=${BENCH_TIMEOUT:-600}
TT_TIMEOUT=${BENCH_TINY_TSHARK_TIMEOUT:-300}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
XMPPSCOPE=${BENCH_XMPPSCOPE:-$ROOT/.build-install/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}
BEFORE=${BENCH_XMPPSCOPE_BEFORE:-}
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "run.sh: BENCH_XMPPSCOPE_BEFORE=$BEFORE is not executable" >&2; exit 2; }
BIG_STANZAS=$((STANZAS * 10))

for v in STANZAS CONNS TINY_STANZAS TT_STANZAS REPEAT SEED TIMEOUT TT_TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a number" >&2; exit 2; }
done
(( REPEAT >= 1 )) || { echo "run.sh: BENCH_REPEAT must be at least 1" >&2; exit 2; }

mkdir -p "$WORK/captures"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
CAPS=$WORK/captures
SYNTH=$WORK/synth-capture
BASELINE=$WORK/libxml2-baseline
TIME=/usr/bin/time

need gcc "apt-get install gcc"
need pkg-config "apt-get install pkg-config"
need tshark "apt-get install tshark"
need timeout "coreutils"
[ -x "$TIME" ] || { echo "run.sh: $TIME not found (apt-get install time)" >&2; exit 1; }

# Connections for a smaller capture: keep the stanzas per connection of the
# main capture (at least 1, at most n/6: each session has 6 fixed elements).
scaled_conns() {
    local c=$(( ($1 * CONNS + STANZAS / 2) / STANZAS ))
    (( c < 1 )) && c=1
    (( c > $1 / 6 )) && c=$(( $1 / 6 ))
    (( c < 1 )) && c=1
    echo "$c"
}
TINY_CONNS=$(scaled_conns "$TINY_STANZAS")
TT_CONNS=$(scaled_conns "$TT_STANZAS")

# ---------------------------------------------------------------- captures
declare -A CAP_FILE CAP_ARGS CAP_LABEL CAP_STANZAS CAP_BYTES CAP_PACKETS
plan_capture() { # key label n conns [--tiny]
    local key=$1 label=$2 n=$3 c=$4 tiny=${5:-}
    CAP_FILE[$key]=$CAPS/synth-n$n-c$c-s$SEED${tiny:+-tiny}.pcap
    CAP_ARGS[$key]="--stanzas $n --conns $c --seed $SEED${tiny:+ $tiny}"
    CAP_LABEL[$key]=$label
}
plan_capture main  "normal ${STANZAS}"           "$STANZAS"      "$CONNS"
plan_capture big   "normal ${BIG_STANZAS} (10x)" "$BIG_STANZAS"  "$CONNS"
plan_capture tiny  "tiny ${TINY_STANZAS}"        "$TINY_STANZAS" "$TINY_CONNS" --tiny
plan_capture tinyN "twin ${TINY_STANZAS}"        "$TINY_STANZAS" "$TINY_CONNS"
plan_capture tt    "tiny ${TT_STANZAS}"          "$TT_STANZAS"   "$TT_CONNS" --tiny
plan_capture ttN   "twin ${TT_STANZAS}"          "$TT_STANZAS"   "$TT_CONNS"

CFLAGS="-O2 -Wall -Wextra"
XML_FLAGS=$(pkg-config --cflags --libs libxml-2.0)
PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMD_CC_SYNTH="gcc $CFLAGS -o $SYNTH $HERE/synth-capture.c $PCAP_LIBS"
CMD_CC_BASE="gcc $CFLAGS -o $BASELINE $HERE/libxml2-baseline.c $XML_FLAGS $PCAP_LIBS"
CMD_SWIFT="$ROOT/scripts/release-build.sh"

cmd_xmppscope() { echo "$XMPPSCOPE replay $1 --json"; }
cmd_tshark()    { echo "tshark -n -r $1 -Y xmpp -T fields -e xmpp.type -e xmpp.id"; }
cmd_baseline()  { echo "$BASELINE $1"; }
# Two runs of a command at once; fails when either does (the first failure's status).
# shellcheck disable=SC2016  # expanded by the bash -c that runs it
CMD_PAIR='"$1" "$2" > /dev/null & first=$!; "$1" "$2" > /dev/null; second=$?; wait "$first" || exit; exit "$second"'

# ---------------------------------------------------------------- header
echo "== xmppscope replay benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "tshark: $(tshark --version 2>/dev/null | head -1)"
echo "libxml2: $(pkg-config --modversion libxml-2.0), libpcap: $(pkg-config --modversion libpcap 2>/dev/null || echo '?')"
echo "repeat: $REPEAT rounds (every measurement once a round, best wall time kept), timeout: ${TIMEOUT}s (tshark on tiny: ${TT_TIMEOUT}s)"
echo
echo "== commands"
echo "build:    [ -nt ] $CMD_CC_SYNTH"
echo "build:    [ -nt ] $CMD_CC_BASE"
if [ "$BUILD_SWIFT" = 1 ]; then echo "build:    $CMD_SWIFT"; fi
for k in main big tiny tinyN tt ttN; do
    echo "capture:  [cached] $SYNTH ${CAP_FILE[$k]} ${CAP_ARGS[$k]}"
done
echo "measure:  timeout T $TIME -f %M -o RSSFILE CMD > /dev/null  (wall time: bash \$EPOCHREALTIME around it)"
echo "  xmppscope: $(cmd_xmppscope FILE) > /dev/null           on main, 10x, tiny, twin(tiny)"
echo "             the same with --no-checks, and with > FILE; $XMPPSCOPE replay FILE > FILE (pretty);"
echo "             $XMPPSCOPE replay FILE --summary > /dev/null       on main"
echo "  tshark:    $(cmd_tshark FILE) > /dev/null   on main, tiny-tshark, twin(tiny-tshark)"
echo "  libxml2:   $(cmd_baseline FILE) > OUT                   on main, 10x, tiny, twin(tiny)"
echo "             two at once on main and 10x: bash -c '$CMD_PAIR' pair $BASELINE FILE"
echo "  (plus, untimed: the same tshark command | wc -l on the tiny-tshark capture and its twin)"
echo

# ---------------------------------------------------------------- build
echo "== build"
if [ ! -x "$SYNTH" ] || [ "$HERE/synth-capture.c" -nt "$SYNTH" ]; then
    echo "+ $CMD_CC_SYNTH"; $CMD_CC_SYNTH
fi
if [ ! -x "$BASELINE" ] || [ "$HERE/libxml2-baseline.c" -nt "$BASELINE" ]; then
    echo "+ $CMD_CC_BASE"; $CMD_CC_BASE
fi

HAVE_X=0
X_SKIP=""
if [ "$BUILD_SWIFT" = 1 ]; then
    if [ -f "$ROOT/Package.swift" ] && command -v swift >/dev/null 2>&1; then
        echo "+ $CMD_SWIFT   (log: $WORK/swift-build.log)"
        if "$ROOT/scripts/release-build.sh" >"$WORK/swift-build.log" 2>&1; then
            :
        else
            X_SKIP="swift build failed (see $WORK/swift-build.log)"
        fi
    else
        echo "(no $ROOT/Package.swift or no swift: not building xmppscope)"
    fi
fi
if [ -z "$X_SKIP" ]; then
    if [ -x "$XMPPSCOPE" ]; then HAVE_X=1; else X_SKIP="binary $XMPPSCOPE missing"; fi
fi
[ "$HAVE_X" = 1 ] || echo "SKIPPING the xmppscope column: $X_SKIP"
echo

# ---------------------------------------------------------------- generate
echo "== captures"
for k in main big tiny tinyN tt ttN; do
    f=${CAP_FILE[$k]}
    if [ ! -s "$f" ] || [ ! -s "$f.info" ] || [ "$SYNTH" -nt "$f" ]; then
        # shellcheck disable=SC2086
        "$SYNTH" "$f" ${CAP_ARGS[$k]} 2>"$f.info.tmp" || { cat "$f.info.tmp" >&2; exit 1; }
        mv "$f.info.tmp" "$f.info"
    fi
    line=$(head -1 "$f.info")
    CAP_STANZAS[$k]=$(sed -n 's/.* stanzas=\([0-9]*\).*/\1/p' <<<"$line")
    CAP_PACKETS[$k]=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' <<<"$line")
    CAP_BYTES[$k]=$(sed -n 's/.* payload_bytes=\([0-9]*\).*/\1/p' <<<"$line")
    printf '%-22s %9s stanzas %9s packets %9.2f MB payload %8.1f MB file  %s\n' \
        "${CAP_LABEL[$k]}" "${CAP_STANZAS[$k]}" "${CAP_PACKETS[$k]}" \
        "$(awk -v b="${CAP_BYTES[$k]}" 'BEGIN{print b/1e6}')" \
        "$(awk -v b="$(stat -c %s "$f")" 'BEGIN{print b/1e6}')" "$(basename "$f")"
done
echo

# ---------------------------------------------------------------- measure
declare -A WALL RSS STATUS ROUNDS
R_WALL="" R_RSS="" R_RC=0 RUN=0

echo "== measurements"
declare -A BASE_CHECK
# Every measurement takes its turn in each round (see measure_round): xmppscope's outputs,
# libxml2 alone and tshark on a capture run one after the other, so the ratios between them do
# not measure the machine's drift.
for ((RUN = 1; RUN <= REPEAT; RUN++)); do
    for k in main big tiny tinyN; do
        if [ "$HAVE_X" = 1 ]; then
            # shellcheck disable=SC2046
            measure_round "xmppscope/$k" "$TIMEOUT" /dev/null $(cmd_xmppscope "${CAP_FILE[$k]}")
            if [ "$k" = main ]; then
                # The protocol checks' cost: the same replay with them off, in the same run.
                # shellcheck disable=SC2046
                measure_round "nochecks/$k" "$TIMEOUT" /dev/null $(cmd_xmppscope "${CAP_FILE[$k]}") --no-checks
                # The other outputs, side by side with --json: the default (pretty) output and
                # --json both written to a file, and --summary.
                measure_round "jsonfile/$k" "$TIMEOUT" "$WORK/json.out" "$XMPPSCOPE" replay "${CAP_FILE[$k]}" --json
                measure_round "pretty/$k" "$TIMEOUT" "$WORK/pretty.out" "$XMPPSCOPE" replay "${CAP_FILE[$k]}"
                measure_round "summary/$k" "$TIMEOUT" /dev/null "$XMPPSCOPE" replay "${CAP_FILE[$k]}" --summary
            fi
            if [ -n "$BEFORE" ] && { [ "$k" = main ] || [ "$k" = tiny ]; }; then
                measure_round "before/$k" "$TIMEOUT" /dev/null "$BEFORE" replay "${CAP_FILE[$k]}" --json
            fi
        fi
        # Its count and errors are checked once the rounds are over, from this run's output.
        measure_round "libxml2/$k" "$TIMEOUT" "$WORK/libxml2-$k.out" "$BASELINE" "${CAP_FILE[$k]}"
        if [ "${STATUS[libxml2/$k]:-}" = ok ]; then cp "$WORK/cmd.err" "$WORK/libxml2-$k.err"; fi
        if [ "$k" = main ] || [ "$k" = big ]; then
            # What the machine gives two busy threads: two runs of libxml2 alone at once, one on
            # each core. xmppscope's replay keeps both cores busy; libxml2 alone keeps one.
            measure_round "libxml2x2/$k" "$TIMEOUT" /dev/null bash -c "$CMD_PAIR" pair "$BASELINE" "${CAP_FILE[$k]}"
        fi
    done
    # shellcheck disable=SC2046
    measure_round "tshark/main" "$TIMEOUT" /dev/null $(cmd_tshark "${CAP_FILE[main]}")
    # shellcheck disable=SC2046
    measure_round "tshark/tt" "$TT_TIMEOUT" /dev/null $(cmd_tshark "${CAP_FILE[tt]}")
    # shellcheck disable=SC2046
    measure_round "tshark/ttN" "$TIMEOUT" /dev/null $(cmd_tshark "${CAP_FILE[ttN]}")
done
for k in main big tiny tinyN; do
    if [ "${STATUS[libxml2/$k]:-}" = ok ]; then
        got=$(sed -n 's/^stanzas=\([0-9]*\) .*/\1/p' "$WORK/libxml2-$k.out")
        errs=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' "$WORK/libxml2-$k.err")
        if [ "$got" = "${CAP_STANZAS[$k]}" ] && [ "${errs:-0}" = 0 ]; then
            BASE_CHECK[$k]="ok"
        else
            BASE_CHECK[$k]="MISMATCH: counted $got stanzas, generator wrote ${CAP_STANZAS[$k]}, ${errs:-?} XML errors"
        fi
        BASE_CHECK[$k]="${BASE_CHECK[$k]}; internal: $(cat "$WORK/libxml2-$k.out")"
    fi
done
# How much tshark actually recognised on the tiny capture vs its twin (untimed).
if [ "${STATUS[tshark/tt]:-}" = ok ]; then
    TT_LINES=$(timeout --kill-after=10 "$TT_TIMEOUT" tshark -n -r "${CAP_FILE[tt]}" -Y xmpp -T fields -e xmpp.type -e xmpp.id 2>/dev/null | wc -l || true)
else
    TT_LINES="not counted (${STATUS[tshark/tt]})"
fi
TTN_LINES=$(timeout --kill-after=10 "$TIMEOUT" tshark -n -r "${CAP_FILE[ttN]}" -Y xmpp -T fields -e xmpp.type -e xmpp.id 2>/dev/null | wc -l || true)
echo

# ---------------------------------------------------------------- report
mbps()  { awk -v b="$1" -v t="$2" 'BEGIN{ if (t > 0) printf "%.2f", b / 1e6 / t; else print "-" }'; }
rate()  { awk -v n="$1" -v t="$2" 'BEGIN{ if (t > 0) printf "%.0f", n / t; else print "-" }'; }
goal()  { # value op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{
        if (v == "n/a") { print ""; exit }
        ok = (op == ">=") ? (v >= t) : (v < t)
        print ok ? "PASS" : "FAIL" }'
}

echo "== results (wall time includes process start-up)"
printf '%-10s %-22s %10s %9s %9s %10s %12s %10s  %s\n' \
    tool capture stanzas "MB" "wall s" "MB/s" "stanzas/s" "RSS MiB" status
row() { # tool key
    local tool=$1 key=$2 id="$1/$2"
    local st=${STATUS[$id]:-skipped} w=${WALL[$id]:-} r=${RSS[$id]:-}
    local mb; mb=$(awk -v b="${CAP_BYTES[$key]}" 'BEGIN{printf "%.2f", b / 1e6}')
    local wcol=- mcol=- scol=- rcol=-
    if [ "$st" = ok ]; then
        wcol=$w; mcol=$(mbps "${CAP_BYTES[$key]}" "$w"); scol=$(rate "${CAP_STANZAS[$key]}" "$w")
        rcol=$(awk -v k="$r" 'BEGIN{printf "%.1f", k / 1024}')
    elif [ "$st" = timeout ]; then
        wcol=">$w"; mcol="<$(mbps "${CAP_BYTES[$key]}" "$w")"; scol="<$(rate "${CAP_STANZAS[$key]}" "$w")"
    fi
    printf '%-10s %-22s %10s %9s %9s %10s %12s %10s  %s\n' \
        "$tool" "${CAP_LABEL[$key]}" "${CAP_STANZAS[$key]}" "$mb" "$wcol" "$mcol" "$scol" "$rcol" "$st"
}
if [ "$HAVE_X" = 1 ]; then
    for k in main big tiny tinyN; do row xmppscope "$k"; done
else
    printf '%-10s %s\n' xmppscope "SKIPPED: $X_SKIP"
fi
if [ "$HAVE_X" = 1 ]; then row nochecks main; fi
if [ -n "$BEFORE" ]; then row before main; row before tiny; fi
row tshark main; row tshark tt; row tshark ttN
printf '%-10s %-22s %s\n' tshark "${CAP_LABEL[big]}" "not run (tshark on the 10x capture is not part of the goals)"
for k in main big tiny tinyN; do row libxml2 "$k"; done
echo
echo "libxml2-baseline checks (stanzas counted == generator's, no XML errors):"
for k in main big tiny tinyN; do
    printf '  %-22s %s\n' "${CAP_LABEL[$k]}" "${BASE_CHECK[$k]:-not run}"
done
echo "tshark lines output (-Y xmpp): ${CAP_LABEL[tt]}: $TT_LINES, ${CAP_LABEL[ttN]}: $TTN_LINES" \
     "(generator wrote ${CAP_STANZAS[tt]} stanzas in each)"
echo

# Helpers reading the measurements; empty when not available.
okrss()  { if [ "${STATUS[$1]:-}" = ok ]; then echo "${RSS[$1]:-}"; fi; }
perbyte() { # id key -> seconds per MB ("" if n/a); timeouts give a lower bound
    local id=$1 key=$2
    case ${STATUS[$id]:-} in
        ok|timeout) awk -v t="${WALL[$id]}" -v b="${CAP_BYTES[$key]}" 'BEGIN{printf "%.6f", t / (b / 1e6)}' ;;
        *) true ;;
    esac
}
lb() { if [ "${STATUS[$1]:-}" = timeout ]; then echo ">="; fi; }

x_main=$(okwall xmppscope/main); t_main=$(okwall tshark/main); l_main=$(okwall libxml2/main)
r1=$(ratio "$t_main" "$x_main")
r2=$(ratio "$l_main" "$x_main")
r3=$(ratio "$(okrss xmppscope/big)" "$(okrss xmppscope/main)")
r3l=$(ratio "$(okrss libxml2/big)" "$(okrss libxml2/main)")

echo "== ratios"
printf '%-62s %8s  %s\n' "xmppscope speed / tshark speed (main capture; goal >= 10)" "$r1" "$(goal "$r1" '>=' 10)"
printf '%-62s %8s  %s\n' "xmppscope speed / libxml2 speed (main capture; goal >= 0.60)" "$r2" "$(goal "$r2" '>=' 0.60)"
printf '%-62s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio libxml2/main xmppscope/main)"
printf '%-62s %8s\n' "  (xmppscope speed / libxml2 speed, 10x capture)" "$(ratio "$(okwall libxml2/big)" "$(okwall xmppscope/big)")"
printf '%-62s %8s\n' "  (the same, median of the rounds' ratios)" "$(round_ratio libxml2/big xmppscope/big)"
printf '%-62s %8s  %s\n' "xmppscope peak RSS 10x / 1x (goal < 1.5)" "$r3" "$(goal "$r3" '<' 1.5)"
printf '%-62s %8s\n' "  (libxml2-baseline peak RSS 10x / 1x, for reference)" "$r3l"
for k in main big; do
    cores=$(ratio "$(awk -v a="$(okwall "libxml2/$k")" 'BEGIN{ if (a != "") print 2 * a }')" "$(okwall "libxml2x2/$k")")
    printf '%-62s %8s\n' "  (cores two busy threads get, ${CAP_LABEL[$k]}: 2 x one run / two at once)" "$cores"
done
r4=$(ratio "$(okwall nochecks/main)" "$x_main")
printf '%-62s %8s  %s\n' "speed with checks / speed with --no-checks (main; goal >= 0.87)" "$r4" "$(goal "$r4" '>=' 0.87)"
printf '%-62s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio nochecks/main xmppscope/main)"
r5=$(ratio "$(okwall jsonfile/main)" "$(okwall pretty/main)")
printf '%-62s %8s  %s\n' "pretty output speed / --json speed, both to a file (goal >= 0.5)" "$r5" "$(goal "$r5" '>=' 0.5)"
printf '%-62s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio jsonfile/main pretty/main)"
r6=$(ratio "$x_main" "$(okwall summary/main)")
printf '%-62s %8s  %s\n' "--summary speed / --json speed (main; goal >= 1.0)" "$r6" "$(goal "$r6" '>=' 1.0)"
printf '%-62s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio xmppscope/main summary/main)"
if [ -n "$BEFORE" ]; then
    printf '%-62s %8s\n' "xmppscope speed / before speed (main capture)" "$(ratio "$(okwall before/main)" "$x_main")"
    printf '%-62s %8s\n' "xmppscope speed / before speed (tiny segments)" "$(ratio "$(okwall before/tiny)" "$(okwall xmppscope/tiny)")"
fi
echo "tiny-segment slowdown = time per payload byte, tiny capture / normal capture:"
for tool in xmppscope tshark libxml2; do
    if [ "$tool" = tshark ]; then tk=tt; nk=ttN; else tk=tiny; nk=tinyN; fi
    pt=$(perbyte "$tool/$tk" "$tk"); pn=$(perbyte "$tool/$nk" "$nk"); pm=$(perbyte "$tool/main" main)
    printf '  %-10s %-14s vs its twin (same bytes): %-8s  vs main capture: %s\n' \
        "$tool" "(${CAP_LABEL[$tk]})" "$(lb "$tool/$tk")$(ratio "$pt" "$pn")" \
        "$(lb "$tool/$tk")$(ratio "$pt" "$pm")"
done
echo "  (twin = same seed/stanzas/connections without --tiny; small twins are dominated by start-up time,"
echo "   tshark's ~0.2-0.3 s especially, so 'vs main capture' is the fairer per-byte figure for tshark)"
