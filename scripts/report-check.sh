#!/usr/bin/env bash
# `xmppscope report` from the command line, on the project's own captures (no peers, no browser:
# ReportBrowserTests loads the pages in Chromium):
#  - the same input gives the same bytes; a log gives the same page as the capture it was made of;
#  - credentials are redacted unless --show-secrets; -f keeps only what it matches;
#  - a missing input and an unwritable page are clear errors with their exit status.
#   scripts/report-check.sh XMPPSCOPE_BINARY
# Prints "ok: …" / "FAILED: …" lines and "report-check: N passed, M failed"; exits 1 on a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:?usage: scripts/report-check.sh XMPPSCOPE_BINARY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() {  # DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $description"
    else failed=$((failed + 1)); echo "FAILED: $description"; fi
}
# The records block of a page, one record a line.
records() { awk '/id="xmppscope-records">/{inside=1; next} inside && /<\/script>/{exit} inside && NF' "$1"; }

plain=captures/c2s-plain.pcap
"$bin" report "$plain" -o "$work/a.html" 2>"$work/a.err"
"$bin" report "$plain" -o "$work/b.html" 2>/dev/null
check "the same capture gives the same bytes" cmp -s "$work/a.html" "$work/b.html"
expected=$("$bin" replay "$plain" --json | wc -l)
check "the page holds every record of the replay ($expected)" test "$(records "$work/a.html" | wc -l)" -eq "$expected"
check "the command says what it wrote" grep -q "^wrote $work/a.html: $expected records, " "$work/a.err"

"$bin" replay "$plain" --json >"$work/session.jsonl"
"$bin" report "$plain" --title session -o "$work/from-capture.html" 2>/dev/null
"$bin" report "$work/session.jsonl" --title session -o "$work/from-log.html" 2>/dev/null
check "a log gives the same page as its capture" cmp -s "$work/from-capture.html" "$work/from-log.html"

secret=$(printf '\0alice\0xmppscope-test-password' | base64)
check "no credentials in the page" bash -c "! grep -qF -- '$secret' '$work/a.html' && grep -qF '[redacted 40 bytes]' '$work/a.html'"
"$bin" report "$plain" --show-secrets -o "$work/secrets.html" 2>/dev/null
check "--show-secrets keeps them" grep -qF -- "$secret" "$work/secrets.html"

iqs=$("$bin" grep -f 'iq' "$work/session.jsonl" | wc -l)
"$bin" report "$plain" -f iq -o "$work/iq.html" 2>/dev/null
check "-f iq keeps the $iqs iq records only" test "$(records "$work/iq.html" | wc -l)" -eq "$iqs"
check "-f iq: every record kept is an iq" test "$(records "$work/iq.html" | grep -c '"kind":"iq"')" -eq "$iqs"

(cd "$work" && "$OLDPWD/$bin" report "$OLDPWD/$plain" 2>/dev/null)
check "without -o the page is named after the input, in the current folder" cmp -s "$work/a.html" "$work/c2s-plain.html"

set +e
"$bin" report "$work/missing.pcap" -o "$work/missing.html" 2>"$work/missing.err"; status=$?
set -e
check "a missing input: exit 2" test "$status" -eq 2
check "a missing input: named in the error" grep -q "missing.pcap" "$work/missing.err"
check "a missing input: no page" test ! -e "$work/missing.html"
set +e
"$bin" report "$work/missing.pcap" "$plain" -o "$work/partial.html" 2>/dev/null; status=$?
set -e
check "one input missing of two: exit 2, the other one's page written" test "$status" -eq 2 -a "$(records "$work/partial.html" | wc -l)" -eq "$expected"
set +e
"$bin" report "$plain" -o "$work/no/such/folder/page.html" 2>"$work/unwritable.err"; status=$?
set -e
check "an unwritable page: exit 1" test "$status" -eq 1
check "an unwritable page: 'cannot write' and the path" grep -q "cannot write $work/no/such/folder/page.html" "$work/unwritable.err"

echo "report-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
