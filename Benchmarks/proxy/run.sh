#!/usr/bin/env bash
# Benchmarks/proxy/run.sh - proxy benchmark, one run, side by side, the same
# load: directly to the server, through socat, through `xmppscope proxy`
# (plain and STARTTLS-intercept), and through mitmproxy
# (`mitmdump --mode reverse:tcp://...`) when it installs.
#
#   (a) latency, a real server: a private Prosody on 127.0.0.1 (as in
#       scripts/make-captures.sh).  One session (stream, optional STARTTLS,
#       SASL PLAIN, bind), then BENCH_PINGS serial iq pings (one outstanding
#       at a time).  rtt p50/p99, and what each path adds to the direct one.
#   (a') the same pings against the benchmark's own C peer, which answers
#       in microseconds: what is left is the path itself.
#   (b) throughput, the C peer as server (xmpp-load.c serve): Prosody (Lua,
#       one thread) would saturate long before any proxy and make every
#       ratio ~1.  The client streams BENCH_MB MB of <message/> stanzas
#       (BENCH_BODY-byte bodies) and waits for the peer's count of what it
#       received (checked: same messages, same bytes).
#   (c) BENCH_CONNS concurrent sessions through `xmppscope proxy --json` to
#       the C peer, held BENCH_HOLD s, then one iq ping on each; the proxy's
#       VmRSS (/proc/PID/status) before, with them, and after they closed.
#
# Everything talks to 127.0.0.1 only; every server/proxy this script starts
# is stopped by PID on exit.  Needs root only to install what is missing
# (apt-get: socat prosody libssl-dev gcc; mitmproxy from PyPI into a venv in
# BENCH_WORK) and for prosody's run_as_root; without mitmproxy the mitmdump
# rows say why and the rest runs.
#
# Environment (defaults in brackets):
#   BENCH_REPEAT [3]        runs per measurement, best kept (see Definitions)
#   BENCH_PINGS [3000]      pings per latency run, after BENCH_WARMUP [200]
#   BENCH_MB [300]          MB (10^6 bytes) of <message/> stanzas per throughput run
#   BENCH_BODY [1000]       body bytes per message
#   BENCH_CONNS [1000]      concurrent sessions in (c); BENCH_HOLD [3] seconds held
#   BENCH_TLS_HOLD [1]      0: (c) plain only, 1: also through STARTTLS intercept
#   BENCH_MITM [1]          0: leave mitmproxy out
#   BENCH_PORT [25200]      base port: BENCH_PORT+0..+60 on 127.0.0.1 must be free
#   BENCH_TIMEOUT [120]     seconds per client command
#   BENCH_NICE [-10]        niceness of every process this script starts (servers,
#                           proxies, clients alike; 0 to leave it), so that
#                           whatever else runs on the machine disturbs less
#   BENCH_LATENCY_SCHED [fifo]  fifo: during the latency runs only, the client, the
#                           relay and the server run SCHED_FIFO (chrt -f 10, all
#                           threads), so that a busy machine's time slices (4 ms
#                           ticks here) do not make the p99; nice: leave them at
#                           BENCH_NICE.  Throughput and (c) always run at BENCH_NICE.
#   BENCH_BUILD_SWIFT [1]   0: do not run swift build, use what exists
#   BENCH_SWIFT_SCRATCH [.build-install]  --scratch-path for that build (static Swift
#                           runtime, as scripts/install.sh builds and installs it)
#   BENCH_XMPPSCOPE [<scratch>/release/xmppscope]
#   BENCH_WORK [Benchmarks/proxy/.build-bench]
#
# Definitions: MB = 10^6 bytes of <message/> stanzas as the client wrote
# them (TLS overhead not counted); MB/s = that / time from the first byte
# written to the peer's count arriving.  Latency: p50/p99 by nearest rank
# over BENCH_PINGS round trips (monotonic clock, write to matching answer);
# best of BENCH_REPEAT = the lowest p50 and the lowest p99, each over the
# runs.  "added" = a path's figure minus the direct figure on the same leg
# (plain vs plain, STARTTLS vs STARTTLS).  Proxy CPU = utime+stime (+ reaped
# children, for socat's forks) from /proc/PID/stat over all throughput runs,
# per GB relayed; relay CPU = the same for xmppscope's event-loop threads
# (NIO-ELT-*) alone, which relay while the inspector's own threads frame
# and write.  Client, peer, proxy and server share this machine's
# cores, so direct MB/s is also the ceiling the generator can measure.

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$ROOT/Benchmarks/lib.sh"

REPEAT=${BENCH_REPEAT:-3}
PINGS=${BENCH_PINGS:-3000}
WARMUP=${BENCH_WARMUP:-200}
MB=${BENCH_MB:-300}
BODY=${BENCH_BODY:-1000}
CONNS=${BENCH_CONNS:-1000}
HOLD=${BENCH_HOLD:-3}
TLS_HOLD=${BENCH_TLS_HOLD:-1}
USE_MITM=${BENCH_MITM:-1}
PORT=${BENCH_PORT:-25200}
TIMEOUT=${BENCH_TIMEOUT:-120}
NICE=${BENCH_NICE:--10}
SCHED_LAT=${BENCH_LATENCY_SCHED:-fifo}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
SCRATCH=${BENCH_SWIFT_SCRATCH:-.build-install}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac
XMPPSCOPE=${BENCH_XMPPSCOPE:-$SCRATCH/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}

for v in REPEAT PINGS WARMUP MB BODY CONNS HOLD TLS_HOLD USE_MITM PORT TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a number" >&2; exit 2; }
done
[[ $NICE =~ ^-?[0-9]+$ ]] || { echo "run.sh: BENCH_NICE must be a number" >&2; exit 2; }
[[ $SCHED_LAT == fifo || $SCHED_LAT == nice ]] || { echo "run.sh: BENCH_LATENCY_SCHED is fifo or nice" >&2; exit 2; }
(( REPEAT >= 1 && PINGS >= 1 && MB >= 1 && CONNS >= 1 )) || { echo "run.sh: counts must be at least 1" >&2; exit 2; }

DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
P_PROSODY=$((PORT + 22))     # Prosody c2s (STARTTLS offered, not required)
P_PEER=$((PORT + 23))        # the C peer (STARTTLS offered, not required)
# Relays listen on PORT+30+i (to Prosody) and PORT+45+i (to the peer).

mkdir -p "$WORK"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
RUN=$(mktemp -d "$WORK/run.XXXXXX")
LOAD=$WORK/xmpp-load

# ---------------------------------------------------------------- processes
PIDS=()
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NICE_CMD=()
if [ "$NICE" != 0 ]; then NICE_CMD=(nice -n "$NICE"); fi
SCHED_NOTE=""
if [ "$SCHED_LAT" = fifo ] && ! { command -v chrt >/dev/null 2>&1 && chrt -f 10 true 2>/dev/null; }; then
    SCHED_LAT="nice"
    SCHED_NOTE=" (SCHED_FIFO not allowed here: latency at nice $NICE too)"
fi
LAT_CMD=("${NICE_CMD[@]}")
[ "$SCHED_LAT" = fifo ] && LAT_CMD=(chrt -f 10)
rt_on()  { if [ "$SCHED_LAT" = fifo ] && [ -n "$1" ]; then chrt -a -f -p 10 "$1" >/dev/null 2>&1 || true; fi; }
rt_off() { if [ "$SCHED_LAT" = fifo ] && [ -n "$1" ]; then chrt -a -o -p 0 "$1" >/dev/null 2>&1 || true; fi; }

listening() { # port: a listening socket on 127.0.0.1:port (no connection made)
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
wait_listen() { # pid port: until it listens (30 s at most), or fail if pid died
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        listening "$2" && return 0
        sleep 0.1
    done
    return 1
}
BG_PID=""
start_bg() { # name cmd... : start in the background (niced), output to $RUN/name.{out,err}
    local name=$1
    shift
    "${NICE_CMD[@]}" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err" &
    BG_PID=$!
    PIDS+=("$BG_PID")
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
cpu_ticks() { # utime+stime+cutime+cstime
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    awk '{print $12 + $13 + $14 + $15}' <<<"$s"
}
loop_ticks() { # utime+stime of the process's NIO event-loop threads (xmppscope's relay)
    local t sum=0 s
    for t in /proc/"$1"/task/*; do
        [[ $(cat "$t/comm" 2>/dev/null) == NIO-ELT* ]] || continue
        s=$(cat "$t/stat" 2>/dev/null) || continue
        s=${s##*) }
        sum=$((sum + $(awk '{print $12 + $13}' <<<"$s")))
    done
    echo "$sum"
}
TICKS=$(getconf CLK_TCK)

# ---------------------------------------------------------------- install
need_pkg() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "+ apt-get install -y $2   (for $1)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >"$WORK/apt-$2.log" 2>&1 \
            || { apt-get update -q >>"$WORK/apt-$2.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >>"$WORK/apt-$2.log" 2>&1; } \
            || { echo "run.sh: installing $2 failed (see $WORK/apt-$2.log)" >&2; exit 1; }
    fi
    need "$1" "apt-get install $2"
}
echo "== xmppscope proxy benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== setup"
need_pkg gcc gcc
need_pkg socat socat
need_pkg prosody prosody
need_pkg openssl openssl
need timeout coreutils
if [ ! -f /usr/include/openssl/ssl.h ] && [ "$(id -u)" = 0 ]; then
    echo "+ apt-get install -y libssl-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev >"$WORK/apt-libssl-dev.log" 2>&1 || true
fi
[ -f /usr/include/openssl/ssl.h ] || { echo "run.sh: OpenSSL headers missing (apt-get install libssl-dev)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "note: not root: prosody needs run_as_root here, and nothing can be installed"

# Open files: the proxy holds two sockets per connection, the client and the peer one each.
want_fds=$((CONNS * 2 + 256))
if (( $(ulimit -n) < want_fds )); then
    ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
echo "ulimit -n: $(ulimit -n) (wanted >= $want_fds)"

MITM=""
MITM_SKIP=""
if [ "$USE_MITM" = 1 ]; then
    if command -v mitmdump >/dev/null 2>&1; then
        MITM=$(command -v mitmdump)
    elif [ -x "$WORK/venv/bin/mitmdump" ]; then
        MITM=$WORK/venv/bin/mitmdump
    else
        echo "+ python3 -m venv $WORK/venv && $WORK/venv/bin/python -m pip install mitmproxy   (log: $WORK/pip-mitmproxy.log)"
        if python3 -m venv "$WORK/venv" >"$WORK/pip-mitmproxy.log" 2>&1 \
            && timeout 600 "$WORK/venv/bin/python" -m pip install -q mitmproxy >>"$WORK/pip-mitmproxy.log" 2>&1 \
            && [ -x "$WORK/venv/bin/mitmdump" ]; then
            MITM=$WORK/venv/bin/mitmdump
        else
            MITM_SKIP="mitmproxy did not install: $(tail -n 2 "$WORK/pip-mitmproxy.log" | tr '\n' ' ' | head -c 300)"
        fi
    fi
    if [ -n "$MITM" ] && ! timeout 60 "$MITM" --version >"$WORK/mitm-version.txt" 2>&1; then
        MITM_SKIP="mitmdump does not start: $(head -c 300 "$WORK/mitm-version.txt")"; MITM=""
    fi
else
    MITM_SKIP="BENCH_MITM=0"
fi

CMD_CC="gcc -O2 -Wall -Wextra -o $LOAD $HERE/xmpp-load.c -lssl -lcrypto -lpthread"
if [ ! -x "$LOAD" ] || [ "$HERE/xmpp-load.c" -nt "$LOAD" ]; then
    echo "+ $CMD_CC"
    $CMD_CC
fi
X_SKIP=""
if [ "$BUILD_SWIFT" = 1 ]; then
    CMD_SWIFT=("$ROOT/scripts/release-build.sh" --scratch-path "$SCRATCH")
    echo "+ (cd $ROOT && ${CMD_SWIFT[*]})   (log: $WORK/swift-build.log)"
    (cd "$ROOT" && "${CMD_SWIFT[@]}") >"$WORK/swift-build.log" 2>&1 || X_SKIP="swift build failed (see $WORK/swift-build.log)"
fi
if [ -z "$X_SKIP" ] && [ ! -x "$XMPPSCOPE" ]; then X_SKIP="binary $XMPPSCOPE missing"; fi
[ -z "$X_SKIP" ] || { echo "run.sh: no xmppscope to measure: $X_SKIP" >&2; exit 1; }

for ((i = 0; i <= 60; i++)); do
    if listening $((PORT + i)); then echo "run.sh: port $((PORT + i)) on 127.0.0.1 is in use (set BENCH_PORT)" >&2; exit 1; fi
done

# Certificates: the server's (Prosody and the peer), and xmppscope's CA in a throwaway home.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" \
    -keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>"$RUN/openssl.err" \
    || { echo "run.sh: openssl: $(cat "$RUN/openssl.err")" >&2; exit 1; }
XHOME=$RUN/xmppscope-home
export XMPPSCOPE_HOME=$XHOME
"$XMPPSCOPE" ca export --pem "$RUN/xmppscope-ca.pem" --home "$XHOME" >/dev/null 2>"$RUN/ca.err" \
    || { echo "run.sh: xmppscope ca export failed: $(cat "$RUN/ca.err")" >&2; exit 1; }

echo "xmppscope: $XMPPSCOPE ($("$XMPPSCOPE" --version 2>/dev/null || echo '?'), built $(date -u -r "$XMPPSCOPE" +%Y-%m-%dT%H:%M:%SZ); repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- Sources 2>/dev/null || echo ', Sources/ modified in the working tree'))"
echo "socat: $(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/\1/p' | head -1)"
echo "prosody: $(dpkg-query -W -f '${Version}' prosody 2>/dev/null || echo '?')"
echo "openssl: $(openssl version)"
if [ -n "$MITM" ]; then echo "mitmproxy: $(head -1 "$WORK/mitm-version.txt")"; else echo "mitmproxy: NOT RUN: $MITM_SKIP"; fi
echo "repeat: $REPEAT, pings: $PINGS (+$WARMUP warm-up), stream: $MB MB of ${BODY}-byte-body messages, conns: $CONNS held ${HOLD}s"
echo "scheduling: everything at nice $NICE; latency runs: $( [ "$SCHED_LAT" = fifo ] && echo "SCHED_FIFO 10 (client, relay, server)" || echo "nice $NICE")$SCHED_NOTE"
echo

# ---------------------------------------------------------------- servers
PDIR=$RUN/prosody
mkdir -p "$PDIR/data"
cat >"$PDIR/prosody.cfg.lua" <<EOF
-- Throwaway benchmark server made by Benchmarks/proxy/run.sh.
run_as_root = true
data_path = "$PDIR/data"
pidfile = "$PDIR/prosody.pid"
certificates = "$PDIR"
log = { warn = "$PDIR/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $P_PROSODY }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "tls"; "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "s2s_auth_certs" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
ssl = { certificate = "$RUN/cert.pem"; key = "$RUN/key.pem" }
VirtualHost "$DOMAIN"
EOF
prosodyctl --config "$PDIR/prosody.cfg.lua" register alice "$DOMAIN" "$PASSWORD" >"$PDIR/prosodyctl.log" 2>&1 \
    || { echo "run.sh: prosodyctl register failed: $(cat "$PDIR/prosodyctl.log")" >&2; exit 1; }
start_bg prosody prosody --config "$PDIR/prosody.cfg.lua" -F
PROSODY_PID=$BG_PID
wait_listen "$PROSODY_PID" "$P_PROSODY" || { echo "run.sh: Prosody did not listen: $(tail -n 20 "$RUN/prosody.out" "$PDIR/prosody.log" 2>/dev/null)" >&2; exit 1; }
start_bg peer "$LOAD" serve --port "$P_PEER" --cert "$RUN/cert.pem" --key "$RUN/key.pem" --domain "$DOMAIN"
PEER_PID=$BG_PID
wait_listen "$PEER_PID" "$P_PEER" || { echo "run.sh: the peer did not listen: $(cat "$RUN/peer.err")" >&2; exit 1; }

# ---------------------------------------------------------------- paths
# A path: how the client reaches the server.  Which legs (plain, STARTTLS) each is measured on.
PATHS=(direct socat xjson xsum xlog xpass mitm)
declare -A LABEL=(
    [direct]="direct"
    [socat]="socat"
    [xjson]="xmppscope --json"
    [xsum]="xmppscope --summary"
    [xlog]="xmppscope pretty --log /dev/null"
    [xpass]="xmppscope --tls passthrough --json"
    [mitm]="mitmdump"
)
declare -A LEGS=(
    [direct]="plain tls" [socat]="plain tls" [xjson]="plain tls" [xsum]="plain" [xlog]="plain"
    [xpass]="tls" [mitm]="plain tls"
)
path_index() { local i; for i in "${!PATHS[@]}"; do if [ "${PATHS[$i]}" = "$1" ]; then echo "$i"; fi; done; }

# The command of a relay from LPORT to UPORT (as an array in CMD); output to /dev/null.
relay_cmd() { # path lport uport
    local x=("$XMPPSCOPE" proxy --listen "127.0.0.1:$2" --upstream "127.0.0.1:$3" --home "$XHOME")
    case $1 in
        socat) CMD=(socat "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork,nodelay,backlog=4096" "TCP:127.0.0.1:$3,nodelay") ;;
        xjson) CMD=("${x[@]}" --upstream-ca "$RUN/cert.pem" --json) ;;
        xsum)  CMD=("${x[@]}" --upstream-ca "$RUN/cert.pem" --summary) ;;
        xlog)  CMD=("${x[@]}" --upstream-ca "$RUN/cert.pem" --no-color --log /dev/null) ;;
        xpass) CMD=("${x[@]}" --tls passthrough --json) ;;
        mitm)  CMD=("$MITM" --mode "reverse:tcp://127.0.0.1:$3@$2" --listen-host 127.0.0.1) ;;
    esac
}
show_relay() { # path -> the command with placeholder ports
    local CMD a out=""
    relay_cmd "$1" LPORT UPORT
    for a in "${CMD[@]}"; do out+="${out:+ }${a/#$RUN/\$RUN}"; done
    printf '%s > /dev/null' "$out"
}

echo "== commands (\$RUN = a scratch folder under $WORK; LPORT/UPORT on 127.0.0.1; all under nice -n $NICE)"
echo "server:   prosody -F (config like scripts/make-captures.sh: c2s on $P_PROSODY, STARTTLS offered, PLAIN allowed, log warn)"
echo "peer:     $LOAD serve --port $P_PEER --cert \$RUN/cert.pem --key \$RUN/key.pem"
for p in "${PATHS[@]}"; do
    [ "$p" = direct ] && continue
    if [ "$p" = mitm ] && [ -z "$MITM" ]; then printf '  %-36s NOT RUN: %s\n' "${LABEL[$p]}:" "$MITM_SKIP"; continue; fi
    printf '  %-36s %s\n' "${LABEL[$p]}:" "$(show_relay "$p")"
done
echo "ca:       $XMPPSCOPE ca export --pem \$RUN/xmppscope-ca.pem --home \$RUN/xmppscope-home"
echo "latency:  $LOAD ping --port P [--tls --ca CA] --count $PINGS --warmup $WARMUP"
echo "stream:   $LOAD stream --port P [--tls --ca CA] --mb $MB --body $BODY"
echo "hold:     $LOAD hold --port P [--tls --ca CA] --conns $CONNS --hold $HOLD"
echo "  (CA = \$RUN/xmppscope-ca.pem through xmppscope's STARTTLS intercept, else the server's \$RUN/cert.pem;"
echo "   socat, mitmdump and passthrough relay the TLS session between client and server untouched)"
echo

declare -A P50 P99 MBPS ST CPU LOOPCPU HWM
client() { # out args... : run the load client (timeout, nice or, for ping, chrt); sets R_RC
    local out=$1 pre=("${NICE_CMD[@]}")
    shift
    [ "$1" = ping ] && pre=("${LAT_CMD[@]}")
    set +e
    timeout --kill-after=5 "$TIMEOUT" "${pre[@]}" "$LOAD" "$@" --domain "$DOMAIN" --password "$PASSWORD" >"$out" 2>"$out.err"
    R_RC=$?
    set -e
}
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | head -1; }
minof() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "") print b; else if (b == "") print a; else print (a + 0 < b + 0) ? a : b }'; }
maxof() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "") print b; else if (b == "") print a; else print (a + 0 > b + 0) ? a : b }'; }
fail_text() { # out
    if [ "$R_RC" = 124 ] || [ "$R_RC" = 137 ]; then echo "TIMEOUT after ${TIMEOUT}s"
    else echo "FAILED (exit $R_RC): $(head -c 300 "$1.err" | tr '\n' ' ')"; fi
}

latency() { # key port tlsargs...
    local key=$1 port=$2 i out=$RUN/lat.out
    shift 2
    printf '  %-48s ' "$key"
    for ((i = 1; i <= REPEAT; i++)); do
        client "$out" ping --port "$port" --count "$PINGS" --warmup "$WARMUP" "$@"
        if [ "$R_RC" != 0 ]; then ST[$key]=$(fail_text "$out"); echo "${ST[$key]}"; return; fi
        P50[$key]=$(minof "${P50[$key]:-}" "$(field "$out" p50_us)")
        P99[$key]=$(minof "${P99[$key]:-}" "$(field "$out" p99_us)")
        printf '%s/%s ' "$(field "$out" p50_us)" "$(field "$out" p99_us)"
    done
    ST[$key]=ok
    echo "µs (p50/p99 per run)"
}
throughput() { # key port tlsargs...
    local key=$1 port=$2 i out=$RUN/tp.out
    shift 2
    printf '  %-48s ' "$key"
    for ((i = 1; i <= REPEAT; i++)); do
        client "$out" stream --port "$port" --mb "$MB" --body "$BODY" "$@"
        if [ "$R_RC" != 0 ]; then ST[$key]=$(fail_text "$out"); echo "${ST[$key]}"; return; fi
        MBPS[$key]=$(maxof "${MBPS[$key]:-}" "$(field "$out" MBps)")
        printf '%s ' "$(field "$out" MBps)"
    done
    ST[$key]=ok
    echo "MB/s per run (peer's count matched every run)"
}

# One relay at a time: start it, measure every leg through it, stop it.
RELAY_PID=""
start_relay() { # path lport uport -> sets RELAY_PID, or returns 1 with ST text in RELAY_ERR
    local CMD
    relay_cmd "$1" "$2" "$3"
    start_bg "relay-$1-$2" "${CMD[@]}"
    RELAY_PID=$BG_PID
    if ! wait_listen "$RELAY_PID" "$2"; then
        RELAY_ERR="did not listen: $(tail -c 300 "$RUN/relay-$1-$2.err" | tr '\n' ' ')"
        stop_pid "$RELAY_PID"; RELAY_PID=""
        return 1
    fi
}
run_path() { # server(prosody|peer) path
    local server=$1 p=$2 idx lport uport port leg ca key t0 t1
    idx=$(path_index "$p")
    if [ "$server" = prosody ]; then uport=$P_PROSODY; lport=$((PORT + 30 + idx)); else uport=$P_PEER; lport=$((PORT + 45 + idx)); fi
    if [ "$p" = mitm ] && [ -z "$MITM" ]; then
        for leg in ${LEGS[$p]}; do ST[$server/$leg/$p/lat]="NOT RUN: $MITM_SKIP"; ST[$server/$leg/$p/tp]="NOT RUN: $MITM_SKIP"; done
        return
    fi
    RELAY_PID=""
    port=$uport
    if [ "$p" != direct ]; then
        if ! start_relay "$p" "$lport" "$uport"; then
            for leg in ${LEGS[$p]}; do ST[$server/$leg/$p/lat]="relay $RELAY_ERR"; ST[$server/$leg/$p/tp]="relay $RELAY_ERR"; done
            echo "  $server/$p: relay $RELAY_ERR"
            return
        fi
        port=$lport
    fi
    local spid=$PEER_PID
    [ "$server" = prosody ] && spid=$PROSODY_PID
    rt_on "$spid"; rt_on "$RELAY_PID"
    for leg in ${LEGS[$p]}; do
        local tls=()
        if [ "$leg" = tls ]; then
            ca=$RUN/cert.pem
            case $p in xjson|xsum|xlog) ca=$RUN/xmppscope-ca.pem ;; esac
            tls=(--tls --ca "$ca")
        fi
        latency "$server/$leg/$p/lat" "$port" "${tls[@]}"
    done
    rt_off "$spid"; rt_off "$RELAY_PID"
    if [ "$server" = peer ]; then
        t0=$( [ -n "$RELAY_PID" ] && cpu_ticks "$RELAY_PID" || echo 0 )
        l0=$( [ -n "$RELAY_PID" ] && loop_ticks "$RELAY_PID" || echo 0 )
        for leg in ${LEGS[$p]}; do
            local tls=()
            if [ "$leg" = tls ]; then
                ca=$RUN/cert.pem
                case $p in xjson|xsum|xlog) ca=$RUN/xmppscope-ca.pem ;; esac
                tls=(--tls --ca "$ca")
            fi
            key=peer/$leg/$p/tp
            throughput "$key" "$port" "${tls[@]}"
            if [ -n "$RELAY_PID" ]; then
                HWM[$key]=$(hwm_kb "$RELAY_PID")
                # CPU per leg: ticks spent during this leg's runs
                t1=$(cpu_ticks "$RELAY_PID")
                l1=$(loop_ticks "$RELAY_PID")
                if [ "${ST[$key]}" = ok ]; then
                    CPU[$key]=$(awk -v t="$((t1 - t0))" -v hz="$TICKS" -v n="$REPEAT" -v mb="$MB" 'BEGIN{printf "%.2f", t / hz / (n * mb / 1000)}')
                    case $p in x*) LOOPCPU[$key]=$(awk -v t="$((l1 - l0))" -v hz="$TICKS" -v n="$REPEAT" -v mb="$MB" 'BEGIN{printf "%.2f", t / hz / (n * mb / 1000)}') ;; esac
                fi
                t0=$t1
                l0=$l1
            fi
        done
    fi
    [ -n "$RELAY_PID" ] && { stop_pid "$RELAY_PID"; RELAY_PID=""; }
    return 0
}

echo "== (a) latency to Prosody, and (a') to the C peer"
for p in "${PATHS[@]}"; do run_path prosody "$p"; done
for p in "${PATHS[@]}"; do run_path peer "$p"; done
echo

# ---------------------------------------------------------------- (c) connections
declare -A H_HELD H_ANS H_OPEN H_BEFORE H_WITH H_AFTER H_ST
hold() { # leg
    local leg=$1 lport=$((PORT + 58)) out=$RUN/hold-$1.out i rss_with="" tls=() CMD
    [ "$leg" = tls ] && { tls=(--tls --ca "$RUN/xmppscope-ca.pem"); lport=$((PORT + 59)); }
    printf '  %-48s ' "$leg: $CONNS sessions via ${LABEL[xjson]}"
    relay_cmd xjson "$lport" "$P_PEER"
    start_bg "hold-$leg" "${CMD[@]}"
    local xp=$BG_PID
    if ! wait_listen "$xp" "$lport"; then H_ST[$leg]="proxy did not listen"; echo "${H_ST[$leg]}"; stop_pid "$xp"; return; fi
    sleep 1
    H_BEFORE[$leg]=$(rss_kb "$xp")
    rm -f "$out"   # the wait below must not see an older "ready"
    set +e
    timeout --kill-after=5 "$TIMEOUT" "${NICE_CMD[@]}" "$LOAD" hold --port "$lport" --conns "$CONNS" --hold "$HOLD" \
        --domain "$DOMAIN" --password "$PASSWORD" "${tls[@]}" >"$out" 2>"$out.err" &
    local cp=$!
    set -e
    for ((i = 0; i < TIMEOUT * 10; i++)); do
        grep -q '^ready' "$out" 2>/dev/null && break
        kill -0 "$cp" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q '^ready' "$out" 2>/dev/null; then
        sleep 0.5
        rss_with=$(rss_kb "$xp")
    fi
    set +e
    wait "$cp"
    R_RC=$?
    set -e
    sleep 1
    H_AFTER[$leg]=$(rss_kb "$xp")
    H_WITH[$leg]=$rss_with
    H_HELD[$leg]=$(field "$out" held)
    H_OPEN[$leg]=$(field "$out" open_s)
    H_ANS[$leg]=$(field "$out" answered)
    if [ "$R_RC" != 0 ]; then H_ST[$leg]=$(fail_text "$out")
    elif ! kill -0 "$xp" 2>/dev/null; then H_ST[$leg]="the proxy exited: $(tail -c 300 "$RUN/hold-$leg.err" | tr '\n' ' ')"
    else H_ST[$leg]=ok; fi
    echo "held ${H_HELD[$leg]:-?}, answered ${H_ANS[$leg]:-?}, RSS ${H_BEFORE[$leg]:-?} -> ${H_WITH[$leg]:-?} -> ${H_AFTER[$leg]:-?} KB  ${H_ST[$leg]}"
    if [ -s "$out.err" ]; then sed 's/^/    client: /' "$out.err" | head -5; fi
    stop_pid "$xp"
}
echo "== (c) concurrent connections"
hold plain
[ "$TLS_HOLD" = 1 ] && hold tls
echo

# ---------------------------------------------------------------- report
us() { if [ -n "$1" ]; then awk -v v="$1" 'BEGIN{printf "%.0f", v}'; else echo -; fi; }
diffus() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN{printf "%+.0f", a - b}'; else echo -; fi; }
goal() { # value op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{
        if (v == "n/a" || v == "") { print "n/a"; exit }
        ok = (op == ">=") ? (v >= t) : (v <= t)
        print ok ? "MET" : "NOT MET" }'
}
added() { if [ "$1" = direct ]; then echo -; else diffus "$2" "$3"; fi; }
leg_label() { if [ "$1" = tls ]; then echo STARTTLS; else echo plain; fi; }

latency_table() { # server title
    local server=$1 leg p key d
    echo "$2"
    printf '%-9s %-36s %9s %9s %11s %11s  %s\n' leg path "p50 µs" "p99 µs" "added p50" "added p99" status
    for leg in plain tls; do
        d=$server/$leg/direct/lat
        for p in "${PATHS[@]}"; do
            [[ " ${LEGS[$p]} " == *" $leg "* ]] || continue
            key=$server/$leg/$p/lat
            if [ "${ST[$key]:-}" = ok ]; then
                printf '%-9s %-36s %9s %9s %11s %11s  %s\n' "$(leg_label "$leg")" "${LABEL[$p]}" "$(us "${P50[$key]}")" "$(us "${P99[$key]}")" \
                    "$(added "$p" "${P50[$key]}" "${P50[$d]:-}")" "$(added "$p" "${P99[$key]}" "${P99[$d]:-}")" ok
            else
                printf '%-9s %-36s %9s %9s %11s %11s  %s\n' "$(leg_label "$leg")" "${LABEL[$p]}" - - - - "${ST[$key]:-not run}"
            fi
        done
    done
    echo
}

echo "== results"
latency_table prosody "(a) iq round trip to Prosody: $PINGS serial pings after $WARMUP warm-up, best of $REPEAT (lowest p50, lowest p99); added = path - direct on the same leg; $( [ "$SCHED_LAT" = fifo ] && echo SCHED_FIFO || echo "nice $NICE")"
latency_table peer "(a') iq round trip to the C peer (answers at once: the path's own cost), same method"

mbs() { if [ "${ST[$1]:-}" = ok ]; then echo "${MBPS[$1]}"; fi; }
echo "(b) throughput to the C peer: $MB MB of <message/> stanzas (${BODY}-byte bodies) per run, best of $REPEAT; peer's count checked"
printf '%-9s %-36s %9s %9s %11s %12s %12s %10s  %s\n' leg path "MB/s" "vs socat" "vs mitmdump" "CPU s/GB" "relay s/GB" "peak RSS" status
for leg in plain tls; do
    for p in "${PATHS[@]}"; do
        [[ " ${LEGS[$p]} " == *" $leg "* ]] || continue
        key=peer/$leg/$p/tp
        if [ "${ST[$key]:-}" = ok ]; then
            rs=$(ratio "${MBPS[$key]}" "$(mbs "peer/$leg/socat/tp")")
            rm=$(ratio "${MBPS[$key]}" "$(mbs "peer/$leg/mitm/tp")")
            hw=-
            if [ -n "${HWM[$key]:-}" ] && [ "$p" != socat ]; then hw="$(awk -v k="${HWM[$key]}" 'BEGIN{printf "%.1f MiB", k / 1024}')"; fi
            printf '%-9s %-36s %9s %9s %11s %12s %12s %10s  %s\n' "$(leg_label "$leg")" "${LABEL[$p]}" "${MBPS[$key]}" "$rs" "$rm" \
                "${CPU[$key]:--}" "${LOOPCPU[$key]:--}" "$hw" ok
        else
            printf '%-9s %-36s %9s %9s %11s %12s %12s %10s  %s\n' "$(leg_label "$leg")" "${LABEL[$p]}" - - - - - - "${ST[$key]:-not run}"
        fi
    done
done
echo "  (CPU s/GB: the relay process's CPU per GB streamed, socat's forks included; relay s/GB: xmppscope's event loop"
echo "   alone, which relays while the inspector's threads frame and write; peak RSS: VmHWM after that leg's runs;"
echo "   direct = the generator's own ceiling on this machine: client, peer and relay share $(nproc) cores)"
echo

echo "(c) $CONNS concurrent sessions (stream, SASL PLAIN, bind; STARTTLS on the STARTTLS row) through ${LABEL[xjson]} to the C peer, held ${HOLD}s"
printf '%-9s %7s %9s %8s %12s %12s %12s %14s  %s\n' leg held answered "open s" "RSS before" "RSS with" "RSS after" "per idle conn" status
for leg in plain tls; do
    [ "$leg" = tls ] && [ "$TLS_HOLD" != 1 ] && continue
    per=-
    if [ -n "${H_WITH[$leg]:-}" ] && [ -n "${H_BEFORE[$leg]:-}" ] && [ "${H_HELD[$leg]:-0}" -gt 0 ]; then
        per=$(awk -v a="${H_WITH[$leg]}" -v b="${H_BEFORE[$leg]}" -v n="${H_HELD[$leg]}" 'BEGIN{printf "%.1f KiB", (a - b) / n}')
    fi
    kib() { if [ -n "$1" ]; then awk -v k="$1" 'BEGIN{printf "%.1f MiB", k / 1024}'; else echo -; fi; }
    printf '%-9s %7s %9s %8s %12s %12s %12s %14s  %s\n' "$(leg_label "$leg")" "${H_HELD[$leg]:--}" "${H_ANS[$leg]:--}" "${H_OPEN[$leg]:--}" \
        "$(kib "${H_BEFORE[$leg]:-}")" "$(kib "${H_WITH[$leg]:-}")" "$(kib "${H_AFTER[$leg]:-}")" "$per" "${H_ST[$leg]:-not run}"
done
echo "  (VmRSS of the proxy: 1 s after it started, 0.5 s after the last session was up, 1 s after the client closed them all)"
echo

echo "== goals"
g_x=$(mbs peer/plain/xjson/tp); g_s=$(mbs peer/plain/socat/tp); g_m=$(mbs peer/plain/mitm/tp)
r=$(ratio "$g_x" "$g_s")
printf '%-72s %8s  %s\n' "xmppscope --json throughput / socat's (plain; goal >= 0.70)" "$r" "$(goal "$r" '>=' 0.70)"
r=$(ratio "$g_x" "$g_m")
printf '%-72s %8s  %s\n' "xmppscope --json throughput / mitmdump's (plain; goal >= 5)" "$r" "$(goal "$r" '>=' 5)"
cpu_ok() { if [ "${ST[$1]:-}" = ok ]; then echo "${CPU[$1]:-}"; fi; }
echo "  (the same by relay CPU per GB, which the machine's other load disturbs less: socat's / xmppscope's" \
     "$(ratio "$(cpu_ok peer/plain/socat/tp)" "$(cpu_ok peer/plain/xjson/tp)"), mitmdump's / xmppscope's" \
     "$(ratio "$(cpu_ok peer/plain/mitm/tp)" "$(cpu_ok peer/plain/xjson/tp)"))"
for leg in plain tls; do
    a=""
    if [ "${ST[prosody/$leg/xjson/lat]:-}" = ok ] && [ "${ST[prosody/$leg/direct/lat]:-}" = ok ]; then
        a=$(awk -v x="${P99[prosody/$leg/xjson/lat]}" -v d="${P99[prosody/$leg/direct/lat]}" 'BEGIN{printf "%.3f", (x - d) / 1000}')
    fi
    printf '%-72s %8s  %s\n' "xmppscope --json added p99 to Prosody, $(leg_label "$leg") (ms; goal <= 0.5)" "${a:-n/a}" "$(goal "$a" '<=' 0.5)"
done
pa=""
for leg in plain tls; do
    if [ "${ST[peer/$leg/xjson/lat]:-}" = ok ] && [ "${ST[peer/$leg/direct/lat]:-}" = ok ]; then
        pa+="${pa:+, }$(leg_label "$leg") $(awk -v x="${P99[peer/$leg/xjson/lat]}" -v d="${P99[peer/$leg/direct/lat]}" 'BEGIN{printf "%.3f", (x - d) / 1000}') ms"
    fi
done
echo "  (the same, added p99 to the C peer, for reference: ${pa:-n/a})"
for leg in plain tls; do
    [ "$leg" = tls ] && [ "$TLS_HOLD" != 1 ] && continue
    ok=n/a
    if [ -n "${H_ANS[$leg]:-}" ]; then
        if [ "${H_ST[$leg]}" = ok ] && [ "${H_HELD[$leg]}" = "$CONNS" ] && [ "${H_ANS[$leg]}" = "$CONNS" ]; then ok=MET; else ok="NOT MET"; fi
    fi
    printf '%-72s %8s  %s\n' "$CONNS concurrent connections held and answering, $(leg_label "$leg")" "${H_ANS[$leg]:-n/a}/$CONNS" "$ok"
done
[ -n "$MITM" ] || echo "mitmproxy: NOT RUN: $MITM_SKIP (the mitmdump goal is n/a)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
