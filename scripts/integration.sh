#!/usr/bin/env bash
# Integration against real peers, all on 127.0.0.1:
#  1. `xmppscope capture -i lo` runs while scripts/make-captures.sh drives a fresh Prosody and two
#     slixmpp clients (and records its own pcaps with tcpdump);
#  2. the fresh captures are checked against what the clients saw (swift test, OwnCapturesTests);
#  3. the live capture's stanzas equal the replay of the fresh pcap, every iq paired;
#  4. the command line's errors: a truncated capture, a missing file;
#  ... TLS decrypted from key logs against tshark (scripts/tls-cross-check.sh), and, last, the
#  protocol checks on real sessions: clean ones give no error, broken ones the findings; web
#  clients (Strophe.js in headless Chromium) over WebSocket and BOSH.
# Processes it starts are stopped by PID. Prints "N passed, M failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

passed=0
failed=0
check() {  # DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $description"
    else failed=$((failed + 1)); echo "FAILED: $description"; fi
}

# XMPPSCOPE_BIN runs it all against another build (scripts/release-build.sh's, say).
if [[ -n ${XMPPSCOPE_BIN:-} ]]; then
    [[ -x $XMPPSCOPE_BIN ]] || { echo "integration.sh: XMPPSCOPE_BIN=$XMPPSCOPE_BIN is not an executable" >&2; exit 2; }
    bin=$(realpath --relative-to=. "$XMPPSCOPE_BIN")  # relative, as the debug build's: "$PWD/$bin" below
else
    swift build --product xmppscope >/dev/null
    bin=.build/debug/xmppscope
fi
work=$(mktemp -d)
capture_pid=""
cleanup() {
    if [[ -n $capture_pid ]] && kill -0 "$capture_pid" 2>/dev/null; then
        kill -CONT "$capture_pid"; kill -INT "$capture_pid"; wait "$capture_pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# 1. Live capture while real peers talk.
"$bin" capture -i lo --port 15222 --json --duration 120 >"$work/live.jsonl" 2>"$work/live.err" &
capture_pid=$!
sleep 2
check "capture is running on lo" kill -0 "$capture_pid"
scripts/make-captures.sh "$work/captures"
sleep 1
kill -INT "$capture_pid"
wait "$capture_pid" || true
capture_pid=""

# 1b. A live capture that falls behind (stopped while 3,000 stanzas pass): with the default
#     kernel buffer nothing is lost; with a 1 MiB one the kernel drops packets, and the capture
#     says so while it runs and at its end (libpcap's counts) instead of losing them silently.
wait_for() {  # FILE PATTERN SECONDS: until a line of FILE matches
    local deadline=$((SECONDS + $3))
    until grep -q -- "$2" "$1" 2>/dev/null; do
        (( SECONDS < deadline )) || return 1
        sleep 0.1
    done
}
start_capture() {  # NAME [capture options...]: a capture on port 15598 into NAME.jsonl, NAME.err
    local name=$1; shift
    "$bin" capture -i lo --port 15598 --json "$@" >"$work/$name.jsonl" 2>"$work/$name.err" &
    capture_pid=$!
    wait_for "$work/$name.err" "capturing on" 20 || echo "the capture did not start: $(tail -2 "$work/$name.err")"
}
stalled_capture() {  # NAME [capture options...]: the capture stopped while the burst passes
    local name=$1
    start_capture "$@"
    kill -STOP "$capture_pid" || echo "the capture is gone: $(tail -2 "$work/$name.err")"
    python3 scripts/peers/burst_stream.py 15598 3000 2>"$work/$name.burst" || true
    kill -CONT "$capture_pid" || true
}
stop_capture() {
    kill -INT "$capture_pid" || true
    wait "$capture_pid" || true
    capture_pid=""
}
stalled_capture stalled-default
wait_for "$work/stalled-default.jsonl" '"stream-close"' 60 || true
stop_capture
check "stalled live capture, default buffer: the burst went through" grep -q "sent 3000 stanzas, \([0-9]*\) of \1 bytes" "$work/stalled-default.burst"
# (The kernel hands on a block at least every 100 ms: 16 MiB hold about 6 s of a stalled burst.)
check "stalled live capture, default buffer: 3000 of 3000 stanzas decoded" bash -c "
    [[ \$(jq -c 'select(.event==\"stanza\" and .kind==\"message\")' '$work/stalled-default.jsonl' | wc -l) -eq 3000 ]] ||
    { cat '$work/stalled-default.burst'; tail -3 '$work/stalled-default.err'; false; }"
check "stalled live capture, default buffer: libpcap counted no drop" grep -q "libpcap: [1-9][0-9]* packets received by the filter, 0 dropped by the kernel" "$work/stalled-default.err"
stalled_capture stalled-small --buffer-size 1
wait_for "$work/stalled-small.err" "the kernel dropped [1-9][0-9]* packets that were not read in time" 60 || true
stop_capture
check "stalled live capture, 1 MiB buffer: a warning while it runs" grep -q "warning .*the kernel dropped [1-9][0-9]* packets that were not read in time" "$work/stalled-small.err"
check "stalled live capture, 1 MiB buffer: the drops counted at the end" grep -q "libpcap: [1-9][0-9]* packets received by the filter, [1-9][0-9]* dropped by the kernel" "$work/stalled-small.err"
check "stalled live capture, 1 MiB buffer: fewer stanzas than sent" \
    test "$(jq -c 'select(.event=="stanza" and .kind=="message")' "$work/stalled-small.jsonl" | wc -l)" -lt 3000
# Stopped right after the last packet: the kernel hands packets on in blocks (at the latest 100 ms
# after they came); the stop reads what it still held.
start_capture stopped-at-once
python3 scripts/peers/burst_stream.py 15598 20 2>"$work/stopped-at-once.burst" || true
stop_capture
check "live capture stopped right after the last packet: 20 of 20 stanzas and the stream's end" bash -c "
    [[ \$(jq -c 'select(.event==\"stanza\" and .kind==\"message\")' '$work/stopped-at-once.jsonl' | wc -l) -eq 20 ]] &&
    [[ \$(jq -c 'select(.event==\"stream-close\")' '$work/stopped-at-once.jsonl' | wc -l) -eq 1 ]]"

# 2. Fresh captures against what the clients saw.
check "fresh captures match the clients' view" \
    env XMPPSCOPE_EXTRA_CAPTURES="$work/captures" swift test --skip-build --disable-xctest --filter OwnCapturesTests

# 3. Live equals replay.
stanzas() { jq -c 'select(.event=="stanza" and (.unanswered|not)) | [.dir,.kind,.type,.id]' "$1" | sort; }
"$bin" replay "$work/captures/c2s-plain.pcap" --json >"$work/replay.jsonl"
check "live capture saw stanzas" test "$(stanzas "$work/live.jsonl" | wc -l)" -gt 50
check "live capture and replay give the same stanzas" diff <(stanzas "$work/live.jsonl") <(stanzas "$work/replay.jsonl")
check "every iq paired live" test "$(jq -c 'select(.unanswered or .unmatched_response)' "$work/live.jsonl" | wc -l)" -eq 0
check "live rtt measured on responses" test "$(jq -c 'select(.rtt_ms != null)' "$work/live.jsonl" | wc -l)" -gt 10
check "no credentials in the live log" bash -c "! grep -q xmppscope-test-password '$work/live.jsonl' && ! grep -q \"\$(printf '\\0alice\\0xmppscope-test-password' | base64)\" '$work/live.jsonl'"

# 4. Errors a user sees.
head -c 20000 "$work/captures/c2s-plain.pcap" >"$work/cut.pcap"
set +e
"$bin" replay "$work/cut.pcap" --json >"$work/cut.jsonl" 2>"$work/cut.err"; status=$?
set -e
check "truncated capture exits 2" test "$status" -eq 2
check "truncated capture names the packet" grep -q "packet [0-9]* is damaged or cut short" "$work/cut.err"
check "truncated capture still decodes what it can" test "$(jq -c 'select(.event=="stanza")' "$work/cut.jsonl" | wc -l)" -gt 5
set +e
"$bin" replay "$work/does-not-exist.pcap" 2>"$work/missing.err"; status=$?
set -e
check "missing file exits 1 with a message" bash -c "[[ $status -eq 1 ]] && grep -q 'cannot read' '$work/missing.err'"

# 5. Filters, logs and grep from the command line.
"$bin" replay "$work/captures/c2s-plain.pcap" --no-color --log "$work/logged.jsonl" -f 'iq and error' >"$work/shown.txt"
check "--log writes what --json writes, filtered alike" \
    diff "$work/logged.jsonl" <("$bin" replay "$work/captures/c2s-plain.pcap" --json -f 'iq and error')
check "replay -f shows only the matches" test "$(grep -c '✖ stanza error' "$work/shown.txt")" -eq "$(wc -l <"$work/logged.jsonl")"
check "grep on a capture equals grep on its log" \
    diff <("$bin" grep --json -f @errors "$work/captures/c2s-plain.pcap") <("$bin" grep --json -f @errors "$work/replay.jsonl")
gzip -c "$work/replay.jsonl" >"$work/replay.jsonl.gz"
check "grep --count over plain, gzip and standard input" \
    test "$("$bin" grep --count 'message and body' "$work/replay.jsonl" "$work/replay.jsonl.gz" - <"$work/replay.jsonl")" \
    -eq "$((3 * $(jq -c 'select(.kind=="message" and (.xml|contains("<body>")))' "$work/replay.jsonl" | wc -l)))"
set +e
"$bin" grep 'eror.condition == "x"' "$work/replay.jsonl" 2>"$work/badfilter.err"; status=$?
"$bin" grep 'kind == nothing' "$work/replay.jsonl" >/dev/null; nomatch=$?
set -e
check "a bad filter exits 2 with a suggestion" bash -c "[[ $status -eq 2 ]] && grep -q \"did you mean 'error.condition'\" '$work/badfilter.err'"
check "grep exits 1 when nothing matches" test "$nomatch" -eq 1
check "stats reports round trips by namespace" bash -c "'$bin' stats '$work/replay.jsonl' | grep -q 'roster (RFC 6121)'"
check "help filters teaches the language" bash -c "'$bin' help filters | grep -q 'iq and rtt > 200ms'"

# 6. The proxy. The same scenario with the clients going through `xmppscope proxy`, both legs
#    recorded. What each side sent must reach the other unchanged, and with --tls intercept (the
#    default) the STARTTLS session must be decoded whole while the wire carried TLS.
XMPPSCOPE_PROXY="$PWD/$bin" scripts/make-captures.sh "$work/intercepted"
XMPPSCOPE_PROXY="$PWD/$bin" XMPPSCOPE_PROXY_TLS=passthrough scripts/make-captures.sh "$work/passthrough"
by_direction() { "$bin" replay "$1" --json | jq -c 'select(.event!="tls-start") | [.conn,.dir,.event,.xml]' | sort -s -t, -k1,2; }
logged() { jq -c 'select(.event=="stanza" or .event=="nonza" or .event=="stream-open" or .event=="stream-close") | [.conn,.dir,.kind,.type,.id,.xml]' | sort -s -t, -k1,2; }
for run in intercepted/c2s-plain passthrough/c2s-plain passthrough/c2s-starttls; do
    check "proxy $run: client leg and server leg byte-identical per direction" \
        diff <(by_direction "$work/$run.client-leg.pcap") <(by_direction "$work/$run.pcap")
    # Passthrough decrypts with the clients' key log: the server leg's replay does too.
    keys=()
    [[ -f $work/$run.client.keys ]] && keys=(--keylog "$work/$run.client.keys")
    check "proxy $run: its log equals the replay of the server leg" \
        diff <(logged <"$work/$run.proxy.jsonl") <("$bin" replay "$work/$run.pcap" --json "${keys[@]}" | logged)
done
for run in intercepted passthrough; do
    check "proxy $run: the clients saw the same outcomes as without it" bash -c "
        cmp <(jq -c '.iqs' '$work/$run/c2s-plain.expect.json') <(jq -c '.iqs' captures/c2s-plain.expect.json) &&
        cmp <(jq -c '.iqs' '$work/$run/c2s-starttls.expect.json') <(jq -c '.iqs' captures/c2s-starttls.expect.json)"
done
check "proxy: every iq paired, with rtt" bash -c "
    [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$work/intercepted/c2s-plain.proxy.jsonl' | wc -l) -eq 0 ]] &&
    [[ \$(jq -c 'select(.rtt_ms != null)' '$work/intercepted/c2s-plain.proxy.jsonl' | wc -l) -gt 10 ]]"
check "intercept: the wire carried TLS" \
    test "$("$bin" replay "$work/intercepted/c2s-starttls.pcap" --json | jq -c 'select(.event=="tls-start" and .encrypted_bytes.c2s > 1000)' | wc -l)" -eq 2
check "intercept: the STARTTLS session is decoded whole (ping and version answered, with rtt)" \
    test "$(jq -c 'select(.kind=="iq" and (.id=="ping-1" or .id=="version-1") and .rtt_ms != null)' "$work/intercepted/c2s-starttls.proxy.jsonl" | wc -l)" -eq 2
check "intercept: SASL inside TLS is redacted" bash -c "
    [[ \$(jq -c 'select(.kind==\"auth\" and .redacted)' '$work/intercepted/c2s-starttls.proxy.jsonl' | wc -l) -eq 2 ]] &&
    ! grep -q \"\$(printf '\\0alice\\0xmppscope-test-password' | base64)\" '$work/intercepted/c2s-starttls.proxy.jsonl'"
check "passthrough --keylog: the STARTTLS sessions decrypted live from the clients' key log, every iq the clients sent paired" bash -c "
    [[ \$(jq -c 'select(.event==\"tls\" and .decrypted)' '$work/passthrough/c2s-starttls.proxy.jsonl' | wc -l) -eq 2 ]] &&
    [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$work/passthrough/c2s-starttls.proxy.jsonl' | wc -l) -eq 0 ]] &&
    [[ -z \$(comm -23 <(jq -r '.iqs[].id' '$work/passthrough/c2s-starttls.expect.json' | sort) <(jq -r 'select(.rtt_ms != null) | .id' '$work/passthrough/c2s-starttls.proxy.jsonl' | sort)) ]] &&
    [[ \$(jq -r '.iqs[].id' '$work/passthrough/c2s-starttls.expect.json' | wc -l) -ge 2 ]]"
check "passthrough: TLS relayed untouched (the wire carried it) and, with the key log, nothing stayed encrypted" bash -c "
    [[ \$('$bin' replay '$work/passthrough/c2s-starttls.pcap' --json | jq -c 'select(.event==\"tls-start\" and .encrypted_bytes.c2s > 1000)' | wc -l) -eq 2 ]] &&
    [[ \$(jq -c 'select(.event==\"tls-start\" and .encrypted_bytes.c2s == 0 and .encrypted_bytes.s2c == 0)' '$work/passthrough/c2s-starttls.proxy.jsonl' | wc -l) -eq 2 ]]"

# Direct TLS (XEP-0368) through the proxy: the full scenario plus a 200 KB body, the clients
# checking the proxy's certificate against the xmppscope CA, the proxy checking Prosody's.
direct=$work/intercepted/c2s-directtls
check "direct TLS: the clients saw the same outcomes as without the proxy" \
    cmp <(jq -c '.iqs' "$direct.expect.json") <(jq -c '.iqs' captures/c2s-plain.expect.json)
check "direct TLS: both wire legs carried only TLS" bash -c "
    [[ \$('$bin' replay '$direct.pcap' --json | jq -c 'select(.event==\"stanza\")' | wc -l) -eq 0 ]] &&
    [[ \$('$bin' replay '$direct.client-leg.pcap' --json | jq -c 'select(.event==\"stanza\")' | wc -l) -eq 0 ]]"
check "direct TLS: the session is decoded whole (every iq paired with rtt, errors with conditions)" bash -c "
    [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$direct.proxy.jsonl' | wc -l) -eq 0 ]] &&
    [[ -z \$(comm -23 <(jq -r '.iqs[].id' '$direct.expect.json' | sort) <(jq -r 'select(.rtt_ms != null) | .id' '$direct.proxy.jsonl' | sort)) ]] &&
    [[ \$(jq -r 'select(.error.condition != null and .kind == \"iq\") | .error.condition' '$direct.proxy.jsonl' | sort | uniq | tr '\n' ' ') == 'item-not-found service-unavailable ' ]]"
check "direct TLS: the 200 KB and non-ASCII bodies went both ways, decoded" bash -c "
    [[ \$(jq -c 'select(.kind==\"message\" and .size > 200000)' '$direct.proxy.jsonl' | wc -l) -ge 4 ]] &&
    [[ \$(jq -c 'select(.kind==\"message\" and (.xml | contains(\"你好 🎉\")))' '$direct.proxy.jsonl' | wc -l) -ge 4 ]]"
check "direct TLS: TLS on both legs recorded with version, certificate and SNI" \
    test "$(jq -c 'select(.event=="tls-established" and (.proxy.tls_version | startswith("TLSv1.")) and .proxy.subject=="CN=xmppscope.test" and .proxy.sni=="xmppscope.test")' "$direct.proxy.jsonl" | wc -l)" -eq 4
for run in intercepted/c2s-plain intercepted/c2s-starttls intercepted/c2s-directtls passthrough/c2s-starttls; do
    check "proxy $run: a connect with addresses and a close with who, why and bytes for each connection" bash -c "
        conns=\$(jq -s '[.[].conn] | unique | length' '$work/$run.proxy.jsonl')
        [[ \$conns -eq 2 ]] &&
        [[ \$(jq -c 'select(.event==\"connect\" and (.proxy.client | startswith(\"127.0.0.1:\")) and .proxy.server==\"127.0.0.1:\" + (.proxy.listener | split(\":\")[1] | tonumber - 1000 | tostring))' '$work/$run.proxy.jsonl' | wc -l) -eq 2 ]] &&
        [[ \$(jq -c 'select(.event==\"close\" and .proxy.closed_by != null and .proxy.reason != null and .proxy.bytes.c2s > 100 and .proxy.bytes.s2c > 100)' '$work/$run.proxy.jsonl' | wc -l) -eq 2 ]]"
done
check "proxy: the close record's byte counts equal the bytes on the client leg (plaintext)" bash -c "
    [[ \$(jq -s '[.[] | select(.event==\"close\") | .proxy.bytes.c2s] | add' '$work/intercepted/c2s-plain.proxy.jsonl') -eq \$(tshark -r '$work/intercepted/c2s-plain.client-leg.pcap' -Y 'tcp.dstport==16222' -T fields -e tcp.len | awk '{ s += \$1 } END { print s }') ]]"

# Byte-exactness through TLS: tshark decrypts both legs with the proxy's SSLKEYLOGFILE, and each
# connection's decrypted bytes, each way, must be the same on the client leg and the server leg.
decrypted_streams() {  # PCAP KEYS: per TCP stream, its decrypted hex length and the md5 of both directions
    local stream out
    for stream in 0 1; do
        out=$(tshark -r "$1" -o "tls.keylog_file:$2" -q -z "follow,tls,raw,$stream" 2>/dev/null |
            awk '/^\t[0-9a-f]+$/ { a = a substr($0, 2); next } /^[0-9a-f]+$/ { b = b $0 }
                 END { print length(a) + length(b); print (a < b ? a " " b : b " " a) }')
        echo "$(head -1 <<<"$out") $(tail -1 <<<"$out" | md5sum | cut -d' ' -f1)"
    done | sort
}
for run in c2s-starttls c2s-directtls; do
    check "intercept $run: decrypted by tshark, both legs carry the same bytes each way" bash -c "
        $(declare -f decrypted_streams)
        [[ \$(decrypted_streams '$work/intercepted/$run.pcap' '$work/intercepted/$run.keys' | awk '\$1 > 1000' | wc -l) -eq 2 ]] &&
        diff <(decrypted_streams '$work/intercepted/$run.client-leg.pcap' '$work/intercepted/$run.keys') \
             <(decrypted_streams '$work/intercepted/$run.pcap' '$work/intercepted/$run.keys')"
done

# The cipher suite in each tls-established record is the one tshark reads from that leg's
# ServerHello (client leg: the proxy's own hello; server leg: Prosody's).
server_hello_suites() {  # PCAP: the suites of its ServerHellos, as tshark names them, sorted
    tshark -r "$1" -Y 'tls.handshake.type == 2' -V 2>/dev/null | sed -n 's/^ *Cipher Suite: \([A-Z0-9_]*\) (0x.*/\1/p' | sort
}
for run in c2s-starttls c2s-directtls; do
    check "intercept $run: each leg's cipher suite in the log is the one tshark reads from its ServerHello" bash -c "
        $(declare -f server_hello_suites)
        client=\$(server_hello_suites '$work/intercepted/$run.client-leg.pcap')
        server=\$(server_hello_suites '$work/intercepted/$run.pcap')
        [[ \$(wc -l <<<\"\$client\") -eq 2 && -n \$client && \$(wc -l <<<\"\$server\") -eq 2 && -n \$server ]] &&
        [[ \$client == \$(jq -r 'select(.event==\"tls-established\" and .dir==\"c2s\") | .proxy.cipher' '$work/intercepted/$run.proxy.jsonl' | sort) ]] &&
        [[ \$server == \$(jq -r 'select(.event==\"tls-established\" and .dir==\"s2c\") | .proxy.cipher' '$work/intercepted/$run.proxy.jsonl' | sort) ]]"
done

# Channel binding (Prosody limited to TLS 1.2 offers SCRAM-SHA-1-PLUS): the client is offered
# the features without it, the edit is logged, and a SCRAM client that signals binding support
# fails with the proxy's explanation.
scripts/proxy-channel-binding.sh "$bin" "$work/binding"
check "channel binding: the client (openssl s_client, through STARTTLS) is offered no -PLUS mechanism" bash -c "
    grep -q '<mechanism>PLAIN</mechanism>' '$work/binding/features.xml' && ! grep -q 'PLUS' '$work/binding/features.xml'"
check "channel binding: the log keeps what the server sent and notes the edit" bash -c "
    jq -c 'select(.kind==\"features\") | .xml' '$work/binding/proxy.jsonl' | grep -q 'SCRAM-SHA-1-PLUS' &&
    [[ \$(jq -c 'select(.event==\"proxy-note\" and (.proxy.notes[0] | contains(\"removed SASL mechanism SCRAM-SHA-1-PLUS\")))' '$work/binding/proxy.jsonl' | wc -l) -eq 3 ]]"
check "channel binding: a SCRAM login that fails through the proxy gets the explanation and the fix" bash -c "
    grep -q 'authentication failed' '$work/binding/scram.out' &&
    [[ \$(jq -c 'select(.event==\"proxy-note\" and (.proxy.notes[0] | contains(\"Use PLAIN for the test account\")))' '$work/binding/proxy.jsonl' | wc -l) -ge 1 ]]"

check "passthrough --keylog: a SCRAM-SHA-1-PLUS login succeeds, decrypted live, every iq paired with rtt" bash -c "
    [[ \$(jq -c 'select(.event==\"tls\" and .decrypted)' '$work/binding/passthrough-plus.jsonl' | wc -l) -eq 2 ]] &&
    [[ \$(jq -c 'select(.kind==\"success\")' '$work/binding/passthrough-plus.jsonl' | wc -l) -eq 2 ]] &&
    [[ \$(jq -c 'select(.event==\"stanza\" and .kind==\"iq\" and (.type==\"result\" or .type==\"error\") and .rtt_ms != null)' '$work/binding/passthrough-plus.jsonl' | wc -l) -ge 4 ]] &&
    [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$work/binding/passthrough-plus.jsonl' | wc -l) -eq 0 ]]"
check "passthrough --keylog: each client's tls-unique binding is checked and matches" \
    test "$(jq -c 'select(.kind=="response" and .binding.type=="tls-unique" and .binding.matches==true)' "$work/binding/passthrough-plus.jsonl" | wc -l)" -eq 2
check "passthrough --keylog: a wrong binding is shown wrong, and the failure is put down to it" bash -c "
    [[ \$(jq -c 'select(.kind==\"response\" and .binding.matches==false)' '$work/binding/passthrough-wrong.jsonl' | wc -l) -ge 1 ]] &&
    [[ \$(jq -c 'select(.kind==\"failure\" and (.binding.note | contains(\"was wrong\")))' '$work/binding/passthrough-wrong.jsonl' | wc -l) -ge 1 ]] &&
    grep -q 'authentication failed' '$work/binding/passthrough-wrong.out'"
check "passthrough --keylog: the key log's secrets are nowhere in the log" bash -c "
    [[ \$(grep -c '^CLIENT_RANDOM ' '$work/binding/passthrough-plus.keys') -eq 2 ]] &&
    ! grep -qiF -f <(awk '/^[A-Z]/ { print \$3 }' '$work/binding/passthrough-plus.keys') '$work/binding/passthrough-plus.jsonl'"

# A server certificate that does not verify: the user is told the fix, the client gets a stream error.
XMPPSCOPE_PROXY="$PWD/$bin" XMPPSCOPE_PROXY_TRUST=system XMPPSCOPE_CLIENT_MAY_FAIL=1 scripts/make-captures.sh "$work/untrusted" 2>/dev/null
check "untrusted server: the user is told to use --upstream-ca" grep -q "give its CA with --upstream-ca FILE" "$work/untrusted/c2s-starttls.proxy.err"
check "untrusted server: each client gets remote-connection-failed" \
    test "$(jq -c 'select(.event=="stream-error" and .error.condition=="remote-connection-failed")' "$work/untrusted/c2s-starttls.proxy.jsonl" | wc -l)" -eq 2

# Upstream down: the client gets a stream error, not a dropped socket.
"$bin" proxy --listen 127.0.0.1:16299 --upstream 127.0.0.1:15299 --json >"$work/down.jsonl" 2>"$work/down.err" &
proxy_pid=$!
for _ in $(seq 100); do grep -q relaying "$work/down.err" 2>/dev/null && break; sleep 0.1; done
check "upstream down: the proxy is listening" kill -0 "$proxy_pid"
reply=$(exec 3<>/dev/tcp/127.0.0.1/16299; printf "<?xml version='1.0'?><stream:stream to='x.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" >&3; timeout 5 cat <&3 || true)
kill -TERM "$proxy_pid" 2>/dev/null || true
wait "$proxy_pid" || true
check "upstream down: the client gets remote-connection-failed" grep -q "<remote-connection-failed" <<<"$reply"
check "upstream down: the proxy log shows the stream error" \
    test "$(jq -c 'select(.event=="stream-error" and .error.condition=="remote-connection-failed")' "$work/down.jsonl" | wc -l)" -eq 1

# A server name that does not resolve: host-unknown (RFC 6120 §4.9.3.6), and the user is told.
"$bin" proxy --listen 127.0.0.1:16298 --upstream no-such-host.invalid:5222 --json >"$work/dns.jsonl" 2>"$work/dns.err" &
proxy_pid=$!
for _ in $(seq 100); do grep -q relaying "$work/dns.err" 2>/dev/null && break; sleep 0.1; done
reply=$(exec 3<>/dev/tcp/127.0.0.1/16298; printf "<?xml version='1.0'?><stream:stream to='x.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" >&3; timeout 15 cat <&3 || true)
kill -TERM "$proxy_pid" 2>/dev/null || true
wait "$proxy_pid" || true
check "unknown host: the client gets host-unknown, the user the name that failed" bash -c "
    grep -q '<host-unknown' <<<\"\$1\" && grep -q 'could not reach the server (no-such-host.invalid:5222' '$work/dns.err'" _ "$reply"

# Clients that leave before the upstream answers are closed quietly: no error invented for them.
python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 16400)); s.listen(64); s.settimeout(0.2)
held=[]; end=time.time()+20
while time.time()<end:
    try: held.append(s.accept()[0])
    except socket.timeout: pass' &
listener_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/16400) 2>/dev/null && break; sleep 0.1; done
"$bin" proxy --tls passthrough --listen 127.0.0.1:16401 --upstream 127.0.0.1:16400 --json >"$work/early.jsonl" 2>"$work/early.err" &
proxy_pid=$!
for _ in $(seq 100); do grep -q relaying "$work/early.err" 2>/dev/null && break; sleep 0.1; done
for _ in 1 2 3 4 5 6 7 8 9 10; do (exec 3<>/dev/tcp/127.0.0.1/16401) || true; done
sleep 1
kill -TERM "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" || true
check "clients that leave at once: no stream error invented" test "$(jq -c 'select(.event=="stream-error")' "$work/early.jsonl" | wc -l)" -eq 0

# Ctrl-C (SIGINT) with sessions open: every connection closed by the proxy, each with its close
# record, the log flushed, exit status 0.
"$bin" proxy --tls passthrough --listen 127.0.0.1:16402 --upstream 127.0.0.1:16400 --json --log "$work/stop.log.jsonl" >"$work/stop.jsonl" 2>"$work/stop.err" &
proxy_pid=$!
for _ in $(seq 100); do grep -q relaying "$work/stop.err" 2>/dev/null && break; sleep 0.1; done
holders=()
for i in 1 2 3; do
    (exec 3<>/dev/tcp/127.0.0.1/16402; printf "<?xml version='1.0'?><stream:stream to='x.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" >&3; sleep 20) &
    holders+=($!)
done
sleep 1
live_log=$(jq -c 'select(.event=="stream-open")' "$work/stop.log.jsonl" | wc -l)
kill -INT "$proxy_pid"
status=0; timeout 10 tail --pid="$proxy_pid" -f /dev/null || status=$?
wait "$proxy_pid" && proxy_status=0 || proxy_status=$?
for holder in "${holders[@]}"; do kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; done
kill "$listener_pid" 2>/dev/null || true; wait "$listener_pid" 2>/dev/null || true
check "proxy --log: the file keeps up while the proxy runs (each session's header there before the stop)" test "$live_log" -eq 3
check "Ctrl-C: the proxy exits 0 within 10 s with sessions open" bash -c "[[ $status -eq 0 && $proxy_status -eq 0 ]]"
check "Ctrl-C: each open session logged (its stream header) and closed by the proxy, with bytes" bash -c "
    [[ \$(jq -c 'select(.event==\"stream-open\")' '$work/stop.jsonl' | wc -l) -eq 3 ]] &&
    [[ \$(jq -c 'select(.event==\"close\" and .proxy.closed_by==\"proxy\" and .proxy.reason==\"the proxy stopped\" and .proxy.bytes.c2s > 100)' '$work/stop.jsonl' | wc -l) -eq 3 ]]"

# Ctrl-C with intercepted TLS sessions open: each still gets its close record at once (a TLS leg
# closes only after a close_notify exchange, which a peer may never answer). openssl s_server as
# the direct-TLS upstream, openssl s_client trusting the xmppscope CA as the client.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=stop.test" \
    -addext "subjectAltName=DNS:stop.test" -keyout "$work/stop-key.pem" -out "$work/stop-cert.pem" 2>/dev/null
"$bin" ca export --pem "$work/stop-ca.pem" --home "$work/stop-home" >/dev/null 2>&1
mkfifo "$work/stop-fifo"  # s_server's input, held open (at EOF it would end its sessions)
openssl s_server -quiet -accept 16405 -cert "$work/stop-cert.pem" -key "$work/stop-key.pem" <"$work/stop-fifo" >/dev/null 2>&1 &
tls_server_pid=$!
exec 7>"$work/stop-fifo"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/16405) 2>/dev/null && break; sleep 0.1; done
sleep 0.5  # s_server serves one client at a time: let it take the probe above and go back to accepting
"$bin" proxy --direct-tls --listen 127.0.0.1:16406 --upstream 127.0.0.1:16405 --server-name stop.test \
    --upstream-ca "$work/stop-cert.pem" --home "$work/stop-home" --json >"$work/stoptls.jsonl" 2>"$work/stoptls.err" &
proxy_pid=$!
for _ in $(seq 100); do grep -q relaying "$work/stoptls.err" 2>/dev/null && break; sleep 0.1; done
mkfifo "$work/stop-input"  # the client's input, held open the same way
timeout 20 openssl s_client -quiet -connect 127.0.0.1:16406 -servername stop.test \
    -CAfile "$work/stop-ca.pem" -verify_return_error <"$work/stop-input" >/dev/null 2>&1 &
tls_client_pid=$!
exec 8>"$work/stop-input"
printf 'hello through TLS\n' >&8
for _ in $(seq 100); do [[ $(jq -c 'select(.event=="tls-established")' "$work/stoptls.jsonl" 2>/dev/null | wc -l) -eq 2 ]] && break; sleep 0.1; done
kill -INT "$proxy_pid"
status=0; timeout 10 tail --pid="$proxy_pid" -f /dev/null || status=$?
wait "$proxy_pid" && proxy_status=0 || proxy_status=$?
kill "$tls_client_pid" "$tls_server_pid" 2>/dev/null || true
wait "$tls_client_pid" "$tls_server_pid" 2>/dev/null || true
exec 7>&- 8>&-
check "Ctrl-C with an intercepted TLS session open: both legs' TLS recorded, then its close, exit 0" bash -c "
    [[ $status -eq 0 && $proxy_status -eq 0 ]] &&
    [[ \$(jq -c 'select(.event==\"tls-established\" and (.proxy.cipher | startswith(\"TLS_\")))' '$work/stoptls.jsonl' | wc -l) -eq 2 ]] &&
    [[ \$(jq -c 'select(.event==\"close\" and .proxy.closed_by==\"proxy\" and .proxy.reason==\"the proxy stopped\" and .proxy.bytes.c2s == 18)' '$work/stoptls.jsonl' | wc -l) -eq 1 ]]"

# 7. Colour only on a terminal (script(1) gives the command a pseudo-terminal), never with NO_COLOR or --no-color.
on_tty() { script -qec "$1" /dev/null; }
check "colour on a terminal" bash -c "$(declare -f on_tty); on_tty 'NO_COLOR= $bin replay captures/c2s-plain.pcap' | grep -q \$'\\e\\['"
check "no colour with NO_COLOR" bash -c "$(declare -f on_tty); ! on_tty 'NO_COLOR=1 $bin replay captures/c2s-plain.pcap' | grep -q \$'\\e\\['"
check "no colour with --no-color" bash -c "$(declare -f on_tty); ! on_tty '$bin replay captures/c2s-plain.pcap --no-color' | grep -q \$'\\e\\['"
check "no colour into a pipe" bash -c "! NO_COLOR= $bin replay captures/c2s-plain.pcap | grep -q \$'\\e\\['"

# 8. TLS decrypted from key logs (scripts/tls-cross-check.sh): a matrix of openssl captures
#    (TLS 1.3 and 1.2 suites, KeyUpdate, HelloRetryRequest, resumption, CBC with and without
#    encrypt-then-MAC, STARTTLS to Prosody), `follow` byte for byte against tshark per connection
#    and direction, and the fresh key-logged Prosody + slixmpp sessions replayed with --keylog
#    against the plaintext one. Each of its checks counts here.
tls_status=0
scripts/tls-cross-check.sh "$bin" "$work/tls-matrix" "$work/captures" >"$work/tls-cross-check.out" 2>&1 || tls_status=$?
while IFS= read -r line; do
    case $line in
        ok:\ *) check "tls: ${line#ok: }" true ;;
        FAILED:\ *) check "tls: ${line#FAILED: }" false ;;
        *) echo "$line" ;;
    esac
done <"$work/tls-cross-check.out"
check "tls: the cross-check ran to its end and agrees with its own count" bash -c "
    grep -q '^tls-cross-check: [0-9]* passed, [0-9]* failed\$' '$work/tls-cross-check.out' &&
    { [[ $tls_status -eq 0 ]] || grep -q '^FAILED: ' '$work/tls-cross-check.out'; }"

# 9. Protocol checks (docs/checks.md) on real sessions. The clean Prosody + slixmpp sessions give
#    no error finding: replayed, as logs, and through the proxy (whose --check exit status
#    make-captures.sh kept).
for capture in c2s-plain c2s-starttls-keylog; do
    keys=()
    [[ -f $work/captures/$capture.keys ]] && keys=(--keylog "$work/captures/$capture.keys")
    set +e
    "$bin" check "$work/captures/$capture.pcap" "${keys[@]}" --no-color >"$work/$capture.check.txt" 2>&1; status=$?
    "$bin" check "$work/captures/$capture.pcap" "${keys[@]}" --json >"$work/$capture.findings.jsonl"; json_status=$?
    set -e
    check "check $capture: exit 0 (no error finding) and the same findings as text and as JSON" bash -c "
        [[ $status -eq 0 && $json_status -eq 0 ]] &&
        [[ \$(grep -c '^  [✖⚠ℹ]' '$work/$capture.check.txt') -eq \$(wc -l <'$work/$capture.findings.jsonl') ]]"
    "$bin" replay "$work/captures/$capture.pcap" "${keys[@]}" --json >"$work/$capture.replay.jsonl"
    check "check $capture: a log checked again gives the findings the capture gave" \
        diff <(jq -c '.finding' "$work/$capture.findings.jsonl") <("$bin" check "$work/$capture.replay.jsonl" --json | jq -c '.finding')
    check "check $capture: replay writes those findings, each after the record whose seq it carries" bash -c "
        diff <(jq -c '.finding' '$work/$capture.findings.jsonl') <(jq -c 'select(.event==\"finding\") | .finding' '$work/$capture.replay.jsonl') &&
        python3 scripts/findings-follow-records.py '$work/$capture.replay.jsonl'"
done
for run in intercepted/c2s-plain intercepted/c2s-starttls passthrough/c2s-starttls; do
    check "proxy --check $run: a clean session exits 0 and says so" bash -c "
        [[ \$(cat '$work/$run.proxy.status') -eq 0 ]] && grep -q '^xmppscope: checks: ' '$work/$run.proxy.err' &&
        ! grep -q 'exit status 1' '$work/$run.proxy.err'"
done
# A misbehaving raw client against a fresh Prosody, through `proxy --check` (scripts/make-check-captures.sh):
# every rule it says it broke is found, in the proxy's log and in the replay of the server leg alike,
# and the proxy exits 1.
XMPPSCOPE_PROXY="$PWD/$bin" scripts/make-check-captures.sh "$work/misbehaving" 2>"$work/misbehaving.err"
mis=$work/misbehaving/c2s-misbehaving
set +e
"$bin" check "$mis.pcap" --json >"$mis.findings.jsonl"; status=$?
set -e
check "check on the misbehaving client's capture: exit 1" test "$status" -eq 1
check "proxy --check with the misbehaving client: exit status 1, and it says why" bash -c "
    [[ \$(cat '$mis.proxy.status') -eq 1 ]] && grep -q '^xmppscope: checks: [0-9]* error.* exit status 1\$' '$mis.proxy.err'"
check "misbehaving client: every rule it broke (its own list, $(grep -vc '^#' "$mis.expect-findings.tsv") lines) is found" bash -c "
    [[ \$(grep -vc '^#' '$mis.expect-findings.tsv') -ge 20 ]] &&
    [[ -z \$(comm -23 <(grep -v '^#' '$mis.expect-findings.tsv' | cut -f1 | sort -u) <(jq -r '.finding.id' '$mis.findings.jsonl' | sort -u)) ]]"
check "misbehaving client: the proxy's findings are those of the server leg's replay" \
    diff <(jq -r 'select(.event=="finding") | .finding.id' "$mis.proxy.jsonl" | sort) <(jq -r '.finding.id' "$mis.findings.jsonl" | sort)
check "misbehaving client: findings follow the records they name, in the proxy's log too" bash -c "
    python3 scripts/findings-follow-records.py '$mis.proxy.jsonl' | grep -q '^[1-9][0-9]* findings follow' &&
    '$bin' replay '$mis.pcap' --json | python3 scripts/findings-follow-records.py /dev/stdin | grep -q '^[1-9][0-9]* findings follow'"
# XEP-0198 with a real server (scripts/sm-check.sh): Prosody with mod_smacks and slixmpp's stream
# management, acks both ways and a resumption: no finding; a client acking a wrong h: sm-ack-wrong-h.
check "stream management with Prosody and slixmpp: no findings; a wrong <a h/> found" \
    scripts/sm-check.sh "$bin" "$work/sm"
check "stream management captures through the library's checks" \
    env XMPPSCOPE_SM_CAPTURES="$work/sm" swift test --skip-build --disable-xctest --filter StreamManagementChecksTests/prosodyAndSlixmppCaptures

# 10. Web clients (docs/web-transports.md): Strophe.js in headless Chromium against a fresh Prosody
#     over ws://, BOSH, wss:// and https:// (Chromium's key log), and with permessage-deflate through
#     a bridge (scripts/make-web-captures.sh). The replay of each fresh capture holds every text of
#     Strophe's own raw log, both ways, each iq paired (scripts/web-compare.py); each failed attempt
#     is a record with its status.
#     `xmppscope capture -i lo` runs beside tcpdump in the plaintext sessions (ws://, BOSH, deflate):
#     its live log must hold every text of Strophe's raw log too.
web_status=0
XMPPSCOPE_CAPTURE="$PWD/$bin" scripts/make-web-captures.sh "$work/web" >"$work/web.out" 2>&1 || web_status=$?
check "web: make-web-captures.sh made every capture" bash -c "[[ $web_status -eq 0 ]] || { tail -40 '$work/web.out'; false; }"
check "web, captured live: each plaintext session's texts in capture's log (web-compare.py), 4 sessions" bash -c "
    [[ \$(grep -c '^web-compare: the log holds every element of the raw log' '$work/web.out') -eq 4 ]] &&
    [[ \$(ls '$work'/web/*.live.jsonl | wc -l) -eq 4 ]] || { tail -20 '$work/web.out'; false; }"
for name in web-websocket web-bosh web-wss web-https-bosh web-deflate web-deflate-nocontext; do
    keys=()
    [[ -f $work/web/$name.keys ]] && keys=(--keylog "$work/web/$name.keys")
    check "web $name: the replay holds every text of Strophe's raw log, both ways, each iq paired" bash -c "
        '$bin' replay '$work/web/$name.pcap' ${keys[*]} --json >'$work/web/$name.replay.jsonl' &&
        python3 scripts/web-compare.py '$work/web/$name.replay.jsonl' '$work/web/$name.strophe.jsonl'"
done
check "web-failures: every refused attempt is an http record with its status and an error" bash -c "
    [[ \$(grep -vc '^attempt' '$work/web/web-failures.expect.tsv') -eq 4 ]] &&
    diff <(tail -n +2 '$work/web/web-failures.expect.tsv' | cut -f2 | sort) \
         <('$bin' replay '$work/web/web-failures.pcap' --json -f 'http.status >= 400 and error' | jq -r '.http.status' | sort)"
# The same web clients through `xmppscope proxy --websocket` / `--bosh` (both legs on NIOHTTP1 and
# NIOWebSocket; wss/https upstream verified against the test certificate): the proxy's own log
# holds every text of Strophe's raw log, both ways, paired (make-web-captures.sh fails otherwise),
# and each proxy run exits 0.
web_proxy_status=0
XMPPSCOPE_PROXY="$PWD/$bin" WEB_CAPTURES="web-websocket web-bosh web-wss web-https-bosh web-deflate" \
    scripts/make-web-captures.sh "$work/web-proxy" >"$work/web-proxy.out" 2>&1 || web_proxy_status=$?
check "web through the proxy: every Strophe session's texts in the proxy's log (web-compare.py), 5 sessions" bash -c "
    [[ $web_proxy_status -eq 0 ]] || { tail -40 '$work/web-proxy.out'; false; }
    [[ \$(grep -c '^web-compare: the log holds every element of the raw log' '$work/web-proxy.out') -eq 5 ]]"
check "web through the proxy: each proxy exited 0, and a BOSH session over several TCP connections is one conn" bash -c "
    [[ \$(cat '$work'/web-proxy/*.proxy.status | sort -u) == 0 ]] &&
    [[ \$(jq -r 'select(.transport==\"bosh\" and .event==\"stanza\") | .conn' '$work/web-proxy/web-bosh.proxy.jsonl' | sort -u | wc -l) -eq 1 ]]"

# 11. The HTML report from the command line (scripts/report-check.sh): deterministic, a log's page
#     equal to its capture's, credentials redacted, -f, errors. The browser's view: ReportBrowserTests.
check "report: scripts/report-check.sh" bash -c "scripts/report-check.sh '$bin' >'$work/report-check.out' 2>&1 || { cat '$work/report-check.out'; false; }"

# 12. The live view (scripts/live-view-check.sh, ports 15540-15549): Prosody + slixmpp through
#     `proxy --web` and under `capture -i lo --web`; an SSE client gates the session on its logins,
#     the stream equals the --log file record for record, no token or another Host → 403.
check "live view: scripts/live-view-check.sh" bash -c "scripts/live-view-check.sh '$PWD/$bin' >'$work/live-view-check.out' 2>&1 || { cat '$work/live-view-check.out'; false; }"

# 13. The install (scripts/install-test.sh): install.sh into a scratch prefix, the installed binary's
# filters, man page and completions; build-deb.sh from the same release build (.build-install),
# the package checked, installed with apt-get and removed, then installed in a fresh Debian root
# (debootstrap). The first time a full release build (9 to 11 minutes of CPU on 2 cores), then
# about 2 minutes.
install_status=0
scripts/install-test.sh >"$work/install-test.out" 2>&1 || install_status=$?
check "install: scripts/install-test.sh ($(grep -o '[0-9]* passed, [0-9]* failed' "$work/install-test.out" || echo 'no summary'))" \
    bash -c "[[ $install_status -eq 0 ]] || { grep -v '^ok: ' '$work/install-test.out' | tail -40; false; }"

echo "integration: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
