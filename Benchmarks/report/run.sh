#!/usr/bin/env bash
# Benchmarks/report/run.sh - the HTML report at 100k stanzas, one run:
#   1. a synthetic plaintext capture (Benchmarks/replay/synth-capture.c) of BENCH_STANZAS stanzas;
#   2. `xmppscope report CAPTURE -o PAGE`: generation wall time, peak RSS, page bytes;
#   3. the page opened from disk in headless Chromium (scripts/peers/browser/check_report.py
#      --load-only): seconds from Page.navigate until the page sets <html data-ready="1">
#      (every record parsed, the tables, the first connection's sequence view and the list drawn),
#      and how many DOM elements the page holds then (the lists are virtual: it stays small).
# Everything it builds or generates goes to $BENCH_WORK (default Benchmarks/report/.build-bench/,
# which ignores itself in git). No network access; Chromium gets --proxy-server=127.0.0.1:9.
#
# Environment (defaults in brackets):
#   BENCH_STANZAS [100000]   stanzas in the capture (depth-1 elements, as the generator counts)
#   BENCH_CONNS [200]        connections
#   BENCH_SEED [1]           generator seed
#   BENCH_REPEAT [1]         page loads in Chromium, each with a fresh browser; all are printed
#   BENCH_TIMEOUT [600]      seconds per step
#   BENCH_BUILD_SWIFT [1]    0: do not run swift build, use what exists
#   BENCH_XMPPSCOPE [<repo>/.build-install/release/xmppscope, built as scripts/install.sh builds it: Swift runtime linked statically]
#   BENCH_WORK [Benchmarks/report/.build-bench]
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$ROOT/Benchmarks/lib.sh"

STANZAS=${BENCH_STANZAS:-100000}
CONNS=${BENCH_CONNS:-200}
SEED=${BENCH_SEED:-1}
REPEAT=${BENCH_REPEAT:-1}
TIMEOUT=${BENCH_TIMEOUT:-600}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
XMPPSCOPE=${BENCH_XMPPSCOPE:-$ROOT/.build-install/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}
for v in STANZAS CONNS SEED REPEAT TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a number" >&2; exit 2; }
done

need gcc "apt-get install gcc"
need chromium "apt-get install chromium (scripts/install-deps.sh does)"
need python3 "apt-get install python3"
need timeout "coreutils"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "run.sh: $TIME not found (apt-get install time)" >&2; exit 1; }

mkdir -p "$WORK"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
SYNTH=$WORK/synth-capture
CAPTURE=$WORK/synth-n$STANZAS-c$CONNS-s$SEED.pcap
PAGE=$WORK/report-n$STANZAS-c$CONNS-s$SEED.html
PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)

echo "== xmppscope report benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "chromium: $(chromium --version 2>/dev/null | head -1)"

if [ "$BUILD_SWIFT" = 1 ]; then
    "$ROOT/scripts/release-build.sh" >"$WORK/build.log" 2>&1 \
        || { echo "run.sh: swift build failed, see $WORK/build.log" >&2; exit 1; }
fi
[ -x "$XMPPSCOPE" ] || { echo "run.sh: $XMPPSCOPE not found (BENCH_XMPPSCOPE, or BENCH_BUILD_SWIFT=1)" >&2; exit 1; }
[ -x "$SYNTH" ] || gcc -O2 -Wall -Wextra -o "$SYNTH" "$ROOT/Benchmarks/replay/synth-capture.c" $PCAP_LIBS
[ -s "$CAPTURE" ] || timeout "$TIMEOUT" "$SYNTH" "$CAPTURE" --stanzas "$STANZAS" --conns "$CONNS" --seed "$SEED" >/dev/null

run_one "$TIMEOUT" "$WORK/report.out" "$XMPPSCOPE" report "$CAPTURE" -o "$PAGE"
[ "$R_RC" = 0 ] || { echo "run.sh: xmppscope report failed ($R_RC): $(cat "$WORK/cmd.err")" >&2; exit 1; }
GEN_WALL=$R_WALL GEN_RSS=$R_RSS
RECORDS=$(sed -n 's/.*: \([0-9]*\) records.*/\1/p' "$WORK/cmd.err")
BYTES=$(stat -c %s "$PAGE")

echo
echo "capture:     $CAPTURE ($STANZAS stanzas, $CONNS connections, $(stat -c %s "$CAPTURE") bytes)"
echo "records:     $RECORDS"
echo "page bytes:  $BYTES ($(awk -v b="$BYTES" 'BEGIN{printf "%.1f", b / 1e6}') MB)"
echo "generation:  ${GEN_WALL} s wall, ${GEN_RSS:-?} KiB peak RSS (xmppscope report)"
for i in $(seq 1 "$REPEAT"); do
    timeout --kill-after=10 "$TIMEOUT" python3 "$ROOT/scripts/peers/browser/check_report.py" "$PAGE" --load-only \
        --timeout "$TIMEOUT" >"$WORK/load.json"
    python3 - "$WORK/load.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
problems = len(d["console"]) + len(d["exceptions"]) + len(d["log"])
others = [u for u in d["requests"] if not u.startswith("file://")]
print(f"load:        {d['load_seconds']:.3f} s in Chromium until ready ({d['items']} rows in the list, "
      f"{d['dom_nodes']} DOM elements; console/exceptions/log entries: {problems}; other requests: {len(others)})")
EOF
done
