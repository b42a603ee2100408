#!/usr/bin/env bash
# Make the sample captures in captures/ from real peers: a private Prosody on
# 127.0.0.1 and two slixmpp clients (scripts/peers/session.py), recorded with
# tcpdump on the loopback interface.
#
#   scripts/make-captures.sh [OUTDIR]      (default: <repo>/captures)
#
# Writes OUTDIR/c2s-plain.pcap (no TLS, SASL PLAIN: everything readable) and
# OUTDIR/c2s-starttls.pcap (STARTTLS with a throwaway self-signed certificate),
# each with a <name>.expect.json written by the clients. Without XMPPSCOPE_PROXY it
# also writes two key-logged TLS captures of the full scenario, each with the
# clients' TLS secrets (SSLKEYLOGFILE, NSS key log format) as <name>.keys:
# OUTDIR/c2s-starttls-keylog.* (STARTTLS) and OUTDIR/c2s-directtls-keylog.*
# (XEP-0368 direct TLS, Prosody's c2s_direct_tls_ports). Needs root (tcpdump,
# prosody's run_as_root), prosody, tcpdump, openssl, python3 with slixmpp.
#
# The bundled samples in captures/ were made by this script; to refresh only some of them,
# run it into a temporary OUTDIR and copy those files (c2s-plain.* and c2s-starttls.* are
# what the tests count on, so leave them alone unless a test is meant to change).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO/captures}
PYTHON=${PYTHON:-python3}
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
PLAIN_PORT=15222
TLS_PORT=15223
DIRECT_TLS_PORT=15224
SESSION_TIMEOUT=60   # seconds for one whole client scenario

WORK=$(mktemp -d)
PROSODY_PID=""
TCPDUMP_PID=""
PROXY_PID=""
CLIENT_TCPDUMP_PID=""

log() { printf 'make-captures: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"

cleanup() {
    stop_pid "$PROXY_PID"
    stop_pid "$CLIENT_TCPDUMP_PID"
    stop_pid "$TCPDUMP_PID"
    stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in prosody prosodyctl tcpdump openssl timeout "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo, prosody run_as_root)"
mkdir -p "$OUTDIR"

# write_config NAME PORT TLS(yes|no|direct): a Prosody config in $WORK/NAME.
write_config() {
    local dir=$WORK/$1 port=$2 tls=$3
    mkdir -p "$dir/data"
    local tls_module="" encryption="false" ssl_line="" plain_ports=$port direct_ports=""
    if [[ $tls == direct ]]; then
        plain_ports="" direct_ports=$port
    fi
    if [[ $tls != no ]]; then
        tls_module='"tls";'
        encryption="true"
        ssl_line="ssl = { certificate = \"$WORK/cert.pem\"; key = \"$WORK/key.pem\" }"
    fi
    cat >"$dir/prosody.cfg.lua" <<EOF
-- Throwaway test server made by scripts/make-captures.sh.
run_as_root = true
data_path = "$dir/data"
pidfile = "$dir/prosody.pid"
certificates = "$dir"
log = { debug = "$dir/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $plain_ports }
c2s_direct_tls_ports = { $direct_ports }
legacy_ssl_ports = { }
modules_enabled = { $tls_module "roster"; "saslauth"; "disco"; "ping"; "vcard"; "version" }
modules_disabled = { "s2s"; "s2s_auth_certs" }
authentication = "internal_hashed"
c2s_require_encryption = $encryption
allow_unencrypted_plain_auth = true
$ssl_line
VirtualHost "$DOMAIN"
EOF
    for user in alice bob; do
        prosodyctl --config "$dir/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" \
            >>"$dir/prosodyctl.log" 2>&1 || die "registering $user failed: $(cat "$dir/prosodyctl.log")"
    done
}

# capture NAME PORT TLS(yes|no) SCENARIO [session.py options]: capture_once, again (from a fresh
# server) when tcpdump lost packets — on a loaded machine the kernel can drop them, and a
# capture with holes would be blamed on the code under test. At most three attempts.
capture() {
    local attempt status
    for attempt in 1 2 3; do
        status=0
        capture_once "$@" || status=$?
        [[ $status -eq 0 ]] && return 0
        [[ $status -eq 75 ]] || exit "$status"
        log "$1: tcpdump dropped packets (attempt $attempt of 3); capturing again"
    done
    die "$1: tcpdump dropped packets in three attempts; the machine is too loaded to capture loopback"
}

# capture_once NAME PORT TLS(yes|no|direct) SCENARIO [session.py options]; returns 75 if tcpdump
# dropped packets. With CLIENT_KEYLOG=1 in its environment the clients log their TLS secrets to
# NAME.keys (Python's ssl.create_default_context, which slixmpp uses, honours SSLKEYLOGFILE).
capture_once() {
    local name=$1 port=$2 tls=$3 scenario=$4; shift 4
    local dir=$WORK/$name
    rm -rf "$dir"
    log "$name: Prosody on 127.0.0.1:$port (TLS: $tls), scenario $scenario"
    write_config "$name" "$port" "$tls"

    prosody --config "$dir/prosody.cfg.lua" -F >"$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    wait_listening "$PROSODY_PID" "$port" || die_with_log "$dir" "Prosody did not listen on $port"

    # --immediate-mode: otherwise packets wait in the kernel ring (~1 s) and are lost on kill.
    tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$dir/$name.pcap" "tcp port $port" 2>"$dir/tcpdump.err" &
    TCPDUMP_PID=$!
    wait_capturing "$dir/tcpdump.err" || die "tcpdump did not start: $(cat "$dir/tcpdump.err")"

    # With XMPPSCOPE_PROXY=path/to/xmppscope, the clients go through `xmppscope proxy` on
    # PORT+1000, and the client leg is recorded too, as NAME.client-leg.pcap, with the proxy's
    # own log as NAME.proxy.jsonl. The proxy runs with --check: its exit status at the stop (1
    # when its checks found an error) goes to NAME.proxy.status.
    local client_port=$port
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        client_port=$((port + 1000))
        tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$dir/$name.client-leg.pcap" "tcp port $client_port" 2>"$dir/tcpdump-client.err" &
        CLIENT_TCPDUMP_PID=$!
        wait_capturing "$dir/tcpdump-client.err" || die "tcpdump did not start: $(cat "$dir/tcpdump-client.err")"
        # XMPPSCOPE_PROXY_TLS: intercept (default) or passthrough. The CA lives in a throwaway home;
        # the server's self-signed certificate is what the proxy trusts upstream.
        # XMPPSCOPE_PROXY_TRUST=system leaves the proxy with the system store (the test server's
        # certificate then fails to verify; with XMPPSCOPE_CLIENT_MAY_FAIL=1 that is the test).
        local trust=() direct=() keylog=()
        [[ -f $WORK/cert.pem && ${XMPPSCOPE_PROXY_TRUST:-} != system ]] && trust=(--upstream-ca "$WORK/cert.pem")
        # Passthrough: the clients log their TLS secrets (NAME.client.keys) and the proxy decrypts
        # the sessions it relays untouched from that file as it grows.
        if [[ ${XMPPSCOPE_PROXY_TLS:-intercept} == passthrough && $tls != no ]]; then
            : >"$dir/$name.client.keys"
            keylog=(--keylog "$dir/$name.client.keys")
        fi
        [[ $tls == direct ]] && direct=(--direct-tls --server-name "$DOMAIN")
        # The TLS secrets of both legs, so tshark can decrypt them and compare (NAME.keys).
        SSLKEYLOGFILE="$dir/$name.keys" \
        "$XMPPSCOPE_PROXY" proxy --check --listen "127.0.0.1:$client_port" --upstream "127.0.0.1:$port" --json \
            --tls "${XMPPSCOPE_PROXY_TLS:-intercept}" --home "$WORK/xmppscope-home" "${trust[@]}" "${direct[@]}" "${keylog[@]}" \
            >"$dir/$name.proxy.jsonl" 2>"$dir/proxy.err" &
        PROXY_PID=$!
        # Wait for its notice, not with a test connection (which it would relay and log).
        for _ in $(seq 100); do grep -q relaying "$dir/proxy.err" 2>/dev/null && break; sleep 0.1; done
        grep -q relaying "$dir/proxy.err" || die "the proxy did not listen: $(cat "$dir/proxy.err")"
    fi

    local client_env=()
    [[ ${CLIENT_KEYLOG:-} == 1 ]] && client_env=(SSLKEYLOGFILE="$dir/$name.keys")
    [[ -f $dir/$name.client.keys ]] && client_env=(SSLKEYLOGFILE="$dir/$name.client.keys")
    timeout "$SESSION_TIMEOUT" env "${client_env[@]}" "$PYTHON" "$REPO/scripts/peers/session.py" \
        --domain "$DOMAIN" --port "$client_port" --password "$PASSWORD" \
        --scenario "$scenario" --out "$dir/$name.expect.json" "$@" \
        || [[ ${XMPPSCOPE_CLIENT_MAY_FAIL:-} == 1 ]] \
        || die_with_log "$dir" "$name: client scenario failed (exit $?)"
    [[ -f $dir/$name.expect.json ]] || echo '{"failed": true}' >"$dir/$name.expect.json"

    sleep 0.3   # let the last FIN/ACK reach the capture
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        local proxy_status=0
        wait "$PROXY_PID" || proxy_status=$?
        PROXY_PID=""
        echo "$proxy_status" >"$OUTDIR/$name.proxy.status"
        stop_pid "$CLIENT_TCPDUMP_PID"; CLIENT_TCPDUMP_PID=""
        mv "$dir/$name.client-leg.pcap" "$dir/$name.proxy.jsonl" "$OUTDIR/"
        mv "$dir/proxy.err" "$OUTDIR/$name.proxy.err"
        [[ -f $dir/$name.keys ]] && mv "$dir/$name.keys" "$OUTDIR/"
        [[ -f $dir/$name.client.keys ]] && mv "$dir/$name.client.keys" "$OUTDIR/"
    fi
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    stop_pid "$PROSODY_PID"; PROSODY_PID=""
    local dropped
    dropped=$(( $(dropped_by_kernel "$dir/tcpdump.err") + $( [[ -f $dir/tcpdump-client.err ]] && dropped_by_kernel "$dir/tcpdump-client.err" || echo 0) ))
    if [[ $dropped -gt 0 ]]; then
        log "$name: the kernel dropped $dropped packets before tcpdump saw them"
        return 75
    fi
    [[ $(stat -c %s "$dir/$name.pcap") -gt 24 ]] || die "$name: the capture holds no packets"
    if [[ ${CLIENT_KEYLOG:-} == 1 ]]; then
        # Two clients, each with its handshake and traffic secrets (TLS 1.3: five lines each).
        [[ $(grep -c '^CLIENT_TRAFFIC_SECRET_0 \|^CLIENT_RANDOM ' "$dir/$name.keys" 2>/dev/null) -ge 2 ]] \
            || die "$name: the clients wrote no TLS secrets to $name.keys (SSLKEYLOGFILE ignored?)"
        mv "$dir/$name.keys" "$OUTDIR/"
    fi
    mv "$dir/$name.pcap" "$dir/$name.expect.json" "$OUTDIR/"
    log "$name: wrote $OUTDIR/$name.pcap ($(stat -c %s "$OUTDIR/$name.pcap") bytes) and $name.expect.json"
}

for port in "$PLAIN_PORT" "$TLS_PORT" "$DIRECT_TLS_PORT"; do
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
done

capture c2s-plain "$PLAIN_PORT" no full

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>"$WORK/openssl.err" \
    || die "openssl: $(cat "$WORK/openssl.err")"
if [[ -n ${XMPPSCOPE_PROXY:-} && ${XMPPSCOPE_PROXY_TLS:-intercept} == intercept ]]; then
    # Through the intercepting proxy the clients check names against the xmppscope CA, as a
    # user's client would; the sample capture itself is made with a throwaway certificate.
    "$XMPPSCOPE_PROXY" ca export --pem "$WORK/xmppscope-ca.pem" --home "$WORK/xmppscope-home" >/dev/null \
        || die "xmppscope ca export failed"
    capture c2s-starttls "$TLS_PORT" yes short --ca-file "$WORK/xmppscope-ca.pem"
    # Direct TLS (XEP-0368) exists only through the proxy: its server leg is all TLS.
    capture c2s-directtls "$DIRECT_TLS_PORT" direct full --direct-tls --big-body --ca-file "$WORK/xmppscope-ca.pem"
else
    capture c2s-starttls "$TLS_PORT" yes short --trust-any-cert
    if [[ -z ${XMPPSCOPE_PROXY:-} ]]; then
        # Key-logged TLS: the full scenario (the stanzas of c2s-plain), once over STARTTLS and once
        # over direct TLS, the clients writing their secrets so the captures can be decrypted.
        CLIENT_KEYLOG=1 capture c2s-starttls-keylog "$TLS_PORT" yes full --trust-any-cert
        CLIENT_KEYLOG=1 capture c2s-directtls-keylog "$DIRECT_TLS_PORT" direct full --direct-tls --trust-any-cert
    fi
fi
