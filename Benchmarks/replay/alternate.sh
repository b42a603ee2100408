#!/usr/bin/env bash
# Benchmarks/replay/alternate.sh - two builds of xmppscope replaying one capture, run in turn:
# the A/B comparison the notes call "alternating runs".
#
#   BENCH_PAIRS=16 Benchmarks/replay/alternate.sh CAPTURE BIN_A BIN_B [replay arguments...]
#
# First both builds run once untimed, their outputs to files, compared byte for byte: a speed-up
# that changes the output is not one, so outputs that differ stop the script (exit 1; the two
# outputs are kept in BENCH_WORK) unless BENCH_ALLOW_DIFF=1. That run also warms the page cache.
# Then each timed pair runs both builds on the same command (`replay CAPTURE ARGS`, output to
# /dev/null as run.sh times it), A first in odd pairs and B first in even ones, so that neither
# always runs on a machine the other has just warmed or slowed (an even count of pairs alternates
# evenly). At the end it prints, for each build, the median and best wall time, the median CPU
# time (user + system, of the run with its child processes) and how many cores that CPU kept busy
# (median CPU over median wall), and B's median wall time over A's and in how many pairs B was
# faster (a tie counts for A). Give the same binary twice to see the noise of an A/A comparison.
#
# Why pairs: this 2-core machine's speed drifts by up to a third within minutes (see lib.sh), and
# a replay's pipeline keeps both cores busy, so any other process slows it. Figures taken far
# apart measure the drift; alternating runs share it. Only the local capture is read.
#
# Environment (defaults in brackets):
#   BENCH_PAIRS [16]        pairs of runs
#   BENCH_TIMEOUT [600]     seconds per run
#   BENCH_ALLOW_DIFF [0]    1: go on when the two builds' outputs differ
#   BENCH_WORK [Benchmarks/replay/.build-bench]  holds the untimed run's outputs, in a folder
#                           of its own removed on exit (outputs that differ are kept, as
#                           alternate-A.out and alternate-B.out)

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAIRS=${BENCH_PAIRS:-16}
TIMEOUT=${BENCH_TIMEOUT:-600}
ALLOW_DIFF=${BENCH_ALLOW_DIFF:-0}
WORK=${BENCH_WORK:-$HERE/.build-bench}

usage() {
    echo "usage: BENCH_PAIRS=N $0 CAPTURE BIN_A BIN_B [replay arguments...]" >&2
    exit 2
}
[ $# -ge 3 ] || usage
CAPTURE=$1 BIN_A=$2 BIN_B=$3
shift 3
ARGS=("$@")
[ -f "$CAPTURE" ] && [ -r "$CAPTURE" ] || { echo "alternate.sh: cannot read the capture $CAPTURE" >&2; exit 2; }
for bin in "$BIN_A" "$BIN_B"; do
    [ -f "$bin" ] && [ -x "$bin" ] || { echo "alternate.sh: $bin is not an executable file" >&2; exit 2; }
done
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || { echo "alternate.sh: BENCH_PAIRS is a count of pairs, not '$PAIRS'" >&2; exit 2; }
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "alternate.sh: BENCH_TIMEOUT is whole seconds, not '$TIMEOUT'" >&2; exit 2; }
[[ $ALLOW_DIFF =~ ^[01]$ ]] || { echo "alternate.sh: BENCH_ALLOW_DIFF is 0 or 1, not '$ALLOW_DIFF'" >&2; exit 2; }
command -v timeout >/dev/null 2>&1 || { echo "alternate.sh: timeout not found (coreutils)" >&2; exit 1; }

mkdir -p "$WORK"
RUN=$(mktemp -d "$WORK/alternate.XXXXXX")
trap 'rm -rf "$RUN"' EXIT

WALL_A=() WALL_B=() CPU_A=() CPU_B=()
wins=0

# One run of build A or B in pair PAIR (0: the untimed run): sets R_WALL and R_CPU (seconds, to
# the millisecond, from bash's `time`, which counts the child processes it waited for). OUT is
# where the output goes.
run() { # A|B pair out
    local which=$1 pair=$2 out=$3 bin rc times user system where
    bin=$BIN_A
    where="pair $pair"
    [ "$pair" -eq 0 ] && where="the untimed run"
    [ "$which" = B ] && bin=$BIN_B
    set +e
    times=$( { TIMEFORMAT='%3R %3U %3S'; time timeout --kill-after=10 "$TIMEOUT" \
        "$bin" replay "$CAPTURE" "${ARGS[@]}" >"$out" 2>"$RUN/err"; } 2>&1 )
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        if [ "$rc" -eq 124 ]; then
            echo "alternate.sh: build $which ($bin), $where: TIMEOUT after ${TIMEOUT}s" >&2
        elif [ "$rc" -eq 137 ]; then
            echo "alternate.sh: build $which ($bin), $where: killed (SIGKILL: the timeout's, ${TIMEOUT}s and 10 more, or another's such as the OOM killer)" >&2
        else
            echo "alternate.sh: build $which ($bin), $where: exit $rc; its last words:" >&2
            tail -n 5 "$RUN/err" >&2
        fi
        exit 1
    fi
    read -r R_WALL user system <<<"$(tail -n 1 <<<"$times")"
    R_CPU=$(awk -v u="$user" -v s="$system" 'BEGIN{printf "%.3f", u + s}')
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.3f\n", m}'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

echo "alternate.sh: $PAIRS pair(s), replay $(basename "$CAPTURE") ${ARGS[*]}"
echo "  A: $BIN_A"
echo "  B: $BIN_B"
# The untimed run, its outputs compared.
run A 0 "$RUN/a.out"
run B 0 "$RUN/b.out"
if cmp "$RUN/a.out" "$RUN/b.out" >"$RUN/cmp" 2>&1; then
    outputs="identical ($(wc -c <"$RUN/a.out") bytes)"
else
    outputs="DIFFER ($(head -n 1 "$RUN/cmp" | sed "s|$RUN/||g"))"
    if [ "$ALLOW_DIFF" != 1 ]; then
        mv "$RUN/a.out" "$WORK/alternate-A.out"
        mv "$RUN/b.out" "$WORK/alternate-B.out"
        echo "alternate.sh: the two builds' outputs $outputs; they are $WORK/alternate-A.out and $WORK/alternate-B.out; BENCH_ALLOW_DIFF=1 to time them anyway" >&2
        exit 1
    fi
fi
echo "  outputs: $outputs"
rm -f "$RUN/a.out" "$RUN/b.out"

for pair in $(seq "$PAIRS"); do
    order=(A B)
    (( pair % 2 == 0 )) && order=(B A)
    for which in "${order[@]}"; do
        run "$which" "$pair" /dev/null
        if [ "$which" = A ]; then WALL_A+=("$R_WALL") CPU_A+=("$R_CPU"); else WALL_B+=("$R_WALL") CPU_B+=("$R_CPU"); fi
    done
    if awk -v a="${WALL_A[-1]}" -v b="${WALL_B[-1]}" 'BEGIN{exit !(b < a)}'; then wins=$((wins + 1)); fi
done

report() { # name walls... -- cpus...
    local name=$1 wall cpu
    shift
    local walls=() cpus=()
    while [ "$1" != -- ]; do walls+=("$1"); shift; done
    shift
    cpus=("$@")
    wall=$(median "${walls[@]}")
    cpu=$(median "${cpus[@]}")
    printf '  %s: wall median %s s, best %s s; CPU median %s s (%s cores busy)\n' \
        "$name" "$wall" "$(best "${walls[@]}")" "$cpu" "$(awk -v c="$cpu" -v w="$wall" 'BEGIN{printf "%.2f", c / w}')"
}
report A "${WALL_A[@]}" -- "${CPU_A[@]}"
report B "${WALL_B[@]}" -- "${CPU_B[@]}"
printf '  B / A by median wall time: %s; B faster in %d of %d pairs; outputs %s\n' \
    "$(awk -v a="$(median "${WALL_A[@]}")" -v b="$(median "${WALL_B[@]}")" 'BEGIN{printf "%.3f", b / a}')" \
    "$wins" "$PAIRS" "$outputs"
