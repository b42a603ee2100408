#!/usr/bin/env python3
"""synth-web-capture.py - synthetic XMPP-over-WebSocket capture and its plaintext TCP twin.

Usage: synth-web-capture.py OUT --stanzas N [--conns C] [--seed S]
                            [--synth PATH] [--plain-in PCAP] [--deflate | --bosh]

Writes OUT.plain.pcap (unless --plain-in) and OUT.ws.pcap (OUT.ws-deflate.pcap
with --deflate, OUT.bosh.pcap with --bosh), plus a summary on stderr.

OUT.plain.pcap is synth-capture's capture for the same N/C/S (written by running
the synth-capture binary, --synth, default: .build-bench/synth-capture next to
this script, else on PATH): C plaintext client-to-server XMPP sessions on port
5222.  With --plain-in the given capture is used instead (it must be a
synth-capture output, plain pcap, Ethernet/IPv4/TCP; it is not copied).

OUT.ws.pcap carries the same sessions as XMPP over WebSocket (RFC 7395, RFC
6455), server port 5280, the way a server and a browser put them on the wire:
  - the TCP three-way handshake of the plaintext session (same addresses,
    client port and initial sequence numbers),
  - before the first XMPP byte, the HTTP/1.1 upgrade: `GET /xmpp-websocket`
    with Upgrade, Connection, Sec-WebSocket-Key (16 random bytes),
    Sec-WebSocket-Version 13, Sec-WebSocket-Protocol: xmpp and an Origin; the
    server's `101 Switching Protocols` with the matching Sec-WebSocket-Accept
    and Sec-WebSocket-Protocol: xmpp,
  - each top-level item of the plaintext streams as one text frame (FIN set,
    opcode 1): the stream header becomes
    <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' .../> with the header's
    attributes (to, from, id, version, xml:lang), </stream:stream> becomes
    <close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>, the restart after
    SASL success a new <open/>; elements keep their bytes, except that an
    element that relied on the stream's default namespace gets
    xmlns='jabber:client' written into its start tag (RFC 7395 section 3.4)
    and a stream:-prefixed one (stream:features) gets its
    xmlns:stream='http://etherx.jabber.org/streams'.  The elements are cut
    out of the byte streams by expat (xml.parsers.expat), fed as the packets
    come, whatever their segmentation,
  - client frames masked with a random 4-byte key per frame, server frames
    unmasked,
  - the frames completed by one write of the plaintext session (synth-capture
    marks the end of a write with PSH; a write may hold several stanzas) are
    written together, cut into TCP segments of at most 1448 bytes, PSH on the
    last: several frames share a segment, a large frame spans several,
  - pure ACKs where the plaintext session has them; before the FINs a
    WebSocket close (code 1000) from the server and the client's echo.
With --deflate the upgrade negotiates permessage-deflate (RFC 7692, context
takeover both ways: one raw-deflate stream per direction, each message flushed
with Z_SYNC_FLUSH and its trailing 00 00 ff ff removed, RSV1 set).

With --bosh the sessions go over BOSH (XEP-0124, XEP-0206) instead, on port
5280, as a browser with hold=1, requests=2 does: POST /http-bind requests and
200 responses with Content-Length, keep-alive over two TCP connections per
session (the plaintext session's, and a second one from the next client port,
opened when first needed).  The client's stream header becomes the session
creation request (rid, to, wait, hold, ver, xmpp:version) and the server's its
response (sid, requests, hold, ...); the restart a request with
xmpp:restart='true'; </stream:stream> a type='terminate' request and
response.  Each client write is a request carrying its elements; the server
then answers the older waiting request at once (an empty body when it has
nothing); each server write answers the waiting request, after which the
client sends a new empty one.  rids count up by one per request.  Elements
inside <body/> get xmlns='jabber:client' as over WebSocket.
Packets keep the interleaving and timestamps of the plaintext capture; TCP
sequence/ack numbers and IP/TCP checksums are recomputed.  Randomness (keys,
masks) is deterministic from --seed.

The summary line counts the top-level elements framed (`elements=`), which
must equal synth-capture's `stanzas=` (depth-1 elements): run-web.sh checks it
and fails otherwise.  Memory stays flat: the plaintext capture is read packet
by packet.  Needs only Python 3's standard library.
"""

import argparse
import base64
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import zlib
from xml.parsers import expat

MSS = 1448
PLAIN_PORT = 5222
WS_PORT = 5280
WINDOW = 65535
TH_FIN, TH_SYN, TH_PSH, TH_ACK = 0x01, 0x02, 0x08, 0x10
FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"
STREAMS_NS = "http://etherx.jabber.org/streams"
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"

# A start tag: name, attributes with quoted values (which may hold '>' or '/'), optional '/'.
START_TAG = re.compile(rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|\"[^\"]*\"))*\s*(/?)>")


class SplitError(Exception):
    pass


# ------------------------------------------------------------------ XML items

class ElementSplitter:
    """One direction's XMPP byte stream -> its items, in order, by expat.

    Items: ("open", [name, value, ...]) for a stream header, ("element", name,
    raw bytes, has_xmlns) for a top-level element, ("close",) for
    </stream:stream>.  restart() starts a new document (after SASL success)
    from the bytes not yet used.
    """

    def __init__(self, label):
        self.label = label
        self.items = []
        self.restart_hook = None  # called after a top-level <success/>
        self.parsing = False
        self._new_parser(b"")

    def _new_parser(self, leftover):
        p = expat.ParserCreate()  # no namespace processing: names as written
        p.ordered_attributes = True
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        self.p = p
        self.buf = bytearray()   # bytes fed to p from parser offset buf_start on
        self.buf_start = 0
        self.depth = 0
        self.elem_start = None   # parser offset of the top-level element in progress
        self.elem_name = None
        self.elem_has_xmlns = False
        self.restart_at = None   # parser offset where a pending restart begins: p's events are ignored
        if leftover:
            self.feed(leftover)

    def feed(self, data):
        self.buf += data
        self.parsing = True
        try:
            self.p.Parse(data, False)
        except expat.ExpatError as e:
            if self.restart_at is None:
                raise SplitError(f"{self.label}: not well-formed XML: {e}") from None
            # The old document cannot take the new stream's <?xml?>: the restart below reads it.
        finally:
            self.parsing = False
        if self.restart_at is not None:
            self._restart_now()

    def restart(self):
        """The stream restarts once the bytes fed so far are used (RFC 6120 section 6.4.6)."""
        self.restart_at = self.buf_start
        if not self.parsing:
            self._restart_now()

    def _restart_now(self):
        leftover = bytes(self.buf[self.restart_at - self.buf_start:])
        self._new_parser(leftover)

    def _use(self, upto):
        del self.buf[:upto - self.buf_start]
        self.buf_start = upto

    def _tag_end(self, at):
        m = START_TAG.match(self.buf, at - self.buf_start)
        if m is None:
            raise SplitError(f"{self.label}: cannot find the end of the start tag at offset {at}")
        return self.buf_start + m.end(), m.group(1) == b"/"

    def _start(self, name, attrs):
        if self.restart_at is not None:
            return
        self.depth += 1
        at = self.p.CurrentByteIndex
        if self.depth == 1:
            end, _ = self._tag_end(at)
            self.items.append(("open", attrs))
            self._use(end)
        elif self.depth == 2:
            self.elem_start = at
            self.elem_name = name
            self.elem_has_xmlns = "xmlns" in attrs[0::2]

    def _end(self, name):
        if self.restart_at is not None:
            return
        at = self.p.CurrentByteIndex
        if self.depth == 2:
            end, empty = self._tag_end(self.elem_start)
            if not empty:
                gt = self.buf.find(b">", at - self.buf_start)
                if gt < 0:
                    raise SplitError(f"{self.label}: end tag of {name} at offset {at} has no '>'")
                end = self.buf_start + gt + 1
            start = self.elem_start - self.buf_start
            self.items.append(("element", self.elem_name,
                               bytes(self.buf[start:end - self.buf_start]), self.elem_has_xmlns))
            self.elem_start = None
            self._use(end)
            if name == "success" and self.restart_hook is not None:
                self.depth -= 1
                self.restart_hook()
                return
        elif self.depth == 1:
            self.items.append(("close",))
            self._use(self.buf_start + len(self.buf))
        self.depth -= 1

    def take(self):
        items, self.items = self.items, []
        return items


def xml_attr(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")
            .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;"))


def ws_message(item):
    """An item of the TCP stream -> the RFC 7395 message that carries it (bytes)."""
    kind = item[0]
    if kind == "open":
        attrs = item[1]
        parts = [f"<open xmlns='{FRAMING_NS}'"]
        for name, value in zip(attrs[0::2], attrs[1::2]):
            if name == "xmlns" or name.startswith("xmlns:"):
                continue
            parts.append(f" {name}='{xml_attr(value)}'")
        parts.append("/>")
        return "".join(parts).encode()
    if kind == "close":
        return f"<close xmlns='{FRAMING_NS}'/>".encode()
    _, name, raw, has_xmlns = item
    if name.startswith("stream:"):
        extra = f" xmlns:stream='{STREAMS_NS}'"
    elif ":" not in name and not has_xmlns:
        extra = " xmlns='jabber:client'"
    else:
        return raw
    cut = 1 + len(name.encode())
    return raw[:cut] + extra.encode() + raw[cut:]


# ------------------------------------------------------------------ WebSocket

def mask(data, key):
    n = len(data)
    if n == 0:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def ws_frame(payload, key=None, opcode=1, rsv1=False):
    """One final frame; key: the client's masking key (None: server frame, unmasked)."""
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    m = 0x80 if key is not None else 0
    n = len(payload)
    if n < 126:
        hdr = bytes((b0, m | n))
    elif n < 65536:
        hdr = bytes((b0, m | 126)) + struct.pack(">H", n)
    else:
        hdr = bytes((b0, m | 127)) + struct.pack(">Q", n)
    if key is None:
        return hdr + payload
    return hdr + key + mask(payload, key)


def upgrade_request(ws_key, deflate):
    lines = [
        "GET /xmpp-websocket HTTP/1.1",
        "Host: example.org:5280",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) xmppscope-bench/1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {ws_key}",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: xmpp",
        "Origin: http://example.org:5280",
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def upgrade_response(ws_key, deflate):
    accept = base64.b64encode(hashlib.sha1(ws_key.encode() + WS_GUID).digest()).decode()
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept}",
        "Sec-WebSocket-Protocol: xmpp",
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# ------------------------------------------------------------------ pcap out
# (the same writer as synth-tls-capture.py's, with this generator's Side)

def csum(data, acc=0):
    """One's complement sum in host (little-endian) word order; see fold_le."""
    if len(data) & 1:
        data = data + b"\x00"
    return acc + sum(memoryview(data).cast("H"))


def fold_le(acc):
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return struct.pack("<H", ~acc & 0xFFFF)  # byte order independence (RFC 1071)


if sys.byteorder != "little":
    def csum(data, acc=0):  # noqa: F811 - portable, slower
        if len(data) & 1:
            data = data + b"\x00"
        return acc + sum(struct.unpack(">%dH" % (len(data) // 2), data))

    def fold_le(acc):  # noqa: F811
        while acc >> 16:
            acc = (acc & 0xFFFF) + (acc >> 16)
        return struct.pack(">H", ~acc & 0xFFFF)


class Side:
    """One end of a TCP connection as written."""
    __slots__ = ("ip", "port", "mac", "snd_nxt", "last_ack", "ip_id")

    def __init__(self, ip, port, mac, isn, ip_id):
        self.ip, self.port, self.mac = ip, port, mac
        self.snd_nxt, self.last_ack, self.ip_id = isn, None, ip_id


class TCPConn:
    """A TCP connection as written: side[0] the client, side[1] the server."""
    __slots__ = ("side",)

    def __init__(self, client, server):
        self.side = [client, server]


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.last_us = 0
        self.packets = 0
        self.payload = 0

    def packet(self, ts_us, conn, s, flags, payload=b""):
        me, peer = conn.side[s], conn.side[1 - s]
        syn = flags & TH_SYN
        tcp_hlen = 24 if syn else 20
        ip_len = 20 + tcp_hlen + len(payload)
        ack = peer.snd_nxt if flags & TH_ACK else 0
        iph = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, ip_len, me.ip_id, 0x4000, 64, 6, 0,
                                    me.ip, peer.ip))
        iph[10:12] = fold_le(csum(iph))
        me.ip_id = (me.ip_id + 1) & 0xFFFF
        tcp = bytearray(struct.pack(">HHIIBBHHH", me.port, peer.port, me.snd_nxt, ack,
                                    (tcp_hlen // 4) << 4, flags, WINDOW, 0, 0))
        if syn:
            tcp += struct.pack(">BBH", 2, 4, MSS + 12)
        pseudo = me.ip + peer.ip + struct.pack(">BBH", 0, 6, tcp_hlen + len(payload))
        tcp[16:18] = fold_le(csum(payload, csum(tcp, csum(pseudo))))
        if flags & TH_ACK:
            me.last_ack = ack
        me.snd_nxt = (me.snd_nxt + len(payload) + (1 if syn else 0) + (1 if flags & TH_FIN else 0)) & 0xFFFFFFFF
        ts = max(ts_us, self.last_us + 1)
        self.last_us = ts
        caplen = 14 + ip_len
        self.f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, caplen, caplen))
        self.f.write(peer.mac + me.mac + b"\x08\x00")
        self.f.write(iph)
        self.f.write(tcp)
        self.f.write(payload)
        self.packets += 1
        self.payload += len(payload)

    def send(self, ts_us, conn, s, data):
        """One write: MSS-sized segments, PSH on the last."""
        for off in range(0, len(data), MSS):
            last = off + MSS >= len(data)
            self.packet(ts_us, conn, s, TH_ACK | (TH_PSH if last else 0), data[off:off + MSS])

    def close(self):
        self.f.close()


# ------------------------------------------------------------------ pcap in

def read_pcap(path):
    with open(path, "rb", buffering=1 << 20) as f:
        gh = f.read(24)
        if len(gh) < 24:
            raise SystemExit(f"synth-web-capture: {path}: not a pcap file")
        magic = struct.unpack("<I", gh[:4])[0]
        if magic == 0xA1B2C3D4:
            endian, nano = "<", False
        elif magic == 0xD4C3B2A1:
            endian, nano = ">", False
        elif magic == 0xA1B23C4D:
            endian, nano = "<", True
        else:
            raise SystemExit(f"synth-web-capture: {path}: not a pcap file (magic {magic:#x})")
        if struct.unpack(endian + "I", gh[20:24])[0] != 1:
            raise SystemExit(f"synth-web-capture: {path}: link type is not Ethernet")
        rh = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, caplen, _ = rh.unpack(h)
            data = f.read(caplen)
            yield sec * 1000000 + (frac // 1000 if nano else frac), data


# ------------------------------------------------------------------ main

class Stats:
    def __init__(self):
        self.elements = 0
        self.messages = 0        # WebSocket messages, or HTTP bodies (requests and responses)
        self.message_bytes = 0   # their payload bytes, as XML
        self.wire_bytes = 0      # frames (headers and masks included), or HTTP messages
        self.tcp_conns = 0

    def note(self, item):
        if item[0] == "element":
            self.elements += 1


def run_synth(a, plain):
    synth = a.synth
    if synth is None:
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".build-bench", "synth-capture")
        synth = here if os.access(here, os.X_OK) else shutil.which("synth-capture")
    if not synth:
        raise SystemExit("synth-web-capture: no synth-capture binary (build it: gcc -O2 -o "
                         "Benchmarks/replay/.build-bench/synth-capture Benchmarks/replay/synth-capture.c "
                         "-lpcap, or give --synth / --plain-in)")
    r = subprocess.run([synth, plain, "--stanzas", str(a.stanzas), "--conns", str(a.conns),
                        "--seed", str(a.seed)], stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise SystemExit(r.returncode)


class Session:
    """One plaintext XMPP session rewritten: its two element splitters and its TCP connection(s)."""

    def __init__(self, w, st, index, seed, frame, sport, seq):
        self.w, self.st = w, st
        self.index = index
        self.rnd = random.Random(seed * 1000003 + index)
        self.started = False
        self.tcp = [TCPConn(Side(frame[26:30], sport, frame[6:12], seq, struct.unpack(">H", frame[18:20])[0]),
                            Side(frame[30:34], WS_PORT, frame[0:6], 0, 0))]
        st.tcp_conns += 1
        label = f"connection {index}"
        self.splitter = [ElementSplitter(f"c2s of {label}"), ElementSplitter(f"s2c of {label}")]

        def restart_both():  # after <success/>: both streams restart (RFC 6120 section 6.4.6)
            self.splitter[0].restart()
            self.splitter[1].restart()
        self.splitter[1].restart_hook = restart_both

    def syn(self, ts, s, flags, seq, ip_id):
        if s == 1:
            self.tcp[0].side[1].snd_nxt = seq
            self.tcp[0].side[1].ip_id = ip_id
        self.w.packet(ts, self.tcp[0], s, flags)

    def data(self, ts, s, payload, push):
        if not self.started:
            self.start(ts)
            self.started = True
        self.splitter[s].feed(payload)
        if push:
            self.flush(ts, s)

    def ack(self, ts, s, flags):
        pass

    def fin(self, ts, s, flags):
        self.flush(ts, s)
        self.w.packet(ts, self.tcp[0], s, flags)

    def flush(self, ts, s):
        items = self.splitter[s].take()
        if items:
            for item in items:
                self.st.note(item)
            self.write_items(ts, s, items)


class WebSocketSession(Session):
    """The session over one WebSocket (RFC 7395)."""

    def __init__(self, *args, deflate=False):
        super().__init__(*args)
        self.deflate = deflate
        self.deflater = [None, None]
        self.closing = False

    def start(self, ts):
        key = base64.b64encode(self.rnd.randbytes(16)).decode()
        self.w.send(ts, self.tcp[0], 0, upgrade_request(key, self.deflate))
        self.w.send(ts, self.tcp[0], 1, upgrade_response(key, self.deflate))
        if self.deflate:
            self.deflater = [zlib.compressobj(6, zlib.DEFLATED, -15) for _ in range(2)]

    def write_items(self, ts, s, items):
        """The items side s completed in one write of the plaintext session, as frames in one write."""
        frames = []
        for item in items:
            msg = ws_message(item)
            self.st.messages += 1
            self.st.message_bytes += len(msg)
            rsv1 = False
            if self.deflater[s] is not None:
                msg = self.deflater[s].compress(msg) + self.deflater[s].flush(zlib.Z_SYNC_FLUSH)
                if msg.endswith(b"\x00\x00\xff\xff"):
                    msg = msg[:-4]
                rsv1 = True
            frames.append(ws_frame(msg, self.rnd.randbytes(4) if s == 0 else None, rsv1=rsv1))
        data = b"".join(frames)
        self.st.wire_bytes += len(data)
        self.w.send(ts, self.tcp[0], s, data)

    def ack(self, ts, s, flags):
        me, peer = self.tcp[0].side[s], self.tcp[0].side[1 - s]
        if me.last_ack != peer.snd_nxt:  # only if it acknowledges something new
            self.w.packet(ts, self.tcp[0], s, flags)

    def fin(self, ts, s, flags):
        self.flush(ts, s)
        if self.started and not self.closing:
            # The closing handshake after <close/> both ways: the server's close, the client's echo.
            body = struct.pack(">H", 1000)
            self.w.send(ts, self.tcp[0], 1, ws_frame(body, None, opcode=8))
            self.w.send(ts, self.tcp[0], 0, ws_frame(body, self.rnd.randbytes(4), opcode=8))
            self.closing = True
        self.w.packet(ts, self.tcp[0], s, flags)


class BOSHSession(Session):
    """The session over BOSH (XEP-0124/0206): hold=1, requests=2, two keep-alive TCP connections.

    The client keeps one request waiting at the server: each of its writes is a new request on
    the free connection, and the server then answers the older one (empty when it has nothing);
    each server write answers the waiting request, and the client sends a new empty one.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.rid = self.rnd.randrange(1_000_000, 4_000_000_000)
        self.sid = self.rnd.randbytes(12).hex()
        self.to = "example.org"
        self.waiting = []       # (tcp index, kind) of requests the server has not answered, oldest first
        self.busy = [False, False]
        self.restarting = False
        self.terminated = False

    def start(self, ts):
        pass

    def second_connection(self, ts):
        """The browser's second TCP connection to the server, opened when first needed."""
        a = self.tcp[0]
        port = a.side[0].port + 1  # synth-capture: one client address per session, ports below 61000
        b = TCPConn(Side(a.side[0].ip, port, a.side[0].mac, self.rnd.getrandbits(32), self.rnd.getrandbits(16)),
                    Side(a.side[1].ip, WS_PORT, a.side[1].mac, self.rnd.getrandbits(32), self.rnd.getrandbits(16)))
        self.tcp.append(b)
        self.st.tcp_conns += 1
        self.w.packet(ts, b, 0, TH_SYN)
        self.w.packet(ts, b, 1, TH_SYN | TH_ACK)
        self.w.packet(ts, b, 0, TH_ACK)

    def body(self, attrs, children=b""):
        head = "<body" + "".join(f" {k}='{xml_attr(v)}'" for k, v in attrs)
        if not children:
            return (head + "/>").encode()
        return head.encode() + b">" + children + b"</body>"

    def request(self, ts, kind, attrs, children=b""):
        i = 0 if not self.busy[0] else 1
        if self.busy[i]:
            raise SplitError(f"connection {self.index}: BOSH: a third request while two wait")
        if i == 1 and len(self.tcp) == 1:
            self.second_connection(ts)
        self.rid += 1
        body = self.body([("rid", str(self.rid))] + attrs + [("xmlns", BOSH_NS)], children)
        msg = http_request(body)
        self.st.messages += 1
        self.st.message_bytes += len(body)
        self.st.wire_bytes += len(msg)
        self.w.send(ts, self.tcp[i], 0, msg)
        self.busy[i] = True
        self.waiting.append((i, kind))
        if len(self.waiting) > 1:  # hold=1: the server answers the older request at once
            self.respond(ts, [], b"")

    def respond(self, ts, attrs, children):
        i, kind = self.waiting.pop(0)
        if kind == "create":
            attrs = [("sid", self.sid), ("wait", "60"), ("requests", "2"), ("hold", "1"), ("inactivity", "30"),
                     ("polling", "5"), ("ver", "1.6"), ("from", self.to), ("xmpp:version", "1.0"),
                     ("xmpp:restartlogic", "true"), ("xmlns:xmpp", XBOSH_NS)] + attrs
        body = self.body(attrs + [("xmlns", BOSH_NS)], children)
        msg = http_response(body)
        self.st.messages += 1
        self.st.message_bytes += len(body)
        self.st.wire_bytes += len(msg)
        self.w.send(ts, self.tcp[i], 1, msg)
        self.busy[i] = False

    def keep_one_waiting(self, ts):
        if not self.waiting and not self.terminated:
            self.request(ts, "poll", [("sid", self.sid)])

    def write_items(self, ts, s, items):
        opens = [it for it in items if it[0] == "open"]
        closes = [it for it in items if it[0] == "close"]
        children = b"".join(bosh_child(it) for it in items if it[0] == "element")
        if s == 0:
            if opens and not self.restarting:
                attrs = dict(zip(opens[0][1][0::2], opens[0][1][1::2]))
                self.to = attrs.get("to", self.to)
                self.request(ts, "create", [("to", self.to), ("xml:lang", "en"), ("ver", "1.6"), ("wait", "60"),
                                            ("hold", "1"), ("content", "text/xml; charset=utf-8"),
                                            ("xmpp:version", "1.0"), ("xmlns:xmpp", XBOSH_NS)])
                self.restarting = True  # the next header is a restart
                if children:
                    self.request(ts, "data", [("sid", self.sid)], children)
            elif opens:
                self.request(ts, "restart", [("sid", self.sid), ("to", self.to), ("xml:lang", "en"),
                                             ("xmpp:restart", "true"), ("xmlns:xmpp", XBOSH_NS)], children)
            elif closes:
                self.request(ts, "terminate", [("sid", self.sid), ("type", "terminate")], children)
            else:
                self.request(ts, "data", [("sid", self.sid)], children)
            return
        if not self.waiting:
            raise SplitError(f"connection {self.index}: BOSH: the server writes with no request waiting")
        if closes:
            self.terminated = True
            self.respond(ts, [("type", "terminate")], children)
            while self.waiting:
                self.respond(ts, [("type", "terminate")], b"")
            return
        if children or self.waiting[0][1] == "create":
            self.respond(ts, [], children)
            self.keep_one_waiting(ts)
        # else: a stream header alone (after a restart): the features that follow answer the request

    def fin(self, ts, s, flags):
        self.flush(ts, s)
        for c in self.tcp:
            self.w.packet(ts, c, s, flags)


BOSH_NS = "http://jabber.org/protocol/httpbind"
XBOSH_NS = "urn:xmpp:xbosh"


def bosh_child(item):
    """A top-level element inside a <body/>: jabber:client written out where the stream implied it."""
    return ws_message(item)


def http_request(body):
    return (b"POST /http-bind HTTP/1.1\r\nHost: example.org:5280\r\n"
            b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) xmppscope-bench/1\r\nAccept: */*\r\n"
            b"Content-Type: text/xml; charset=utf-8\r\nOrigin: http://example.org:5280\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def http_response(body):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
            b"Access-Control-Allow-Origin: *\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output prefix: OUT.ws.pcap (OUT.ws-deflate.pcap, OUT.bosh.pcap), OUT.plain.pcap")
    ap.add_argument("--stanzas", type=int, required=True)
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--synth", help="synth-capture binary (default: .build-bench/synth-capture next to "
                                    "this script, else synth-capture on PATH)")
    ap.add_argument("--plain-in", help="use this synth-capture output instead of running synth-capture")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--deflate", action="store_true",
                      help="permessage-deflate with context takeover; writes OUT.ws-deflate.pcap")
    mode.add_argument("--bosh", action="store_true", help="BOSH instead of WebSocket; writes OUT.bosh.pcap")
    a = ap.parse_args()

    plain = a.plain_in or a.out + ".plain.pcap"
    if not a.plain_in:
        run_synth(a, plain)

    out = a.out + (".bosh.pcap" if a.bosh else ".ws-deflate.pcap" if a.deflate else ".ws.pcap")
    w = Writer(out)
    st = Stats()
    sessions = {}
    try:
        for ts, frame in read_pcap(plain):
            if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
                continue
            ihl = (frame[14] & 0x0F) * 4
            ip_total = struct.unpack(">H", frame[16:18])[0]
            tcp = 14 + ihl
            sport, dport, seq, ack, off_flags, flags = struct.unpack(">HHIIBB", frame[tcp:tcp + 14])
            payload = frame[tcp + (off_flags >> 4) * 4:14 + ip_total]
            if dport == PLAIN_PORT:
                s, key = 0, (frame[26:30], sport)
            elif sport == PLAIN_PORT:
                s, key = 1, (frame[30:34], dport)
            else:
                continue
            c = sessions.get(key)
            if c is None:
                if not (flags & TH_SYN) or s != 0:
                    continue  # not a session this generator wrote
                args = (w, st, len(sessions), a.seed, frame, sport, seq)
                c = BOSHSession(*args) if a.bosh else WebSocketSession(*args, deflate=a.deflate)
                sessions[key] = c
            if flags & TH_SYN:
                c.syn(ts, s, flags, seq, struct.unpack(">H", frame[18:20])[0])
            elif payload:
                c.data(ts, s, payload, flags & TH_PSH)
            elif flags & TH_FIN:
                c.fin(ts, s, flags)
            else:
                c.ack(ts, s, flags)
    except SplitError as e:
        raise SystemExit(f"synth-web-capture: {plain}: {e}")
    w.close()
    print(f"synth-web-capture: {out}: connections={len(sessions)} tcp_connections={st.tcp_conns} "
          f"packets={w.packets} tcp_payload_bytes={w.payload} elements={st.elements} messages={st.messages} "
          f"message_bytes={st.message_bytes} wire_bytes={st.wire_bytes} "
          f"transport={'bosh' if a.bosh else 'websocket-deflate' if a.deflate else 'websocket'} "
          f"(plaintext twin: {plain})", file=sys.stderr)


if __name__ == "__main__":
    main()
