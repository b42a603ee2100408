#!/usr/bin/env bash
# The live view (--web) against real peers, all on 127.0.0.1, ports 15540-15549:
#  - a fresh Prosody (15540), two slixmpp clients through `xmppscope proxy --web` (15541, the
#    live view on 15542); a Python SSE client (scripts/peers/live_sse_client.py) follows the
#    stream from before the session starts; the clients log in, then wait until the stream has
#    shown both logins before they go on: what follows arrived while the session ran;
#  - the stream's records equal the proxy's --log file, record for record; ids run 1..N;
#  - the page in headless Chromium (scripts/peers/live_browser_check.py over scripts/peers/browser's
#    CDP driver) is a second gate: the session goes on only once the page shows its logins;
#    at the end the page holds every record, with no error and no request elsewhere;
#  - requests without the token, with a wrong one, or for another Host get 403;
#  - the same with `xmppscope capture -i lo --web` (15543 the live view) when run as root.
# Processes it starts are stopped by PID. Prints "ok:"/"FAILED:" lines and exits 1 on a failure.
# Usage: scripts/live-view-check.sh [path/to/xmppscope]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$REPO/.build/debug/xmppscope}
PYTHON=${PYTHON:-python3}
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
PROSODY_PORT=15540
PROXY_PORT=15541
PROXY_WEB_PORT=15542
CAPTURE_WEB_PORT=15543

log() { printf 'live-view-check: %s\n' "$*" >&2; }
# shellcheck source=lib/peers.sh
source "$REPO/scripts/lib/peers.sh"

WORK=$(mktemp -d)
PROSODY_PID="" XMPPSCOPE_PID="" SSE_PID="" BROWSER_PID=""
# The screenshot of the live page stays (a test artifact).
ARTIFACTS=${XMPPSCOPE_ARTIFACTS:-$REPO/.build/artifacts}
mkdir -p "$ARTIFACTS"
cleanup() {
    stop_pid "$BROWSER_PID"
    stop_pid "$SSE_PID"
    stop_pid "$XMPPSCOPE_PID"
    stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT

failed=0
check() {  # DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then echo "ok: live view: $description"
    else failed=$((failed + 1)); echo "FAILED: live view: $description"; fi
}

for tool in prosody prosodyctl curl jq timeout chromium "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x $BIN ]] || die "no xmppscope at $BIN (swift build first)"

# A throwaway Prosody without TLS (the session's text is what the live view shows).
mkdir -p "$WORK/prosody/data"
cat >"$WORK/prosody/prosody.cfg.lua" <<CFG
run_as_root = true
data_path = "$WORK/prosody/data"
pidfile = "$WORK/prosody/prosody.pid"
log = { debug = "$WORK/prosody/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "vcard"; "version" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "tls" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
VirtualHost "$DOMAIN"
CFG
for user in alice bob; do
    prosodyctl --config "$WORK/prosody/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" >>"$WORK/prosodyctl.log" 2>&1 \
        || die "registering $user failed: $(cat "$WORK/prosodyctl.log")"
done
prosody --config "$WORK/prosody/prosody.cfg.lua" -F >"$WORK/prosody/prosody.out" 2>&1 &
PROSODY_PID=$!
wait_listening "$PROSODY_PID" "$PROSODY_PORT" || die_with_log "$WORK/prosody" "Prosody did not listen on $PROSODY_PORT"

jq_true() { jq -e "$@" >/dev/null; }  # FILTER FILE: the filter holds

status_of() {  # URL [curl options]: the HTTP status, no proxy, bounded
    local url=$1; shift
    curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "$@" "$url"
}

# run_live NAME BROWSER(yes|no) CLIENT-PORT WEB-PORT COMMAND...: COMMAND (an xmppscope with
# --web) in the background, the SSE client (and with BROWSER=yes the page in headless Chromium,
# scripts/peers/live_browser_check.py, a second gate), the session through CLIENT-PORT; then
# stops COMMAND with SIGINT and checks the stream against COMMAND's --log (NAME.log.jsonl).
run_live() {
    local name=$1 browser=$2 client_port=$3 web_port=$4; shift 4
    local dir=$WORK/$name
    mkdir -p "$dir"
    "$@" --web "127.0.0.1:$web_port" --log "$dir/log.jsonl" --no-color >"$dir/screen.txt" 2>"$dir/err.txt" &
    XMPPSCOPE_PID=$!
    wait_notice "$dir/err.txt" '^live view: http://' "$XMPPSCOPE_PID" || die "$name: no live view URL: $(cat "$dir/err.txt")"
    local url
    url=$(sed -n 's/^live view: //p' "$dir/err.txt" | head -n 1)
    local token=${url##*token=}
    check "$name: the URL is http://127.0.0.1:$web_port/?token=… with a 32-character token" \
        bash -c "[[ '$url' == http://127.0.0.1:$web_port/?token=* && \${#1} -eq 32 ]]" _ "$token"
    check "$name: the token is printed once, on standard error only" \
        bash -c '[[ $(grep -cF -- "$1" "$2") -eq 1 ]] && ! grep -qF -- "$1" "$3"' _ "$token" "$dir/err.txt" "$dir/screen.txt"
    check "$name: no token → 403" test "$(status_of "http://127.0.0.1:$web_port/")" = 403
    check "$name: events without the token → 403" test "$(status_of "http://127.0.0.1:$web_port/events")" = 403
    # The wrong token differs from the right one in its last character, whatever that character is.
    local wrong_last=x
    [[ ${token: -1} == x ]] && wrong_last=y
    check "$name: a wrong token → 403" test "$(status_of "http://127.0.0.1:$web_port/?token=${token%?}$wrong_last")" = 403
    check "$name: another Host (DNS rebinding) → 403" test "$(status_of "$url" -H "Host: attacker.example:$web_port")" = 403
    check "$name: the right token → 200" test "$(status_of "$url")" = 200

    "$PYTHON" "$REPO/scripts/peers/live_sse_client.py" --url "$url" --connected-file "$dir/connected" \
        --go-file "$dir/go" --out "$dir/sse.jsonl" --summary "$dir/summary.json" --timeout 120 2>"$dir/sse.err" &
    SSE_PID=$!
    wait_file "$dir/connected" "$SSE_PID" 20 || die "$name: the SSE client did not connect: $(cat "$dir/sse.err")"
    check "$name: the stream is open before the session starts" test ! -s "$dir/sse.jsonl"
    local go=$dir/go
    if [[ $browser == yes ]]; then
        "$PYTHON" "$REPO/scripts/peers/live_browser_check.py" --url "$url" --ready-file "$dir/page-ready" \
            --gate-file "$dir/go" --go-file "$dir/browser-go" --stop-file "$dir/stop" \
            --screenshot "$ARTIFACTS/live-view.png" >"$dir/browser.json" 2>"$dir/browser.err" &
        BROWSER_PID=$!
        wait_file "$dir/page-ready" "$BROWSER_PID" 60 || die "$name: Chromium did not load the page: $(cat "$dir/browser.err")"
        go=$dir/browser-go
    fi

    timeout 90 "$PYTHON" "$REPO/scripts/peers/session.py" --domain "$DOMAIN" --port "$client_port" --password "$PASSWORD" \
        --scenario short --wait-file "$go" --out "$dir/expect.json" 2>"$dir/session.err" \
        || die_with_log "$WORK/prosody" "$name: the session failed: $(cat "$dir/session.err")"
    sleep 0.5   # the last FIN reaches a capture
    kill -INT "$XMPPSCOPE_PID"
    local status=0
    wait "$XMPPSCOPE_PID" || status=$?
    XMPPSCOPE_PID=""
    local sse_status=0
    wait "$SSE_PID" || sse_status=$?
    SSE_PID=""
    check "$name: stopped cleanly by Ctrl-C" test "$status" -eq 0
    if [[ $browser == yes ]]; then
        wc -l <"$dir/log.jsonl" | tr -d ' ' >"$dir/stop.part" && mv "$dir/stop.part" "$dir/stop"
        local browser_status=0
        wait "$BROWSER_PID" || browser_status=$?
        BROWSER_PID=""
        check "$name: Chromium: the page followed the session (exit $browser_status: $(cat "$dir/browser.err"))" test "$browser_status" -eq 0
        check "$name: Chromium: the page showed the logins while the session was held, then the rest" \
            jq_true --argjson n "$(wc -l <"$dir/log.jsonl")" \
            '.records_before_session == 0 and .records_at_go > 0 and .items_at_go > 0 and .records_final == $n and .items_final > .items_at_go' "$dir/browser.json"
        check "$name: Chromium: no exception, no console error" jq_true '(.exceptions | length) == 0 and ([.console[] | select(.type == "error")] | length) == 0' "$dir/browser.json"
        check "$name: Chromium: every request went to the live view itself" \
            jq_true --arg base "http://127.0.0.1:$web_port/" '(.requests | length) >= 2 and all(.requests[]; startswith($base))' "$dir/browser.json"
        check "$name: Chromium: no log entry but the stream's end when the server stopped" \
            jq_true --arg events "http://127.0.0.1:$web_port/events?token=$token" 'all(.log[]; .source == "network" and .url == $events)' "$dir/browser.json"
        check "$name: Chromium: a screenshot ($ARTIFACTS/live-view.png)" test -s "$ARTIFACTS/live-view.png"
    fi
    check "$name: the SSE client saw the stream end (exit $sse_status: $(cat "$dir/sse.err"))" test "$sse_status" -eq 0
    [[ -f $dir/summary.json ]] || { failed=$((failed + 1)); return; }
    check "$name: the page came with its CSP" jq_true '.page_status == 200 and (.csp | contains("connect-src '"'self'"'"))' "$dir/summary.json"
    check "$name: the session waited for the stream to show its logins, and went on after" \
        jq_true '.go_at_record != null and .records > .go_at_record + 10' "$dir/summary.json"
    check "$name: records after the logins include the session's iqs" \
        bash -c "tail -n +\$(jq '.go_at_record + 1' '$dir/summary.json') '$dir/sse.jsonl' | jq -e -s '[.[] | select(.kind==\"iq\" and .id==\"version-1\" and .rtt_ms != null)] | length == 1' >/dev/null"
    check "$name: ids run 1..N, each once" jq_true '.ids == [range(1; .records + 1)]' "$dir/summary.json"
    check "$name: no records dropped" jq_true '.event_names == ["message"]' "$dir/summary.json"
    check "$name: the stream's records equal the --log file, record for record ($(wc -l <"$dir/sse.jsonl") records)" \
        bash -c "[[ \$(wc -l <'$dir/log.jsonl') -gt 20 ]] && cmp -s '$dir/sse.jsonl' '$dir/log.jsonl'"
    check "$name: the terminal output went on" grep -q 'version-1' "$dir/screen.txt"
    check "$name: no credentials in the stream" bash -c "! grep -q '$PASSWORD' '$dir/sse.jsonl' && ! grep -q \"\$(printf '\\0alice\\0$PASSWORD' | base64)\" '$dir/sse.jsonl'"
    check "$name: the server is gone after the stop" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$web_port) 2>/dev/null"
}

log "proxy --web: Prosody on $PROSODY_PORT, the proxy on $PROXY_PORT, the live view on $PROXY_WEB_PORT"
run_live proxy yes "$PROXY_PORT" "$PROXY_WEB_PORT" \
    "$BIN" proxy --listen "127.0.0.1:$PROXY_PORT" --upstream "127.0.0.1:$PROSODY_PORT" --home "$WORK/home"

if [[ $(id -u) -eq 0 ]]; then
    log "capture -i lo --web: the live view on $CAPTURE_WEB_PORT"
    run_live capture no "$PROSODY_PORT" "$CAPTURE_WEB_PORT" \
        "$BIN" capture -i lo --port "$PROSODY_PORT"
else
    failed=$((failed + 1))
    echo "FAILED: live view: capture -i lo needs root (CI runs as root)"
fi

[[ $failed -eq 0 ]] || { log "$failed checks failed"; exit 1; }
log "all checks passed"
