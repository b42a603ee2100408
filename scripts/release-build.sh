#!/usr/bin/env bash
# Builds the release binary: the one scripts/install.sh installs and Benchmarks/*/run*.sh
# measure, so that what is measured is what is installed. One place says how it is built:
#   - the Swift runtime and Foundation linked statically (--static-swift-stdlib);
#   - scratch path .build-install, which the install and the benchmarks share (the same flags,
#     so neither compiles everything again after the other);
#   - cross-module optimisation for every module, the dependencies included. Package.swift gives
#     it to this package's own targets, but can give flags to no one else's, and swift-crypto's
#     `AES.GCM.open` is generic and not inlinable: compiled apart, every TLS record is opened
#     through unspecialised code that looks up type metadata at run time. Compiled with it, the
#     call is specialised where it is made (callgrind, 10,000 TLS stanzas: 596 M → 572 M
#     instructions, the plaintext replay unchanged; the build takes as long).
# Arguments are passed on to `swift build` (scripts/install.sh passes --show-bin-path).
#
#   scripts/release-build.sh [swift build options]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec swift build --configuration release --scratch-path .build-install --static-swift-stdlib \
    -Xswiftc -cross-module-optimization --product xmppscope "$@"
