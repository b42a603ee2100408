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
# WALL[key] and RSS[key], and every round's wall time in ROUNDS[key] (" ROUND:SECONDS ...");
# STATUS[key] is "ok", "timeout" or "exit N" (a measurement that failed is not run again).
# The replay scripts run every measurement of a comparison in each round, round after round,
# rather than one measurement's runs in a row: this machine's speed drifts by up to a third within
# minutes, and a ratio of two figures taken far apart would measure the drift.
measure_round() { # key timeout outfile cmd...
    local key=$1 to=$2 out=$3
    shift 3
    # Keys such as xmppscope/main would be arithmetic in an indexed array: the caller declares them.
    if [ -z "${MEASURE_ROUND_CHECKED:-}" ]; then
        local v
        for v in WALL RSS STATUS ROUNDS; do
            [[ $(declare -p "$v" 2>/dev/null) == "declare -A"* ]] \
                || { echo "measure_round: declare -A WALL RSS STATUS ROUNDS first" >&2; exit 2; }
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
    ROUNDS[$key]="${ROUNDS[$key]:-} $RUN:$R_WALL"
    if [ -n "$R_RSS" ] && (( R_RSS > ${RSS[$key]:-0} )); then RSS[$key]=$R_RSS; fi
    STATUS[$key]=ok
    printf '  %-28s run %d: %ss  %s KB\n' "$key" "$RUN" "$R_WALL" "${R_RSS:-?}"
}

# The median, over the rounds both measurements ran in, of the ratio of their wall times
# (first / second, as `ratio` takes them): the two ran seconds apart in each round, so where the
# machine's speed drifts this is steadier than the ratio of the two best times, whose rounds may
# differ. Reads ROUNDS (see measure_round); "n/a" when no round has both.
round_ratio() { # key_a key_b
    if [ "${STATUS[$1]:-}" != ok ] || [ "${STATUS[$2]:-}" != ok ]; then echo "n/a"; return; fi
    awk -v a="${ROUNDS[$1]:-}" -v b="${ROUNDS[$2]:-}" 'BEGIN{
        na = split(a, ra, " "); nb = split(b, rb, " ")
        for (i = 1; i <= na; i++) { split(ra[i], p, ":"); ta[p[1]] = p[2] }
        n = 0
        for (i = 1; i <= nb; i++) {
            split(rb[i], p, ":")
            if ((p[1] in ta) && p[2] > 0) r[++n] = ta[p[1]] / p[2]
        }
        if (n == 0) { print "n/a"; exit }
        for (i = 2; i <= n; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
        printf "%.2f", (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2 }'
}
