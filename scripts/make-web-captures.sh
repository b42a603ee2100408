#!/usr/bin/env bash
# Make the web-client captures in captures/ from real peers on 127.0.0.1: a private Prosody 0.12
# (mod_websocket, mod_bosh on its HTTP and HTTPS ports, c2s on TCP), Strophe.js (Debian's
# libjs-strophe) in headless Chromium on a page this script serves (scripts/peers/web/), and bob,
# a slixmpp client over TCP c2s (scripts/peers/web/bob_echo.py), recorded with tcpdump on lo.
#
#   scripts/make-web-captures.sh [OUTDIR]      (default: <repo>/captures)
#
# Each Strophe session: log in as alice@localhost (SCRAM-SHA-1), roster get, disco#info to the
# server, a vCard get to bob (Prosody 0.12 answers item-not-found: bob has no vCard), a chat
# message to bob, bob's answer, logout. The capture holds the web port AND bob's c2s port (a
# mixed-transport capture), not the page server's. Writes, in OUTDIR:
#   web-websocket.pcap       ws:// to mod_websocket
#   web-bosh.pcap            BOSH, http://…/http-bind
#   web-wss.pcap + .keys     wss:// (Prosody https_ports, self-signed loopback certificate;
#                            Chromium's TLS secrets from SSLKEYLOGFILE)
#   web-https-bosh.pcap + .keys   BOSH over https://
#   web-deflate.pcap         ws:// with permessage-deflate, context takeover, to the bridge
#                            scripts/peers/ws_deflate_bridge.py (Prosody does not do deflate),
#                            which relays to mod_websocket; only the browser's leg is captured
#   web-deflate-nocontext.pcap   the same with client and server no_context_takeover
#   web-failures.pcap + web-failures.expect.tsv   the attempts a user must see: a WebSocket
#                            upgrade to a wrong path (404), one without protocol xmpp (Prosody:
#                            501), one with an Origin the server refuses (403, from the bridge:
#                            Prosody 0.12 accepts any Origin, its cross_domain_websocket option is
#                            deprecated and ignored), a BOSH POST to a wrong path (404)
# and beside each Strophe capture NAME.strophe.jsonl, Strophe's own raw log
# (rawInput/rawOutput), one {"dir":"c2s"|"s2c","t":ms since the epoch,"raw":"…"} a line.
#
# With XMPPSCOPE_PROXY=path/to/xmppscope the page talks to `xmppscope proxy --websocket` (or
# `--bosh`) on 127.0.0.1:15505 instead, which relays to the same upstream; the client leg is
# recorded too (NAME.client-leg.pcap), the proxy's log goes to NAME.proxy.jsonl (its standard
# error to NAME.proxy.err, its exit status to NAME.proxy.status), and scripts/web-compare.py
# checks that the log holds every stanza of NAME.strophe.jsonl, both ways, paired. The page always
# speaks plain ws:// or http:// to the proxy; for web-wss and web-https-bosh the proxy speaks TLS
# upstream (--upstream-ca with the test certificate) and NAME.keys holds the proxy's secrets
# (SSLKEYLOGFILE in its environment). web-failures is not made in this mode.
#
# With XMPPSCOPE_CAPTURE=path/to/xmppscope (and no proxy), `xmppscope capture -i lo` runs beside
# tcpdump during each plaintext session (ws://, BOSH, the deflate bridge), its --json output goes to
# NAME.live.jsonl, and scripts/web-compare.py checks that it holds every stanza of
# NAME.strophe.jsonl, both ways, paired: web traffic decoded live, not only replayed.
#
# WEB_CAPTURES="web-bosh web-failures" makes only those (default: all).
#
# Needs root (tcpdump, prosody's run_as_root), prosody, prosodyctl, tcpdump, openssl, curl,
# chromium, libjs-strophe, python3 with slixmpp and websockets (scripts/install-deps.sh).
# Ports 15500–15509 on 127.0.0.1. Takes about a minute; every wait is bounded.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO/captures}
PYTHON=${PYTHON:-python3}
CHROMIUM=${CHROMIUM:-chromium}
STROPHE=${STROPHE:-/usr/share/javascript/strophe/strophe.js}
DOMAIN=localhost
PASSWORD=xmppscope-web-password
HTTP_PORT=15500       # Prosody: mod_websocket and mod_bosh, plain HTTP
HTTPS_PORT=15501      # Prosody: the same over TLS
C2S_PORT=15502        # Prosody: TCP c2s, for bob
BRIDGE_PORT=15503     # ws_deflate_bridge.py
PAGE_PORT=15504       # the page server (never captured)
PROXY_PORT=15505      # xmppscope proxy, with XMPPSCOPE_PROXY
SESSION_TIMEOUT=30    # seconds for one whole Strophe scenario

WORK=$(mktemp -d)
REPORTS=$WORK/reports
PROSODY_PID=""
PAGE_PID=""
BRIDGE_PID=""
BOB_PID=""
CHROMIUM_PID=""
TCPDUMP_PID=""
CLIENT_TCPDUMP_PID=""
PROXY_PID=""
LIVE_PID=""

log() { printf 'make-web-captures: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"

cleanup() {
    stop_group "$CHROMIUM_PID"
    stop_pid "$PROXY_PID"
    stop_pid "$LIVE_PID"
    stop_pid "$BOB_PID"
    stop_pid "$CLIENT_TCPDUMP_PID"
    stop_pid "$TCPDUMP_PID"
    stop_pid "$BRIDGE_PID"
    stop_pid "$PAGE_PID"
    stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in prosody prosodyctl tcpdump openssl curl timeout setsid "$CHROMIUM" "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -f $STROPHE ]] || die "$STROPHE not found (apt-get install libjs-strophe)"
"$PYTHON" -c 'import slixmpp, websockets' 2>/dev/null || die "$PYTHON lacks slixmpp or websockets (scripts/install-deps.sh)"
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo, prosody run_as_root)"
for port in $(seq 15500 15509); do
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
done
mkdir -p "$OUTDIR" "$REPORTS"

# fail_with_logs NAME MESSAGE: fail, showing what each peer of capture NAME said.
fail_with_logs() {
    local dir=$WORK/$1; shift
    log "error: $*"
    local file
    for file in "$dir"/bob.err "$dir"/chromium.err "$dir"/bridge.err "$dir"/proxy.err "$WORK"/page.err; do
        [[ -s $file ]] || continue
        printf -- '--- %s (last lines)\n' "${file#"$WORK"/}" >&2
        # Chromium's stderr is noisy (D-Bus, sandbox): keep the page's console.
        if [[ $file == */chromium.err ]]; then
            grep -F 'CONSOLE' "$file" | tail -n 25 >&2 || true
        else
            tail -n 25 "$file" >&2
        fi
    done
    die_with_log "$WORK/prosody" "$*"
}

# A throwaway certificate for 127.0.0.1 / localhost (Chromium ignores its errors).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN,IP:127.0.0.1" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>"$WORK/openssl.err" \
    || die "openssl: $(cat "$WORK/openssl.err")"

# One Prosody for every capture: the scenario changes no server state the next one sees.
PROSODY_DIR=$WORK/prosody
mkdir -p "$PROSODY_DIR/data"
cat >"$PROSODY_DIR/prosody.cfg.lua" <<EOF
-- Throwaway test server made by scripts/make-web-captures.sh.
run_as_root = true
data_path = "$PROSODY_DIR/data"
pidfile = "$PROSODY_DIR/prosody.pid"
log = { debug = "$PROSODY_DIR/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
http_ports = { $HTTP_PORT }
http_interfaces = { "127.0.0.1" }
https_ports = { $HTTPS_PORT }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = "$WORK/cert.pem"; key = "$WORK/key.pem" }
http_default_host = "$DOMAIN"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "vcard"; "websocket"; "bosh" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "tls"; "offline" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
consider_bosh_secure = true
VirtualHost "$DOMAIN"
EOF
for user in alice bob; do
    prosodyctl --config "$PROSODY_DIR/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" \
        >>"$PROSODY_DIR/prosodyctl.log" 2>&1 || die "registering $user failed: $(cat "$PROSODY_DIR/prosodyctl.log")"
done
prosody --config "$PROSODY_DIR/prosody.cfg.lua" -F >"$PROSODY_DIR/prosody.out" 2>&1 &
PROSODY_PID=$!
for port in "$C2S_PORT" "$HTTP_PORT" "$HTTPS_PORT"; do
    wait_listening "$PROSODY_PID" "$port" || die_with_log "$PROSODY_DIR" "Prosody did not listen on $port"
done

XMPP_PASSWORD=$PASSWORD "$PYTHON" "$REPO/scripts/peers/web/page_server.py" --port "$PAGE_PORT" \
    --strophe "$STROPHE" --outdir "$REPORTS" --jid "alice@$DOMAIN" --peer "bob@$DOMAIN" \
    2>"$WORK/page.err" &
PAGE_PID=$!
wait_notice "$WORK/page.err" "serving on" "$PAGE_PID" || die "the page server did not start: $(cat "$WORK/page.err")"

# start_tcpdump FILE ERRFILE PORT...: capture those TCP ports on lo into FILE; sets TCPDUMP_STARTED.
# --immediate-mode: otherwise packets wait in the kernel ring (~1 s) and are lost on kill.
start_tcpdump() {
    local file=$1 err=$2; shift 2
    local filter="tcp port $1" port
    shift
    for port in "$@"; do filter+=" or tcp port $port"; done
    tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$file" "$filter" 2>"$err" &
    TCPDUMP_STARTED=$!
    wait_capturing "$err" || die "tcpdump did not start: $(cat "$err")"
}

# start_bridge NAME MODE [--origin ORIGIN]: the permessage-deflate bridge in front of mod_websocket.
start_bridge() {
    local name=$1 mode=$2; shift 2
    "$PYTHON" "$REPO/scripts/peers/ws_deflate_bridge.py" --port "$BRIDGE_PORT" --mode "$mode" \
        --upstream "ws://127.0.0.1:$HTTP_PORT/xmpp-websocket" "$@" 2>"$WORK/$name/bridge.err" &
    BRIDGE_PID=$!
    wait_notice "$WORK/$name/bridge.err" "listening on" "$BRIDGE_PID" \
        || fail_with_logs "$name" "the deflate bridge did not start"
}

# start_proxy NAME KIND UPSTREAM KEYLOG: xmppscope proxy --websocket|--bosh on PROXY_PORT
# (XMPPSCOPE_PROXY). Upstream wss:// and https:// trust the test certificate; with KEYLOG=keylog the
# proxy writes its upstream TLS secrets to NAME.keys (the page speaks plain ws/http to the proxy).
start_proxy() {
    local name=$1 kind=$2 upstream=$3 keylog=$4 dir=$WORK/$1
    local trust=() proxy_env=()
    [[ $upstream == wss://* || $upstream == https://* ]] && trust=(--upstream-ca "$WORK/cert.pem")
    [[ $keylog == keylog ]] && proxy_env=(SSLKEYLOGFILE="$dir/$name.keys")
    env "${proxy_env[@]}" "$XMPPSCOPE_PROXY" proxy "--$kind" --listen "127.0.0.1:$PROXY_PORT" --upstream "$upstream" \
        --json --log "$dir/$name.proxy.jsonl" --home "$WORK/xmppscope-home" "${trust[@]}" \
        >"$dir/proxy.out" 2>"$dir/proxy.err" &
    PROXY_PID=$!
    # Wait for its notice, not with a test connection (which it would relay and log).
    wait_notice "$dir/proxy.err" "relaying|listening" "$PROXY_PID" \
        || fail_with_logs "$name" "the proxy did not listen on $PROXY_PORT"
}

# strophe_once NAME KIND URL WEB_PORT [keylog] [bridge MODE]: one Strophe session captured;
# returns 75 when tcpdump (or the live capture) dropped packets. KIND (websocket|bosh) picks the proxy mode.
strophe_once() {
    local name=$1 kind=$2 url=$3 web_port=$4 keylog=${5:-} bridge_mode=${6:-}
    local dir=$WORK/$name
    rm -rf "$dir" "$REPORTS/$name.result" "$REPORTS/$name.strophe.jsonl"
    mkdir -p "$dir"
    log "$name: Strophe.js over $url"
    [[ -n $bridge_mode ]] && start_bridge "$name" "$bridge_mode"

    start_tcpdump "$dir/$name.pcap" "$dir/tcpdump.err" "$web_port" "$C2S_PORT"
    TCPDUMP_PID=$TCPDUMP_STARTED
    local live=""
    if [[ -n ${XMPPSCOPE_CAPTURE:-} && -z ${XMPPSCOPE_PROXY:-} && -z $keylog ]]; then
        live=$dir/$name.live.jsonl
        "$XMPPSCOPE_CAPTURE" capture -i lo --capture-filter "tcp port $web_port or tcp port $C2S_PORT" --json \
            >"$live" 2>"$dir/live.err" &
        LIVE_PID=$!
        wait_notice "$dir/live.err" "capturing on" "$LIVE_PID" || fail_with_logs "$name" "xmppscope capture did not start"
    fi

    local page_url=$url
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        # The page speaks plain ws:// or http:// to the proxy; the proxy speaks URL's scheme upstream.
        local path=${url#*://*/}
        case $url in
            ws://*|wss://*) page_url="ws://127.0.0.1:$PROXY_PORT/$path" ;;
            *) page_url="http://127.0.0.1:$PROXY_PORT/$path" ;;
        esac
        start_tcpdump "$dir/$name.client-leg.pcap" "$dir/tcpdump-client.err" "$PROXY_PORT"
        CLIENT_TCPDUMP_PID=$TCPDUMP_STARTED
        start_proxy "$name" "$kind" "$url" "$keylog"
    fi

    : >"$dir/bob.err"
    XMPP_PASSWORD=$PASSWORD "$PYTHON" "$REPO/scripts/peers/web/bob_echo.py" --jid "bob@$DOMAIN" \
        --port "$C2S_PORT" --peer "alice@$DOMAIN" --ready "$dir/bob.ready" --timeout "$SESSION_TIMEOUT" \
        2>"$dir/bob.err" &
    BOB_PID=$!
    wait_file "$dir/bob.ready" "$BOB_PID" 20 || fail_with_logs "$name" "bob did not come online"

    local chromium_env=()
    [[ $keylog == keylog && -z ${XMPPSCOPE_PROXY:-} ]] && chromium_env=(SSLKEYLOGFILE="$dir/$name.keys")
    # Its own process group, so that stop_group ends its helpers too. Google's background
    # services die on the dead proxy 127.0.0.1:9 (loopback itself is never proxied).
    env "${chromium_env[@]}" setsid "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
        --user-data-dir="$dir/chromium-profile" --proxy-server=127.0.0.1:9 \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --ignore-certificate-errors --enable-logging=stderr --v=0 \
        "http://127.0.0.1:$PAGE_PORT/client.html?name=$name&service=$page_url" \
        >"$dir/chromium.out" 2>"$dir/chromium.err" &
    CHROMIUM_PID=$!

    wait_file "$REPORTS/$name.result" "$CHROMIUM_PID" "$SESSION_TIMEOUT" \
        || fail_with_logs "$name" "the page sent no report within ${SESSION_TIMEOUT}s"
    local result
    result=$(cat "$REPORTS/$name.result")
    [[ $result == ok ]] || fail_with_logs "$name" "the Strophe scenario $result"
    local bob_status=0
    timeout 15 tail --pid="$BOB_PID" -f /dev/null || fail_with_logs "$name" "bob did not log out"
    wait "$BOB_PID" || bob_status=$?
    BOB_PID=""
    [[ $bob_status -eq 0 ]] || fail_with_logs "$name" "bob failed (exit $bob_status)"

    sleep 0.3   # let the last FIN/ACK reach the capture
    stop_group "$CHROMIUM_PID"; CHROMIUM_PID=""
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        local proxy_status=0
        wait "$PROXY_PID" || proxy_status=$?
        PROXY_PID=""
        echo "$proxy_status" >"$dir/$name.proxy.status"
        cp "$dir/proxy.err" "$dir/$name.proxy.err"
        stop_pid "$CLIENT_TCPDUMP_PID"; CLIENT_TCPDUMP_PID=""
    fi
    if [[ -n $live ]]; then
        kill -INT "$LIVE_PID" 2>/dev/null || true
        local live_status=0
        wait "$LIVE_PID" || live_status=$?
        LIVE_PID=""
        [[ $live_status -eq 0 ]] || fail_with_logs "$name" "xmppscope capture exited $live_status: $(tail -3 "$dir/live.err")"
    fi
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    stop_pid "$BRIDGE_PID"; BRIDGE_PID=""
    local dropped
    dropped=$(( $(dropped_by_kernel "$dir/tcpdump.err") + $( [[ -f $dir/tcpdump-client.err ]] && dropped_by_kernel "$dir/tcpdump-client.err" || echo 0) ))
    if [[ $dropped -gt 0 ]]; then
        log "$name: the kernel dropped $dropped packets before tcpdump saw them"
        return 75
    fi
    if [[ -n $live ]]; then
        # libpcap's counts, printed by the capture at its end; a loaded machine can outrun it.
        local live_dropped
        live_dropped=$(sed -n 's/.*libpcap: [0-9]* packets received by the filter, \([0-9]*\) dropped by the kernel.*/\1/p' "$dir/live.err" | tail -n 1)
        [[ -n $live_dropped ]] || fail_with_logs "$name" "xmppscope capture printed no libpcap counts at its end"
        if [[ $live_dropped -gt 0 ]]; then
            log "$name: the kernel dropped $live_dropped packets before xmppscope capture read them"
            return 75
        fi
    fi
    [[ $(stat -c %s "$dir/$name.pcap") -gt 24 ]] || fail_with_logs "$name" "the capture holds no packets"
    if [[ $keylog == keylog ]]; then
        # TLS 1.3 (CLIENT_TRAFFIC_SECRET_0) or TLS 1.2 (CLIENT_RANDOM): the session's secrets.
        [[ $(grep -c '^CLIENT_TRAFFIC_SECRET_0 \|^CLIENT_RANDOM ' "$dir/$name.keys" 2>/dev/null) -ge 1 ]] \
            || fail_with_logs "$name" "no TLS secrets in $name.keys (Chromium's, or the proxy's: SSLKEYLOGFILE ignored?)"
        mv "$dir/$name.keys" "$OUTDIR/"
    fi
    mv "$dir/$name.pcap" "$REPORTS/$name.strophe.jsonl" "$OUTDIR/"
    log "$name: wrote $name.pcap ($(stat -c %s "$OUTDIR/$name.pcap") bytes), $name.strophe.jsonl ($(wc -l <"$OUTDIR/$name.strophe.jsonl") lines)"
    if [[ -n $live ]]; then
        mv "$live" "$OUTDIR/"
        "$PYTHON" "$REPO/scripts/web-compare.py" "$OUTDIR/$name.live.jsonl" "$OUTDIR/$name.strophe.jsonl" >&2 \
            || die "$name: the live capture's log misses part of Strophe's raw log (above)"
    fi
    if [[ -n ${XMPPSCOPE_PROXY:-} ]]; then
        mv "$dir/$name.client-leg.pcap" "$dir/$name.proxy.jsonl" "$dir/$name.proxy.err" "$dir/$name.proxy.status" "$OUTDIR/"
        "$PYTHON" "$REPO/scripts/web-compare.py" "$OUTDIR/$name.proxy.jsonl" "$OUTDIR/$name.strophe.jsonl" >&2 \
            || die "$name: the proxy's log misses part of Strophe's raw log (above)"
    fi
}

# strophe NAME ...: strophe_once, again when tcpdump or the live capture lost packets (holes would be
# blamed on the code under test). At most three attempts.
strophe() {
    local attempt status
    for attempt in 1 2 3; do
        status=0
        strophe_once "$@" || status=$?
        [[ $status -eq 0 ]] && return 0
        [[ $status -eq 75 ]] || exit "$status"
        log "$1: packets dropped before a capture read them (attempt $attempt of 3); capturing again"
    done
    die "$1: packets dropped before a capture read them in three attempts; the machine is too loaded to capture loopback"
}

# The attempts that fail, each with the status the server must answer (curl, HTTP/1.1).
WS_HEADERS=(-H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13"
            -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==")
PAGE_ORIGIN="http://127.0.0.1:$PAGE_PORT"

# attempt DESCRIPTION EXPECTED-STATUS curl-arguments…: one request; its status must be EXPECTED.
attempt() {
    local what=$1 expected=$2; shift 2
    local status
    status=$(curl --http1.1 -sS --max-time 5 -o /dev/null -w '%{http_code}' "$@" 2>>"$WORK/web-failures/curl.err") \
        || fail_with_logs web-failures "$what: curl failed: $(cat "$WORK/web-failures/curl.err")"
    [[ $status == "$expected" ]] || fail_with_logs web-failures "$what: HTTP $status, expected $expected"
    printf '%s\t%s\n' "$what" "$status" >>"$WORK/web-failures/web-failures.expect.tsv"
}

failures_once() {
    local name=web-failures dir=$WORK/web-failures
    rm -rf "$dir"; mkdir -p "$dir"
    log "$name: the failed attempts"
    start_bridge "$name" takeover --origin "$PAGE_ORIGIN"
    start_tcpdump "$dir/$name.pcap" "$dir/tcpdump.err" "$HTTP_PORT" "$BRIDGE_PORT"
    TCPDUMP_PID=$TCPDUMP_STARTED
    printf 'attempt\tstatus\n' >"$dir/web-failures.expect.tsv"
    attempt "websocket upgrade to a wrong path (127.0.0.1:$HTTP_PORT GET /xmpp-websock)" 404 \
        "${WS_HEADERS[@]}" -H "Sec-WebSocket-Protocol: xmpp" -H "Origin: $PAGE_ORIGIN" \
        "http://127.0.0.1:$HTTP_PORT/xmpp-websock"
    attempt "websocket upgrade without protocol xmpp (127.0.0.1:$HTTP_PORT GET /xmpp-websocket, protocol chat)" 501 \
        "${WS_HEADERS[@]}" -H "Sec-WebSocket-Protocol: chat" -H "Origin: $PAGE_ORIGIN" \
        "http://127.0.0.1:$HTTP_PORT/xmpp-websocket"
    attempt "websocket upgrade with a refused Origin (127.0.0.1:$BRIDGE_PORT GET /xmpp-websocket, Origin https://elsewhere.example)" 403 \
        "${WS_HEADERS[@]}" -H "Sec-WebSocket-Protocol: xmpp" -H "Origin: https://elsewhere.example" \
        "http://127.0.0.1:$BRIDGE_PORT/xmpp-websocket"
    attempt "BOSH POST to a wrong path (127.0.0.1:$HTTP_PORT POST /http-bnd)" 404 \
        -H "Content-Type: text/xml; charset=utf-8" -H "Origin: $PAGE_ORIGIN" \
        --data-binary "<body xmlns='http://jabber.org/protocol/httpbind' rid='1000' to='$DOMAIN' wait='60' hold='1' ver='1.6' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>" \
        "http://127.0.0.1:$HTTP_PORT/http-bnd"
    sleep 0.3   # let the last FIN/ACK reach the capture
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    stop_pid "$BRIDGE_PID"; BRIDGE_PID=""
    local dropped
    dropped=$(dropped_by_kernel "$dir/tcpdump.err")
    if [[ $dropped -gt 0 ]]; then
        log "$name: the kernel dropped $dropped packets before tcpdump saw them"
        return 75
    fi
    mv "$dir/$name.pcap" "$dir/web-failures.expect.tsv" "$OUTDIR/"
    log "$name: wrote $name.pcap ($(stat -c %s "$OUTDIR/$name.pcap") bytes) and $name.expect.tsv"
}

# wanted NAME: whether WEB_CAPTURES (default: all) names NAME.
wanted() { [[ -z ${WEB_CAPTURES:-} || " $WEB_CAPTURES " == *" $1 "* ]]; }

wanted web-websocket && strophe web-websocket websocket "ws://127.0.0.1:$HTTP_PORT/xmpp-websocket" "$HTTP_PORT"
wanted web-bosh && strophe web-bosh bosh "http://127.0.0.1:$HTTP_PORT/http-bind" "$HTTP_PORT"
wanted web-wss && strophe web-wss websocket "wss://127.0.0.1:$HTTPS_PORT/xmpp-websocket" "$HTTPS_PORT" keylog
wanted web-https-bosh && strophe web-https-bosh bosh "https://127.0.0.1:$HTTPS_PORT/http-bind" "$HTTPS_PORT" keylog
wanted web-deflate && strophe web-deflate websocket "ws://127.0.0.1:$BRIDGE_PORT/xmpp-websocket" "$BRIDGE_PORT" "" takeover
wanted web-deflate-nocontext && strophe web-deflate-nocontext websocket "ws://127.0.0.1:$BRIDGE_PORT/xmpp-websocket" "$BRIDGE_PORT" "" no-takeover
if [[ -z ${XMPPSCOPE_PROXY:-} ]] && wanted web-failures; then
    for attempt_no in 1 2 3; do
        status=0
        failures_once || status=$?
        [[ $status -eq 0 ]] && break
        [[ $status -eq 75 && $attempt_no -lt 3 ]] || die "web-failures: could not be captured whole"
    done
fi
log "done"
