#!/usr/bin/env bash
# Builds a Debian package, OUTDIR/xmppscope_VERSION_ARCH.deb (OUTDIR: default the current folder),
# from the files scripts/install.sh stages with PREFIX=/usr. Depends: is computed by
# dpkg-shlibdeps from the libraries the binary links (libxml2, libpcap0.8, zlib1g, libc6,
# libstdc++6, libgcc-s1; the Swift runtime is linked in). Needs dpkg-dev.
#
#   scripts/build-deb.sh [OUTDIR]
#   apt-get install ./xmppscope_0.13.0_amd64.deb
set -euo pipefail
outdir=$(realpath "${1:-.}")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is missing (apt-get install dpkg-dev)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/xmppscope
DESTDIR=$stage scripts/install.sh /usr

# "0.13.0 (cf1ea32)" → 0.13.0
version=$("$stage/usr/bin/xmppscope" --version | cut -d' ' -f1)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-deb.sh: no version from --version: '$version'" >&2; exit 1; }
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

# Debian's layout: man pages gzipped, a copyright file.
gzip -9n "$stage/usr/share/man/man1/xmppscope.1"
install -d "$stage/usr/share/doc/xmppscope"
cat >"$stage/usr/share/doc/xmppscope/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: xmppscope
Comment: Shows exactly what an XMPP client and server say to each other. The Swift runtime,
 swift-nio, swift-nio-ssl (BoringSSL), swift-crypto, swift-certificates, swift-asn1, swift-log and
 swift-argument-parser are linked in, each under its own licence (Apache-2.0 with the Runtime
 Library Exception for Swift; Apache-2.0, ISC and OpenSSL for BoringSSL).
EOF

# dpkg-shlibdeps reads debian/control of the current folder: give it a minimal one.
mkdir -p "$work/src/debian"
printf 'Source: xmppscope\n\nPackage: xmppscope\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$stage/usr/bin/xmppscope" 2>"$work/shlibdeps.err" \
    | sed -n 's/^shlibs:Depends=//p') \
    || { cat "$work/shlibdeps.err" >&2; exit 1; }
for library in libxml2 libpcap0.8 zlib1g libc6; do
    [[ ", $depends" == *", $library "* ]] || { echo "build-deb.sh: Depends '$depends' lacks $library" >&2; exit 1; }
done

install -d "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: xmppscope
Version: $version
Architecture: $arch
Maintainer: xmppscope maintainers <maintainers@users.noreply.r-seed-9bfaf25f.example>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: XMPP traffic inspector: captures, proxy, protocol checks
 Shows exactly what an XMPP client and server say to each other. Replay a capture
 (pcap, pcapng) or an XML console dump, watch a live interface, or sit between a
 client and its server as a proxy: every stream header, stanza and nonza whole,
 iqs paired with their round trip, errors decoded, namespaces labelled, TLS
 decrypted from key logs, WebSocket and BOSH, and protocol checks that say what
 was said wrongly. Credentials are redacted.
EOF
(cd "$stage" && find usr -type f -exec md5sum {} + | sort -k2) >"$stage/DEBIAN/md5sums"

deb="$outdir/xmppscope_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
