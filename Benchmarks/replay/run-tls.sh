#!/usr/bin/env bash
# Benchmarks/replay/run-tls.sh - TLS replay benchmark, one run, side by side:
#   xmppscope replay --keylog (TLS 1.3 capture)  vs  xmppscope replay (its plaintext twin)
#   vs  tshark with the same key log (and tshark on the twin, for reference)
# on synthetic captures written by synth-tls-capture.py: the TLS capture, its
# NSS key log and the plaintext twin (synth-capture.c's capture for the same
# parameters: the very same XMPP byte streams, without TLS).
#
# Everything it builds or generates goes to $BENCH_WORK (default
# Benchmarks/replay/.build-bench/, which ignores itself in git), shared with
# run.sh.  Captures are cached there by parameters; `rm -rf
# Benchmarks/replay/.build-bench` to start over.  No network access.
#
# Environment (defaults in brackets):
#   BENCH_STANZAS [100000]   main capture pair; the memory check uses 10x
#   BENCH_CONNS [200]        connections in the main and 10x captures
#   BENCH_REPEAT [1]         rounds: each measurement runs once a round, best wall time kept
#   BENCH_SEED [1]           generator seed
#   BENCH_TIMEOUT [600]      seconds per measurement
#   BENCH_TSHARK_PLAIN [1]   0: skip tshark on the plaintext twin (reference only)
#   BENCH_CHECK [1]          0: skip the untimed output checks
#   BENCH_BUILD_SWIFT [1]    0: do not run swift build, use what exists
#   BENCH_XMPPSCOPE [<repo>/.build-install/release/xmppscope, built as scripts/install.sh builds it: Swift runtime linked statically]
#   BENCH_WORK [Benchmarks/replay/.build-bench]
#
# Definitions: MB = 10^6 bytes of TCP payload of the capture read (the TLS
# capture carries ~6% more than its twin: handshakes, record headers and
# tags); stanzas = depth-1 XML elements, as counted by synth-capture (the same
# in both captures).  The TLS vs plaintext ratio compares stanzas/s (i.e. wall
# times for the same stanzas).  Wall time measured by this script around each
# command (so it includes process start-up); peak RSS from /usr/bin/time -f %M.
#
# tshark and XMPP inside TLS: Wireshark 4.0 dissects XMPP in TLS only after
# STARTTLS; for direct TLS (port 5223) neither 'Decode As' (tls.port has no
# xmpp entry) nor ALPN maps the decrypted data to XMPP.  The legacy
# tls.keys_list table (uat:ssl_keys: ip, port, protocol, key file) does: it
# associates 10.0.0.1:5223 with the xmpp dissector.  Its RSA key file (a
# throw-away key made here with openssl) must load but cannot decrypt TLS 1.3:
# the key log does all the decryption (without --keylog tshark shows no XMPP).

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$ROOT/Benchmarks/lib.sh"

STANZAS=${BENCH_STANZAS:-100000}
CONNS=${BENCH_CONNS:-200}
REPEAT=${BENCH_REPEAT:-1}
SEED=${BENCH_SEED:-1}
TIMEOUT=${BENCH_TIMEOUT:-600}
TSHARK_PLAIN=${BENCH_TSHARK_PLAIN:-1}
CHECK=${BENCH_CHECK:-1}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
XMPPSCOPE=${BENCH_XMPPSCOPE:-$ROOT/.build-install/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}
BIG_STANZAS=$((STANZAS * 10))

for v in STANZAS CONNS REPEAT SEED TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run-tls.sh: $v must be a number" >&2; exit 2; }
done
(( REPEAT >= 1 )) || { echo "run-tls.sh: BENCH_REPEAT must be at least 1" >&2; exit 2; }

mkdir -p "$WORK/captures"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
CAPS=$WORK/captures
SYNTH=$WORK/synth-capture
GEN=$HERE/synth-tls-capture.py
RSAKEY=$WORK/tshark-dummy-rsa.pem
TIME=/usr/bin/time

need gcc "apt-get install gcc"
need tshark "apt-get install tshark"
need python3 "apt-get install python3"
need openssl "apt-get install openssl"
need timeout "coreutils"
[ -x "$TIME" ] || { echo "run-tls.sh: $TIME not found (apt-get install time)" >&2; exit 1; }
python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null \
    || { echo "run-tls.sh: python3 module cryptography not found (pip install cryptography)" >&2; exit 1; }

# ---------------------------------------------------------------- captures
declare -A CAP_PREFIX CAP_ARGS CAP_LABEL CAP_STANZAS CAP_BYTES_TLS CAP_BYTES_PLAIN
plan_capture() { # key label n conns
    CAP_PREFIX[$1]=$CAPS/tls-n$3-c$4-s$SEED
    CAP_ARGS[$1]="--stanzas $3 --conns $4 --seed $SEED"
    CAP_LABEL[$1]=$2
}
plan_capture main "${STANZAS}"           "$STANZAS"     "$CONNS"
plan_capture big  "${BIG_STANZAS} (10x)" "$BIG_STANZAS" "$CONNS"

PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMD_CC_SYNTH="gcc -O2 -Wall -Wextra -o $SYNTH $HERE/synth-capture.c $PCAP_LIBS"
CMD_SWIFT="$ROOT/scripts/release-build.sh"

tls_of()   { echo "${CAP_PREFIX[$1]}.tls.pcap"; }
keys_of()  { echo "${CAP_PREFIX[$1]}.keys"; }
plain_of() { echo "${CAP_PREFIX[$1]}.plain.pcap"; }
TSHARK_ASSOC="uat:ssl_keys:\"10.0.0.1\",\"5223\",\"xmpp\",\"$RSAKEY\",\"\""
cmd_x_tls()   { echo "$XMPPSCOPE replay $(tls_of "$1") --keylog $(keys_of "$1") --json"; }
cmd_x_plain() { echo "$XMPPSCOPE replay $(plain_of "$1") --json"; }
# Arrays, not strings: the -o value holds quotes.
tshark_tls()   { TSH=(tshark -n -r "$(tls_of "$1")" -o "tls.keylog_file:$(keys_of "$1")" -o "$TSHARK_ASSOC"
                      -Y xmpp -T fields -e xmpp.type -e xmpp.id); }
tshark_plain() { TSH=(tshark -n -r "$(plain_of "$1")" -Y xmpp -T fields -e xmpp.type -e xmpp.id); }

# ---------------------------------------------------------------- header
echo "== xmppscope TLS replay benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tshark: $(tshark --version 2>/dev/null | head -1)"
echo "python3: $(python3 -c 'import sys, cryptography; print(sys.version.split()[0], "cryptography", cryptography.__version__)')"
echo "repeat: $REPEAT rounds (every measurement once a round, best wall time kept), timeout: ${TIMEOUT}s"
echo
echo "== commands"
echo "build:    [ -nt ] $CMD_CC_SYNTH"
if [ "$BUILD_SWIFT" = 1 ]; then echo "build:    $CMD_SWIFT"; fi
echo "build:    [once] openssl genrsa -out $RSAKEY 2048   (tshark's port association needs a loadable key file)"
for k in main big; do
    echo "capture:  [cached] python3 $GEN ${CAP_PREFIX[$k]} ${CAP_ARGS[$k]} --synth $SYNTH"
done
echo "measure:  timeout T $TIME -f %M -o RSSFILE CMD > /dev/null  (wall time: bash \$EPOCHREALTIME around it)"
echo "  xmppscope TLS:   $XMPPSCOPE replay CAP.tls.pcap --keylog CAP.keys --json    on main, 10x"
echo "  xmppscope plain: $XMPPSCOPE replay CAP.plain.pcap --json    on main"
tshark_tls main;  echo "  tshark TLS:      ${TSH[*]}"
tshark_plain main; echo "  tshark plain:    ${TSH[*]}$([ "$TSHARK_PLAIN" = 1 ] || echo '   (skipped)')"
echo

# ---------------------------------------------------------------- build
echo "== build"
if [ ! -x "$SYNTH" ] || [ "$HERE/synth-capture.c" -nt "$SYNTH" ]; then
    echo "+ $CMD_CC_SYNTH"; $CMD_CC_SYNTH
fi
if [ ! -s "$RSAKEY" ]; then
    openssl genrsa -out "$RSAKEY" 2048 2>/dev/null
fi
HAVE_X=0
X_SKIP=""
if [ "$BUILD_SWIFT" = 1 ]; then
    if [ -f "$ROOT/Package.swift" ] && command -v swift >/dev/null 2>&1; then
        echo "+ $CMD_SWIFT   (log: $WORK/swift-build.log)"
        if ! "$ROOT/scripts/release-build.sh" >"$WORK/swift-build.log" 2>&1; then
            X_SKIP="swift build failed (see $WORK/swift-build.log)"
        fi
    else
        echo "(no $ROOT/Package.swift or no swift: not building xmppscope)"
    fi
fi
if [ -z "$X_SKIP" ]; then
    if [ -x "$XMPPSCOPE" ]; then HAVE_X=1; else X_SKIP="binary $XMPPSCOPE missing"; fi
fi
[ "$HAVE_X" = 1 ] || echo "SKIPPING the xmppscope rows: $X_SKIP"
echo

# ---------------------------------------------------------------- generate
echo "== captures"
for k in main big; do
    p=${CAP_PREFIX[$k]}
    if [ ! -s "$p.tls.pcap" ] || [ ! -s "$p.keys" ] || [ ! -s "$p.plain.pcap" ] || [ ! -s "$p.info" ] \
        || [ "$SYNTH" -nt "$p.info" ] || [ "$GEN" -nt "$p.info" ]; then
        # shellcheck disable=SC2086
        python3 "$GEN" "$p" ${CAP_ARGS[$k]} --synth "$SYNTH" 2>"$p.info.tmp" || { cat "$p.info.tmp" >&2; exit 1; }
        mv "$p.info.tmp" "$p.info"
    fi
    CAP_STANZAS[$k]=$(sed -n 's/^synth-capture: .* stanzas=\([0-9]*\) .*/\1/p' "$p.info" | head -1)
    CAP_BYTES_PLAIN[$k]=$(sed -n 's/^synth-capture: .* payload_bytes=\([0-9]*\) .*/\1/p' "$p.info" | head -1)
    CAP_BYTES_TLS[$k]=$(sed -n 's/^synth-tls-capture: .* tcp_payload_bytes=\([0-9]*\) .*/\1/p' "$p.info" | head -1)
    printf '%-16s %9s stanzas  TLS %8.2f MB payload %7.1f MB file   plain %8.2f MB payload %7.1f MB file  %s.*\n' \
        "${CAP_LABEL[$k]}" "${CAP_STANZAS[$k]}" \
        "$(awk -v b="${CAP_BYTES_TLS[$k]}" 'BEGIN{print b/1e6}')" "$(awk -v b="$(stat -c %s "$p.tls.pcap")" 'BEGIN{print b/1e6}')" \
        "$(awk -v b="${CAP_BYTES_PLAIN[$k]}" 'BEGIN{print b/1e6}')" "$(awk -v b="$(stat -c %s "$p.plain.pcap")" 'BEGIN{print b/1e6}')" \
        "$(basename "$p")"
done
echo

# ---------------------------------------------------------------- measure
declare -A WALL RSS STATUS ROUNDS
R_WALL="" R_RSS="" R_RC=0 RUN=0

echo "== measurements"
# Every measurement takes its turn in each round (see measure_round): the TLS replay and its
# plaintext twin run one after the other, so the ratio between them does not measure the drift.
for ((RUN = 1; RUN <= REPEAT; RUN++)); do
    if [ "$HAVE_X" = 1 ]; then
        # shellcheck disable=SC2046
        measure_round "xmppscope/tls/main" "$TIMEOUT" /dev/null $(cmd_x_tls main)
        # shellcheck disable=SC2046
        measure_round "xmppscope/plain/main" "$TIMEOUT" /dev/null $(cmd_x_plain main)
        # shellcheck disable=SC2046
        measure_round "xmppscope/tls/big" "$TIMEOUT" /dev/null $(cmd_x_tls big)
    fi
    tshark_tls main
    measure_round "tshark/tls/main" "$TIMEOUT" /dev/null "${TSH[@]}"
    if [ "$TSHARK_PLAIN" = 1 ]; then
        tshark_plain main
        measure_round "tshark/plain/main" "$TIMEOUT" /dev/null "${TSH[@]}"
    fi
done
echo

# ---------------------------------------------------------------- checks (untimed)
declare -A CHK
if [ "$CHECK" = 1 ]; then
    echo "== checks (untimed: the same commands again, output counted)"
    if [ "$HAVE_X" = 1 ]; then
        xcount() { # file -> "stanzas=N decrypted=D tls_errors=E"
            awk '/"event":"stanza"/ {s++} /"event":"tls"/ && /"decrypted":true/ {d++} /"event":"tls-error"/ {e++}
                 END {printf "stanzas=%d decrypted_sessions=%d tls_errors=%d", s, d, e}' "$1"
        }
        # shellcheck disable=SC2046
        timeout "$TIMEOUT" $(cmd_x_tls main) > "$WORK/tls-check.jsonl" 2>/dev/null || true
        # shellcheck disable=SC2046
        timeout "$TIMEOUT" $(cmd_x_plain main) > "$WORK/plain-check.jsonl" 2>/dev/null || true
        CHK[x_tls]=$(xcount "$WORK/tls-check.jsonl"); CHK[x_plain]=$(xcount "$WORK/plain-check.jsonl")
        # Per connection, in order: conn, dir, kind, type, id of every stanza (the connections'
        # interleaving may differ: a record is only read once all of it has arrived).
        pick() { { grep '"event":"stanza"' "$1" || true; } | sed -E 's/^.*"conn":([0-9]+),"dir":"([a-z2]+)","event":"stanza",("transport":"[a-z]+",)?"kind":"([a-z]+)","type":("[^"]*"|null),"id":("[^"]*"|null),.*$/\1 \2 \4 \5 \6/' | sort -s -n -k1,1 | md5sum | cut -c1-12; }
        a=$(pick "$WORK/tls-check.jsonl"); b=$(pick "$WORK/plain-check.jsonl")
        CHK[x_same]=$([ "$a" = "$b" ] && echo "same ($a)" || echo "DIFFERENT (TLS $a, plain $b)")
        rm -f "$WORK/tls-check.jsonl" "$WORK/plain-check.jsonl"
        printf '  %-44s %s\n' "xmppscope TLS:" "${CHK[x_tls]} (generator: ${CAP_STANZAS[main]} depth-1 elements = these stanzas + 4 nonzas per session; $CONNS sessions)"
        printf '  %-44s %s\n' "xmppscope plain twin:" "${CHK[x_plain]}"
        printf '  %-44s %s\n' "stanza records per connection, TLS vs plain:" "${CHK[x_same]}"
    fi
    # tshark prints one line per packet or record (comma-separated values when it holds several
    # stanzas), so lines differ between the two captures; the ids it found must not.
    ids() { "${TSH[@]}" > "$WORK/tshark-check.out" 2>/dev/null || true
            cut -f2 "$WORK/tshark-check.out" | tr ',' '\n' | { grep -v '^$' || true; } | sort > "$WORK/tshark-ids"
            echo "$(wc -l < "$WORK/tshark-check.out") lines, $(wc -l < "$WORK/tshark-ids") ids, md5 $(md5sum < "$WORK/tshark-ids" | cut -c1-12)"
            rm -f "$WORK/tshark-check.out" "$WORK/tshark-ids"; }
    tshark_tls main;   printf '  %-44s %s\n' "tshark -Y xmpp, TLS:" "$(ids)"
    tshark_plain main; printf '  %-44s %s\n' "tshark -Y xmpp, plain:" "$(ids)"
    echo
fi

# ---------------------------------------------------------------- report
mbps()  { awk -v b="$1" -v t="$2" 'BEGIN{ if (t > 0) printf "%.2f", b / 1e6 / t; else print "-" }'; }
rate()  { awk -v n="$1" -v t="$2" 'BEGIN{ if (t > 0) printf "%.0f", n / t; else print "-" }'; }
goal()  { # value op target
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{
        if (v == "n/a") { print ""; exit }
        ok = (op == ">=") ? (v >= t) : (v < t)
        print ok ? "PASS" : "FAIL" }'
}
okrss() { if [ "${STATUS[$1]:-}" = ok ]; then echo "${RSS[$1]:-}"; fi; }

echo "== results (wall time includes process start-up)"
printf '%-10s %-6s %-14s %10s %9s %9s %10s %12s %10s  %s\n' \
    tool input capture stanzas "MB" "wall s" "MB/s" "stanzas/s" "RSS MiB" status
row() { # tool tls|plain key
    local tool=$1 kind=$2 key=$3 id="$1/$2/$3"
    local st=${STATUS[$id]:-skipped} w=${WALL[$id]:-} r=${RSS[$id]:-} bytes
    if [ "$kind" = tls ]; then bytes=${CAP_BYTES_TLS[$key]}; else bytes=${CAP_BYTES_PLAIN[$key]}; fi
    local mb; mb=$(awk -v b="$bytes" 'BEGIN{printf "%.2f", b / 1e6}')
    local wcol=- mcol=- scol=- rcol=-
    if [ "$st" = ok ]; then
        wcol=$w; mcol=$(mbps "$bytes" "$w"); scol=$(rate "${CAP_STANZAS[$key]}" "$w")
        rcol=$(awk -v k="$r" 'BEGIN{printf "%.1f", k / 1024}')
    elif [ "$st" = timeout ]; then
        wcol=">$w"; mcol="<$(mbps "$bytes" "$w")"; scol="<$(rate "${CAP_STANZAS[$key]}" "$w")"
    fi
    printf '%-10s %-6s %-14s %10s %9s %9s %10s %12s %10s  %s\n' \
        "$tool" "$kind" "${CAP_LABEL[$key]}" "${CAP_STANZAS[$key]}" "$mb" "$wcol" "$mcol" "$scol" "$rcol" "$st"
}
if [ "$HAVE_X" = 1 ]; then
    row xmppscope tls main; row xmppscope plain main; row xmppscope tls big
else
    printf '%-10s %s\n' xmppscope "SKIPPED: $X_SKIP"
fi
row tshark tls main
if [ "$TSHARK_PLAIN" = 1 ]; then row tshark plain main; fi
echo

x_tls=$(okwall xmppscope/tls/main); x_plain=$(okwall xmppscope/plain/main)
t_tls=$(okwall tshark/tls/main); t_plain=$(okwall tshark/plain/main)
r1=$(ratio "$x_plain" "$x_tls")
r2=$(ratio "$t_tls" "$x_tls")
r3=$(ratio "$(okrss xmppscope/tls/big)" "$(okrss xmppscope/tls/main)")
r4=$(ratio "$t_plain" "$t_tls")
r5=$(ratio "$(okrss xmppscope/tls/main)" "$(okrss xmppscope/plain/main)")

echo "== ratios"
printf '%-66s %8s  %s\n' "xmppscope TLS stanzas/s / xmppscope plaintext stanzas/s (goal >= 0.7)" "$r1" "$(goal "$r1" '>=' 0.7)"
printf '%-66s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio xmppscope/plain/main xmppscope/tls/main)"
printf '%-66s %8s  %s\n' "xmppscope TLS speed / tshark TLS speed, same key log (goal >= 7)" "$r2" "$(goal "$r2" '>=' 7)"
printf '%-66s %8s  %s\n' "xmppscope TLS peak RSS 10x / 1x (goal < 1.5)" "$r3" "$(goal "$r3" '<' 1.5)"
printf '%-66s %8s\n' "  (xmppscope peak RSS TLS / plaintext, main capture)" "$r5"
printf '%-66s %8s\n' "  (tshark TLS stanzas/s / tshark plaintext stanzas/s)" "$r4"
