#!/usr/bin/env bash
# Builds the release binary: the one scripts/install.sh installs and Benchmarks/*/run*.sh
# measure, so that what is measured is what is installed. One place says how it is built:
#   - the Swift runtime and Foundation linked statically (--static-swift-stdlib);
#   - scratch path .build-install, which the install and the benchmarks share (the same flags,
#     so neither compiles everything again after the other); a --scratch-path given here comes
#     later and wins (a relative one is taken from the repository's root);
#   - cross-module optimisation for every module, the dependencies included. Package.swift gives
#     it to this package's own targets, but can give flags to no one else's, and swift-crypto's
#     `AES.GCM.open` is generic and not inlinable: compiled apart, every TLS record is opened
#     through unspecialised code that looks up type metadata at run time. Compiled with it, the
#     call is specialised where it is made (callgrind, 10,000 TLS stanzas: 596 M → 572 M
#     instructions, the plaintext replay unchanged; the build takes as long). The flag has crashed
#     compilers before (swiftlang/swift#73487, fixed in 6.0): XMPPSCOPE_DEPS_CMO=0 leaves it out.
# Arguments are passed on to `swift build` (scripts/install.sh passes --show-bin-path). The
# command is printed on standard error first, so a build log says how the binary was made.
#
#   scripts/release-build.sh [swift build options]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command=(swift build --configuration release --scratch-path .build-install --static-swift-stdlib)
case ${XMPPSCOPE_DEPS_CMO:-1} in
    1) command+=(-Xswiftc -cross-module-optimization) ;;
    0) ;;
    *) echo "release-build.sh: XMPPSCOPE_DEPS_CMO is 1 (the default) or 0, not '$XMPPSCOPE_DEPS_CMO'" >&2; exit 2 ;;
esac
command+=(--product xmppscope "$@")
echo "+ ${command[*]}" >&2
exec "${command[@]}"
