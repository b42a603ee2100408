#!/usr/bin/env bash
# Runs the Swift tests under a sanitizer, in a build folder of its own:
#   scripts/sanitize.sh thread|address [swift test options...]
# ThreadSanitizer checks the two-stage replay pipeline, the proxy's event loop hand-offs and the
# key log; AddressSanitizer the libxml2/libpcap/zlib/libresolv boundaries. Any report fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?usage: scripts/sanitize.sh thread|address}
shift
case $kind in
    thread|address) ;;
    *) echo "sanitize.sh: thread or address, not '$kind'" >&2; exit 2 ;;
esac
# One known blind spot of ThreadSanitizer with Swift's reference counting is suppressed (the file says which).
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}"
# libxml2 and libpcap are not instrumented; leaks inside them at exit are not ours to fix here.
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=0 ${ASAN_OPTIONS:-}"
swift build --build-tests --sanitize="$kind" --scratch-path ".build-$kind"
swift test --disable-xctest --skip-build --sanitize="$kind" --scratch-path ".build-$kind" "$@"
