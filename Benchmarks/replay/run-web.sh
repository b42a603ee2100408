#!/usr/bin/env bash
# Benchmarks/replay/run-web.sh - WebSocket replay benchmark, one run, side by side:
#   xmppscope replay (XMPP over WebSocket, RFC 7395)  vs  xmppscope replay (its plaintext TCP twin)
#   (plus the permessage-deflate variant and BOSH)  and tshark on the WebSocket capture for reference
# on synthetic captures written by synth-web-capture.py: the WebSocket (and BOSH) captures
# and the plaintext twin (synth-capture.c's capture for the same parameters:
# the very same sessions, stanza for stanza, over plain TCP on port 5222).
#
# Everything it builds or generates goes to $BENCH_WORK (default
# Benchmarks/replay/.build-bench/, which ignores itself in git), shared with
# run.sh and run-tls.sh.  Captures are cached there by parameters; `rm -rf
# Benchmarks/replay/.build-bench` to start over.  No network access.
#
# Environment (defaults in brackets):
#   BENCH_STANZAS [100000]   stanzas in the capture pair
#   BENCH_CONNS [200]        connections
#   BENCH_REPEAT [1]         rounds: each xmppscope replay runs once a round (tshark once, after
#                            them), best wall time kept
#   BENCH_SEED [1]           generator seed
#   BENCH_TIMEOUT [600]      seconds per measurement
#   BENCH_DEFLATE [1]        0: leave out the permessage-deflate capture
#   BENCH_BOSH [1]           0: leave out the BOSH capture
#   BENCH_TSHARK [1]         0: leave out tshark
#   BENCH_CHECK [1]          0: skip the untimed record-count check (the script fails when it fails)
#   BENCH_BUILD_SWIFT [1]    0: do not run swift build, use what exists
#   BENCH_XMPPSCOPE [<repo>/.build-install/release/xmppscope, built as scripts/install.sh builds it: Swift runtime linked statically]
#   BENCH_WORK [Benchmarks/replay/.build-bench]
#
# Definitions: MB = 10^6 bytes of TCP payload of the capture read (the
# WebSocket capture carries more than its twin: the upgrade, frame headers,
# masking keys, <open/> and <close/>, xmlns='jabber:client' on each stanza);
# stanzas = depth-1 XML elements, as counted by synth-capture (the same in
# both captures, which the generator checks).  The WebSocket vs TCP ratio
# compares stanzas/s, i.e. the wall times for the same stanzas.  Wall time
# measured by this script around each command (so it includes process
# start-up); peak RSS from /usr/bin/time -f %M.
#
# The check (untimed): both replays again, their JSON Lines counted with jq:
# stanza and nonza records per connection and direction, in order (conn, dir,
# event, kind, type, id) must be the same over WebSocket (and BOSH) as over TCP,
# every one of them must say its transport ("websocket", "bosh"), and there
# must be no web-error or parse-error records.  Connections are compared by
# rank: a BOSH session's second TCP connection takes a connection number of
# its own, which shifts the later sessions' numbers.  The script exits 1 when
# that fails.

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
DEFLATE=${BENCH_DEFLATE:-1}
BOSH=${BENCH_BOSH:-1}
TSHARK=${BENCH_TSHARK:-1}
CHECK=${BENCH_CHECK:-1}
BUILD_SWIFT=${BENCH_BUILD_SWIFT:-1}
XMPPSCOPE=${BENCH_XMPPSCOPE:-$ROOT/.build-install/release/xmppscope}
WORK=${BENCH_WORK:-$HERE/.build-bench}

for v in STANZAS CONNS REPEAT SEED TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run-web.sh: $v must be a number" >&2; exit 2; }
done
(( REPEAT >= 1 )) || { echo "run-web.sh: BENCH_REPEAT must be at least 1" >&2; exit 2; }

mkdir -p "$WORK/captures"
[ -e "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
CAPS=$WORK/captures
SYNTH=$WORK/synth-capture
GEN=$HERE/synth-web-capture.py
TIME=/usr/bin/time

need gcc "apt-get install gcc"
need python3 "apt-get install python3"
need jq "apt-get install jq"
need timeout "coreutils"
if [ "$TSHARK" = 1 ]; then need tshark "apt-get install tshark"; fi
[ -x "$TIME" ] || { echo "run-web.sh: $TIME not found (apt-get install time)" >&2; exit 1; }

PREFIX=$CAPS/web-n$STANZAS-c$CONNS-s$SEED
PLAIN=$PREFIX.plain.pcap
declare -A CAP_FILE=([tcp]=$PLAIN [ws]=$PREFIX.ws.pcap [wsd]=$PREFIX.ws-deflate.pcap [bosh]=$PREFIX.bosh.pcap)
declare -A CAP_LABEL=([tcp]="TCP twin" [ws]="WebSocket" [wsd]="WS deflate" [bosh]="BOSH")
declare -A CAP_INFO=([ws]=$PREFIX.info [wsd]=$PREFIX.info.deflate [bosh]=$PREFIX.info.bosh)
declare -A GEN_FLAG=([wsd]=--deflate [bosh]=--bosh)
declare -A TRANSPORT=([tcp]=tcp [ws]=websocket [wsd]=websocket [bosh]=bosh)
declare -A CAP_BYTES
KINDS=(tcp ws)
if [ "$DEFLATE" = 1 ]; then KINDS+=(wsd); fi
if [ "$BOSH" = 1 ]; then KINDS+=(bosh); fi
GEN_ARGS="--stanzas $STANZAS --conns $CONNS --seed $SEED"

PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMD_CC_SYNTH="gcc -O2 -Wall -Wextra -o $SYNTH $HERE/synth-capture.c $PCAP_LIBS"
CMD_SWIFT="$ROOT/scripts/release-build.sh"

cmd_x()      { echo "$XMPPSCOPE replay $1 --json"; }
# tshark: port 5280 is in its HTTP port range already; -d says so explicitly.
TSH_WS=(tshark -n -r "${CAP_FILE[ws]}" -d tcp.port==5280,http -Y websocket -T fields -e frame.number -e websocket.opcode)

# ---------------------------------------------------------------- header
echo "== xmppscope WebSocket replay benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "host: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$TSHARK" = 1 ]; then echo "tshark: $(tshark --version 2>/dev/null | head -1)"; fi
echo "python3: $(python3 -c 'import sys, pyexpat, zlib; print(sys.version.split()[0], pyexpat.EXPAT_VERSION, "zlib", zlib.ZLIB_RUNTIME_VERSION)')"
echo "repeat: $REPEAT rounds (every measurement once a round, best wall time kept), timeout: ${TIMEOUT}s"
echo
echo "== commands"
echo "build:    [ -nt ] $CMD_CC_SYNTH"
if [ "$BUILD_SWIFT" = 1 ]; then echo "build:    $CMD_SWIFT"; fi
echo "capture:  [cached] python3 $GEN $PREFIX $GEN_ARGS --synth $SYNTH"
for k in wsd bosh; do
    if [[ " ${KINDS[*]} " == *" $k "* ]]; then
        echo "capture:  [cached] python3 $GEN $PREFIX $GEN_ARGS --plain-in $PLAIN ${GEN_FLAG[$k]}"
    fi
done
echo "measure:  timeout T $TIME -f %M -o RSSFILE CMD > /dev/null  (wall time: bash \$EPOCHREALTIME around it)"
echo "  xmppscope: $(cmd_x CAPTURE)    on ${KINDS[*]}"
if [ "$TSHARK" = 1 ]; then echo "  tshark:    ${TSH_WS[*]}"; fi
echo

# ---------------------------------------------------------------- build
echo "== build"
if [ ! -x "$SYNTH" ] || [ "$HERE/synth-capture.c" -nt "$SYNTH" ]; then
    echo "+ $CMD_CC_SYNTH"; $CMD_CC_SYNTH
fi
X_SKIP=""
if [ "$BUILD_SWIFT" = 1 ]; then
    echo "+ $CMD_SWIFT   (log: $WORK/swift-build.log)"
    if ! "$ROOT/scripts/release-build.sh" >"$WORK/swift-build.log" 2>&1; then
        X_SKIP="swift build failed (see $WORK/swift-build.log)"
    fi
fi
if [ -z "$X_SKIP" ] && [ ! -x "$XMPPSCOPE" ]; then X_SKIP="binary $XMPPSCOPE missing"; fi
if [ -n "$X_SKIP" ]; then echo "run-web.sh: $X_SKIP" >&2; exit 1; fi
echo

# ---------------------------------------------------------------- generate
echo "== captures"
INFO=$PREFIX.info
if [ ! -s "$PLAIN" ] || [ ! -s "${CAP_FILE[ws]}" ] || [ ! -s "$INFO" ] \
    || [ "$SYNTH" -nt "$INFO" ] || [ "$GEN" -nt "$INFO" ]; then
    # shellcheck disable=SC2086
    python3 "$GEN" "$PREFIX" $GEN_ARGS --synth "$SYNTH" 2>"$INFO.tmp" || { cat "$INFO.tmp" >&2; exit 1; }
    mv "$INFO.tmp" "$INFO"
fi
for k in "${KINDS[@]}"; do
    case $k in tcp|ws) continue ;; esac
    if [ ! -s "${CAP_FILE[$k]}" ] || [ ! -s "${CAP_INFO[$k]}" ] || [ "$INFO" -nt "${CAP_INFO[$k]}" ]; then
        # shellcheck disable=SC2086
        python3 "$GEN" "$PREFIX" $GEN_ARGS --plain-in "$PLAIN" ${GEN_FLAG[$k]} 2>"$INFO.tmp" \
            || { cat "$INFO.tmp" >&2; exit 1; }
        mv "$INFO.tmp" "${CAP_INFO[$k]}"
    fi
done
field() { sed -n "s/^$1: .* $2=\\([0-9]*\\) .*/\\1/p" "$3" | head -1; }
CAP_STANZAS=$(field synth-capture stanzas "$INFO")
CAP_BYTES[tcp]=$(field synth-capture payload_bytes "$INFO")
WS_MESSAGES=$(field synth-web-capture messages "$INFO")
for k in "${KINDS[@]}"; do
    [ "$k" = tcp ] && continue
    CAP_BYTES[$k]=$(field synth-web-capture tcp_payload_bytes "${CAP_INFO[$k]}")
    elements=$(field synth-web-capture elements "${CAP_INFO[$k]}")
    if [ -z "$CAP_STANZAS" ] || [ "$elements" != "$CAP_STANZAS" ]; then
        echo "run-web.sh: the generator framed ${elements:-?} elements, synth-capture wrote ${CAP_STANZAS:-?} (see ${CAP_INFO[$k]})" >&2
        exit 1
    fi
done
for k in "${KINDS[@]}"; do
    f=${CAP_FILE[$k]}
    printf '%-12s %9s stanzas %9.2f MB payload %7.1f MB file  %s\n' "${CAP_LABEL[$k]}" "$CAP_STANZAS" \
        "$(awk -v b="${CAP_BYTES[$k]}" 'BEGIN{print b/1e6}')" "$(awk -v b="$(stat -c %s "$f")" 'BEGIN{print b/1e6}')" \
        "$(basename "$f")"
done
echo "(WebSocket: $WS_MESSAGES messages = $CAP_STANZAS elements + <open/> and <close/>; $CONNS connections)"
if [ "$BOSH" = 1 ]; then
    echo "(BOSH: $(field synth-web-capture messages "${CAP_INFO[bosh]}") HTTP messages over $(field synth-web-capture tcp_connections "${CAP_INFO[bosh]}") TCP connections)"
fi
echo

# ---------------------------------------------------------------- measure
declare -A WALL RSS STATUS ROUNDS
R_WALL="" R_RSS="" R_RC=0 RUN=0

echo "== measurements"
# The captures take turns within each round, so that a noisy neighbour hurts them alike.
for ((RUN = 1; RUN <= REPEAT; RUN++)); do
    for k in "${KINDS[@]}"; do
        # shellcheck disable=SC2046
        measure_round "xmppscope/$k" "$TIMEOUT" /dev/null $(cmd_x "${CAP_FILE[$k]}")
    done
done
if [ "$TSHARK" = 1 ]; then
    RUN=1
    measure_round "tshark/ws" "$TIMEOUT" /dev/null "${TSH_WS[@]}"
fi
echo

# ---------------------------------------------------------------- check (untimed)
CHECK_FAILED=0
if [ "$CHECK" = 1 ]; then
    echo "== check (untimed: the same replays again, records counted with jq)"
    # conn dir event kind type id of every stanza and nonza, per connection in order (the
    # connections' interleaving may differ: a record is only read once all of it has arrived).
    xsummary() { # jsonl transport -> "stanza=N nonza=N stream-open=N stream-close=N parse-error=N web-error=N wrong-transport=N"
        jq -r '[.event, .transport] | @tsv' "$1" | awk -F'\t' -v t="$2" '
            { n[$1]++ } ($1 == "stanza" || $1 == "nonza") && $2 != t { nw++ }
            END { printf "stanza=%d nonza=%d stream-open=%d stream-close=%d parse-error=%d web-error=%d wrong-transport=%d",
                  n["stanza"], n["nonza"], n["stream-open"], n["stream-close"], n["parse-error"], n["web-error"], nw }'
    }
    xdigest() { # connections renumbered by rank
        jq -r 'select(.event == "stanza" or .event == "nonza") | "\(.conn) \(.dir) \(.event) \(.kind) \(.type) \(.id)"' "$1" \
            | sort -s -n -k1,1 | awk '$1 != last { last = $1; rank++ } { $1 = rank; print }' | md5sum | cut -c1-12
    }
    declare -A SUM DIG
    for k in "${KINDS[@]}"; do
        out=$WORK/web-check-$k.jsonl
        # shellcheck disable=SC2046
        if ! timeout "$TIMEOUT" $(cmd_x "${CAP_FILE[$k]}") > "$out" 2>"$WORK/web-check-$k.err"; then
            echo "  replay of ${CAP_FILE[$k]} failed: $(head -c 300 "$WORK/web-check-$k.err")"
            CHECK_FAILED=1
        fi
        SUM[$k]=$(xsummary "$out" "${TRANSPORT[$k]}"); DIG[$k]=$(xdigest "$out")
        rm -f "$out"
        printf '  %-12s %s  digest %s\n' "${CAP_LABEL[$k]}:" "${SUM[$k]}" "${DIG[$k]}"
    done
    count() { sed -n "s/.*$1=\\([0-9]*\\).*/\\1/p" <<<"$2"; }
    tcp_n=$(( $(count stanza "${SUM[tcp]}") + $(count nonza "${SUM[tcp]}") ))
    if [ "$tcp_n" != "$CAP_STANZAS" ]; then
        echo "  FAIL: the TCP twin gave $tcp_n stanza and nonza records, synth-capture wrote $CAP_STANZAS"
        CHECK_FAILED=1
    fi
    for k in "${KINDS[@]}"; do
        [ "$k" = tcp ] && continue
        n=$(( $(count stanza "${SUM[$k]}") + $(count nonza "${SUM[$k]}") ))
        problems=()
        [ "$n" = "$tcp_n" ] || problems+=("$n stanza and nonza records, the TCP twin $tcp_n")
        [ "${DIG[$k]}" = "${DIG[tcp]}" ] || problems+=("records per connection differ from the TCP twin's (digest ${DIG[$k]} vs ${DIG[tcp]})")
        for e in parse-error web-error wrong-transport; do
            [ "$(count "$e" "${SUM[$k]}")" = 0 ] || problems+=("$(count "$e" "${SUM[$k]}") $e")
        done
        if [ ${#problems[@]} = 0 ]; then
            printf '  %-12s %s\n' "${CAP_LABEL[$k]}:" "ok: the same $n stanza and nonza records as over TCP, in the same order per connection, transport ${TRANSPORT[$k]}"
        else
            printf '  %-12s FAIL: %s\n' "${CAP_LABEL[$k]}:" "$(IFS=';'; echo "${problems[*]}")"
            CHECK_FAILED=1
        fi
    done
    if [ "$TSHARK" = 1 ]; then
        t=$(timeout "$TIMEOUT" tshark -n -r "${CAP_FILE[ws]}" -d tcp.port==5280,http -Y 'websocket.opcode == 1' \
                -T fields -e websocket.opcode 2>/dev/null | tr ',' '\n' | grep -c '^1$' || true)
        printf '  %-12s %s text frames (generator: %s messages)\n' "tshark:" "$t" "$WS_MESSAGES"
    fi
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
printf '%-10s %-12s %10s %9s %9s %10s %12s %10s  %s\n' \
    tool capture stanzas "MB" "wall s" "MB/s" "stanzas/s" "RSS MiB" status
row() { # tool key
    local tool=$1 key=$2 id="$1/$2"
    local st=${STATUS[$id]:-skipped} w=${WALL[$id]:-} r=${RSS[$id]:-} bytes=${CAP_BYTES[$2]}
    local mb; mb=$(awk -v b="$bytes" 'BEGIN{printf "%.2f", b / 1e6}')
    local wcol=- mcol=- scol=- rcol=-
    if [ "$st" = ok ]; then
        wcol=$w; mcol=$(mbps "$bytes" "$w"); scol=$(rate "$CAP_STANZAS" "$w")
        rcol=$(awk -v k="$r" 'BEGIN{printf "%.1f", k / 1024}')
    elif [ "$st" = timeout ]; then
        wcol=">$w"; mcol="<$(mbps "$bytes" "$w")"; scol="<$(rate "$CAP_STANZAS" "$w")"
    fi
    printf '%-10s %-12s %10s %9s %9s %10s %12s %10s  %s\n' \
        "$tool" "${CAP_LABEL[$key]}" "$CAP_STANZAS" "$mb" "$wcol" "$mcol" "$scol" "$rcol" "$st"
}
for k in "${KINDS[@]}"; do row xmppscope "$k"; done
if [ "$TSHARK" = 1 ]; then row tshark ws; fi
echo

x_tcp=$(okwall xmppscope/tcp); x_ws=$(okwall xmppscope/ws); x_wsd=$(okwall xmppscope/wsd); x_bosh=$(okwall xmppscope/bosh)
r1=$(ratio "$x_tcp" "$x_ws")
echo "== ratios"
printf '%-66s %8s  %s\n' "xmppscope WebSocket stanzas/s / xmppscope TCP stanzas/s (goal >= 0.6)" "$r1" "$(goal "$r1" '>=' 0.6)"
printf '%-66s %8s\n' "  (median of the rounds' ratios)" "$(round_ratio xmppscope/tcp xmppscope/ws)"
if [ "$DEFLATE" = 1 ]; then
    printf '%-66s %8s\n' "  (the same with permessage-deflate)" "$(ratio "$x_tcp" "$x_wsd")"
fi
if [ "$BOSH" = 1 ]; then
    printf '%-66s %8s\n' "  (the same over BOSH)" "$(ratio "$x_tcp" "$x_bosh")"
fi
printf '%-66s %8s\n' "  (xmppscope peak RSS WebSocket / TCP)" "$(ratio "$(okrss xmppscope/ws)" "$(okrss xmppscope/tcp)")"
if [ "$TSHARK" = 1 ]; then
    printf '%-66s %8s\n' "  (xmppscope WebSocket speed / tshark -Y websocket speed)" "$(ratio "$(okwall tshark/ws)" "$x_ws")"
fi

if [ "$CHECK_FAILED" = 1 ]; then
    echo "run-web.sh: the record check FAILED (see above)" >&2
    exit 1
fi
