#!/usr/bin/env bash
# A matrix of key-logged TLS captures on 127.0.0.1, each case one capture (usually one TCP
# connection) carrying an XMPP-like exchange both ways, made by openssl s_client and s_server
# (direct TLS) or s_client -starttls xmpp against a throwaway Prosody, recorded with tcpdump.
#
#   scripts/tls-matrix.sh OUTDIR
#
# For each case NAME it writes into OUTDIR:
#   NAME.pcap, NAME.keys         the capture and the client's TLS secrets (-keylogfile, NSS format)
#   NAME.c2s.tshark, NAME.s2c.tshark
#                                what tshark decrypts of connection 1 each way (the TLS application
#                                data, binary, from -z follow,tls,raw); NAME.connK.DIR.tshark for
#                                connection K > 1
#   NAME.c2s.sent, NAME.s2c.sent what the peers were given to send (connection 1; .connK. likewise;
#                                s2c of a Prosody case is what s_client received)
#   NAME.facts.json              what tshark saw in the handshakes (version, suite, SNI, ALPN,
#                                encrypt_then_mac, HelloRetryRequest, KeyUpdates, resumption)
# and OUTDIR/cases.tsv: name, pcap, keys, description, connections (tab-separated, no header).
#
# Each case is checked here: tshark decrypts both directions of every connection to exactly the
# bytes the peers sent, and the handshake facts are those the case asks for (the suite, a
# KeyUpdate each way, a HelloRetryRequest, ...). Exits non-zero if any case fails.
# Needs root (tcpdump on lo, prosody's run_as_root), openssl 3, tcpdump, tshark, prosody, jq, python3.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:?usage: tls-matrix.sh OUTDIR}
DOMAIN=xmppscope.test
PASSWORD=xmppscope-test-password
BASE_PORT=17400        # case i listens on BASE_PORT + i
PROSODY_PORT=17490
STEP_LIMIT=100         # polls of 0.1 s for any one wait (10 s)

WORK=$(mktemp -d)
SERVER_PID="" CLIENT_PID="" TCPDUMP_PID="" PROSODY_PID=""
START=$SECONDS

log() { printf 'tls-matrix: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stop_pid() {
    local pid=$1
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
}
cleanup() {
    exec 7>&- 8>&-
    stop_pid "$CLIENT_PID"; stop_pid "$SERVER_PID"; stop_pid "$TCPDUMP_PID"; stop_pid "$PROSODY_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in openssl tcpdump tshark prosody prosodyctl jq python3 xxd ss timeout; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo, prosody run_as_root)"
mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/cases.tsv "$OUTDIR"/*.tshark "$OUTDIR"/*.sent "$OUTDIR"/*.facts.json
: >"$OUTDIR/cases.tsv"

# ---- waits: poll every 0.1 s, at most STEP_LIMIT times ----------------------------------------
poll() {  # COMMAND...: until it succeeds
    local i
    for ((i = 0; i < STEP_LIMIT; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
listening() { ss -Hltn "sport = :$1" | grep -q .; }
occurrences() { grep -oF -- "$2" "$1" 2>/dev/null | wc -l; }
has_marker() { [[ $(occurrences "$1" "$2") -ge $3 ]]; }  # FILE MARKER COUNT
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

for ((i = 0; i < 30; i++)); do listening $((BASE_PORT + i)) && die "port $((BASE_PORT + i)) on 127.0.0.1 is already in use"; done
listening "$PROSODY_PORT" && die "port $PROSODY_PORT on 127.0.0.1 is already in use"

# ---- certificates: EC P-256 (ECDSA suites) and RSA 2048 (ECDHE-RSA, RSA key exchange) ---------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$WORK/ec-key.pem" -out "$WORK/ec-cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$WORK/rsa-key.pem" -out "$WORK/rsa-cert.pem" 2>/dev/null

# ---- the exchange: chunks written in turn, each ending in a marker the other side waits for -----
# c2s text holds none of s_client's command letters (Q R K k), so the KeyUpdate case, where
# s_client reads commands from its input, sends it unchanged at any chunk boundary.
python3 - "$WORK/data" "$DOMAIN" <<'EOF'
import os, sys
out, domain = sys.argv[1], sys.argv[2]
os.makedirs(out)
filler = lambda n: "".join(f"line {i:04d}: the brown fox jumps over the lazy dog 0123456789.\n" for i in range(n))
hdr = ("<?xml version='1.0'?><stream:stream {} version='1.0' xml:lang='en' xmlns='jabber:client' "
       "xmlns:stream='http://etherx.jabber.org/streams' id='{}-end'>")
pings = lambda p: "".join(f"<iq type='get' id='{p}-{i}' to='{domain}'><ping xmlns='urn:xmpp:ping'/></iq>" for i in range(24))
results = lambda p: "".join(f"<iq type='result' id='{p}-{i}' from='{domain}'/>" for i in range(24))
msg = lambda i, to, body: f"<message type='chat' id='{i}' to='{to}'><body>{body}</body></message>"
chunks = {
    "c1": hdr.format(f"to='{domain}' from='alice@{domain}'", "c1"),
    "s1": hdr.format(f"from='{domain}' to='alice@{domain}'", "s1")
          + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
    "c2": "<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>matrix</resource></bind></iq>"
          + pings("ping") + msg("utf8-1", f"bob@{domain}", "héllo wörld — 你好 🎉")
          + msg("five-1", f"bob@{domain}", filler(80)) + "<iq type='get' id='c2-end'><ping xmlns='urn:xmpp:ping'/></iq>",
    "s2": f"<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@{domain}/matrix</jid></bind></iq>"
          + results("ping") + msg("big-s", f"alice@{domain}/matrix", filler(640))  # ~39 KB in one write
          + "<iq type='result' id='s2-end'/>",
    "c3": msg("big-c", f"bob@{domain}", filler(640)) + "<iq type='get' id='c3-end'><ping xmlns='urn:xmpp:ping'/></iq>",
    "s3": "<iq type='result' id='s3-end'/>",
    "up1": "<iq type='get' id='up1-end'><ping xmlns='urn:xmpp:ping'/></iq>",
    "up1r": "<iq type='result' id='up1r-end'/>",
    "up2": "<iq type='get' id='up2-end'><ping xmlns='urn:xmpp:ping'/></iq>",
    "up2r": "<iq type='result' id='up2r-end'/>",
    "c4": "</stream:stream>",
    "s4": "</stream:stream>",
    "filler": filler(640),
}
for name, text in chunks.items():
    if not name.startswith("s") and not name.endswith("r"):
        assert not set(text) & set("QRKk"), name
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(text)
EOF
# s_client writes what it reads from its input in 8 KB pieces, so its records are never full
# size; this client (Python's ssl, the same OpenSSL) writes each read of its input whole, so a
# ~39 KB chunk goes out as full 16 KB records. Like s_client -quiet: input to the peer, the peer's
# data to standard output, and at the input's end close_notify and exit.
cat >"$WORK/tls-client.py" <<'PY'
import argparse, os, selectors, socket, ssl, sys
ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--servername", required=True)
ap.add_argument("--keylog", required=True)
ap.add_argument("--tls", choices=("1.2", "1.3"), required=True)
ap.add_argument("--cipher")
ap.add_argument("--alpn")
a = ap.parse_args()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3 if a.tls == "1.3" else ssl.TLSVersion.TLSv1_2
if a.cipher:
    ctx.set_ciphers(a.cipher)
if a.alpn:
    ctx.set_alpn_protocols([a.alpn])
ctx.keylog_filename = a.keylog
tls = ctx.wrap_socket(socket.create_connection(("127.0.0.1", a.port), timeout=30), server_hostname=a.servername)
tls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ)
sel.register(tls, selectors.EVENT_READ)
while True:
    for key, _ in sel.select(30):
        if key.fileobj == 0:
            data = os.read(0, 1 << 20)
            if not data:
                tls.setblocking(True)
                tls.unwrap()
                sys.exit(0)
            tls.setblocking(True); tls.sendall(data); tls.setblocking(False)
        else:
            try:
                data = tls.recv(1 << 16)
            except ssl.SSLWantReadError:
                continue
            if not data:
                sys.exit(0)
            sys.stdout.buffer.write(data); sys.stdout.buffer.flush()
PY
marker() {  # CHUNK: the string its receiver waits for
    case $1 in c4|s4) echo '</stream:stream>' ;; *) echo "id='$1-end'" ;; esac
}

# ---- one case ---------------------------------------------------------------------------------
CASE_INDEX=0
FAILED_CASES=()

start_capture() {  # PCAP PORT
    tcpdump -i lo -U --immediate-mode -B 16384 -Z root -w "$1" "tcp port $2" 2>"$WORK/tcpdump.err" &
    TCPDUMP_PID=$!
    poll grep -qs "listening on" "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
}
stop_capture() {  # NAME
    sleep 0.3   # let the last FIN/ACK reach the capture
    stop_pid "$TCPDUMP_PID"; TCPDUMP_PID=""
    local dropped
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$WORK/tcpdump.err" | head -n 1)
    [[ ${dropped:-0} -eq 0 ]] || die "$1: the kernel dropped $dropped packets before tcpdump saw them"
}

# send_c/send_s CHUNK CONN: give a chunk to the client (c2s) or server (s2c) and wait until the
# other side has it (its marker seen CONN times in that side's output).
send_c() {
    cat "$WORK/data/$1" >&8
    cat "$WORK/data/$1" >>"$CASE_DIR/c2s.$2"
    poll has_marker "$CASE_DIR/server.out" "$(marker "$1")" "$2" || die "$CASE: the server did not get $1 (connection $2)"
}
send_s() {
    cat "$WORK/data/$1" >&7
    cat "$WORK/data/$1" >>"$CASE_DIR/s2c.$2"
    poll has_marker "$CASE_DIR/client.out.$2" "$(marker "$1")" 1 || die "$CASE: the client did not get $1 (connection $2)"
}
keyupdate() {  # LETTER CONN N: s_client's k (update) or K (update, and ask the peer to update too)
    printf '%s\n' "$1" >&8
    # s_client notes KEYUPDATE on stderr; if it does not, tshark's check below still decides.
    poll has_marker "$CASE_DIR/client.err.$2" KEYUPDATE "$3" || log "$CASE: s_client did not note KEYUPDATE $3"
}

# direct_case NAME DESCRIPTION EXPECT [SERVER-OPTIONS...] -- [CLIENT-OPTIONS...]
# EXPECT: space-separated key=value facts tshark must report (see facts()). CONNS=2 in the
# environment: two connections, the second resuming the first's session (-sess_out/-sess_in).
# KEYUPDATE=1: s_client sends a KeyUpdate (k), then one requesting the server's (K).
# EARLY=1 (with CONNS=2): the second connection sends 0-RTT early data (s_client -early_data,
# s_server -early_data), which comes first in what that connection sent.
# CLIENT=python: the client is tls-client.py (CLIENT-OPTIONS are its options), not s_client.
direct_case() {
    CASE=$1; local description=$2 expect=$3; shift 3
    local server_opts=() client_opts=()
    while [[ $# -gt 0 && $1 != -- ]]; do server_opts+=("$1"); shift; done
    [[ $# -gt 0 ]] && shift
    client_opts=("$@")
    local conns=${CONNS:-1} port=$((BASE_PORT + CASE_INDEX)) conn
    CASE_INDEX=$((CASE_INDEX + 1))
    CASE_DIR=$WORK/$CASE; mkdir -p "$CASE_DIR"
    log "$CASE: $description"
    start_capture "$OUTDIR/$CASE.pcap" "$port"

    mkfifo "$CASE_DIR/server.in"
    timeout 60 openssl s_server -accept "127.0.0.1:$port" -naccept "$conns" -keylogfile "$CASE_DIR/server.keys" \
        -quiet -no_ign_eof "${server_opts[@]}" <"$CASE_DIR/server.in" >"$CASE_DIR/server.out" 2>"$CASE_DIR/server.err" &
    SERVER_PID=$!
    exec 7>"$CASE_DIR/server.in"   # held open: at EOF s_server would stop
    poll listening "$port" || die "$CASE: s_server did not listen: $(cat "$CASE_DIR/server.err")"

    local commands=(-nocommands)
    [[ ${KEYUPDATE:-} == 1 ]] && commands=()
    for ((conn = 1; conn <= conns; conn++)); do
        local session=()
        if [[ $conns -gt 1 ]]; then
            if [[ $conn -eq 1 ]]; then session=(-sess_out "$CASE_DIR/session.pem"); else session=(-sess_in "$CASE_DIR/session.pem"); fi
        fi
        : >"$CASE_DIR/c2s.$conn"; : >"$CASE_DIR/s2c.$conn"
        if [[ ${EARLY:-} == 1 && $conn -gt 1 ]]; then
            printf "<presence id='early-%s'/>" "$conn" >"$CASE_DIR/early"
            session+=(-early_data "$CASE_DIR/early")
            cat "$CASE_DIR/early" >>"$CASE_DIR/c2s.$conn"
        fi
        rm -f "$CASE_DIR/client.in"; mkfifo "$CASE_DIR/client.in"
        local client=(openssl s_client -connect "127.0.0.1:$port" -servername "$DOMAIN" -keylogfile "$OUTDIR/$CASE.keys.new"
                      -quiet -no_ign_eof "${commands[@]}" "${session[@]}")
        [[ ${CLIENT:-} == python ]] && client=(python3 "$WORK/tls-client.py" --port "$port" --servername "$DOMAIN" --keylog "$OUTDIR/$CASE.keys.new")
        timeout 60 "${client[@]}" "${client_opts[@]}" \
            <"$CASE_DIR/client.in" >"$CASE_DIR/client.out.$conn" 2>"$CASE_DIR/client.err.$conn" 7>&- &
        CLIENT_PID=$!
        exec 8>"$CASE_DIR/client.in"
        send_c c1 "$conn"; send_s s1 "$conn"
        send_c c2 "$conn"; send_s s2 "$conn"
        send_c c3 "$conn"; send_s s3 "$conn"
        if [[ ${KEYUPDATE:-} == 1 ]]; then
            keyupdate k "$conn" 1; send_c up1 "$conn"; send_s up1r "$conn"
            keyupdate K "$conn" 2; send_c up2 "$conn"; send_s up2r "$conn"
        fi
        send_c c4 "$conn"; send_s s4 "$conn"
        exec 8>&-   # s_client at EOF: close_notify, and it exits
        poll gone "$CLIENT_PID" || die "$CASE: s_client did not exit"
        wait "$CLIENT_PID" 2>/dev/null || true; CLIENT_PID=""
        [[ $conn -eq 1 && $conns -gt 1 ]] && { [[ -s $CASE_DIR/session.pem ]] || die "$CASE: s_client wrote no session"; }
    done
    poll gone "$SERVER_PID" || die "$CASE: s_server did not stop after $conns connection(s)"
    wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    exec 7>&-
    stop_capture "$CASE"
    mv "$OUTDIR/$CASE.keys.new" "$OUTDIR/$CASE.keys"
    finish_case "$port" "$conns" "$description" "$expect"
}

# ---- Prosody (STARTTLS) -----------------------------------------------------------------------
start_prosody() {
    local dir=$WORK/prosody
    mkdir -p "$dir/data"
    cat >"$dir/prosody.cfg.lua" <<EOF
-- Throwaway test server made by scripts/tls-matrix.sh.
run_as_root = true
data_path = "$dir/data"
pidfile = "$dir/prosody.pid"
certificates = "$dir"
log = { debug = "$dir/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
modules_enabled = { "tls"; "roster"; "saslauth"; "disco"; "ping"; "version" }
modules_disabled = { "s2s"; "s2s_auth_certs" }
authentication = "internal_hashed"
c2s_require_encryption = true
ssl = { certificate = "$WORK/ec-cert.pem"; key = "$WORK/ec-key.pem" }
VirtualHost "$DOMAIN"
EOF
    prosodyctl --config "$dir/prosody.cfg.lua" register alice "$DOMAIN" "$PASSWORD" >"$dir/prosodyctl.log" 2>&1 \
        || die "registering alice failed: $(cat "$dir/prosodyctl.log")"
    prosody --config "$dir/prosody.cfg.lua" -F >"$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    poll listening "$PROSODY_PORT" || die "Prosody did not listen: $(tail -n 20 "$dir/prosody.out" "$dir/prosody.log" 2>/dev/null)"
}

# prosody_case NAME DESCRIPTION EXPECT [CLIENT-OPTIONS...]: s_client -starttls xmpp, SASL PLAIN
# as alice, bind, 24 pings and a ~39 KB message to its own full JID (Prosody writes it back in
# one piece), then the stream's end.
prosody_case() {
    CASE=$1; local description=$2 expect=$3; shift 3
    CASE_DIR=$WORK/$CASE; mkdir -p "$CASE_DIR"
    log "$CASE: $description"
    local d=$CASE_DIR/data; mkdir -p "$d"
    local header="<?xml version='1.0'?><stream:stream to='$DOMAIN' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    printf '%s' "$header" >"$d/p1"
    printf "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" \
        "$(printf '\0alice\0%s' "$PASSWORD" | base64 -w0)" >"$d/p2"
    printf '%s' "$header" >"$d/p3"
    printf "<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>matrix</resource></bind></iq>" >"$d/p4"
    {
        printf '<presence/>'
        for i in $(seq 0 23); do printf "<iq type='get' id='ping-%d' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" "$i" "$DOMAIN"; done
        printf "<message type='chat' id='big-1' to='alice@%s/matrix'><body>" "$DOMAIN"
        cat "$WORK/data/filler"
        printf "</body></message><iq type='get' id='last-1' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" "$DOMAIN"
    } >"$d/p5"
    printf '</stream:stream>' >"$d/p6"

    start_capture "$OUTDIR/$CASE.pcap" "$PROSODY_PORT"
    rm -f "$CASE_DIR/client.in"; mkfifo "$CASE_DIR/client.in"
    timeout 60 openssl s_client -connect "127.0.0.1:$PROSODY_PORT" -starttls xmpp -xmpphost "$DOMAIN" -servername "$DOMAIN" \
        -keylogfile "$OUTDIR/$CASE.keys.new" -quiet -no_ign_eof -nocommands "$@" \
        <"$CASE_DIR/client.in" >"$CASE_DIR/client.out.1" 2>"$CASE_DIR/client.err.1" &
    CLIENT_PID=$!
    exec 8>"$CASE_DIR/client.in"
    : >"$CASE_DIR/c2s.1"
    local step
    for step in p1:'</stream:features>':1 p2:'<success':1 p3:'</stream:features>':2 p4:"id='bind-1'":1 \
                p5:"id='last-1'":1 p6:'</stream:stream>':1; do
        local chunk=${step%%:*} rest=${step#*:}
        cat "$d/$chunk" >&8; cat "$d/$chunk" >>"$CASE_DIR/c2s.1"
        poll has_marker "$CASE_DIR/client.out.1" "${rest%:*}" "${rest##*:}" \
            || die "$CASE: no ${rest%:*} from Prosody after $chunk: $(tail -c 300 "$CASE_DIR/client.out.1"; cat "$CASE_DIR/client.err.1")"
    done
    grep -qF "id='big-1'" "$CASE_DIR/client.out.1" || die "$CASE: the big message did not come back"
    exec 8>&-
    poll gone "$CLIENT_PID" || die "$CASE: s_client did not exit"
    wait "$CLIENT_PID" 2>/dev/null || true; CLIENT_PID=""
    stop_capture "$CASE"
    mv "$OUTDIR/$CASE.keys.new" "$OUTDIR/$CASE.keys"
    cp "$CASE_DIR/client.out.1" "$CASE_DIR/s2c.1"   # what s_client received is what Prosody sent in TLS
    finish_case "$PROSODY_PORT" 1 "$description" "$expect"
}

# ---- tshark's view ----------------------------------------------------------------------------
# facts PCAP KEYS SERVER-PORT: one JSON object of what the handshakes show, after decryption.
facts() {
    tshark -r "$1" -o "tls.keylog_file:$2" $(decode_as "$3") -Y tls.handshake -V 2>/dev/null | awk -v sport="$3" '
        /^Transmission Control Protocol, Src Port: / { src = $6 + 0 }
        /^ *\[Stream index: [0-9]+\]/ { s = $3; sub(/\]/, "", s); streams[s] = 1 }
        /Handshake Type: / { ht = $NF; gsub(/[()]/, "", ht); ht += 0
            if (ht == 2) sh++
            if (ht == 11) certs++
            if (ht == 24) { if (src == sport) ku_s2c++; else ku_c2s++ }
            if (ht == 4) tickets++ }
        ht == 2 && /^ *Random: cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c/ { hrr++ }
        ht == 2 && /^ *Cipher Suite: / { suite = $3 }
        ht == 2 && /^ *Supported Version: TLS 1.3/ { v13 = 1 }
        ht == 2 && /^ *Version: TLS 1.2 \(0x0303\)/ { v12 = 1 }
        ht == 2 && /Extension: encrypt_then_mac/ { etm++ }
        ht == 2 && /Extension: pre_shared_key/ { psk++ }
        ht == 1 && /^ *Server Name: / { sni = $3 }
        /^ *ALPN Next Protocol: / { alpn = $4 }
        END { n = 0; for (k in streams) n++
            printf "{\"connections\":%d,\"version\":\"%s\",\"suite\":\"%s\",\"sni\":\"%s\",\"alpn\":\"%s\",", n, v13 ? "1.3" : (v12 ? "1.2" : "?"), suite, sni, alpn
            printf "\"server_hellos\":%d,\"hrr\":%d,\"certificates\":%d,\"etm\":%d,\"psk\":%d,\"keyupdate_c2s\":%d,\"keyupdate_s2c\":%d,\"tickets\":%d}\n", sh, hrr, certs, etm, psk, ku_c2s, ku_s2c, tickets }'
}

# record_sizes PCAP SERVER-PORT: the largest TLS record each way, as JSON members.
# decode_as PORT: direct-TLS ports are decoded as TLS outright (tshark otherwise finds TLS on an
# unregistered port by a heuristic, which once missed a whole connection in CI); the Prosody port
# carries XMPP first, which tshark follows into STARTTLS by itself.
decode_as() {
    [[ $1 == "$PROSODY_PORT" ]] || printf '%s\n' -d "tcp.port==$1,tls"
}

record_sizes() {
    tshark -r "$1" $(decode_as "$2") -Y tls.record -T fields -e tcp.srcport -e tls.record.length 2>/dev/null | awk -F'\t' -v sport="$2" '
        { n = split($2, a, ","); for (i = 1; i <= n; i++) { d = ($1 == sport) ? "s2c" : "c2s"; if (a[i] + 0 > m[d]) m[d] = a[i] + 0 } }
        END { printf "\"record_max_c2s\":%d,\"record_max_s2c\":%d", m["c2s"], m["s2c"] }'
}

# follow_all PCAP KEYS SERVER-PORT CONNS PREFIX: tshark -z follow,tls,raw for each connection,
# written as PREFIX.DIR.tshark (connection 1) and PREFIX.connK.DIR.tshark. tshark names the
# nodes itself (its Node 0 is not always the client), so each side is told by its port.
follow_all() {
    local z=() k
    for ((k = 0; k < $4; k++)); do z+=(-z "follow,tls,raw,$k"); done
    tshark -r "$1" -o "tls.keylog_file:$2" $(decode_as "$3") -q "${z[@]}" 2>/dev/null | awk -v sport="$3" -v prefix="$5" -v dir="$WORK" '
        /^Filter: tcp.stream eq / { k = $4 + 1; swap = 0; next }
        /^Node 0: / { n = split($3, a, ":"); swap = (a[n] == sport); next }
        /^\t[0-9a-f]+$/ { print substr($0, 2) > (dir "/hex." k "." (swap ? "c2s" : "s2c")); next }
        /^[0-9a-f]+$/ { print > (dir "/hex." k "." (swap ? "s2c" : "c2s")) }'
    local d
    for ((k = 1; k <= $4; k++)); do
        for d in c2s s2c; do
            local out=$5.$d.tshark
            [[ $k -gt 1 ]] && out=$5.conn$k.$d.tshark
            if [[ -f $WORK/hex.$k.$d ]]; then xxd -r -p "$WORK/hex.$k.$d" >"$out"; else : >"$out"; fi
            rm -f "$WORK/hex.$k.$d"
        done
    done
}

# finish_case PORT CONNS DESCRIPTION EXPECT: tshark's decryption against what was sent, and the facts.
finish_case() {
    local port=$1 conns=$2 description=$3 expect=$4 k d problems=()
    # Three tshark passes side by side (each one reads the whole capture).
    facts "$OUTDIR/$CASE.pcap" "$OUTDIR/$CASE.keys" "$port" >"$CASE_DIR/facts" &
    local facts_pid=$!
    record_sizes "$OUTDIR/$CASE.pcap" "$port" >"$CASE_DIR/records" &
    local records_pid=$!
    follow_all "$OUTDIR/$CASE.pcap" "$OUTDIR/$CASE.keys" "$port" "$conns" "$OUTDIR/$CASE"
    wait "$facts_pid" "$records_pid"
    jq -c ". + {$(cat "$CASE_DIR/records")}" "$CASE_DIR/facts" >"$OUTDIR/$CASE.facts.json"
    local summary=""
    for ((k = 1; k <= conns; k++)); do
        local stem=$OUTDIR/$CASE
        [[ $k -gt 1 ]] && stem=$OUTDIR/$CASE.conn$k
        for d in c2s s2c; do
            cp "$CASE_DIR/$d.$k" "$stem.$d.sent"
            local got; got=$(stat -c %s "$stem.$d.tshark")
            summary+=" conn$k.$d=${got}B"
            [[ $got -gt 0 ]] || problems+=("tshark decrypted nothing of connection $k $d")
            cmp -s "$stem.$d.tshark" "$stem.$d.sent" || problems+=("tshark's connection $k $d differs from what was sent ($got bytes, sent $(stat -c %s "$stem.$d.sent"))")
        done
    done
    local fact key want have
    [[ $(jq .connections "$OUTDIR/$CASE.facts.json") -eq $conns ]] || problems+=("tshark saw $(jq .connections "$OUTDIR/$CASE.facts.json") connections, not $conns")
    for fact in $expect; do
        key=${fact%%=*} want=${fact#*=}
        have=$(jq -r ".$key" "$OUTDIR/$CASE.facts.json")
        case $want in
            +*) [[ $have -ge ${want#+} ]] || problems+=("$key is $have, expected at least ${want#+}") ;;
            *) [[ $have == "$want" ]] || problems+=("$key is $have, expected $want") ;;
        esac
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$CASE" "$CASE.pcap" "$CASE.keys" "$description" "$conns" >>"$OUTDIR/cases.tsv"
    if ((${#problems[@]})); then
        FAILED_CASES+=("$CASE")
        log "$CASE: FAILED: $(IFS=';'; echo "${problems[*]}")"
    fi
    log "$CASE: tshark:$summary $(jq -c 'del(.connections)' "$OUTDIR/$CASE.facts.json")"
}

# ---- the cases --------------------------------------------------------------------------------
EC=(-cert "$WORK/ec-cert.pem" -key "$WORK/ec-key.pem")
RSA=(-cert "$WORK/rsa-cert.pem" -key "$WORK/rsa-key.pem")
T13="version=1.3 sni=$DOMAIN hrr=0"
T12="version=1.2 sni=$DOMAIN"

direct_case tls13-aes128gcm "TLS 1.3, TLS_AES_128_GCM_SHA256" "$T13 suite=TLS_AES_128_GCM_SHA256" \
    "${EC[@]}" -- -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
direct_case tls13-aes256gcm "TLS 1.3, TLS_AES_256_GCM_SHA384" "$T13 suite=TLS_AES_256_GCM_SHA384" \
    "${EC[@]}" -- -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
direct_case tls13-chacha20 "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256" "$T13 suite=TLS_CHACHA20_POLY1305_SHA256" \
    "${EC[@]}" -- -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
KEYUPDATE=1 direct_case tls13-keyupdate "TLS 1.3, the client updates its keys (k), then asks the server to update too (K)" \
    "$T13 suite=TLS_AES_128_GCM_SHA256 keyupdate_c2s=+2 keyupdate_s2c=+1" \
    "${EC[@]}" -- -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
direct_case tls13-hrr "TLS 1.3 after a HelloRetryRequest (client key share X25519, server only P-256)" \
    "version=1.3 sni=$DOMAIN hrr=1 server_hellos=2 suite=TLS_AES_256_GCM_SHA384" \
    "${EC[@]}" -groups P-256 -- -tls1_3 -groups X25519:P-256
CONNS=2 direct_case tls13-resumption "TLS 1.3, a second connection resuming with a session ticket (PSK)" \
    "$T13 psk=1 certificates=1 suite=TLS_AES_256_GCM_SHA384" \
    "${EC[@]}" -- -tls1_3
CONNS=2 EARLY=1 direct_case tls13-early-data "TLS 1.3, a second connection resuming with 0-RTT early data" \
    "$T13 psk=1 certificates=1 suite=TLS_AES_256_GCM_SHA384" \
    "${EC[@]}" -early_data -- -tls1_3
direct_case tls12-ecdhe-aes128gcm "TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256" "$T12 suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
    "${EC[@]}" -- -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
direct_case tls12-ecdhe-aes256gcm-sha384 "TLS 1.2, ECDHE-ECDSA-AES256-GCM-SHA384" "$T12 suite=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" \
    "${EC[@]}" -- -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
direct_case tls12-ecdhe-chacha20 "TLS 1.2, ECDHE-ECDSA-CHACHA20-POLY1305" "$T12 suite=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" \
    "${EC[@]}" -- -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
direct_case tls12-cbc-sha1-etm "TLS 1.2, ECDHE-ECDSA-AES128-SHA (CBC), encrypt-then-MAC (RFC 7366)" \
    "$T12 suite=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA etm=1" \
    "${EC[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
direct_case tls12-cbc-sha1-mte "TLS 1.2, ECDHE-ECDSA-AES128-SHA (CBC), MAC-then-encrypt (client -no_etm)" \
    "$T12 suite=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA etm=0" \
    "${EC[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -no_etm -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
direct_case tls12-cbc-sha256 "TLS 1.2, ECDHE-ECDSA-AES128-SHA256 (CBC, HMAC-SHA256), encrypt-then-MAC" \
    "$T12 suite=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 etm=1" \
    "${EC[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:@SECLEVEL=0'
direct_case tls12-cbc-sha384 "TLS 1.2, ECDHE-RSA-AES256-SHA384 (CBC, HMAC-SHA384, RSA certificate), encrypt-then-MAC" \
    "$T12 suite=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 etm=1" \
    "${RSA[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -cipher 'ECDHE-RSA-AES256-SHA384:@SECLEVEL=0'
direct_case tls12-cbc-sha384-mte "TLS 1.2, ECDHE-RSA-AES256-SHA384 (CBC, HMAC-SHA384), MAC-then-encrypt (client -no_etm)" \
    "$T12 suite=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 etm=0" \
    "${RSA[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -no_etm -cipher 'ECDHE-RSA-AES256-SHA384:@SECLEVEL=0'
direct_case tls12-rsa-aes128gcm "TLS 1.2, AES128-GCM-SHA256 (RSA key exchange, no ECDHE)" "$T12 suite=TLS_RSA_WITH_AES_128_GCM_SHA256" \
    "${RSA[@]}" -cipher 'ALL:@SECLEVEL=0' -- -tls1_2 -cipher 'AES128-GCM-SHA256:@SECLEVEL=0'
CONNS=2 direct_case tls12-resumption "TLS 1.2, a second connection resuming with a session ticket (RFC 5077)" \
    "$T12 certificates=1 suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 tickets=+1" \
    "${EC[@]}" -- -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
CONNS=2 direct_case tls12-resumption-id "TLS 1.2, a second connection resuming by session ID (server -no_ticket)" \
    "$T12 certificates=1 tickets=0 suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
    "${EC[@]}" -no_ticket -- -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
CLIENT=python direct_case tls13-fullsize-c2s "TLS 1.3 AES-128-GCM, the client (Python ssl) writing whole: full 16 KB records both ways" \
    "$T13 suite=TLS_AES_128_GCM_SHA256 record_max_c2s=16401 record_max_s2c=16401" \
    "${EC[@]}" -ciphersuites TLS_AES_128_GCM_SHA256 -- --tls 1.3
CLIENT=python direct_case tls12-cbc-mte-fullsize-c2s "TLS 1.2 ECDHE-RSA-AES256-SHA384, MAC-then-encrypt (server -no_etm), the client (Python ssl) writing whole: full-size CBC records both ways" \
    "$T12 suite=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 etm=0 record_max_c2s=+16401 record_max_s2c=+16401" \
    "${RSA[@]}" -no_etm -cipher 'ALL:@SECLEVEL=0' -- --tls 1.2 --cipher 'ECDHE-RSA-AES256-SHA384:@SECLEVEL=0'
direct_case directtls-alpn "Direct TLS (XEP-0368) with ALPN xmpp-client and SNI" "$T13 alpn=xmpp-client" \
    "${EC[@]}" -alpn xmpp-client -- -alpn xmpp-client

start_prosody
prosody_case starttls-prosody-tls13 "STARTTLS (s_client -starttls xmpp) to Prosody, TLS 1.3, SASL PLAIN inside" \
    "$T13" -tls1_3
prosody_case starttls-prosody-tls12 "STARTTLS (s_client -starttls xmpp) to Prosody, TLS 1.2, SASL PLAIN inside" \
    "$T12" -tls1_2
stop_pid "$PROSODY_PID"; PROSODY_PID=""

log "$(wc -l <"$OUTDIR/cases.tsv") cases in $((SECONDS - START)) s; ${#FAILED_CASES[@]} failed${FAILED_CASES:+: ${FAILED_CASES[*]}}"
[[ ${#FAILED_CASES[@]} -eq 0 ]]
