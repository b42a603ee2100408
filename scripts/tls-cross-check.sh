#!/usr/bin/env bash
# xmppscope's TLS decryption from key logs against tshark's, and against the plaintext session.
#
#   scripts/tls-cross-check.sh BIN OUTDIR [CAPTURES-DIR]
#
#  1. scripts/tls-matrix.sh OUTDIR makes the matrix of key-logged TLS captures (openssl peers; it
#     checks that tshark decrypts each to exactly what the peers sent), and what tshark got is
#     printed per case;
#  2. per case, connection and direction: `BIN follow NAME.pcap --keylog NAME.keys --conn N --dir D`
#     equals tshark's bytes (-z follow,tls,raw), byte for byte;
#  3. per case: `BIN replay --keylog` reports one decrypted tls record per connection with the
#     version, suite, SNI and ALPN tshark read from the handshake;
#  4. the key-logged Prosody + slixmpp captures in CAPTURES-DIR (default <repo>/captures:
#     c2s-starttls-keylog, and c2s-directtls-keylog where present) replayed with --keylog give the
#     stanzas and iq outcomes of the plaintext session (<repo>/captures/c2s-plain.*).
# Connections are numbered as BIN numbers them (the log's "conn", from 0 like tshark's tcp.stream);
# FOLLOW_CONN_BASE=1 if BIN counts from 1. Prints "N passed, M failed"; exits non-zero on a failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:?usage: tls-cross-check.sh BIN OUTDIR [CAPTURES-DIR]}
OUTDIR=${2:?usage: tls-cross-check.sh BIN OUTDIR [CAPTURES-DIR]}
CAPTURES=${3:-$REPO/captures}
BASE=${FOLLOW_CONN_BASE:-0}
[[ $BIN == */* ]] && BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

passed=0
failed=0
check() {  # DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $description"
    else failed=$((failed + 1)); echo "FAILED: $description"; fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The matrix, and what tshark made of it.
matrix_status=0
"$REPO/scripts/tls-matrix.sh" "$OUTDIR" 2>"$work/matrix.log" || matrix_status=$?
sed -n 's/^tls-matrix: \([^:]*\): tshark:/tshark \1:/p; s/^tls-matrix: \(.*FAILED.*\)/\1/p; /error/p' "$work/matrix.log"
tail -n 1 "$work/matrix.log"
check "tls-matrix: every case captured, tshark decrypted each to what the peers sent" test "$matrix_status" -eq 0

# 2. follow against tshark, byte for byte.
follow_equals() {  # PCAP KEYS CONN DIR EXPECTED
    local out=$work/follow.out
    "$BIN" follow "$1" --keylog "$2" --conn "$3" --dir "$4" --show-secrets >"$out" 2>"$work/follow.err" \
        || { echo "  follow exited $?: $(head -c 300 "$work/follow.err")"; return 1; }
    cmp "$out" "$5" || { echo "  follow gave $(stat -c %s "$out") bytes, tshark $(stat -c %s "$5")"; return 1; }
}
while IFS=$'\t' read -r name pcap keys description conns; do
    for ((k = 1; k <= conns; k++)); do
        for dir in c2s s2c; do
            expected=$OUTDIR/$name.$dir.tshark
            [[ $k -gt 1 ]] && expected=$OUTDIR/$name.conn$k.$dir.tshark
            check "follow $name connection $k $dir equals tshark ($(stat -c %s "$expected") bytes)" \
                follow_equals "$OUTDIR/$pcap" "$OUTDIR/$keys" "$((k - 1 + BASE))" "$dir" "$expected"
        done
    done
done <"$OUTDIR/cases.tsv"

# 3. replay --keylog: a tls record per connection, decrypted, with what tshark read.
while IFS=$'\t' read -r name pcap keys description conns; do
    "$BIN" replay "$OUTDIR/$pcap" --keylog "$OUTDIR/$keys" --json >"$work/$name.jsonl" 2>"$work/$name.err" || true
    facts=$OUTDIR/$name.facts.json
    check "replay --keylog $name: $conns decrypted tls record(s) with tshark's version, suite, SNI and ALPN" \
        test "$(jq -c --slurpfile f "$facts" '
            select(.event == "tls" and .decrypted == true
                   and .tls.version == "TLSv" + $f[0].version and .tls.suite == $f[0].suite and .tls.sni == $f[0].sni
                   and ((.tls.alpn // "") == $f[0].alpn))' "$work/$name.jsonl" | wc -l)" -eq "$conns"
    if [[ $conns -gt 1 ]]; then
        check "replay --keylog $name: the second connection reported resumed" \
            test "$(jq -c 'select(.event == "tls" and .tls.resumed == true)' "$work/$name.jsonl" | wc -l)" -eq "$((conns - 1))"
    fi
done <"$OUTDIR/cases.tsv"
for name in starttls-prosody-tls13 starttls-prosody-tls12; do
    check "replay --keylog $name: inside TLS, bind and 25 pings each paired with rtt, the ~39 KB message both ways" bash -c "
        [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$work/$name.jsonl' | wc -l) -eq 0 ]] &&
        [[ \$(jq -c 'select(.kind == \"iq\" and .type == \"result\" and .rtt_ms != null and ((.id | startswith(\"ping-\")) or .id == \"last-1\" or .id == \"bind-1\"))' '$work/$name.jsonl' | wc -l) -eq 26 ]] &&
        [[ \$(jq -c 'select(.kind == \"message\" and .id == \"big-1\" and .size > 38000)' '$work/$name.jsonl' | wc -l) -eq 2 ]]"
done
first=$(head -n 1 "$OUTDIR/cases.tsv" | cut -f1)
"$BIN" replay "$CAPTURES/c2s-starttls-keylog.pcap" --keylog "$OUTDIR/$first.keys" --json >"$work/wrongkeys.jsonl" 2>/dev/null || true
check "replay with another session's key log: each tls record says not decrypted, and why" \
    test "$(jq -c 'select(.event == "tls" and .decrypted == false and (.tls.reason | length) > 0)' "$work/wrongkeys.jsonl" | wc -l)" -eq 2

# 4. Key-logged Prosody + slixmpp sessions against the plaintext one: the same stanzas (ids that
#    slixmpp or Prosody made up at random count as null), the same iq outcomes.
stanzas() {  # LOG EXPECT-JSON: [dir,kind,type,id] of each answered stanza, sorted
    jq -c --slurpfile e "$2" '($e[0] | [.iqs[].id, .messages_sent[].id] | unique) as $ids
        | select(.event == "stanza" and (.unanswered | not))
        | [.dir, .kind, .type, (if (.id | IN($ids[])) then .id else null end)]' "$1" | sort
}
conditions() { jq -r 'select(.error.condition != null) | [.dir, .kind, .id, .error.condition] | @tsv' "$1" | sort; }
plain=$REPO/captures/c2s-plain
"$BIN" replay "$plain.pcap" --json >"$work/plain.jsonl"
for name in c2s-starttls-keylog c2s-directtls-keylog; do
    capture=$CAPTURES/$name
    if [[ ! -f $capture.pcap ]]; then
        [[ $name == c2s-starttls-keylog ]] && check "$capture.pcap exists" false
        continue
    fi
    "$BIN" replay "$capture.pcap" --keylog "$capture.keys" --json >"$work/$name.jsonl" 2>"$work/$name.err" || true
    check "$name: replay --keylog decrypts both connections" \
        test "$(jq -c 'select(.event == "tls" and .decrypted == true and (.tls.version | startswith("TLSv1.")))' "$work/$name.jsonl" | wc -l)" -eq 2
    check "$name: the clients saw the iq outcomes of the plaintext session" \
        cmp <(jq -c '.iqs' "$capture.expect.json") <(jq -c '.iqs' "$plain.expect.json")
    check "$name: replay --keylog gives the stanzas of the plaintext session" \
        diff <(stanzas "$work/plain.jsonl" "$plain.expect.json") <(stanzas "$work/$name.jsonl" "$capture.expect.json")
    check "$name: every iq paired, with rtt" bash -c "
        [[ \$(jq -c 'select(.unanswered or .unmatched_response)' '$work/$name.jsonl' | wc -l) -eq 0 ]] &&
        [[ \$(jq -c 'select(.kind == \"iq\" and .rtt_ms != null)' '$work/$name.jsonl' | wc -l) -ge \$(jq '.iqs | length' '$capture.expect.json') ]]"
    check "$name: the errors of the plaintext session, with their conditions" \
        diff <(conditions "$work/plain.jsonl") <(conditions "$work/$name.jsonl")
done

echo "tls-cross-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
