# shellcheck shell=bash
# Benchmarks/lib.sh — helpers both benchmark scripts source (bash).
# shellcheck disable=SC2034  # R_WALL, R_RSS and R_RC are read by the scripts that source this
# run_one needs WORK (a scratch folder) and TIME (GNU time); it sets R_WALL (s), R_RSS (KiB), R_RC.

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
