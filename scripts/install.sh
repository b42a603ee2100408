#!/usr/bin/env bash
# Installs xmppscope under PREFIX (default /usr/local):
#   PREFIX/bin/xmppscope                                   scripts/release-build.sh's build (the Swift
#                                                          runtime linked statically)
#   PREFIX/share/man/man1/xmppscope.1                      swift-argument-parser's generate-manual
#   PREFIX/share/bash-completion/completions/xmppscope     xmppscope --generate-completion-script bash
#   PREFIX/share/zsh/site-functions/_xmppscope             ... zsh
#   PREFIX/share/fish/vendor_completions.d/xmppscope.fish  ... fish
# The build has a scratch path of its own (.build-install, shared with the benchmarks, which
# measure the same binary), so the debug build in .build is left alone; a second run only checks
# that nothing changed. DESTDIR=DIR stages the files under DIR
# (scripts/build-deb.sh does, with PREFIX=/usr). Needs libxml2-dev, libpcap-dev and zlib1g-dev
# (scripts/install-deps.sh --build-only).
#
#   scripts/install.sh [PREFIX]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prefix=${1:-/usr/local}
[[ $prefix == /* ]] || { echo "install.sh: PREFIX must be an absolute path, not '$prefix'" >&2; exit 2; }
root="${DESTDIR:-}$prefix"
scratch=.build-install

echo "install.sh: building (scripts/release-build.sh: release, static Swift runtime) in $scratch" >&2
scripts/release-build.sh >&2
binary="$(scripts/release-build.sh --show-bin-path)/xmppscope"
if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime' >&2; then
    echo "install.sh: $binary links the Swift runtime dynamically (above)" >&2
    exit 1
fi

# The man page: swift-argument-parser's generate-manual tool, the one its `generate-manual`
# command plugin runs, built from the resolved argument-parser (a copy, so the checkout stays
# clean) and run on the binary above. Not the plugin itself: it builds the whole package again
# in release mode without --static-swift-stdlib, which changes every compile command, so each
# install would compile everything twice.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
parser=$scratch/checkouts/swift-argument-parser
tool_source=$scratch/generate-manual/source
[[ -f $parser/Tools/generate-manual/GenerateManual.swift ]] \
    || { echo "install.sh: no generate-manual in $parser" >&2; exit 1; }
rm -rf "$tool_source" && mkdir -p "$tool_source"
tar -C "$parser" --exclude=.git -cf - . | tar -C "$tool_source" -xf -
swift build --package-path "$tool_source" --scratch-path "$scratch/generate-manual/build" --product generate-manual \
    >"$work/generate-manual.log" 2>&1 || { cat "$work/generate-manual.log" >&2; exit 1; }
tool="$(swift build --package-path "$tool_source" --scratch-path "$scratch/generate-manual/build" --show-bin-path)/generate-manual"
# The page's date is the commit's, so the same commit gives the same page.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
"$tool" "$binary" --date "$date" --output-directory "$work" >&2
[[ -s $work/xmppscope.1 ]] || { echo "install.sh: generate-manual wrote no xmppscope.1" >&2; exit 1; }
# A blank line in a help text (between paragraphs) comes out as an empty line, which mdoc warns
# about ("Empty input line"): .Pp is its paragraph break.
sed -i 's/^[[:space:]]*$/.Pp/' "$work/xmppscope.1"

install -D -m 0755 "$binary" "$root/bin/xmppscope"
# Without DWARF (145 MB → 97 MB); the symbol table stays, so a crash's backtrace names functions.
strip --strip-debug "$root/bin/xmppscope"
install -D -m 0644 "$work/xmppscope.1" "$root/share/man/man1/xmppscope.1"
"$binary" --generate-completion-script bash >"$work/bash"
"$binary" --generate-completion-script zsh >"$work/zsh"
"$binary" --generate-completion-script fish >"$work/fish"
install -D -m 0644 "$work/bash" "$root/share/bash-completion/completions/xmppscope"
install -D -m 0644 "$work/zsh" "$root/share/zsh/site-functions/_xmppscope"
install -D -m 0644 "$work/fish" "$root/share/fish/vendor_completions.d/xmppscope.fish"

echo "installed $("$binary" --version) in $root:" >&2
for file in bin/xmppscope share/man/man1/xmppscope.1 share/bash-completion/completions/xmppscope \
            share/zsh/site-functions/_xmppscope share/fish/vendor_completions.d/xmppscope.fish; do
    echo "  $root/$file" >&2
done
