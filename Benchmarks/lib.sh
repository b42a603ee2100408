# shellcheck shell=bash
# Benchmarks/lib.sh — helpers the benchmark scripts source (bash).
# shellcheck disable=SC2034  # R_WALL, R_RSS and R_RC are read by the scripts that source this
# run_one needs WORK (a scratch folder) and TIME (GNU time); it sets R_WALL (s), R_RSS (KiB), R_RC.
# measure_round also needs RUN (the round, from 1) and the associative arrays WALL, RSS and STATUS.

need() { command -v "$1" >/dev/null 2>&1 || { echo "run.sh: $1 not found ($2)" >&2; exit 1; }; }

run_one() { # timeout outfile cmd...
    local to=$1 out=$2 t0 t1
    shift 2
    rm -f "$WORK/rss.out"
    t0=$EPOCHREALTIME
    set +e
    timeout --kill-after=10 "$to" "$TIME" -f %M -o "$WORK/rss.out" "$@" >"$out" 2>"$WORK/cmd.err"
    R_RC=$?
    set -e
    t1=$EPOCHREALTIME
    R_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
    R_RSS=$(tail -n 1 "$WORK/rss.out" 2>/dev/null | grep -E '^[0-9]+$' || true)
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a != "" && b != "" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

okwall() { if [ "${STATUS[$1]:-}" = ok ]; then echo "${WALL[$1]}"; fi; }

# One run of one measurement, in round RUN: keeps the best wall time and the largest RSS in
# WALL[key] and RSS[key]; STATUS[key] is "ok", "timeout" or "exit N" (a measurement that failed
# is not run again). The replay scripts run every measurement of a comparison in each round,
# round after round, rather than one measurement's runs in a row: this machine's speed drifts by
# up to a third within minutes, and a ratio of two figures taken far apart would measure the drift.
measure_round() { # key timeout outfile cmd...
    local key=$1 to=$2 out=$3
    shift 3
    # Keys such as xmppscope/main would be arithmetic in an indexed array: the caller declares them.
    if [ -z "${MEASURE_ROUND_CHECKED:-}" ]; then
        local v
        for v in WALL RSS STATUS; do
            [[ $(declare -p "$v" 2>/dev/null) == "declare -A"* ]] \
                || { echo "measure_round: declare -A WALL RSS STATUS first" >&2; exit 2; }
        done
        MEASURE_ROUND_CHECKED=1
    fi
    case ${STATUS[$key]:-} in timeout|exit*) return ;; esac
    run_one "$to" "$out" "$@"
    if [ "$R_RC" = 124 ] || [ "$R_RC" = 137 ]; then
        STATUS[$key]="timeout"; WALL[$key]=$R_WALL; RSS[$key]=""
        printf '  %-28s run %d: TIMEOUT after %ss\n' "$key" "$RUN" "$to"
        return
    elif [ "$R_RC" != 0 ]; then
        STATUS[$key]="exit $R_RC"; WALL[$key]=""; RSS[$key]=""
        printf '  %-28s run %d: FAILED (exit %s): %s\n' "$key" "$RUN" "$R_RC" "$(head -c 300 "$WORK/cmd.err" | tr '\n' ' ')"
        return
    fi
    if [ -z "${WALL[$key]:-}" ] || awk -v a="$R_WALL" -v b="${WALL[$key]}" 'BEGIN{exit !(a < b)}'; then
        WALL[$key]=$R_WALL
    fi
    if [ -n "$R_RSS" ] && (( R_RSS > ${RSS[$key]:-0} )); then RSS[$key]=$R_RSS; fi
    STATUS[$key]=ok
    printf '  %-28s run %d: %ss  %s KB\n' "$key" "$RUN" "$R_WALL" "${R_RSS:-?}"
}
