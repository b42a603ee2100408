#!/usr/bin/env bash
# Channel binding through the intercepting proxy, against a real server that offers it: a
# private Prosody on 127.0.0.1 limited to TLS 1.2 (where Prosody 0.12 offers SCRAM-SHA-1-PLUS,
# tls-unique), `xmppscope proxy` in front of it, and two real clients:
#   - openssl s_client does STARTTLS through the proxy and reads the features the client gets;
#   - slixmpp logs in with SCRAM-SHA-1, which signals channel-binding support (GS2 'y') and so
#     fails against a server that offered -PLUS: the proxy must explain why.
#
#   scripts/proxy-channel-binding.sh XMPPSCOPE_BINARY OUTDIR
#
# Writes OUTDIR/features.xml (what the client was offered after TLS), OUTDIR/proxy.jsonl,
# OUTDIR/proxy.err and OUTDIR/scram.out. Everything it starts is stopped by PID.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(realpath "$1")
OUT=$2
PORT=15290
PROXY_PORT=16290
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
WORK=$(mktemp -d)
PROSODY_PID="" PROXY_PID=""
stop_pid() { [[ -n $1 ]] && kill "$1" 2>/dev/null; [[ -n $1 ]] && wait "$1" 2>/dev/null || true; }
cleanup() { stop_pid "$PROXY_PID"; stop_pid "$PROSODY_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$OUT" "$WORK/data"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat >"$WORK/prosody.cfg.lua" <<CONFIG
run_as_root = true
data_path = "$WORK/data"
pidfile = "$WORK/prosody.pid"
certificates = "$WORK"
log = { debug = "$WORK/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "tls"; "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "s2s_auth_certs" }
authentication = "internal_hashed"
c2s_require_encryption = true
ssl = { certificate = "$WORK/cert.pem"; key = "$WORK/key.pem"; protocol = "tlsv1_2" }
VirtualHost "$DOMAIN"
CONFIG
for user in alice bob; do prosodyctl --config "$WORK/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" >/dev/null 2>&1; done
prosody --config "$WORK/prosody.cfg.lua" -F >"$WORK/prosody.out" 2>&1 &
PROSODY_PID=$!
for _ in $(seq 100); do port_open $PORT && break; sleep 0.1; done

"$BIN" ca export --pem "$WORK/ca.pem" --home "$WORK/home" >/dev/null
"$BIN" proxy --listen 127.0.0.1:$PROXY_PORT --upstream 127.0.0.1:$PORT --upstream-ca "$WORK/cert.pem" \
    --home "$WORK/home" --json >"$OUT/proxy.jsonl" 2>"$OUT/proxy.err" &
PROXY_PID=$!
for _ in $(seq 100); do grep -q relaying "$OUT/proxy.err" 2>/dev/null && break; sleep 0.1; done

# STARTTLS by OpenSSL, verifying the proxy's certificate against the xmppscope CA, then a new
# stream: the features it receives are the edited ones.
{ printf "<stream:stream to='%s' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" "$DOMAIN"; sleep 2; } |
    timeout 5 openssl s_client -quiet -CAfile "$WORK/ca.pem" -verify_return_error -verify_hostname "$DOMAIN" \
        -starttls xmpp -xmpphost "$DOMAIN" -connect 127.0.0.1:$PROXY_PORT 2>/dev/null >"$OUT/features.xml" || true

# SCRAM-SHA-1 from a client that supports channel binding: expected to fail, with advice.
timeout 30 python3 "$REPO/scripts/peers/session.py" --domain "$DOMAIN" --port $PROXY_PORT --password "$PASSWORD" \
    --scenario short --ca-file "$WORK/ca.pem" --sasl SCRAM-SHA-1 --out "$WORK/scram.json" >"$OUT/scram.out" 2>&1 || true
sleep 0.3
stop_pid "$PROXY_PID"; PROXY_PID=""

# Through --tls passthrough with the client's key log: TLS is untouched, so SCRAM-SHA-1-PLUS
# (tls-unique) succeeds, and the session decrypted live shows the binding checked as matching; a
# client that sends a wrong binding fails, and the log says the binding was the cause.
# Writes OUTDIR/passthrough-{plus,wrong}.{jsonl,err,out,json,keys}.
PASS_PORT=16291
for run in plus wrong; do
    : >"$WORK/$run.keys"
    "$BIN" proxy --listen 127.0.0.1:$PASS_PORT --upstream 127.0.0.1:$PORT --tls passthrough --keylog "$WORK/$run.keys" \
        --json >"$OUT/passthrough-$run.jsonl" 2>"$OUT/passthrough-$run.err" &
    PROXY_PID=$!
    for _ in $(seq 100); do grep -q relaying "$OUT/passthrough-$run.err" 2>/dev/null && break; sleep 0.1; done
    wrong=()
    [[ $run == wrong ]] && wrong=(--wrong-channel-binding)
    SSLKEYLOGFILE="$WORK/$run.keys" timeout 30 python3 "$REPO/scripts/peers/session.py" --domain "$DOMAIN" \
        --port $PASS_PORT --password "$PASSWORD" --scenario short --trust-any-cert --sasl SCRAM-SHA-1-PLUS \
        "${wrong[@]}" --out "$OUT/passthrough-$run.json" >"$OUT/passthrough-$run.out" 2>&1 || true
    sleep 0.3
    stop_pid "$PROXY_PID"; PROXY_PID=""
    cp "$WORK/$run.keys" "$OUT/passthrough-$run.keys"
done
