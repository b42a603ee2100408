#!/usr/bin/env bash
# A private Prosody with mod_websocket and mod_bosh on a loopback HTTP port, for the web proxy's
# tests (Tests/XMPPProxyTests/WebProsodyTests.swift) and Benchmarks/web-proxy/run.sh.
#
#   scripts/peers/web-prosody.sh start DIR PORT   # config, accounts alice and bob, server in the background
#   scripts/peers/web-prosody.sh stop DIR         # stops the server it started (by the PID in DIR/server.pid)
#
# WebSocket at ws://127.0.0.1:PORT/xmpp-websocket, BOSH at http://127.0.0.1:PORT/http-bind, domain
# xmppscope.test, password xmppscope-test-password, plaintext (SASL PLAIN allowed). Waits at most
# 20 s for the port; exits non-zero, with the end of Prosody's log, when it does not come up.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
log() { printf 'web-prosody: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"

command=${1:?usage: web-prosody.sh start DIR PORT | stop DIR}
DIR=${2:?usage: web-prosody.sh start DIR PORT | stop DIR}

case $command in
start)
    PORT=${3:?usage: web-prosody.sh start DIR PORT}
    for tool in prosody prosodyctl; do command -v "$tool" >/dev/null || die "$tool not found (apt-get install prosody)"; done
    for module in websocket bosh; do
        [[ -e /usr/lib/prosody/modules/mod_$module.lua ]] || die "Prosody's mod_$module is not installed"
    done
    port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use"
    mkdir -p "$DIR/data"
    cat >"$DIR/prosody.cfg.lua" <<CFG
-- Throwaway web test server made by scripts/peers/web-prosody.sh.
run_as_root = true
data_path = "$DIR/data"
pidfile = "$DIR/prosody.pid"
log = { info = "$DIR/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
http_ports = { $PORT }
http_interfaces = { "127.0.0.1" }
https_ports = { }
http_default_host = "$DOMAIN"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "websocket"; "bosh" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "tls" }
consider_websocket_secure = true
consider_bosh_secure = true
cross_domain_websocket = true
cross_domain_bosh = true
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
limits = { }
VirtualHost "$DOMAIN"
CFG
    for user in alice bob; do
        prosodyctl --config "$DIR/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" >>"$DIR/prosodyctl.log" 2>&1 \
            || die "registering $user failed: $(cat "$DIR/prosodyctl.log")"
    done
    # A test process (a Swift test on NIO threads) may start us with signals blocked, which the
    # server would inherit and then never see SIGTERM, and with descriptors open (Foundation's
    # Process watches one to see its child exit): clear the mask and close them before exec'ing it.
    python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])' \
        prosody --config "$DIR/prosody.cfg.lua" -F >"$DIR/prosody.out" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$DIR/server.pid"
    wait_listening "$pid" "$PORT" || die_with_log "$DIR" "Prosody did not listen on $PORT"
    log "Prosody (pid $pid) serves ws://127.0.0.1:$PORT/xmpp-websocket and http://127.0.0.1:$PORT/http-bind"
    ;;
stop)
    [[ -s $DIR/server.pid ]] || exit 0
    pid=$(cat "$DIR/server.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            log "Prosody (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$DIR/server.pid"
    ;;
*)
    die "unknown command $command: start or stop"
    ;;
esac
