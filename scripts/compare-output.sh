#!/usr/bin/env bash
# Shows that a change leaves xmppscope's output byte for byte as it was: replays every capture
# in captures/ and ../shared/captures-public with an old and a new build and compares
#   - the JSON Lines (`replay --json`) of each capture,
#   - the `--summary` of each capture,
#   - the pretty output (`replay --no-color`) of captures/c2s-plain.pcap and c2s-starttls.pcap,
#   - the JSON Lines and pretty output of text inputs full of errors: the seed notes
#     (../shared/seed, malformed examples among them) and the framer's fuzz findings,
#   - the JSON Lines of any further files named in $COMPARE_EXTRA (space-separated: the
#     benchmark's tiny-segment captures, say),
#   - `grep` (JSON Lines, pretty, --count, context and partners), `stats` (all, filtered) and
#     `report` (the page, the generator's version left out) on each capture, a log, and several
#     inputs at once with a missing file and a capture cut short between them.
# Usage: scripts/compare-output.sh OLD_REV            (builds OLD_REV in a worktree of its own)
#        OLD_BIN=path NEW_BIN=path scripts/compare-output.sh   (compares two binaries already built)
# Exits 0 when everything is identical, 1 with the first differing lines otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
out=$(mktemp -d)
tree=""
cleanup() {
    rm -rf "$out"
    if [[ -n $tree ]]; then git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [[ -z ${OLD_BIN:-} ]]; then
    rev=${1:?usage: scripts/compare-output.sh OLD_REV}
    tree=$root/.build-compare/tree
    rm -rf "$tree"; git worktree prune
    git worktree add --detach "$tree" "$rev" >/dev/null
    # Built as the new one is (this checkout's scripts/release-build.sh), so that only the
    # sources differ.
    scripts/release-build.sh --package-path "$tree" --scratch-path "$root/.build-compare/old" >&2
    OLD_BIN=$root/.build-compare/old/release/xmppscope
fi
if [[ -z ${NEW_BIN:-} ]]; then
    # The binary scripts/install.sh installs.
    scripts/release-build.sh >&2
    NEW_BIN=$(scripts/release-build.sh --show-bin-path)/xmppscope
fi

captures=(captures/*.pcap ../shared/captures-public/*.pcap)
compared=0 differing=0
normalize=0
report_page() {  # the page report wrote to $1 (none when it failed), without the build's version; removes it
    if [[ -f $1 ]]; then sed -E 's/xmppscope [0-9][0-9.]* \([^)]*\)/xmppscope V/g' "$1"; rm -f "$1"; fi
}
compare() {  # name, then the replay arguments
    local name=$1; shift
    compare_command "$name" replay "$@"
}
compare_command() {  # name, then the subcommand and its arguments
    local name=$1; shift
    # Exit status 2 (a damaged capture) is part of the output being compared.
    "$OLD_BIN" "$@" > "$out/$name.old" 2> "$out/$name.old.err" && s1=0 || s1=$?
    if [[ $1 == report ]]; then report_page "${@: -1}" > "$out/$name.old"; fi
    "$NEW_BIN" "$@" > "$out/$name.new" 2> "$out/$name.new.err" && s2=0 || s2=$?
    if [[ $1 == report ]]; then report_page "${@: -1}" > "$out/$name.new"; fi
    compared=$((compared + 1))
    if ((normalize)); then  # text has no capture times: replay stamps it with the clock
        sed -E -i 's/"ts":"[^"]*"/"ts":"T"/g; s/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} /T /' "$out/$name.old" "$out/$name.new"
    fi
    if ! cmp -s "$out/$name.old" "$out/$name.new" || ! cmp -s "$out/$name.old.err" "$out/$name.new.err" || [[ $s1 != "$s2" ]]; then
        differing=$((differing + 1))
        echo "DIFFERENT: $* (exit $s1 vs $s2)"
        diff "$out/$name.old" "$out/$name.new" | head -20 || true
        diff "$out/$name.old.err" "$out/$name.new.err" | head -5 || true
    else
        echo "identical: $*  ($(wc -l < "$out/$name.new") lines, $(wc -c < "$out/$name.new") bytes)"
    fi
}
for capture in "${captures[@]}"; do
    base=$(basename "$capture" .pcap)
    compare "$base.json" "$capture" --json
    compare "$base.summary" "$capture" --summary
done
compare c2s-plain.pretty captures/c2s-plain.pcap --no-color
compare c2s-starttls.pretty captures/c2s-starttls.pcap --no-color
texts=(../shared/seed/* Tests/XMPPCoreTests/FuzzInputs/* Fuzz/corpus/known/framer-*)
normalize=1
for text in "${texts[@]}"; do
    [[ -f $text ]] || continue
    base=$(basename "$text")
    # From the first '<' on: the notes' front matter and the fuzz inputs' flag bytes are not XML.
    python3 -c 'import sys; data = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(data[data.find(b"<"):] if b"<" in data else b"")' \
        "$text" > "$out/$base.xml"
    compare "$base.text.json" "$out/$base.xml" --json
    compare "$base.text.pretty" "$out/$base.xml" --no-color --full
done
normalize=0
for extra in ${COMPARE_EXTRA:-}; do
    compare "$(basename "$extra").extra.json" "$extra" --json
done
# grep, stats and report read captures as replay does (on three threads) and logs on one.
"$NEW_BIN" replay captures/c2s-misbehaving.pcap --json > "$out/misbehaving.jsonl" 2> /dev/null || true
head -c 30000 captures/c2s-plain.pcap > "$out/cut.pcap"
for input in "${captures[@]}" "$out/misbehaving.jsonl"; do
    base=$(basename "$input")
    keys=${input%.pcap}.keys
    keylog=(); [[ -f $keys ]] && keylog=(--keylog "$keys")
    compare_command "$base.grep.json" grep 'kind == "iq"' "$input" "${keylog[@]}" --json
    compare_command "$base.grep.pretty" grep 'kind == "message" || event == "finding"' "$input" "${keylog[@]}" --no-color
    compare_command "$base.grep.count" grep 'event == "stanza"' "$input" "${keylog[@]}" --count
    compare_command "$base.grep.context" grep 'type == "error"' "$input" "${keylog[@]}" --json -B 2 -A 1 --with-request
    compare_command "$base.stats" stats "$input" "${keylog[@]}"
    compare_command "$base.stats.c2s" stats "$input" "${keylog[@]}" -f 'dir == "c2s"'
    compare_command "$base.report" report "$input" "${keylog[@]}" -o "$out/page.html"
done
several=(captures/c2s-plain.pcap "$out/misbehaving.jsonl" "$out/cut.pcap" /nonexistent.pcap captures/c2s-misbehaving.pcap)
compare_command several.grep grep 'kind == "iq"' "${several[@]}" --json -B 1
compare_command several.stats stats "${several[@]}"
compare_command several.report report "${several[@]}" -f 'kind == "iq"' -o "$out/page.html"
echo "$compared compared, $differing different"
[[ $differing -eq 0 ]]
