#!/usr/bin/env python3
"""Proxy soak (issue 5): many concurrent XMPP client sessions through `xmppscope proxy` to a
private Prosody, with cuts, slow readers and idle clients; then checks the proxy's log and health.

Run by scripts/soak-proxy.sh, which starts Prosody, the chaos relay and the proxy:

  soak.py relay --listen PORT --upstream PORT --seed S --sessions N --events FILE
      The chaos relay between the proxy and Prosody: plain TCP, byte for byte, except that it
      cuts (FIN or RST) the connections whose session plan says "upstream-cut", after a planned
      number of bytes in a planned direction. A connection is tied to its session by the
      soak:id attribute of the client's first stream header (the plan is a function of seed
      and session number, so the relay and the clients agree without talking).

  soak.py run --port PROXY_PORT --proxy-pid PID --proxy-log FILE --proxy-err FILE
              --ca CA.pem --relay-events FILE --sessions N --seconds S --seed SEED ...
      Warm-up, baseline fds/RSS, the soak itself, fds/RSS afterwards, one fresh session, and
      the checks. Prints PASS/FAIL lines and exits 1 if any check failed.

Everything talks to 127.0.0.1 only; every wait has a timeout; every loop is bounded.
"""

import argparse
import asyncio
import base64
import collections
import json
import os
import random
import re
import socket
import ssl
import struct
import sys
import time
import xml.parsers.expat

DOMAIN = "xmppscope.test"
PASSWORD = "soak-password"
NS_STREAM = "http://etherx.jabber.org/streams"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_CLIENT = "jabber:client"
STEP_TIMEOUT = 60.0          # any single wait for the peer
WARMUP_BASE = 100000         # session numbers of warm-up sessions (never cut by the relay)
FRESH_BASE = 200000          # the fresh session after the soak

BEHAVIOURS = [               # (name, weight)
    ("complete", 0.60),
    ("upstream-cut", 0.12),
    ("cut-mid-stanza", 0.05),
    ("cut-mid-tls", 0.05),
    ("cut-sasl", 0.05),
    ("slow-reader", 0.02),
    ("idle", 0.11),
]


# ---------------------------------------------------------------------------------------------
# Plans: a pure function of (seed, session number, run length)

def plan_for(seed, idx, seconds):
    r = random.Random(f"{seed}:{idx}")
    if idx >= WARMUP_BASE:
        return {"idx": idx, "seed": seed, "behaviour": "complete", "tls": idx % 2 == 0, "start": 0.0,
                "end": 0.0, "ops": 6, "big": idx % 3 == 0, "account": idx % 20}
    x, acc, behaviour = r.random(), 0.0, BEHAVIOURS[-1][0]
    for name, w in BEHAVIOURS:
        acc += w
        if x < acc:
            behaviour = name
            break
    ramp = min(20.0, 0.15 * seconds)
    p = {"idx": idx, "seed": seed, "behaviour": behaviour, "tls": r.random() < 0.5, "account": idx % 20,
         "start": r.uniform(0, ramp)}
    if behaviour == "complete":
        p["end"] = r.uniform(0.7 * seconds, 0.95 * seconds)
        p["ops"] = r.randint(4, 10)
        p["big"] = r.random() < 0.12
    elif behaviour == "upstream-cut":
        p["end"] = r.uniform(0.5 * seconds, 0.9 * seconds)
        p["ops"] = r.randint(4, 10)
        p["big"] = False
        p["cut_dir"] = r.choice(["c2s", "s2c"])
        # log-uniform over 40 B .. 12 KB: header, features, TLS handshake, SASL, bind, stanzas
        p["cut_at"] = int(round(40 * (300 ** r.random())))
        p["cut_mode"] = r.choice(["close", "rst"])
    elif behaviour == "cut-mid-stanza":
        p["act"] = r.uniform(ramp, 0.9 * seconds)
        p["ops"] = r.randint(0, 3)
        p["cut_mode"] = r.choice(["close", "rst"])
        p["big"] = r.random() < 0.3
    elif behaviour == "cut-mid-tls":
        p["tls"] = True
        p["act"] = r.uniform(ramp, 0.9 * seconds)
        p["tls_cut"] = r.choice(["nothing", "partial-hello", "after-hello"])
        p["cut_mode"] = r.choice(["close", "rst"])
    elif behaviour == "cut-sasl":
        p["act"] = r.uniform(ramp, 0.9 * seconds)
        p["sasl_cut"] = r.choice(["after-auth", "half-auth"])
        p["cut_mode"] = r.choice(["close", "rst"])
    elif behaviour == "slow-reader":
        p["start"] = r.uniform(0, min(5.0, ramp))
    return p


# ---------------------------------------------------------------------------------------------
# A tiny XMPP stream reader on expat

class Elem:
    __slots__ = ("tag", "attrs", "children", "text")

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children, self.text = tag, attrs, [], []

    def find(self, tag):
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def body_text(self):
        return "".join(self.text)

    def __repr__(self):
        return f"<{self.tag} {self.attrs} children={[c.tag for c in self.children]}>"


STREAM_END = object()


class XmlStream:
    def __init__(self):
        self.queue = collections.deque()
        self.reset()

    def reset(self):
        p = xml.parsers.expat.ParserCreate(namespace_separator="|")
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = self._start, self._end, self._chars
        p.buffer_text = True
        self.parser, self.stack, self.header = p, [], None

    def _start(self, name, attrs):
        e = Elem(name, attrs)
        if not self.stack and self.header is None:
            self.header = e
            self.stack.append(e)
            return
        if len(self.stack) >= 2:
            self.stack[-1].children.append(e)
        self.stack.append(e)

    def _end(self, name):
        e = self.stack.pop()
        if not self.stack:
            self.queue.append(STREAM_END)
        elif len(self.stack) == 1:
            self.queue.append(e)

    def _chars(self, data):
        if len(self.stack) >= 2:
            self.stack[-1].text.append(data)

    def feed(self, data):
        self.parser.Parse(data, False)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789      .,;:!?-_'\"<>&/()[]\n"
            + "éèàüößçñØΩλπЖжд漢字日本語한국어🙂🚀€£")


def random_body(r, size):
    """About `size` UTF-8 bytes of text, some of it not ASCII, with XML-special characters."""
    if r.random() < 0.3:  # ASCII only
        return "".join(r.choice(ALPHABET[:90]) for _ in range(size))
    out, n = [], 0
    while n < size:
        ch = r.choice(ALPHABET)
        out.append(ch)
        n += len(ch.encode())
    return "".join(out)


class Cut(Exception):
    """The connection ended (EOF, reset, TLS error) while the session still expected data."""


class Failed(Exception):
    """A response was wrong: this is a real failure."""


class Session:
    def __init__(self, idx, plan, port, ca, deadline, stats):
        self.idx, self.plan, self.port, self.ca, self.deadline = idx, plan, port, ca, deadline
        self.r = random.Random(f"client:{plan['seed']}:{idx}")
        self.sent = self.recv = 0
        self.phase = "connect"
        self.stream = XmlStream()
        self.reader = self.writer = None
        self.local_port = None
        self.stats = stats
        self.verified = 0
        self.result = {"idx": idx, "behaviour": plan["behaviour"], "tls": plan["tls"]}

    # --- I/O ---------------------------------------------------------------------------------
    async def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.writer.write(data)
            self.sent += len(data)
            await asyncio.wait_for(self.writer.drain(), STEP_TIMEOUT)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise Cut(f"send: {type(e).__name__}: {e}") from None

    async def read_some(self, n=65536):
        try:
            data = await asyncio.wait_for(self.reader.read(n), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise Failed(f"no data for {STEP_TIMEOUT:.0f} s in phase {self.phase}") from None
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise Cut(f"read: {type(e).__name__}: {e}") from None
        if not data:
            raise Cut("EOF")
        self.recv += len(data)
        try:
            self.stream.feed(data)
        except xml.parsers.expat.ExpatError as e:
            raise Failed(f"bad XML from the proxy in phase {self.phase}: {e}") from None
        return data

    async def next_elem(self):
        for _ in range(1_000_000):
            if self.stream.queue:
                e = self.stream.queue.popleft()
                if e is STREAM_END:
                    raise Cut("stream closed by the server")
                if e.tag == f"{NS_STREAM}|error":
                    cond = [c.tag.split("|")[-1] for c in e.children]
                    raise Cut(f"stream error {cond}")
                return e
            await self.read_some()
        raise Failed("too many reads")

    async def expect(self, tag, what):
        e = await self.next_elem()
        if e.tag != tag:
            raise Failed(f"{what}: expected {tag}, got {e!r}")
        return e

    def rst(self):
        try:
            sock = self.writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except Exception:
            pass
        self.writer.transport.abort()

    async def client_cut(self, how):
        self.result["client_cut"] = f"{self.phase}/{how}"
        if how == "rst":
            self.rst()
        else:
            self.writer.close()
            try:
                await asyncio.wait_for(self.writer.wait_closed(), 5)
            except Exception:
                pass

    # --- protocol ----------------------------------------------------------------------------
    def header(self, marker):
        extra = f" xmlns:soak='urn:xmppscope:soak' soak:id='{self.idx}'" if marker else ""
        return (f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='{NS_STREAM}'"
                f"{extra} to='{DOMAIN}' version='1.0'>")

    async def open_stream(self, marker=False):
        self.stream.reset()
        await self.send(self.header(marker))
        feats = await self.expect(f"{NS_STREAM}|features", "features")
        if self.stream.header is None or self.stream.header.attrs.get("from") != DOMAIN:
            raise Failed(f"stream header from the server: {self.stream.header!r}")
        return feats

    async def connect(self):
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20), STEP_TIMEOUT)
        self.local_port = self.writer.get_extra_info("sockname")[1]
        self.result["port"] = self.local_port
        self.result["t_connect"] = time.time()
        self.stats["started"] += 1
        self.stats["open"] += 1
        self.stats["peak_open"] = max(self.stats["peak_open"], self.stats["open"])

    async def starttls(self, feats):
        self.phase = "starttls"
        if feats.find(f"{NS_TLS}|starttls") is None:
            raise Failed("STARTTLS not offered")
        await self.send(f"<starttls xmlns='{NS_TLS}'/>")
        await self.expect(f"{NS_TLS}|proceed", "starttls")

    async def tls_handshake(self):
        self.phase = "tls-handshake"
        ctx = ssl.create_default_context(cafile=self.ca)   # check_hostname on: the name is checked
        try:
            await asyncio.wait_for(self.writer.start_tls(ctx, server_hostname=DOMAIN), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise Failed("TLS handshake timed out") from None
        except ssl.SSLCertVerificationError as e:
            raise Failed(f"certificate: {e}") from None
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise Cut(f"TLS handshake: {type(e).__name__}: {e}") from None
        self.result["tls_version"] = self.writer.get_extra_info("ssl_object").version()

    def auth_xml(self):
        user = f"soak{self.plan['account']}"
        payload = base64.b64encode(f"\0{user}\0{PASSWORD}".encode()).decode()
        return user, f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{payload}</auth>"

    async def login(self):
        """Stream, STARTTLS if planned, SASL PLAIN, bind. Returns the full JID."""
        self.phase = "stream"
        feats = await self.open_stream(marker=True)
        if self.plan["tls"]:
            await self.starttls(feats)
            await self.tls_handshake()
            self.phase = "stream-after-tls"
            feats = await self.open_stream()
        self.phase = "sasl"
        mechs = feats.find(f"{NS_SASL}|mechanisms")
        if mechs is None or "PLAIN" not in [m.body_text() for m in mechs.children]:
            raise Failed(f"PLAIN not offered: {feats!r}")
        user, auth = self.auth_xml()
        await self.send(auth)
        await self.expect(f"{NS_SASL}|success", "sasl")
        self.phase = "stream-after-sasl"
        feats = await self.open_stream()
        self.phase = "bind"
        if feats.find(f"{NS_BIND}|bind") is None:
            raise Failed("bind not offered")
        resource = f"soak-{self.idx}"
        await self.send(f"<iq type='set' id='bind-1'><bind xmlns='{NS_BIND}'><resource>{resource}</resource></bind></iq>")
        iq = await self.expect(f"{NS_CLIENT}|iq", "bind")
        jid_el = iq.find(f"{NS_BIND}|bind")
        jid = jid_el.find(f"{NS_BIND}|jid").body_text() if jid_el is not None and jid_el.find(f"{NS_BIND}|jid") is not None else None
        if iq.attrs.get("type") != "result" or iq.attrs.get("id") != "bind-1" or jid != f"{user}@{DOMAIN}/{resource}":
            raise Failed(f"bind: {iq!r} jid={jid}")
        self.verified += 1
        self.phase = "bound"
        return jid

    async def iq(self, kind, n):
        if kind == "ping":
            q, child = f"<ping xmlns='urn:xmpp:ping'/>", None
            to = f" to='{DOMAIN}'"
        elif kind == "disco":
            q, child = "<query xmlns='http://jabber.org/protocol/disco#info'/>", "http://jabber.org/protocol/disco#info|query"
            to = f" to='{DOMAIN}'"
        else:
            q, child = "<query xmlns='jabber:iq:roster'/>", "jabber:iq:roster|query"
            to = ""
        iid = f"{kind}-{n}"
        await self.send(f"<iq type='get' id='{iid}'{to}>{q}</iq>")
        e = await self.expect(f"{NS_CLIENT}|iq", kind)
        if e.attrs.get("type") != "result" or e.attrs.get("id") != iid:
            raise Failed(f"{kind}: {e!r}")
        if to and e.attrs.get("from") != DOMAIN:
            raise Failed(f"{kind}: from {e.attrs.get('from')}")
        if child and e.find(child) is None:
            raise Failed(f"{kind}: no {child} in {e!r}")
        if kind == "disco":
            ids = [c for c in e.find(child).children if c.tag.endswith("|identity")]
            if not any(c.attrs.get("category") == "server" for c in ids):
                raise Failed(f"disco: no server identity {e!r}")
        self.verified += 1

    def message_xml(self, jid, mid, body):
        return f"<message to='{jid}' id='{mid}' type='chat'><body>{esc(body)}</body></message>"

    def check_message(self, e, jid, mid, body):
        if e.tag != f"{NS_CLIENT}|message" or e.attrs.get("id") != mid or e.attrs.get("from") != jid:
            raise Failed(f"message {mid}: got {e!r}")
        b = e.find(f"{NS_CLIENT}|body")
        got = b.body_text() if b is not None else None
        if got != body:
            raise Failed(f"message {mid}: body differs ({len(got or '')} vs {len(body)} chars)")
        self.verified += 1

    async def message(self, jid, n, size):
        body = random_body(self.r, size)
        mid = f"msg-{n}"
        await self.send(self.message_xml(jid, mid, body))
        self.check_message(await self.next_elem(), jid, mid, body)

    async def close_stream(self):
        self.phase = "closing"
        await self.send("</stream:stream>")
        for _ in range(1_000_000):      # until the server's end tag, then EOF
            try:
                await self.read_some()
            except Cut as c:
                if str(c) != "EOF":
                    raise
                break
            while self.stream.queue:
                e = self.stream.queue.popleft()
                if e is not STREAM_END:
                    raise Failed(f"closing: unexpected {e!r}")
                self.result["server_closed_stream"] = True
        if not self.result.get("server_closed_stream"):
            raise Failed("EOF without the server's </stream:stream>")
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 10)
        except Exception:
            pass

    async def pause_until(self, t):
        d = t - time.monotonic()
        if d > 0:
            await asyncio.sleep(d)

    # --- behaviours --------------------------------------------------------------------------
    async def run_complete(self, t0):
        jid = await self.login()
        ops = self.plan["ops"]
        kinds = [self.r.choice(["ping", "disco", "roster", "msg", "msg"]) for _ in range(ops)]
        if self.plan.get("big"):
            kinds[self.r.randrange(ops)] = "big"
        end = t0 + self.plan["end"]
        for n, kind in enumerate(kinds):
            self.phase = f"op-{kind}"
            if kind == "msg":
                await self.message(jid, n, self.r.choice([8, 40, 200, 1000, 3000]))
            elif kind == "big":
                await self.message(jid, n, self.r.randint(45000, 55000))
            else:
                await self.iq(kind, n)
            # spread the operations over the session's planned life
            remaining = end - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(min(remaining / max(1, ops - n), 60))
        await self.pause_until(end)
        await self.close_stream()
        return "ok"

    async def run_slow_reader(self, t0, slow_bytes, rate):
        jid = await self.login()
        self.phase = "slow-send"
        count = 8
        bodies = [random_body(self.r, slow_bytes // count) for _ in range(count)]
        for n, body in enumerate(bodies):
            await self.send(self.message_xml(jid, f"slow-{n}", body))
        self.phase = "slow-read"
        got, t_start, read_bytes = 0, time.monotonic(), 0
        for _ in range(1_000_000):
            while self.stream.queue and got < count:
                e = self.stream.queue.popleft()
                if e is STREAM_END:
                    raise Cut("stream closed by the server")
                self.check_message(e, jid, f"slow-{got}", bodies[got])
                got += 1
            if got == count:
                break
            data = await self.read_some(512)
            read_bytes += len(data)
            # hold the pace: read_bytes at `rate` bytes a second
            ahead = read_bytes / rate - (time.monotonic() - t_start)
            if ahead > 0:
                await asyncio.sleep(ahead)
        self.result["slow_read_s"] = round(time.monotonic() - t_start, 1)
        self.result["slow_read_bytes"] = read_bytes
        await self.close_stream()
        return "ok"

    async def run_cut_mid_stanza(self, t0):
        jid = await self.login()
        for n in range(self.plan["ops"]):
            self.phase = "op"
            await self.iq(self.r.choice(["ping", "disco", "roster"]), n)
        self.phase = "waiting"
        await self.pause_until(t0 + self.plan["act"])
        self.phase = "mid-stanza"
        size = 60000 if self.plan.get("big") else self.r.choice([20, 300, 3000])
        data = self.message_xml(jid, "cut", random_body(self.r, size)).encode()
        await self.send(data[: self.r.randint(1, len(data) - 1)])
        await asyncio.sleep(self.r.uniform(0, 0.3))
        await self.client_cut(self.plan["cut_mode"])
        return "client-cut"

    async def run_cut_mid_tls(self, t0):
        self.phase = "waiting"
        await self.pause_until(t0 + self.plan["act"])
        self.phase = "stream"
        feats = await self.open_stream(marker=True)
        await self.starttls(feats)
        self.phase = "tls-handshake"
        how = self.plan["tls_cut"]
        if how != "nothing":
            ctx = ssl.create_default_context(cafile=self.ca)
            inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = ctx.wrap_bio(inc, out, server_hostname=DOMAIN)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            hello = out.read()
            if how == "partial-hello":
                hello = hello[: self.r.randint(1, len(hello) - 1)]
            self.writer.write(hello)        # TLS records: not application bytes
            await asyncio.wait_for(self.writer.drain(), STEP_TIMEOUT)
            if how == "after-hello":
                try:
                    d = await asyncio.wait_for(self.reader.read(self.r.randint(1, 2000)), 5)
                    self.result["handshake_bytes_read"] = len(d)
                except Exception:
                    pass
            else:
                await asyncio.sleep(self.r.uniform(0, 0.2))
        await self.client_cut(self.plan["cut_mode"])
        return "client-cut"

    async def run_cut_sasl(self, t0):
        self.phase = "stream"
        feats = await self.open_stream(marker=True)
        if self.plan["tls"]:
            await self.starttls(feats)
            await self.tls_handshake()
            feats = await self.open_stream()
        self.phase = "waiting"
        await self.pause_until(t0 + self.plan["act"])
        self.phase = "sasl"
        _, auth = self.auth_xml()
        if self.plan["sasl_cut"] == "half-auth":
            auth = auth[: self.r.randint(1, len(auth) - 1)]
        await self.send(auth)
        await asyncio.sleep(self.r.uniform(0, 0.05))
        await self.client_cut(self.plan["cut_mode"])
        return "client-cut"

    async def run_idle(self, t0):
        self.phase = "idle"
        await self.pause_until(self.deadline)
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 10)
        except Exception:
            pass
        return "idle-closed"

    async def run(self, t0, slow_bytes=0, rate=0):
        await asyncio.sleep(max(0.0, t0 + self.plan["start"] - time.monotonic()))
        b = self.plan["behaviour"]
        try:
            await self.connect()
        except Exception as e:
            self.result.update(outcome="fail", error=f"connect: {type(e).__name__}: {e}")
            return self.result
        try:
            if b in ("complete", "upstream-cut"):
                outcome = await self.run_complete(t0)
            elif b == "slow-reader":
                outcome = await self.run_slow_reader(t0, slow_bytes, rate)
            elif b == "cut-mid-stanza":
                outcome = await self.run_cut_mid_stanza(t0)
            elif b == "cut-mid-tls":
                outcome = await self.run_cut_mid_tls(t0)
            elif b == "cut-sasl":
                outcome = await self.run_cut_sasl(t0)
            else:
                outcome = await self.run_idle(t0)
            self.result["outcome"] = outcome
        except Cut as c:
            # Expected only when the relay cut the upstream; otherwise a failure.
            self.result["outcome"] = "upstream-cut" if b == "upstream-cut" else "fail"
            self.result["error"] = f"cut in phase {self.phase}: {c}"
            self.result["cut_phase"] = self.phase
            self.writer.transport.abort()
        except Failed as f:
            self.result.update(outcome="fail", error=f"phase {self.phase}: {f}")
            self.writer.transport.abort()
        except asyncio.CancelledError:
            self.result.update(outcome="fail", error=f"stalled in phase {self.phase} (cancelled at the run's time limit)")
            self.writer.transport.abort()
        except Exception as e:
            self.result.update(outcome="fail", error=f"phase {self.phase}: {type(e).__name__}: {e}")
            self.writer.transport.abort()
        finally:
            self.stats["open"] -= 1
        self.result.update(sent=self.sent, recv=self.recv, verified=self.verified, phase=self.phase)
        return self.result


# ---------------------------------------------------------------------------------------------
# The chaos relay

class Relay:
    def __init__(self, args):
        self.args = args
        self.events = open(args.events, "a", buffering=1)
        self.conns = 0

    def log(self, **kw):
        self.events.write(json.dumps(kw) + "\n")

    async def handle(self, cr, cw):
        self.conns += 1
        try:
            ur, uw = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.args.upstream), 10)
        except Exception as e:
            self.log(event="upstream-connect-failed", error=str(e))
            cw.transport.abort()
            return
        state = {"idx": None, "plan": None, "cut": False, "counts": {"c2s": 0, "s2c": 0}}
        pumps = [asyncio.ensure_future(self.pump(cr, uw, "c2s", state, cw, uw)),
                 asyncio.ensure_future(self.pump(ur, cw, "s2c", state, cw, uw))]
        await asyncio.gather(*pumps, return_exceptions=True)
        for w in (cw, uw):
            w.close()
        p = state["plan"]
        if p and p["behaviour"] == "upstream-cut" and not state["cut"]:
            self.log(event="cut-not-reached", idx=state["idx"], counts=state["counts"])

    def cut(self, state, cw, uw, direction):
        p = state["plan"]
        state["cut"] = True
        self.log(event="cut", idx=state["idx"], dir=direction, at=p["cut_at"], mode=p["cut_mode"],
                 counts=dict(state["counts"]))
        if p["cut_mode"] == "rst":
            try:
                cw.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except Exception:
                pass
            cw.transport.abort()
        else:
            cw.close()
        uw.transport.abort()

    async def pump(self, r, w, direction, state, cw, uw):
        first = direction == "c2s"
        head = b""
        for _ in range(100_000_000):
            if state["cut"]:
                return
            try:
                data = await r.read(65536)
            except Exception:
                data = b""
                # a reset on one side: reset the other too
                for x in (cw, uw):
                    x.transport.abort()
                return
            if state["cut"]:
                return
            if not data:
                if head:                       # never saw a marker: pass on what was held
                    w.write(head)
                try:
                    w.write_eof()
                    await w.drain()
                except Exception:
                    pass
                return
            if first:
                head += data
                m = re.search(rb"soak:id='(\d+)'", head)
                if not m and len(head) < 4096 and b">" not in head.split(b"<stream:stream", 1)[-1]:
                    continue
                first = False
                if m:
                    state["idx"] = int(m.group(1))
                    state["plan"] = plan_for(self.args.seed, state["idx"], self.args.seconds)
                data, head = head, b""
            p = state["plan"]
            if p and p["behaviour"] == "upstream-cut" and p["cut_dir"] == direction:
                n = state["counts"][direction]
                if n + len(data) >= p["cut_at"]:
                    part = data[: p["cut_at"] - n]
                    state["counts"][direction] += len(part)
                    try:
                        w.write(part)
                        await w.drain()
                    except Exception:
                        pass
                    self.cut(state, cw, uw, direction)
                    return
            state["counts"][direction] += len(data)
            try:
                w.write(data)
                await w.drain()
            except Exception:
                for x in (cw, uw):
                    x.transport.abort()
                return

    async def serve(self):
        server = await asyncio.start_server(self.handle, "127.0.0.1", self.args.listen, backlog=4096)
        print(f"chaos relay listening on 127.0.0.1:{self.args.listen}", flush=True)
        async with server:
            await server.serve_forever()


# ---------------------------------------------------------------------------------------------
# The run and its checks

def proc_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def read_proxy_log(path, offset=0):
    """connect records by conn, close records by conn, proxy-note count, records total (from offset)."""
    connects, closes, notes, total = {}, {}, 0, 0
    with open(path, "rb") as f:
        f.seek(offset)
        if offset:
            f.seek(offset - 1)
            if f.read(1) != b"\n":
                f.readline()        # started inside a line (the --log file flushes in blocks)
        for line in f:
            total += 1
            if b'"event":"connect"' in line:
                r = json.loads(line)
                connects[r["conn"]] = r
            elif b'"event":"close"' in line:
                r = json.loads(line)
                if r["conn"] in closes:
                    closes.setdefault("_dups", []).append(r["conn"])
                closes[r["conn"]] = r
            elif b'"event":"proxy-note"' in line:
                notes += 1
    dups = closes.pop("_dups", [])
    return connects, closes, notes, total, dups


async def wait_closes(path, expected, limit, offset):
    """Until the log holds `expected` close records, or `limit` seconds."""
    t_end = time.monotonic() + limit
    n = -1
    while time.monotonic() < t_end:
        _, closes, _, _, _ = read_proxy_log(path, offset)
        n = len(closes)
        if n >= expected:
            return n
        await asyncio.sleep(1)
    return n


class Monitor:
    def __init__(self, pid):
        self.pid, self.alive, self.peak_fds, self.peak_rss, self.samples = pid, True, 0, 0, 0
        self.dead_at = None

    async def run(self, stop):
        for _ in range(100_000):
            if stop.is_set():
                return
            try:
                self.peak_fds = max(self.peak_fds, proc_fds(self.pid))
                self.peak_rss = max(self.peak_rss, proc_rss_kib(self.pid))
                self.samples += 1
            except (FileNotFoundError, ProcessLookupError):
                self.alive = False
                self.dead_at = time.strftime("%H:%M:%S")
                return
            await asyncio.sleep(0.5)


async def run_batch(plans, args, deadline, stats, t0, time_limit):
    slow_bytes = args.slow_bytes or int(min(200 * 1024, args.slow_rate * 0.6 * args.seconds))
    sessions = [Session(p["idx"], p, args.port, args.ca, deadline, stats) for p in plans]
    tasks = [asyncio.ensure_future(s.run(t0, slow_bytes, args.slow_rate)) for s in sessions]
    done, pending = await asyncio.wait(tasks, timeout=time_limit)
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    out = []
    for s, t in zip(sessions, tasks):
        if t.done() and not t.cancelled() and t.exception() is None:
            out.append(t.result())
        else:
            s.result.update(outcome="fail", error=f"stalled in phase {s.phase}", sent=s.sent, recv=s.recv)
            out.append(s.result)
    return out, slow_bytes


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


async def main_run(args):
    checks = []

    def check(name, ok, detail):
        checks.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)

    # Only what this run adds to the proxy's log and the relay's events counts (the driver can run
    # several rounds against one proxy, SOAK_ROUNDS, to tell a leak from memory the allocator keeps).
    log_offset = os.path.getsize(args.proxy_log)
    logfile_offset = os.path.getsize(args.log_file) if args.log_file and os.path.exists(args.log_file) else 0
    relay_offset = os.path.getsize(args.relay_events) if os.path.exists(args.relay_events) else 0
    stats = {"started": 0, "open": 0, "peak_open": 0}
    stop = asyncio.Event()
    mon = Monitor(args.proxy_pid)
    mon_task = asyncio.ensure_future(mon.run(stop))

    # 1. warm-up: a few complete sessions (plain and STARTTLS, some 50 KB bodies), then baseline
    warm = [plan_for(args.seed, WARMUP_BASE + i, args.seconds) for i in range(args.warmup)]
    t0 = time.monotonic()
    warm_res, _ = await run_batch(warm, args, t0, stats, t0, 120)
    warm_ok = sum(1 for r in warm_res if r["outcome"] == "ok")
    n_closes = await wait_closes(args.proxy_log, stats["started"], 30, log_offset)
    await asyncio.sleep(2)
    base_fds, base_rss = proc_fds(args.proxy_pid), proc_rss_kib(args.proxy_pid)
    print(f"warm-up: {warm_ok}/{len(warm)} sessions ok, {n_closes} close records; "
          f"baseline: {base_fds} fds, VmRSS {mib(base_rss)}", flush=True)

    # 2. the soak
    plans = [plan_for(args.seed, i, args.seconds) for i in range(args.sessions)]
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    print(f"soak: {args.sessions} sessions over {args.seconds} s (seed {args.seed})", flush=True)

    async def progress():
        for _ in range(10_000):
            await asyncio.sleep(15)
            try:
                fds, rss = proc_fds(args.proxy_pid), proc_rss_kib(args.proxy_pid)
            except FileNotFoundError:
                fds = rss = -1
            print(f"  t={time.monotonic() - t0:5.0f}s open={stats['open']:4d} started={stats['started']:5d} "
                  f"proxy fds={fds} rss={mib(rss)}", flush=True)
    prog = asyncio.ensure_future(progress())
    t_soak = time.monotonic()
    results, slow_bytes = await run_batch(plans, args, deadline, stats, t0, args.seconds + 150)
    prog.cancel()
    soak_time = time.monotonic() - t_soak
    print(f"soak: all sessions ended after {soak_time:.0f} s; peak {stats['peak_open']} open at once "
          f"(slow readers: {slow_bytes} B each at {args.slow_rate} B/s)", flush=True)

    # 3. after: every close record in, then fds and RSS
    n_closes = await wait_closes(args.proxy_log, stats["started"], 60, log_offset)
    await asyncio.sleep(3)
    alive_after = os.path.exists(f"/proc/{args.proxy_pid}")
    after_fds = proc_fds(args.proxy_pid) if alive_after else -1
    after_rss = proc_rss_kib(args.proxy_pid) if alive_after else -1

    # 4. one fresh complete session (STARTTLS, 50 KB body)
    fresh_plan = plan_for(args.seed, FRESH_BASE, args.seconds)
    fresh_plan.update(tls=True, big=True)
    t0 = time.monotonic()
    fresh_res, _ = await run_batch([fresh_plan], args, t0, stats, t0, 60)
    fresh = fresh_res[0]
    await wait_closes(args.proxy_log, stats["started"], 30, log_offset)
    await asyncio.sleep(1)
    stop.set()
    await mon_task
    alive_end = os.path.exists(f"/proc/{args.proxy_pid}")
    end_fds = proc_fds(args.proxy_pid) if alive_end else -1

    # ---- checks ----
    connects, closes, notes, total, dups = read_proxy_log(args.proxy_log, log_offset)
    all_results = warm_res + results + fresh_res
    started = [r for r in all_results if "port" in r]
    relay_events = []
    if os.path.exists(args.relay_events):
        with open(args.relay_events) as f:
            f.seek(relay_offset)
            relay_events = [json.loads(l) for l in f if l.strip()]
    cuts_done = [e for e in relay_events if e["event"] == "cut"]

    print()
    print("=== figures ===")
    by_b = collections.Counter(r["behaviour"] for r in results)
    print("sessions planned by behaviour: " + ", ".join(f"{k} {v}" for k, v in sorted(by_b.items())))
    outc = collections.Counter((r["behaviour"], r.get("outcome")) for r in results)
    print("client outcomes: " + ", ".join(f"{b}/{o} {n}" for (b, o), n in sorted(outc.items())))
    print(f"sessions started (TCP connected): warm-up {sum(1 for r in warm_res if 'port' in r)}, "
          f"soak {sum(1 for r in results if 'port' in r)}, fresh {sum(1 for r in fresh_res if 'port' in r)}; "
          f"peak open at once {stats['peak_open']}")
    kinds = collections.Counter()
    for r in results:
        if r.get("client_cut"):
            kinds[f"client {r['behaviour']} {r['client_cut']}"] += 1
    print("client cuts by kind (behaviour phase/how):")
    for k, v in sorted(kinds.items()):
        print(f"  {v:5d}  {k}")
    up_phase = collections.Counter(r.get("cut_phase") for r in results if r.get("outcome") == "upstream-cut")
    up_modes = collections.Counter(f"{e['dir']} {e['mode']}" for e in cuts_done)
    n_up = sum(1 for r in results if r["behaviour"] == "upstream-cut")
    print(f"upstream cuts by the chaos relay: {len(cuts_done)} of {n_up} planned "
          f"({n_up - len(cuts_done)} planned cut points never reached: those sessions completed); "
          + ", ".join(f"{k} {v}" for k, v in sorted(up_modes.items())))
    print("  where the client was when its upstream was cut: "
          + ", ".join(f"{k} {v}" for k, v in sorted(up_phase.items(), key=lambda kv: -kv[1])))
    slow = [r for r in results if r["behaviour"] == "slow-reader"]
    if slow:
        print(f"slow readers: {len(slow)}, read times " + ", ".join(f"{r.get('slow_read_s')}s" for r in slow)
              + f"; outcomes {collections.Counter(r.get('outcome') for r in slow)}")
    print(f"proxy log (standard output): {total} records, {len(connects)} connect, {len(closes)} close, {notes} proxy-note")
    if args.log_file and os.path.exists(args.log_file):
        _, lcloses, _, ltotal, _ = read_proxy_log(args.log_file, logfile_offset)
        print(f"proxy --log file at this point (proxy still running): {ltotal} records, {len(lcloses)} close "
              f"(the --log file is flushed only when its buffer fills or the proxy stops)")
    print(f"proxy fds: baseline {base_fds}, peak {mon.peak_fds}, after {after_fds}, after the fresh session {end_fds}")
    print(f"proxy VmRSS: baseline {mib(base_rss)}, peak {mib(mon.peak_rss)}, after {mib(after_rss)} "
          f"({(after_rss - base_rss) / 1024:+.1f} MiB)")
    print()
    print("=== checks ===")

    check("no crash", mon.alive and alive_end,
          f"proxy alive in all {mon.samples} samples (every 0.5 s) and at the end" if mon.alive and alive_end
          else f"proxy died (noticed at {mon.dead_at})")
    crash_lines = []
    if os.path.exists(args.proxy_err):
        with open(args.proxy_err, errors="replace") as f:
            crash_lines = [l.rstrip() for l in f if "Fatal" in l or "crash" in l.lower()]
    check("proxy stderr clean", not crash_lines,
          "no 'Fatal'/'crash' lines" if not crash_lines else f"{len(crash_lines)} lines, first: {crash_lines[0][:200]}")
    check("fresh session after the soak", fresh.get("outcome") == "ok",
          f"STARTTLS + SASL + bind + {fresh.get('verified')} verified responses/echoes, byte counts below"
          if fresh.get("outcome") == "ok" else f"{fresh.get('outcome')}: {fresh.get('error')}")
    check("fds back to baseline", after_fds == base_fds and end_fds == base_fds,
          f"baseline {base_fds}, after the soak {after_fds}, after the fresh session {end_fds}")
    tol = args.rss_tolerance_mb * 1024
    check(f"RSS within {args.rss_tolerance_mb} MiB of baseline", after_rss - base_rss <= tol,
          f"baseline {mib(base_rss)}, after {mib(after_rss)} ({(after_rss - base_rss) / 1024:+.1f} MiB), peak {mib(mon.peak_rss)}")

    n_started = len(started)
    check("connect == close == sessions started", len(connects) == len(closes) == n_started and not dups
          and set(connects) == set(closes),
          f"{len(connects)} connect, {len(closes)} close, {n_started} started"
          + (f", duplicate close for conns {dups[:10]}" if dups else "")
          + (f", conns with connect but no close: {sorted(set(connects) - set(closes))[:20]}" if set(connects) - set(closes) else ""))

    # match client sessions to proxy connections by the client's local port
    by_port = collections.defaultdict(list)
    for conn, r in sorted(connects.items()):
        port = int(r["proxy"]["client"].rsplit(":", 1)[1])
        by_port[port].append(conn)
    used = collections.Counter()
    unmatched = []
    for r in sorted(started, key=lambda r: r["t_connect"]):
        conns = by_port.get(r["port"], [])
        k = used[r["port"]]
        if k < len(conns):
            r["conn"] = conns[k]
            used[r["port"]] += 1
        else:
            unmatched.append(r["idx"])
    check("every session's connect record found by client port", not unmatched,
          f"{n_started - len(unmatched)} matched" + (f", unmatched sessions {unmatched[:20]}" if unmatched else ""))

    print("close reasons by behaviour (closed_by: reason):")
    table = collections.defaultdict(collections.Counter)
    for r in started:
        c = closes.get(r.get("conn"))
        key = "no close record" if c is None else f"{c['proxy'].get('closed_by')}: {c['proxy'].get('reason')}"
        label = r["behaviour"] if r["idx"] < WARMUP_BASE else ("warm-up" if r["idx"] < FRESH_BASE else "fresh")
        if r["behaviour"] == "upstream-cut":
            label += " (cut)" if r.get("outcome") == "upstream-cut" else " (not reached)"
        table[label][key] += 1
    for label in sorted(table):
        print(f"  {label}:")
        for key, n in table[label].most_common():
            print(f"    {n:5d}  {key}")

    fails = [r for r in all_results if r.get("outcome") == "fail"]
    errs = collections.Counter(re.sub(r"\d+", "N", r.get("error", ""))[:160] for r in fails)
    check("every non-cut session completed and verified", not fails,
          f"{sum(1 for r in all_results if r.get('outcome') == 'ok')} ok, "
          f"{sum(r.get('verified', 0) for r in all_results)} responses/echoed bodies verified"
          + (f"; {len(fails)} failed: " + "; ".join(f"{n}× {e}" for e, n in errs.most_common(8)) if fails else ""))
    if fails:
        for r in fails[:10]:
            c = closes.get(r.get("conn"))
            print(f"    failed session {r['idx']} ({r['behaviour']}, tls={r['tls']}, port {r.get('port')}, "
                  f"conn {r.get('conn')}): {r.get('error')}; proxy close: {c and c['proxy']}")

    ok = [r for r in all_results if r.get("outcome") == "ok" and "conn" in r]
    bad = []
    for r in ok:
        c = closes.get(r["conn"])
        b = c["proxy"].get("bytes", {}) if c else {}
        if b.get("c2s") != r["sent"] or b.get("s2c") != r["recv"]:
            bad.append((r, b))
    total_c2s = sum(r["sent"] for r in ok)
    total_s2c = sum(r["recv"] for r in ok)
    check("byte-exact relay both ways for every completed session", ok and not bad,
          f"{len(ok) - len(bad)}/{len(ok)} sessions: close record bytes.c2s == client sent, bytes.s2c == client received "
          f"({total_c2s} B c2s, {total_s2c} B s2c in all)")
    for r, b in bad[:10]:
        print(f"    session {r['idx']} ({r['behaviour']}, tls={r['tls']}, conn {r['conn']}): "
              f"client sent {r['sent']} received {r['recv']}; proxy {b}")

    with open(args.results, "w") as f:
        json.dump({"warmup": warm_res, "soak": results, "fresh": fresh_res}, f)
    print()
    passed = all(checks)
    print(f"soak: {'PASS' if passed else 'FAIL'} ({sum(checks)}/{len(checks)} checks passed)", flush=True)
    return 0 if passed else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("relay")
    rp.add_argument("--listen", type=int, required=True)
    rp.add_argument("--upstream", type=int, required=True)
    rp.add_argument("--seed", required=True)
    rp.add_argument("--seconds", type=float, required=True)
    rp.add_argument("--events", required=True)
    run = sub.add_parser("run")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--proxy-pid", type=int, required=True)
    run.add_argument("--proxy-log", required=True)
    run.add_argument("--proxy-err", required=True)
    run.add_argument("--ca", required=True)
    run.add_argument("--relay-events", required=True)
    run.add_argument("--results", required=True)
    run.add_argument("--sessions", type=int, default=1000)
    run.add_argument("--seconds", type=float, default=180)
    run.add_argument("--seed", default="1")
    run.add_argument("--warmup", type=int, default=12)
    run.add_argument("--slow-rate", type=int, default=2048)
    run.add_argument("--slow-bytes", type=int, default=0)
    run.add_argument("--rss-tolerance-mb", type=int, default=64)
    run.add_argument("--log-file", default="")
    args = ap.parse_args()
    if args.cmd == "relay":
        asyncio.run(Relay(args).serve())
    else:
        sys.exit(asyncio.run(main_run(args)))


if __name__ == "__main__":
    main()
