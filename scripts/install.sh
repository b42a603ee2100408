#!/usr/bin/env bash
# Installs xmppscope under PREFIX (default /usr/local):
#   PREFIX/bin/xmppscope                                   release build, Swift runtime linked statically
#   PREFIX/share/man/man1/xmppscope.1                      swift-argument-parser's generate-manual plugin
#   PREFIX/share/bash-completion/completions/xmppscope     xmppscope --generate-completion-script bash
#   PREFIX/share/zsh/site-functions/_xmppscope             ... zsh
#   PREFIX/share/fish/vendor_completions.d/xmppscope.fish  ... fish
# The build has a scratch path of its own (.build-install), so the debug build in .build is left
# alone; a second run only checks that nothing changed. DESTDIR=DIR stages the files under DIR
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
build=(--configuration release --scratch-path "$scratch")

echo "install.sh: building (release, static Swift runtime) in $scratch" >&2
# The manual: the plugin builds the package in release mode and writes the page from the built
# tool's --experimental-dump-help. It runs first because its build links without
# --static-swift-stdlib; the build below links the binary that is installed.
manual=$(mktemp -d)
trap 'rm -rf "$manual"' EXIT
# The page's date is the commit's, so the same commit gives the same page.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
swift package "${build[@]}" plugin generate-manual --date "$date" >"$manual/plugin.log" 2>&1 \
    || { cat "$manual/plugin.log" >&2; echo "install.sh: generate-manual failed" >&2; exit 1; }
page=$(find "$scratch/plugins/GenerateManual/outputs" -name xmppscope.1 -newer "$manual" | head -n 1)
[[ -n $page ]] || { cat "$manual/plugin.log" >&2; echo "install.sh: generate-manual wrote no xmppscope.1" >&2; exit 1; }
cp "$page" "$manual/xmppscope.1"

swift build "${build[@]}" --static-swift-stdlib --product xmppscope >&2
binary="$(swift build "${build[@]}" --static-swift-stdlib --show-bin-path)/xmppscope"
if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime' >&2; then
    echo "install.sh: $binary links the Swift runtime dynamically (above)" >&2
    exit 1
fi

install -D -m 0755 "$binary" "$root/bin/xmppscope"
install -D -m 0644 "$manual/xmppscope.1" "$root/share/man/man1/xmppscope.1"
"$binary" --generate-completion-script bash >"$manual/bash"
"$binary" --generate-completion-script zsh >"$manual/zsh"
"$binary" --generate-completion-script fish >"$manual/fish"
install -D -m 0644 "$manual/bash" "$root/share/bash-completion/completions/xmppscope"
install -D -m 0644 "$manual/zsh" "$root/share/zsh/site-functions/_xmppscope"
install -D -m 0644 "$manual/fish" "$root/share/fish/vendor_completions.d/xmppscope.fish"

echo "installed $("$binary" --version) in $root:" >&2
for file in bin/xmppscope share/man/man1/xmppscope.1 share/bash-completion/completions/xmppscope \
            share/zsh/site-functions/_xmppscope share/fish/vendor_completions.d/xmppscope.fish; do
    echo "  $root/$file" >&2
done
