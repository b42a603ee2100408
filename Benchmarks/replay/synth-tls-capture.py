#!/usr/bin/env python3
"""synth-tls-capture.py - synthetic TLS 1.3 XMPP capture, its key log and its plaintext twin.

Usage: synth-tls-capture.py OUT --stanzas N [--conns C] [--seed S]
                            [--synth PATH] [--plain-in PCAP] [--no-ticket] [--no-close-notify]

Writes OUT.plain.pcap, OUT.tls.pcap and OUT.keys (plus a summary on stderr).

OUT.plain.pcap is synth-capture's capture for the same N/C/S (written by running
the synth-capture binary, --synth, default: next to OUT's folder's parent as
run.sh builds it, else on PATH), i.e. C plaintext client-to-server XMPP sessions
on port 5222.  With --plain-in the given capture is used instead (it must be a
synth-capture output; it is not copied).

OUT.tls.pcap carries the very same XMPP byte streams as direct TLS (XEP-0368,
server port 5223), TLS 1.3 with TLS_AES_128_GCM_SHA256, the way a real stack
would put them on the wire:
  - the TCP three-way handshake of the plaintext session (same addresses,
    client port and initial sequence numbers),
  - a full TLS 1.3 handshake before the first XMPP byte: the client's
    ClientHello (legacy_version 0x0303, 32-byte random, 32-byte session id,
    suites 0x1301/0x1302/0x1303, server_name xmppscope.test, supported_groups,
    signature_algorithms, ALPN xmpp-client, key_share x25519, supported_versions
    0x0304, psk_key_exchange_modes); the server's ServerHello (suite 0x1301,
    supported_versions 0x0304, key_share x25519), ChangeCipherSpec, and
    EncryptedExtensions (ALPN xmpp-client), Certificate (a real self-signed
    P-256 certificate for xmppscope.test, embedded below), CertificateVerify
    (random signature bytes) and Finished (random bytes), one record each
    under the server handshake traffic secret; the client's ChangeCipherSpec
    and Finished (random bytes) under the client handshake traffic secret; then
    one NewSessionTicket from the server under its application traffic secret
    (--no-ticket leaves it out),
  - each write of the plaintext session (synth-capture marks the end of a
    write with PSH) becomes one application-data record (several if the write
    exceeds 16384 bytes) under CLIENT/SERVER_TRAFFIC_SECRET_0, cut into TCP
    segments of at most 1448 bytes, PSH on the last,
  - pure ACKs where the plaintext session has them, a close_notify alert from
    each side before its FIN (--no-close-notify leaves them out), then the FINs.
Packets keep the interleaving (and, where they map one to one, the timestamps)
of the plaintext capture; TCP sequence/ack numbers and IP/TCP checksums are
recomputed.  Record protection follows RFC 8446 5.2 (inner plaintext = content
|| type, AAD = record header, nonce = iv XOR sequence number, sequence numbers
from 0 per secret and direction), keys from HKDF-Expand-Label.  The five secrets
per connection are random bytes (not derived from a key exchange: no one can
check that from the capture), deterministic from --seed; OUT.keys has the NSS
key log lines CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,
CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET per
connection.

Needs Python 3 and the `cryptography` package (AES-GCM).  Memory stays flat:
the plaintext capture is read packet by packet.
"""

import argparse
import base64
import hashlib
import hmac
import os
import random
import shutil
import struct
import subprocess
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MSS = 1448
MAX_PLAIN = 16384
PLAIN_PORT = 5222
TLS_PORT = 5223
WINDOW = 65535
TH_FIN, TH_SYN, TH_PSH, TH_ACK = 0x01, 0x02, 0x08, 0x10
SERVER_NAME = b"xmppscope.test"
ALPN = b"xmpp-client"

# openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
#   -subj /CN=xmppscope.test -addext subjectAltName=DNS:xmppscope.test -days 3650 -outform DER
CERT_DER = base64.b64decode(
    "MIIBoTCCAUigAwIBAgIUQZyDlSUVT4Mof+yoRvXMA/dVIHkwCgYIKoZIzj0EAwIwGTEXMBUGA1UE"
    "AwwOeG1wcHNjb3BlLnRlc3QwHhcNMjYxMjAzMjEyMjEzWhcNMzYxMTMwMjEyMjEzWjAZMRcwFQYD"
    "VQQDDA54bXBwc2NvcGUudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIkrfXJ2j1GQ5g6O"
    "NLv2psQ/UPT4yWGFdFHEYi2Xt3Ck7g65F3WbP4pBbiig27d3CdOCr/RT8/o2x/DJaFuGxb+jbjBs"
    "MB0GA1UdDgQWBBRR9yk4bUeDbwkKDy+QoFirty0YWTAfBgNVHSMEGDAWgBRR9yk4bUeDbwkKDy+Q"
    "oFirty0YWTAPBgNVHRMBAf8EBTADAQH/MBkGA1UdEQQSMBCCDnhtcHBzY29wZS50ZXN0MAoGCCqG"
    "SM49BAMCA0cAMEQCICh6vKDnReZW4WM2bFQ8MgNQRqAKWTIBq9qLcFkFMxRjAiBZl+kElwHMHLye"
    "quEFH0fribMCqiYef0A0DTyHthTOOA=="
)


# ------------------------------------------------------------------ TLS bits

def u8(n):
    return bytes((n,))


def u16(n):
    return struct.pack(">H", n)


def u24(n):
    return struct.pack(">I", n)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def ext(typ, body):
    return u16(typ) + vec16(body)


def handshake(typ, body):
    return u8(typ) + vec24(body)


def hkdf_expand_label(secret, label, context, length):
    info = u16(length) + vec8(b"tls13 " + label) + vec8(context)
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + u8(i), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


class Protector:
    """TLS 1.3 record protection for one secret in one direction."""

    def __init__(self, secret):
        self.aead = AESGCM(hkdf_expand_label(secret, b"key", b"", 16))
        self.iv = int.from_bytes(hkdf_expand_label(secret, b"iv", b"", 12), "big")
        self.seq = 0

    def seal(self, content, ctype):
        inner = content + u8(ctype)
        header = b"\x17\x03\x03" + u16(len(inner) + 16)
        nonce = (self.iv ^ self.seq).to_bytes(12, "big")
        self.seq += 1
        return header + self.aead.encrypt(nonce, inner, header)


def client_hello(rnd, random32, session_id, key_share):
    exts = b"".join([
        ext(0, vec16(u8(0) + vec16(SERVER_NAME))),                  # server_name
        ext(11, vec8(b"\x00")),                                     # ec_point_formats
        ext(10, vec16(b"\x00\x1d\x00\x17\x00\x18")),                # supported_groups
        ext(35, b""),                                               # session_ticket
        ext(16, vec16(vec8(ALPN))),                                 # ALPN
        ext(22, b""),                                               # encrypt_then_mac
        ext(23, b""),                                               # extended_master_secret
        ext(13, vec16(b"\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01\x08\x06\x06\x01")),
        ext(43, vec8(b"\x03\x04\x03\x03")),                         # supported_versions
        ext(45, vec8(b"\x01")),                                     # psk_key_exchange_modes
        ext(51, vec16(b"\x00\x1d" + vec16(key_share))),             # key_share
    ])
    body = (b"\x03\x03" + random32 + vec8(session_id)
            + vec16(b"\x13\x01\x13\x02\x13\x03\xc0\x2b\xc0\x2f\xcc\xa9\xcc\xa8\xc0\x2c\xc0\x30")
            + vec8(b"\x00") + vec16(exts))
    return b"\x16\x03\x01" + vec16(handshake(1, body))


def server_hello(random32, session_id, key_share):
    exts = ext(43, b"\x03\x04") + ext(51, b"\x00\x1d" + vec16(key_share))
    body = b"\x03\x03" + random32 + vec8(session_id) + b"\x13\x01" + b"\x00" + vec16(exts)
    return b"\x16\x03\x03" + vec16(handshake(2, body))


CCS = b"\x14\x03\x03\x00\x01\x01"


def server_flight(rnd, hs):
    """EncryptedExtensions, Certificate, CertificateVerify, Finished: one record each."""
    ee = handshake(8, vec16(ext(16, vec16(vec8(ALPN)))))
    cert = handshake(11, vec8(b"") + vec24(vec24(CERT_DER) + vec16(b"")))
    sig = rnd.randbytes(70)
    cv = handshake(15, b"\x04\x03" + vec16(sig))
    fin = handshake(20, rnd.randbytes(32))
    return b"".join(hs.seal(m, 0x16) for m in (ee, cert, cv, fin))


def new_session_ticket(rnd):
    body = (struct.pack(">II", 7200, rnd.getrandbits(32)) + vec8(rnd.randbytes(8))
            + vec16(rnd.randbytes(192)) + vec16(b""))
    return handshake(4, body)


# ------------------------------------------------------------------ pcap out

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
    __slots__ = ("ip", "port", "mac", "snd_nxt", "last_ack", "ip_id", "buf", "prot")

    def __init__(self, ip, port, mac, isn, ip_id):
        self.ip, self.port, self.mac = ip, port, mac
        self.snd_nxt, self.last_ack, self.ip_id = isn, None, ip_id
        self.buf = bytearray()  # plaintext of the write in progress
        self.prot = None        # application-data Protector


class Conn:
    __slots__ = ("index", "side", "tls_done", "rnd", "secrets", "client_random")


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
            raise SystemExit(f"synth-tls-capture: {path}: not a pcap file")
        magic = struct.unpack("<I", gh[:4])[0]
        if magic == 0xA1B2C3D4:
            endian, nano = "<", False
        elif magic == 0xD4C3B2A1:
            endian, nano = ">", False
        elif magic == 0xA1B23C4D:
            endian, nano = "<", True
        else:
            raise SystemExit(f"synth-tls-capture: {path}: not a pcap file (magic {magic:#x})")
        if struct.unpack(endian + "I", gh[20:24])[0] != 1:
            raise SystemExit(f"synth-tls-capture: {path}: link type is not Ethernet")
        rh = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, caplen, _ = rh.unpack(h)
            data = f.read(caplen)
            yield sec * 1000000 + (frac // 1000 if nano else frac), data


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output prefix: OUT.tls.pcap, OUT.keys, OUT.plain.pcap")
    ap.add_argument("--stanzas", type=int, required=True)
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--synth", help="synth-capture binary (default: .build-bench/synth-capture next to "
                                    "this script, else synth-capture on PATH)")
    ap.add_argument("--plain-in", help="use this synth-capture output instead of running synth-capture")
    ap.add_argument("--no-ticket", action="store_true", help="no NewSessionTicket")
    ap.add_argument("--no-close-notify", action="store_true", help="no close_notify alerts")
    a = ap.parse_args()

    plain = a.out + ".plain.pcap"
    if a.plain_in:
        plain = a.plain_in
    else:
        synth = a.synth
        if synth is None:
            here = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".build-bench", "synth-capture")
            synth = here if os.access(here, os.X_OK) else shutil.which("synth-capture")
        if not synth:
            raise SystemExit("synth-tls-capture: no synth-capture binary (build it: gcc -O2 -o "
                             "Benchmarks/replay/.build-bench/synth-capture Benchmarks/replay/synth-capture.c "
                             "-lpcap, or give --synth / --plain-in)")
        r = subprocess.run([synth, plain, "--stanzas", str(a.stanzas), "--conns", str(a.conns),
                            "--seed", str(a.seed)], stderr=subprocess.PIPE, text=True)
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            raise SystemExit(r.returncode)

    w = Writer(a.out + ".tls.pcap")
    keys = open(a.out + ".keys", "w", buffering=1 << 16)
    conns = {}
    nconns = 0
    app_records = 0
    app_bytes = 0
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
        c = conns.get(key)
        if c is None:
            if not (flags & TH_SYN) or s != 0:
                continue  # not a session this generator wrote
            c = Conn()
            c.index = nconns
            nconns += 1
            c.rnd = random.Random(a.seed * 1000003 + c.index)
            c.side = [Side(frame[26:30], sport, frame[6:12], seq, struct.unpack(">H", frame[18:20])[0]),
                      Side(frame[30:34], TLS_PORT, frame[0:6], 0, 0)]
            c.tls_done = False
            conns[key] = c
        me = c.side[s]
        if flags & TH_SYN:
            if s == 1:
                me.snd_nxt = seq
                me.ip_id = struct.unpack(">H", frame[18:20])[0]
            w.packet(ts, c, s, flags)
            continue
        if payload:
            if not c.tls_done:
                tls_handshake(w, ts, c, keys, not a.no_ticket)
            me.buf += payload
            if flags & TH_PSH:
                n, b = flush(w, ts, c, s)
                app_records += n
                app_bytes += b
            continue
        if flags & TH_FIN:
            if me.buf:
                n, b = flush(w, ts, c, s)
                app_records += n
                app_bytes += b
            if c.tls_done and not a.no_close_notify:
                w.packet(ts, c, s, TH_ACK | TH_PSH, me.prot.seal(b"\x01\x00", 0x15))
            w.packet(ts, c, s, flags)
            continue
        # pure ACK: only if it acknowledges something new
        if me.last_ack != c.side[1 - s].snd_nxt:
            w.packet(ts, c, s, flags)
    w.close()
    keys.close()
    print(f"synth-tls-capture: {a.out}.tls.pcap: connections={nconns} packets={w.packets} "
          f"tcp_payload_bytes={w.payload} app_records={app_records} app_plaintext_bytes={app_bytes} "
          f"(plaintext twin: {plain})", file=sys.stderr)


def tls_handshake(w, ts, c, keys, ticket):
    rnd = c.rnd
    client_random = rnd.randbytes(32)
    server_random = rnd.randbytes(32)
    session_id = rnd.randbytes(32)
    labels = ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
              "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET")
    secrets = {label: rnd.randbytes(32) for label in labels}
    cr = client_random.hex()
    for label in labels:
        keys.write(f"{label} {cr} {secrets[label].hex()}\n")
    chs = Protector(secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"])
    shs = Protector(secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
    c.side[0].prot = Protector(secrets["CLIENT_TRAFFIC_SECRET_0"])
    c.side[1].prot = Protector(secrets["SERVER_TRAFFIC_SECRET_0"])
    w.send(ts, c, 0, client_hello(rnd, client_random, session_id, rnd.randbytes(32)))
    w.send(ts, c, 1, server_hello(server_random, session_id, rnd.randbytes(32)) + CCS + server_flight(rnd, shs))
    w.send(ts, c, 0, CCS + chs.seal(handshake(20, rnd.randbytes(32)), 0x16))
    if ticket:
        w.send(ts, c, 1, c.side[1].prot.seal(new_session_ticket(rnd), 0x16))
    c.tls_done = True


def flush(w, ts, c, s):
    """The write in progress of side s: one record per 16384 bytes, then segments."""
    me = c.side[s]
    data = bytes(me.buf)
    me.buf.clear()
    recs = [me.prot.seal(data[i:i + MAX_PLAIN], 0x17) for i in range(0, len(data), MAX_PLAIN)]
    w.send(ts, c, s, b"".join(recs))
    return len(recs), len(data)


if __name__ == "__main__":
    main()
