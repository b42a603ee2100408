#!/usr/bin/env bash
# Proxy soak (issue 5): SOAK_SESSIONS concurrent client sessions through `xmppscope proxy` to a
# private Prosody 0.12 for SOAK_SECONDS, with clients and the upstream cut at random moments
# (mid-stanza, mid-TLS handshake, during SASL), slow readers and clients that never send
# anything; then checks that the proxy still relays, that its fds and RSS came back, that every
# session has a connect and a close record, and that completed sessions were relayed byte-exact.
#
#   scripts/soak-proxy.sh [XMPPSCOPE_BINARY]     (default: .build/release/xmppscope)
#
#   SOAK_SESSIONS (1000)  SOAK_SECONDS (180)  SOAK_SEED (1)  SOAK_OUT (keep the work folder there)
#   SOAK_RSS_TOLERANCE_MB (64)  SOAK_SLOW_RATE (2048 B/s)  SOAK_WARMUP (12 sessions)
#   SOAK_ROUNDS (1: the soak again, N times, against the same proxy)
#
# Topology, all on 127.0.0.1 (ports 17200-17299):
#   soak.py clients -> xmppscope proxy :17201 -> chaos relay :17202 -> Prosody :17203
# The chaos relay (scripts/soak/soak.py relay) cuts the upstream of the sessions planned for it.
# Needs root (Prosody's run_as_root, raising ulimit -n), prosody, openssl, python3.
# Everything it starts is stopped by PID. Exit status 0 when every check passed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(realpath "${1:-$REPO/.build/release/xmppscope}")
SESSIONS=${SOAK_SESSIONS:-1000}
SECONDS_RUN=${SOAK_SECONDS:-180}
SEED=${SOAK_SEED:-1}
PROXY_PORT=17201
RELAY_PORT=17202
PROSODY_PORT=17203
DOMAIN=xmppscope.test
PASSWORD=soak-password      # the same in soak.py
ACCOUNTS=20                 # soak0..soak19; sessions share them with distinct resources

WORK=${SOAK_OUT:-$(mktemp -d)}
mkdir -p "$WORK/data"
PROSODY_PID="" RELAY_PID="" PROXY_PID=""
log() { printf 'soak-proxy: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
stop_pid() {
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
    [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_pid "$PROXY_PID"; stop_pid "$RELAY_PID"; stop_pid "$PROSODY_PID"
    [[ -n ${SOAK_OUT:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -x $BIN ]] || die "no xmppscope binary at $BIN (swift build -c release)"
for tool in prosody prosodyctl openssl python3; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ $(id -u) -eq 0 ]] || die "run as root (Prosody's run_as_root, ulimit -n)"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $PROXY_PORT $RELAY_PORT $PROSODY_PORT; do port_open $port && die "port $port is in use"; done

# Each session holds a socket in the clients, two in the proxy, two in the relay and one in
# Prosody; every process started below inherits this. Raised to the hard limit (a container
# may refuse more than that: here 20000), which must leave room for 6 per session.
ulimit -n "$(ulimit -Hn)" || die "cannot raise ulimit -n to the hard limit $(ulimit -Hn)"
(( $(ulimit -n) >= 6 * SESSIONS + 200 )) || die "ulimit -n $(ulimit -n) is too low for $SESSIONS sessions"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>"$WORK/openssl.err" \
    || die "openssl: $(cat "$WORK/openssl.err")"

# STARTTLS offered, not required; PLAIN allowed in the clear. mod_limits is not loaded (no
# rate limits). c2s_timeout (default 300 s) would close the idle clients' unauthenticated
# sessions: raised. c2s_stanza_size_limit stays at its 256 KiB default (bodies are <= 55 KB).
# Logging at warn: debug logging for a thousand sessions would cost Prosody more than the load.
cat >"$WORK/prosody.cfg.lua" <<CONFIG
-- Throwaway soak server made by scripts/soak-proxy.sh.
run_as_root = true
data_path = "$WORK/data"
pidfile = "$WORK/prosody.pid"
certificates = "$WORK"
log = { warn = "$WORK/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "tls"; "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "s2s_auth_certs" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
c2s_timeout = 3600
ssl = { certificate = "$WORK/cert.pem"; key = "$WORK/key.pem" }
VirtualHost "$DOMAIN"
CONFIG
log "registering $ACCOUNTS accounts"
for ((i = 0; i < ACCOUNTS; i++)); do
    prosodyctl --config "$WORK/prosody.cfg.lua" register "soak$i" "$DOMAIN" "$PASSWORD" >>"$WORK/prosodyctl.log" 2>&1 \
        || die "registering soak$i: $(tail -3 "$WORK/prosodyctl.log")"
done
prosody --config "$WORK/prosody.cfg.lua" -F >"$WORK/prosody.out" 2>&1 &
PROSODY_PID=$!
for _ in $(seq 200); do port_open $PROSODY_PORT && break; kill -0 $PROSODY_PID 2>/dev/null || break; sleep 0.1; done
port_open $PROSODY_PORT || die "Prosody did not listen: $(tail -5 "$WORK/prosody.out" "$WORK/prosody.log" 2>/dev/null)"

python3 "$REPO/scripts/soak/soak.py" relay --listen $RELAY_PORT --upstream $PROSODY_PORT --seed "$SEED" \
    --seconds "$SECONDS_RUN" --events "$WORK/relay-events.jsonl" >"$WORK/relay.out" 2>&1 &
RELAY_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/relay.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$WORK/relay.out" || die "the chaos relay did not start: $(cat "$WORK/relay.out")"

"$BIN" ca export --pem "$WORK/ca.pem" --home "$WORK/home" >/dev/null || die "xmppscope ca export failed"
# The proxy's upstream is the relay; it verifies Prosody's certificate (through the relay, which
# does not touch TLS) against the throwaway certificate. The checks read the JSON Lines on
# standard output, which the proxy flushes after each batch of records; the --log file is
# flushed only when its 64 KiB buffer fills or the proxy stops, so it is compared with standard
# output after the proxy has stopped.
"$BIN" proxy --listen 127.0.0.1:$PROXY_PORT --upstream 127.0.0.1:$RELAY_PORT --upstream-ca "$WORK/cert.pem" \
    --home "$WORK/home" --json --log "$WORK/proxy-log.jsonl" >"$WORK/proxy.jsonl" 2>"$WORK/proxy.err" &
PROXY_PID=$!
for _ in $(seq 100); do grep -q relaying "$WORK/proxy.err" 2>/dev/null && break; sleep 0.1; done
grep -q relaying "$WORK/proxy.err" || die "the proxy did not listen: $(cat "$WORK/proxy.err")"
log "work folder $WORK; proxy pid $PROXY_PID, Prosody pid $PROSODY_PID, relay pid $RELAY_PID"

status=0
# SOAK_ROUNDS > 1 runs the whole soak again against the same proxy: each round's baseline is
# taken after its own warm-up, so RSS that grows round after round is a leak, and RSS that
# stays at the first round's level is memory the allocator keeps.
ROUNDS=${SOAK_ROUNDS:-1}
for ((round = 1; round <= ROUNDS; round++)); do
    ((ROUNDS > 1)) && echo "=== round $round of $ROUNDS ==="
    python3 "$REPO/scripts/soak/soak.py" run --port $PROXY_PORT --proxy-pid $PROXY_PID \
        --proxy-log "$WORK/proxy.jsonl" --proxy-err "$WORK/proxy.err" --ca "$WORK/ca.pem" \
        --relay-events "$WORK/relay-events.jsonl" --results "$WORK/results-$round.json" \
        --sessions "$SESSIONS" --seconds "$SECONDS_RUN" --seed "$SEED" \
        --warmup "${SOAK_WARMUP:-12}" --slow-rate "${SOAK_SLOW_RATE:-2048}" \
        --rss-tolerance-mb "${SOAK_RSS_TOLERANCE_MB:-64}" --log-file "$WORK/proxy-log.jsonl" || status=1
done

kill -0 $PROSODY_PID 2>/dev/null && echo "Prosody: still running" || { echo "Prosody: died during the run"; status=1; }
kill -0 $RELAY_PID 2>/dev/null || { echo "chaos relay: died during the run: $(tail -5 "$WORK/relay.out")"; status=1; }
if kill -0 $PROXY_PID 2>/dev/null; then
    stop_pid "$PROXY_PID"; PROXY_PID=""
    echo "proxy: stopped by SIGTERM at the end; stderr: $(wc -l <"$WORK/proxy.err") lines"
    if cmp -s "$WORK/proxy.jsonl" "$WORK/proxy-log.jsonl"; then
        echo "PASS  --log file after exit: identical to standard output ($(wc -l <"$WORK/proxy-log.jsonl") records)"
    else
        echo "FAIL  --log file after exit differs from standard output: $(wc -l <"$WORK/proxy-log.jsonl") vs $(wc -l <"$WORK/proxy.jsonl") lines"
        status=1
    fi
else
    echo "proxy: not running at the end"; status=1
fi
[[ -s $WORK/prosody.log ]] && echo "Prosody warnings/errors: $(wc -l <"$WORK/prosody.log") lines (in $WORK/prosody.log)"
exit $status
