#!/usr/bin/env bash
# Shows that a change leaves xmppscope's output byte for byte as it was: replays every capture
# in captures/ and ../shared/captures-public with an old and a new build and compares
#   - the JSON Lines (`replay --json`) of each capture,
#   - the `--summary` of each capture,
#   - the pretty output (`replay --no-color`) of captures/c2s-plain.pcap and c2s-starttls.pcap,
#   - the JSON Lines and pretty output of text inputs full of errors: the seed notes
#     (../shared/seed, malformed examples among them) and the framer's fuzz findings,
#   - the JSON Lines of any further files named in $COMPARE_EXTRA (space-separated: the
#     benchmark's tiny-segment captures, say).
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
    swift build -c release --product xmppscope --package-path "$tree" --scratch-path "$root/.build-compare/old" >&2
    OLD_BIN=$root/.build-compare/old/release/xmppscope
fi
if [[ -z ${NEW_BIN:-} ]]; then
    swift build -c release --product xmppscope >&2
    NEW_BIN=$root/.build/release/xmppscope
fi

captures=(captures/*.pcap ../shared/captures-public/*.pcap)
compared=0 differing=0
normalize=0
compare() {  # name, then the replay arguments
    local name=$1; shift
    # Exit status 2 (a damaged capture) is part of the output being compared.
    "$OLD_BIN" replay "$@" > "$out/$name.old" 2> "$out/$name.old.err" && s1=0 || s1=$?
    "$NEW_BIN" replay "$@" > "$out/$name.new" 2> "$out/$name.new.err" && s2=0 || s2=$?
    compared=$((compared + 1))
    if ((normalize)); then  # text has no capture times: replay stamps it with the clock
        sed -E -i 's/"ts":"[^"]*"/"ts":"T"/g; s/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} /T /' "$out/$name.old" "$out/$name.new"
    fi
    if ! cmp -s "$out/$name.old" "$out/$name.new" || ! cmp -s "$out/$name.old.err" "$out/$name.new.err" || [[ $s1 != "$s2" ]]; then
        differing=$((differing + 1))
        echo "DIFFERENT: replay $* (exit $s1 vs $s2)"
        diff "$out/$name.old" "$out/$name.new" | head -20 || true
        diff "$out/$name.old.err" "$out/$name.new.err" | head -5 || true
    else
        echo "identical: replay $*  ($(wc -l < "$out/$name.new") lines, $(wc -c < "$out/$name.new") bytes)"
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
echo "$compared compared, $differing different"
[[ $differing -eq 0 ]]
