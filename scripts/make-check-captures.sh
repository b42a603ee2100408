#!/usr/bin/env bash
# Make the capture that proves the protocol checks against a real server: a private Prosody on
# 127.0.0.1 and a deliberately misbehaving raw client (scripts/peers/misbehave.py) with a
# well-behaved peer, recorded with tcpdump on the loopback interface.
#
#   scripts/make-check-captures.sh [OUTDIR]      (default: <repo>/captures)
#
# Writes OUTDIR/c2s-misbehaving.pcap and OUTDIR/c2s-misbehaving.expect-findings.tsv (the findings
# the client knows it caused, written by the client) and prints Prosody's reaction to each broken
# rule. No TLS: the server allows SASL PLAIN on the plain stream, so everything is readable (and
# sasl-plain-unencrypted is one of the rules broken). Needs root (tcpdump, prosody's
# run_as_root), prosody, prosodyctl, tcpdump, python3. Takes a few seconds; bounded by 60 s.
#
# With XMPPSCOPE_PROXY=path/to/xmppscope the clients go through `xmppscope proxy --check` on
# 127.0.0.1:15401 (TLS passthrough: the stream is plain anyway); its log goes to
# OUTDIR/c2s-misbehaving.proxy.jsonl, its standard error to .proxy.err and its exit status at the
# stop (1 when its checks found an error) to .proxy.status.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO/captures}
PYTHON=${PYTHON:-python3}
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
PORT=15400            # not used by the other scripts (grep 15[0-9][0-9][0-9] scripts/)
PROXY_PORT=15401      # the proxy's, with XMPPSCOPE_PROXY
NAME=c2s-misbehaving
CLIENT_TIMEOUT=45     # seconds for the whole client scenario

WORK=$(mktemp -d)
PROSODY_PID=""
TCPDUMP_PID=""
PROXY_PID=""

log() { printf 'make-check-captures: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"

cleanup() {
    stop_pid "$PROXY_PID"
    stop_pid "$TCPDUMP_PID"
    stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in prosody prosodyctl tcpdump timeout "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo, prosody run_as_root)"
mkdir -p "$OUTDIR"

port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use"

# A Prosody config in DIR: plain TCP only, PLAIN allowed without TLS, three accounts.
write_config() {
    local dir=$1
    mkdir -p "$dir/data"
    cat >"$dir/prosody.cfg.lua" <<EOF
-- Throwaway test server made by scripts/make-check-captures.sh.
run_as_root = true
data_path = "$dir/data"
pidfile = "$dir/prosody.pid"
log = { debug = "$dir/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "version" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "offline"; "tls" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
VirtualHost "$DOMAIN"
EOF
    local user
    for user in alice bob carol; do
        prosodyctl --config "$dir/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" \
            >>"$dir/prosodyctl.log" 2>&1 || die "registering $user failed: $(cat "$dir/prosodyctl.log")"
    done
}

# capture_once: one run from a fresh server; returns 75 when tcpdump lost packets.
capture_once() {
    local dir=$WORK/run
    rm -rf "$dir"
    write_config "$dir"
    prosody --config "$dir/prosody.cfg.lua" -F >"$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    wait_listening "$PROSODY_PID" "$PORT" || die_with_log "$dir" "Prosody did not listen on $PORT"

    # --immediate-mode: otherwise packets wait in the kernel ring (~1 s) and are lost on kill.
    tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$dir/$NAME.pcap" "tcp port $PORT" 2>"$dir/tcpdump.err" &
    TCPDUMP_PID=$!
    wait_capturing "$dir/tcpdump.err" || die "tcpdump did not start: $(cat "$dir/tcpdump.err")"

    local client_port=$PORT
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        client_port=$PROXY_PORT
        "$XMPPSCOPE_PROXY" proxy --check --tls passthrough --listen "127.0.0.1:$PROXY_PORT" --upstream "127.0.0.1:$PORT" \
            --json >"$dir/$NAME.proxy.jsonl" 2>"$dir/$NAME.proxy.err" &
        PROXY_PID=$!
        # Wait for its notice, not with a test connection (which it would relay and log).
        for _ in $(seq 100); do grep -q relaying "$dir/$NAME.proxy.err" 2>/dev/null && break; sleep 0.1; done
        grep -q relaying "$dir/$NAME.proxy.err" || die "the proxy did not listen: $(cat "$dir/$NAME.proxy.err")"
    fi
    timeout "$CLIENT_TIMEOUT" "$PYTHON" "$REPO/scripts/peers/misbehave.py" \
        --domain "$DOMAIN" --port "$client_port" --password "$PASSWORD" \
        --out "$dir/$NAME.expect-findings.tsv" 2>"$dir/client.log" \
        || { cat "$dir/client.log" >&2; die_with_log "$dir" "the misbehaving client failed (exit $?)"; }

    sleep 0.3   # let the last FIN/ACK reach the capture
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        local proxy_status=0
        wait "$PROXY_PID" || proxy_status=$?
        PROXY_PID=""
        echo "$proxy_status" >"$dir/$NAME.proxy.status"
        mv "$dir/$NAME.proxy.jsonl" "$dir/$NAME.proxy.err" "$dir/$NAME.proxy.status" "$OUTDIR/"
    fi
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    stop_pid "$PROSODY_PID"; PROSODY_PID=""
    local dropped
    dropped=$(dropped_by_kernel "$dir/tcpdump.err")
    if [[ $dropped -gt 0 ]]; then
        log "the kernel dropped $dropped packets before tcpdump saw them"
        return 75
    fi
    [[ $(stat -c %s "$dir/$NAME.pcap") -gt 24 ]] || die "the capture holds no packets"
    # What Prosody did about each broken rule (the client's summary).
    sed -n '/^server reactions:/,$p' "$dir/client.log" >&2
    [[ -n ${KEEP_CLIENT_LOG:-} ]] && cp "$dir/client.log" "$KEEP_CLIENT_LOG"
    mv "$dir/$NAME.pcap" "$dir/$NAME.expect-findings.tsv" "$OUTDIR/"
    log "wrote $OUTDIR/$NAME.pcap ($(stat -c %s "$OUTDIR/$NAME.pcap") bytes) and $NAME.expect-findings.tsv"
}

# On a loaded machine the kernel can drop loopback packets; a capture with holes would be blamed
# on the code under test, so capture again (at most three attempts).
for attempt in 1 2 3; do
    status=0
    capture_once || status=$?
    [[ $status -eq 0 ]] && exit 0
    [[ $status -eq 75 ]] || exit "$status"
    log "tcpdump dropped packets (attempt $attempt of 3); capturing again"
done
die "tcpdump dropped packets in three attempts; the machine is too loaded to capture loopback"
