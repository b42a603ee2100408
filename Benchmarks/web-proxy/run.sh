#!/usr/bin/env bash
# Benchmarks/web-proxy/run.sh - what `xmppscope proxy --websocket` adds to a WebSocket round
# trip (issue 12's goal: at most 1 ms at p99). A Python `websockets` echo server on 127.0.0.1;
# BENCH_N serial round trips of a BENCH_SIZE-byte <message/> (one outstanding at a time),
# directly and through the proxy (--json to /dev/null: every record is built and written);
# p50 and p99 of each, best of BENCH_REPEAT runs, and the added p99. Not a test.
#
#   Benchmarks/web-proxy/run.sh [BIN]      # BIN: the xmppscope to measure (default: a release build)
#
# Environment: BENCH_N [5000], BENCH_WARMUP [300], BENCH_SIZE [300], BENCH_REPEAT [3],
# BENCH_PORT [15540] (it and the next port on 127.0.0.1 must be free). Everything this script
# starts is stopped by PID on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
N=${BENCH_N:-5000}
WARMUP=${BENCH_WARMUP:-300}
SIZE=${BENCH_SIZE:-300}
REPEAT=${BENCH_REPEAT:-3}
PORT=${BENCH_PORT:-15540}
PROXY_PORT=$((PORT + 1))
log() { printf 'web-proxy bench: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"

BIN=${1:-}
if [[ -z $BIN ]]; then
    "$REPO/scripts/release-build.sh" >&2
    BIN=$REPO/.build-install/release/xmppscope
fi
[[ -x $BIN ]] || die "$BIN is not an executable"
python3 -c 'import websockets' 2>/dev/null || die "python3 with websockets is needed (pip install websockets)"
for port in "$PORT" "$PROXY_PORT"; do port_open "$port" && die "port $port on 127.0.0.1 is in use"; done

SERVER_PID=""
PROXY_PID=""
cleanup() { stop_pid "$PROXY_PID"; stop_pid "$SERVER_PID"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 "$HERE/echo.py" serve "$PORT" &
SERVER_PID=$!
wait_listening "$SERVER_PID" "$PORT" || die "the echo server did not listen on $PORT"
"$BIN" proxy --websocket --listen "127.0.0.1:$PROXY_PORT" --upstream "ws://127.0.0.1:$PORT/xmpp-websocket" \
    --json --log-level warning >/dev/null &
PROXY_PID=$!
wait_listening "$PROXY_PID" "$PROXY_PORT" || die "the proxy did not listen on $PROXY_PORT"

best() {  # URL: the best (lowest p99) of REPEAT runs, as 'p50 p99'
    local run result best_line=""
    for ((run = 0; run < REPEAT; run++)); do
        result=$(timeout 300 python3 "$HERE/echo.py" measure "$1" "$N" "$WARMUP" "$SIZE") || die "a run against $1 failed"
        if [[ -z $best_line ]] || awk -v a="${result#* }" -v b="${best_line#* }" 'BEGIN{exit !(a < b)}'; then
            best_line=$result
        fi
    done
    echo "$best_line"
}

direct=$(best "ws://127.0.0.1:$PORT/xmpp-websocket")
proxied=$(best "ws://127.0.0.1:$PROXY_PORT/xmpp-websocket")
printf '%-16s %10s %10s\n' path "p50 ms" "p99 ms"
printf '%-16s %10s %10s\n' direct ${direct}
printf '%-16s %10s %10s\n' "through proxy" ${proxied}
awk -v d="${direct#* }" -v p="${proxied#* }" -v n="$N" -v s="$SIZE" \
    'BEGIN { printf "added p99: %.3f ms (%d round trips of %d bytes, best of runs; goal: <= 1 ms)\n", p - d, n, s }'
