#!/usr/bin/env bash
# scripts/hostile-2gb.sh - does replay memory stay flat on a huge capture?
#
# Generates synthetic XMPP captures of about 200 MB and 2 GB (Benchmarks/replay/synth-capture.c,
# unchanged, written to disk as it goes), runs `xmppscope replay FILE --json | wc -l` on each under
# /usr/bin/time -v, and prints wall time, records and peak RSS. Flat memory: both peaks about equal.
# Each capture is deleted as soon as it has been replayed (and on exit, whatever happens).
#
# Environment (defaults in brackets):
#   XMPPSCOPE_BIN [build <repo>/.build-hostile-rel/release/xmppscope]  binary to run
#   HOSTILE_SIZES_MB ["200 2000"]   capture sizes, MB (10^6 bytes) of file
#   HOSTILE_CONNS [200]             connections in each capture
#   HOSTILE_WORK [/tmp/xmppscope-hostile-2gb]  where the generator and captures go
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES_MB=${HOSTILE_SIZES_MB:-"200 2000"}
CONNS=${HOSTILE_CONNS:-200}
WORK=${HOSTILE_WORK:-/tmp/xmppscope-hostile-2gb}
TIME=/usr/bin/time

die() { echo "hostile-2gb.sh: $*" >&2; exit 1; }
for size in $SIZES_MB; do [[ $size =~ ^[0-9]+$ ]] || die "HOSTILE_SIZES_MB: '$size' is not a number"; done
[[ $CONNS =~ ^[0-9]+$ ]] || die "HOSTILE_CONNS must be a number"
command -v gcc >/dev/null || die "gcc not found (apt-get install gcc)"
command -v pkg-config >/dev/null || die "pkg-config not found (apt-get install pkg-config)"
if [ ! -x "$TIME" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y time >/dev/null
    fi
    [ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
fi

mkdir -p "$WORK"
CAPTURE=""
cleanup() { if [ -n "$CAPTURE" ]; then rm -f "$CAPTURE"; fi; rm -f "$WORK"/calibrate.pcap; }
trap cleanup EXIT

# Disk: the largest capture, plus 10%.
largest=0
for size in $SIZES_MB; do (( size > largest )) && largest=$size; done
free_mb=$(( $(df -Pk "$WORK" | awk 'NR == 2 { print $4 }') / 1000 ))
(( free_mb > largest * 11 / 10 )) || die "$WORK has ${free_mb} MB free, the largest capture needs ${largest} MB"

if [ -z "${XMPPSCOPE_BIN:-}" ]; then
    echo "+ swift build -c release --product xmppscope --scratch-path $ROOT/.build-hostile-rel"
    (cd "$ROOT" && swift build -c release --product xmppscope --scratch-path .build-hostile-rel) >"$WORK/swift-build.log" 2>&1 \
        || die "swift build failed (see $WORK/swift-build.log)"
    XMPPSCOPE_BIN=$ROOT/.build-hostile-rel/release/xmppscope
fi
[ -x "$XMPPSCOPE_BIN" ] || die "$XMPPSCOPE_BIN is not an executable"

SYNTH=$WORK/synth-capture
if [ ! -x "$SYNTH" ] || [ "$ROOT/Benchmarks/replay/synth-capture.c" -nt "$SYNTH" ]; then
    # shellcheck disable=SC2046
    gcc -O2 -Wall -Wextra -o "$SYNTH" "$ROOT/Benchmarks/replay/synth-capture.c" $(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
fi

# File bytes per stanza, from a 100,000-stanza capture.
"$SYNTH" "$WORK/calibrate.pcap" --stanzas 100000 --conns "$CONNS" --seed 1 2>/dev/null
per_stanza=$(( $(stat -c %s "$WORK/calibrate.pcap") / 100000 ))
rm -f "$WORK/calibrate.pcap"

echo "== xmppscope replay --json on big captures ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)"
echo "binary: $XMPPSCOPE_BIN"
echo "capture: $SYNTH FILE --stanzas N --conns $CONNS --seed 1   (about $per_stanza file bytes a stanza)"
echo "measure: $TIME -v $XMPPSCOPE_BIN replay FILE --json | wc -l"
echo
printf '%10s %10s %12s %10s %10s %12s %12s\n' "file MB" stanzas "payload MB" "gen s" "replay s" "JSON lines" "peak RSS MiB"
declare -a PEAKS=()
for size in $SIZES_MB; do
    stanzas=$(( size * 1000000 / per_stanza ))
    CAPTURE=$WORK/hostile-${size}MB.pcap
    t0=$EPOCHREALTIME
    "$SYNTH" "$CAPTURE" --stanzas "$stanzas" --conns "$CONNS" --seed 1 2>"$WORK/synth.info"
    t1=$EPOCHREALTIME
    payload=$(sed -n 's/.* payload_bytes=\([0-9]*\).*/\1/p' "$WORK/synth.info" | head -1)
    file_bytes=$(stat -c %s "$CAPTURE")
    lines=$("$TIME" -v -o "$WORK/time.txt" "$XMPPSCOPE_BIN" replay "$CAPTURE" --json | wc -l)
    rm -f "$CAPTURE"
    CAPTURE=""
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time.txt")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$WORK/time.txt")
    status=$(sed -n 's/.*Exit status: *//p' "$WORK/time.txt")
    [ "$status" = 0 ] || die "replay exited with status $status on the ${size} MB capture"
    (( lines >= stanzas )) || die "only $lines JSON lines for $stanzas stanzas on the ${size} MB capture"
    PEAKS+=("$rss_kb")
    printf '%10.1f %10s %12.1f %10.1f %10s %12s %12.1f\n' \
        "$(awk -v b="$file_bytes" 'BEGIN{print b / 1e6}')" "$stanzas" "$(awk -v b="$payload" 'BEGIN{print b / 1e6}')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" "$wall" "$lines" "$(awk -v k="$rss_kb" 'BEGIN{print k / 1024}')"
done
if (( ${#PEAKS[@]} >= 2 )); then
    echo
    echo "peak RSS, largest / smallest capture: $(awk -v a="${PEAKS[-1]}" -v b="${PEAKS[0]}" 'BEGIN{printf "%.2f", a / b}') (flat memory: about 1)"
fi
