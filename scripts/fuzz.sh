#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/) with AddressSanitizer.
#
#   scripts/fuzz.sh TARGET SECONDS     TARGET: framer, pcap, filter, jsonl, keylog, tls, checks, web, or all (each SECONDS)
#
# Targets are built into .build-fuzz (XMPPSCOPE_FUZZ=1 makes Package.swift define them). Seed
# corpora are made fresh in the work dir (default ${TMPDIR:-/tmp}/xmppscope-fuzz, or $FUZZ_WORK)
# from captures/*.pcap, ../shared/captures-public (read there, never copied into the repo),
# filters/*.filter, Fuzz/corpus (tls: BoringSSL sessions written by the TLSFuzzSeeds test; web: handmade
# HTTP and WebSocket conversations, and the permessage-deflate ones of Python websockets), and the JSON Lines `xmppscope replay --json` makes of the
# captures. What the fuzzer finds new is kept in WORK/corpus/TARGET across runs; a crashing
# input goes to WORK/crashes/TARGET/ and the script exits 1 (after running every target asked).
#
# Environment: FUZZ_WORK (work dir), FUZZ_CONFIG (debug|release, default debug),
# FUZZ_ARGS (more libFuzzer flags), XMPPSCOPE_BIN (an xmppscope to make the JSON Lines seeds with;
# default: .build/debug or .build/release if built, else one is built in .build-fuzz-cli).
# Needs only the Swift toolchain (its compiler-rt has libFuzzer, ASan and LeakSanitizer), the
# project's -dev packages and python3.
set -euo pipefail
# Crashes are reported by libFuzzer and ASan; the Swift runtime's own backtracer would only slow them down (or wait).
export SWIFT_BACKTRACE=enable=no
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh framer|pcap|filter|jsonl|keylog|tls|checks|web|all SECONDS" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
TARGET=$1 SECONDS_EACH=$2
[[ $SECONDS_EACH =~ ^[0-9]+$ ]] || usage
case $TARGET in
    framer|pcap|filter|jsonl|keylog|tls|checks|web) TARGETS=("$TARGET") ;;
    all) TARGETS=(framer pcap filter jsonl keylog tls checks web) ;;
    *) usage ;;
esac

WORK=${FUZZ_WORK:-${TMPDIR:-/tmp}/xmppscope-fuzz}
CONFIG=${FUZZ_CONFIG:-debug}
SCRATCH=.build-fuzz
PUBLIC=../shared/captures-public
mkdir -p "$WORK"

product() {
    case $1 in framer) echo FuzzFramer ;; pcap) echo FuzzPcap ;; filter) echo FuzzFilter ;; jsonl) echo FuzzJSONL ;; keylog) echo FuzzKeyLog ;; tls) echo FuzzTLS ;; checks) echo FuzzChecks ;; web) echo FuzzWeb ;; esac
}

build() {
    local name
    name=$(product "$1")
    echo "== building $name ($CONFIG, -sanitize=fuzzer,address)" >&2
    XMPPSCOPE_FUZZ=1 swift build --scratch-path "$SCRATCH" -c "$CONFIG" --product "$name" \
        -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" >&2
    echo "$SCRATCH/$CONFIG/$name"
}

captures() {
    ls captures/*.pcap
    if [[ -d $PUBLIC ]]; then ls "$PUBLIC"/*.pcap* 2>/dev/null || true; fi
}

# The CLI for the JSON Lines seeds: an existing build, else one of its own (not instrumented).
xmppscope_bin() {
    if [[ -n ${XMPPSCOPE_BIN:-} ]]; then echo "$XMPPSCOPE_BIN"; return; fi
    for candidate in .build/debug/xmppscope .build/release/xmppscope .build-fuzz-cli/debug/xmppscope; do
        if [[ -x $candidate ]]; then echo "$candidate"; return; fi
    done
    echo "== building xmppscope for the seed logs (.build-fuzz-cli)" >&2
    swift build --scratch-path .build-fuzz-cli --product xmppscope >&2
    echo .build-fuzz-cli/debug/xmppscope
}

# Logs of every capture, made once per work dir.
logs() {
    local dir=$WORK/logs-of-captures
    if [[ ! -f $dir/.done ]]; then
        local cli
        cli=$(xmppscope_bin)
        rm -rf "$dir" && mkdir -p "$dir"
        while read -r capture; do
            # A damaged capture exits 2 after writing what it read: keep that.
            "$cli" replay --json --no-color "$capture" > "$dir/$(basename "$capture").jsonl" 2>/dev/null || true
        done < <(captures)
        touch "$dir/.done"
    fi
    echo "$dir"
}

# Seeds for one target in WORK/seeds/TARGET (remade each run: cheap).
make_seeds() {
    local target=$1 seeds=$WORK/seeds/$1
    rm -rf "$seeds" && mkdir -p "$seeds"
    case $target in
        framer|pcap|checks)
            python3 - "$target" "$seeds" "$(logs)" <<'PY'
import glob, json, os, struct, sys
target, out, logs = sys.argv[1:4]
# Each direction of each connection as the XML it carried, from the logs.
streams = {}
conversations = {}
for path in sorted(glob.glob(os.path.join(logs, "*.jsonl"))):
    for line in open(path, encoding="utf-8", errors="replace"):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("xml"):
            key = (os.path.basename(path), record["conn"], record["dir"])
            streams.setdefault(key, []).append(record["xml"])
            conversations.setdefault((os.path.basename(path), record["conn"]), []).append((record["dir"], record["xml"]))
n = 0
if target == "checks":
    # flags, then the conversation: runs of one side's XML separated by 0xFF (Fuzz/FuzzChecks), c2s first.
    for (name, conn), parts in sorted(conversations.items()):
        data, side = bytearray([0x00]), "c2s"
        for direction, xml in parts:
            if direction != side:
                data.append(0xFF)
                side = direction
            data.extend(xml.encode("utf-8"))
        n += 1
        open(os.path.join(out, f"{n:03}-{name}-{conn}"), "wb").write(bytes(data[:16384]))
    sys.exit(0)
for (name, conn, direction), parts in sorted(streams.items()):
    data = "".join(parts).encode("utf-8")[:8192]
    if target == "framer":
        # flags, two limit bytes, four chunk sizes, four operations (Fuzz/FuzzFramer), then the bytes.
        for header in (bytes([0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                       bytes([0x01, 0, 0, 7, 1, 33, 200, 0, 0, 0, 0]),
                       bytes([0x02, 0x30, 0x03, 5, 63, 1, 13, 0, 0, 0, 0]),
                       bytes([0x13, 0, 0, 40, 40, 40, 40, 0xF3, 0, 0xE0, 0xC0])):
            n += 1
            open(os.path.join(out, f"{n:03}-{name}-{conn}-{direction}"), "wb").write(header + data)
    elif direction == "c2s":
        # A segment script (Fuzz/FuzzPcap): ISNs, handshake, the c2s and s2c data interleaved, FINs.
        other = "".join(streams.get((name, conn, "s2c"), [])).encode("utf-8")[:8192]
        script = bytearray(struct.pack("<II", 0xFFFFFF00, 1000))  # c2s wraps around
        def segment(control, payload=b"", delta=0):
            script.extend(struct.pack("<BHB", control, delta, len(payload)) + payload)
        segment(0x04); segment(0x0D); segment(0x08)
        a = [data[i:i + 127] for i in range(0, len(data), 127)]
        b = [other[i:i + 127] for i in range(0, len(other), 127)]
        for i in range(max(len(a), len(b))):
            if i < len(a): segment(0x48, a[i])
            if i < len(b): segment(0x49, b[i])
        segment(0x18); segment(0x19)
        n += 1
        open(os.path.join(out, f"segments-{n:03}-{name}-{conn}"), "wb").write(bytes(script))
PY
            if [[ $target == pcap ]]; then cp captures/*.pcap "$seeds/"; fi  # the project's own (public ones are read in place)
            ;;
        filter)
            cp Fuzz/corpus/filter/* "$seeds/"
            for file in filters/*.filter; do
                grep -v '^[[:space:]]*#' "$file" | tr '\n' ' ' > "$seeds/$(basename "$file")"
            done
            ;;
        keylog)
            cp Fuzz/corpus/keylog/* "$seeds/"
            ;;
        tls)
            cp Fuzz/corpus/tls/* "$seeds/"
            ;;
        web)
            cp Fuzz/corpus/web/* "$seeds/"
            ;;
        jsonl)
            local log
            for log in "$(logs)"/*.jsonl; do
                # 40-line pieces: small inputs mutate faster; one gzip piece for the zlib path.
                split -l 40 -d -a 3 "$log" "$seeds/$(basename "$log")."
            done
            local first
            first=$(ls "$seeds" | head -1)
            if [[ -n $first ]]; then gzip -c "$seeds/$first" > "$seeds/$first.gz"; fi
            ;;
    esac
}

status=0
summary=()
for target in "${TARGETS[@]}"; do
    binary=$(build "$target")
    make_seeds "$target"
    corpus=$WORK/corpus/$target crashes=$WORK/crashes/$target log=$WORK/$target.log
    mkdir -p "$corpus" "$crashes"
    dirs=("$corpus" "$WORK/seeds/$target")
    [[ $target == pcap && -d $PUBLIC ]] && dirs+=("$PUBLIC")
    case $target in
        framer) flags=(-dict=Fuzz/corpus/framer.dict -max_len=16384) ;;
        pcap) flags=(-max_len=65536) ;;
        filter) flags=(-dict=Fuzz/corpus/filter.dict -max_len=512) ;;
        jsonl) flags=(-dict=Fuzz/corpus/jsonl.dict -max_len=16384) ;;
        keylog) flags=(-max_len=4096) ;;
        tls) flags=(-max_len=16384) ;;
        web) flags=(-max_len=16384) ;;
        checks) flags=(-dict=Fuzz/corpus/framer.dict -max_len=16384) ;;
    esac
    echo "== fuzzing $target for ${SECONDS_EACH}s (log: $log)"
    set +e
    # shellcheck disable=SC2086
    "$binary" "${flags[@]}" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} "${dirs[@]}" > "$log" 2>&1
    code=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    grep '^stat::' "$log" || true
    line="$target: ${runs:-?} executions in ${took:-?} s (${rate:-?} exec/s)"
    if [[ $code -ne 0 ]]; then
        status=1
        line+=" — FAILED (exit $code):"
        line+=" $(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|Fatal error|fatal error|Precondition failed' "$log" || echo 'see the log')"
        line+=" artifact: $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
        tail -40 "$log"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
