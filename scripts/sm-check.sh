#!/usr/bin/env bash
# XEP-0198 stream management checks against real peers: a private Prosody (mod_smacks) on
# 127.0.0.1 and two slixmpp clients with stream management (scripts/peers/sm_session.py),
# recorded with tcpdump on loopback.
#
#   scripts/sm-check.sh BIN OUTDIR
#
# Run 1 (OUTDIR/sm-good.pcap): messages both ways, <r/> and <a/> both ways, alice's connection
#   cut and her stream resumed on a new one (<resume/>/<resumed/>), a polite goodbye: `BIN replay`
#   must report no sm-* finding, and the capture must hold an <a/> from each side.
# Run 2 (OUTDIR/sm-wrong-h.pcap): the same, then alice acknowledges 2 stanzas more than she
#   received: the replay must report sm-ack-wrong-h (and Prosody closes her stream).
# Each run's replay is kept as OUTDIR/<name>.jsonl. Needs root (tcpdump, prosody's run_as_root),
# prosody with mod_smacks, tcpdump, jq, python3 with slixmpp. Exits non-zero, saying why, on
# any failure. Processes it starts are stopped by PID.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:?usage: sm-check.sh BIN OUTDIR}
OUTDIR=${2:?usage: sm-check.sh BIN OUTDIR}
PYTHON=${PYTHON:-python3}
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
PORT=15270
SESSION_TIMEOUT=30   # seconds for one client run
SM_CHECKS=sm-ack-wrong-h,sm-request-unanswered,sm-resume-wrong-h,sm-resumed-wrong-h

WORK=$(mktemp -d)
PROSODY_PID=""
TCPDUMP_PID=""

log() { printf 'sm-check: %s\n' "$*" >&2; }
source "$REPO/scripts/lib/peers.sh"
cleanup() {
    stop_pid "$TCPDUMP_PID"
    stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in prosody prosodyctl tcpdump jq timeout "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x $BIN ]] || die "$BIN is not an executable"
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo, prosody run_as_root)"
ls /usr/lib/prosody/modules/mod_smacks.lua >/dev/null 2>&1 \
    || [[ -n $(find /usr/lib/prosody /usr/local/lib/prosody -name 'mod_smacks*' 2>/dev/null | head -n 1) ]] \
    || die "Prosody's mod_smacks is not installed"
mkdir -p "$OUTDIR"

port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use"

# The server: plain c2s (everything readable), stream management on.
mkdir -p "$WORK/data"
cat >"$WORK/prosody.cfg.lua" <<CFG
-- Throwaway test server made by scripts/sm-check.sh.
run_as_root = true
data_path = "$WORK/data"
pidfile = "$WORK/prosody.pid"
log = { debug = "$WORK/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "smacks" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "tls" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
VirtualHost "$DOMAIN"
CFG
for user in alice bob; do
    prosodyctl --config "$WORK/prosody.cfg.lua" register "$user" "$DOMAIN" "$PASSWORD" >>"$WORK/prosodyctl.log" 2>&1 \
        || die "registering $user failed: $(cat "$WORK/prosodyctl.log")"
done
prosody --config "$WORK/prosody.cfg.lua" -F >"$WORK/prosody.out" 2>&1 &
PROSODY_PID=$!
wait_listening "$PROSODY_PID" "$PORT" || die_with_log "$WORK" "Prosody did not listen on $PORT"

# The replay runs only the stream management checks.
checks=(--checks "$SM_CHECKS")

# capture NAME [sm_session.py options]: records one client run into OUTDIR/NAME.pcap and
# replays it into OUTDIR/NAME.jsonl.
capture() {
    local name=$1; shift
    tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$OUTDIR/$name.pcap" "tcp port $PORT" 2>"$WORK/$name.tcpdump.err" &
    TCPDUMP_PID=$!
    wait_capturing "$WORK/$name.tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/$name.tcpdump.err")"
    local status=0
    timeout "$SESSION_TIMEOUT" "$PYTHON" "$REPO/scripts/peers/sm_session.py" \
        --domain "$DOMAIN" --port "$PORT" --password "$PASSWORD" "$@" || status=$?
    if [[ $status -ne 0 ]]; then
        tail -n 30 "$WORK/prosody.log" >&2 2>/dev/null
        die "$name: the clients failed (exit $status)"
    fi
    sleep 0.3   # let the last FIN/ACK reach the capture
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    local dropped
    dropped=$(dropped_by_kernel "$WORK/$name.tcpdump.err")
    [[ $dropped -eq 0 ]] || die "$name: the kernel dropped $dropped packets; the capture is not whole"
    "$BIN" replay "$OUTDIR/$name.pcap" --json "${checks[@]}" >"$OUTDIR/$name.jsonl" \
        || die "$name: $BIN replay failed"
}

# sm_findings FILE: the ids of the sm-* findings, one a line.
sm_findings() { jq -r 'select(.event=="finding") | .finding.id | select(startswith("sm-"))' "$1"; }
# acks FILE DIR: how many <a/> went DIR (c2s or s2c).
acks() { jq -c --arg dir "$2" 'select(.event=="nonza" and .kind=="a" and .dir==$dir)' "$1" | wc -l; }

capture sm-good --resume
good=$OUTDIR/sm-good.jsonl
[[ $(jq -c 'select(.kind=="enabled")' "$good" | wc -l) -eq 2 ]] || die "sm-good: stream management was not enabled on both connections"
[[ $(jq -c 'select(.kind=="resumed")' "$good" | wc -l) -eq 1 ]] || die "sm-good: alice's stream was not resumed"
[[ $(acks "$good" c2s) -ge 1 ]] || die "sm-good: no <a/> from a client in the capture"
[[ $(acks "$good" s2c) -ge 1 ]] || die "sm-good: no <a/> from the server in the capture"
[[ -z $(sm_findings "$good") ]] || die "sm-good: findings on good traffic: $(sm_findings "$good" | sort | uniq -c | tr '\n' ' ')"
log "sm-good: no sm-* finding; <a/> $(acks "$good" c2s) from the clients, $(acks "$good" s2c) from the server"

capture sm-wrong-h --wrong-ack
wrong=$OUTDIR/sm-wrong-h.jsonl
if ! sm_findings "$wrong" | grep -qx sm-ack-wrong-h; then
    [[ -n $(jq -c 'select(.event=="finding")' "$wrong" "$good") ]] \
        || die "sm-wrong-h: $BIN replay reported no finding at all: are checks turned on in its command line?"
    die "sm-wrong-h: no sm-ack-wrong-h finding for the client's wrong <a h/>"
fi
[[ -z $(sm_findings "$wrong" | grep -vx sm-ack-wrong-h) ]] || die "sm-wrong-h: other findings too: $(sm_findings "$wrong" | tr '\n' ' ')"
log "sm-wrong-h: $(jq -r 'select(.event=="finding" and .finding.id=="sm-ack-wrong-h") | .finding.message' "$wrong" | head -n 1)"
log "passed"
