#!/usr/bin/env bash
# Benchmarks/replay/alternate.sh - two builds of xmppscope replaying one capture, run in turn:
# the A/B comparison the notes call "alternating runs".
#
#   BENCH_PAIRS=15 Benchmarks/replay/alternate.sh CAPTURE BIN_A BIN_B [replay arguments...]
#
# Each pair runs both builds on the same command (`replay CAPTURE ARGS`, output to a file that
# is then emptied), A first in odd pairs and B first in even ones, so that neither always runs on
# a machine the other has just warmed or slowed. The first pair's outputs are compared byte for
# byte (a speed-up that changes the output is not one). It prints, for each build, the median and
# best wall time, the median CPU time (user + system) and how many cores that CPU kept busy, then
# B's median over A's and in how many pairs B was faster.
#
# Why pairs: this 2-core machine's speed drifts by up to a third within minutes (see lib.sh), and
# a replay's pipeline keeps both cores busy, so any other process slows it. Figures taken far
# apart measure the drift; alternating runs share it. Only the local capture is read.
#
# Environment (defaults in brackets):
#   BENCH_PAIRS [15]      pairs of runs
#   BENCH_TIMEOUT [600]   seconds per run
#   BENCH_WORK [Benchmarks/replay/.build-bench]  where the outputs of a run go (removed after)

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAIRS=${BENCH_PAIRS:-15}
TIMEOUT=${BENCH_TIMEOUT:-600}
WORK=${BENCH_WORK:-$HERE/.build-bench}

usage() {
    echo "usage: BENCH_PAIRS=N $0 CAPTURE BIN_A BIN_B [replay arguments...]" >&2
    exit 2
}
[ $# -ge 3 ] || usage
CAPTURE=$1 A=$2 B=$3
shift 3
[ -r "$CAPTURE" ] || { echo "alternate.sh: cannot read the capture $CAPTURE" >&2; exit 2; }
for bin in "$A" "$B"; do
    [ -x "$bin" ] || { echo "alternate.sh: $bin is not an executable" >&2; exit 2; }
done
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || { echo "alternate.sh: BENCH_PAIRS is a count of pairs, not '$PAIRS'" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "alternate.sh: GNU time not found at $TIME (apt-get install time)" >&2; exit 1; }

mkdir -p "$WORK"
RUN=$(mktemp -d "$WORK/alternate.XXXXXX")
trap 'rm -rf "$RUN"' EXIT

declare -a WALL_A=() WALL_B=() CPU_A=() CPU_B=()
wins=0

# One run: sets R_WALL and R_CPU (seconds); keeps the output in $RUN/NAME.out when asked.
run() { # bin name keep|drop replay-arguments...
    local bin=$1 name=$2 keep=$3 rc t t0 t1
    shift 3
    set +e
    t0=$EPOCHREALTIME
    timeout --kill-after=10 "$TIMEOUT" "$TIME" -f '%e %U %S' -o "$RUN/time" \
        "$bin" replay "$CAPTURE" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err"
    rc=$?
    t1=$EPOCHREALTIME
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "alternate.sh: $bin exited with $rc; its last words:" >&2
        tail -n 5 "$RUN/$name.err" >&2
        exit 1
    fi
    t=$(tail -n 1 "$RUN/time")
    # Wall time to the millisecond (GNU time's is to the hundredth); CPU time as GNU time gives it.
    R_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
    R_CPU=$(awk '{printf "%.2f", $2 + $3}' <<<"$t")
    [ "$keep" = keep ] || : >"$RUN/$name.out"
}
run_pair() { # pair
    local keep=drop first
    [ "$1" -eq 1 ] && keep=keep
    for first in $( (( $1 % 2 == 1 )) && echo "A B" || echo "B A"); do
        if [ "$first" = A ]; then
            run "$A" a "$keep" "${ARGS[@]}"; WALL_A+=("$R_WALL"); CPU_A+=("$R_CPU"); wa=$R_WALL
        else
            run "$B" b "$keep" "${ARGS[@]}"; WALL_B+=("$R_WALL"); CPU_B+=("$R_CPU"); wb=$R_WALL
        fi
    done
    if awk -v a="$wa" -v b="$wb" 'BEGIN{exit !(b < a)}'; then wins=$((wins + 1)); fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

ARGS=("$@")
echo "alternate.sh: $PAIRS pairs, replay $(basename "$CAPTURE") ${ARGS[*]}"
echo "  A: $A"
echo "  B: $B"
for pair in $(seq "$PAIRS"); do
    run_pair "$pair"
    if [ "$pair" -eq 1 ]; then
        if cmp -s "$RUN/a.out" "$RUN/b.out"; then
            echo "  outputs: identical ($(wc -c <"$RUN/a.out") bytes)"
        else
            echo "  outputs: DIFFER ($(cmp "$RUN/a.out" "$RUN/b.out" 2>&1 | head -n 1))"
        fi
        : >"$RUN/a.out"; : >"$RUN/b.out"
    fi
done

report() { # name walls... -- cpus...
    local name=$1 w c
    shift
    local walls=() cpus=()
    while [ "$1" != -- ]; do walls+=("$1"); shift; done
    shift
    cpus=("$@")
    w=$(median "${walls[@]}")
    c=$(median "${cpus[@]}")
    printf '  %s: wall median %s s, best %s s; CPU median %s s (%s cores busy)\n' \
        "$name" "$w" "$(best "${walls[@]}")" "$c" "$(awk -v c="$c" -v w="$w" 'BEGIN{printf "%.2f", c / w}')"
}
report A "${WALL_A[@]}" -- "${CPU_A[@]}"
report B "${WALL_B[@]}" -- "${CPU_B[@]}"
printf '  B / A by median wall time: %s; B faster in %d of %d pairs\n' \
    "$(awk -v a="$(median "${WALL_A[@]}")" -v b="$(median "${WALL_B[@]}")" 'BEGIN{printf "%.3f", b / a}')" "$wins" "$PAIRS"
