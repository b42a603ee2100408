#!/usr/bin/env python3
"""Drive two slixmpp clients (alice, bob) through a scripted XMPP session.

Run by scripts/make-captures.sh against a private Prosody on 127.0.0.1 while
tcpdump records the traffic. Writes what the clients saw (iq outcomes, messages
sent and received) as JSON, the capture's expectation file.

Usage: session.py --domain D --port N --password P --scenario full|short
                  [--trust-any-cert | --ca-file PEM] [--direct-tls] [--big-body] [--wait-file F] --out FILE
"""

import argparse
import asyncio
import hashlib
import json
import os
import ssl
import sys
import time
import xml.etree.ElementTree as ET

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError

STEP_TIMEOUT = 10  # seconds allowed for any single wait

NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_PING = "urn:xmpp:ping"
NS_ROSTER = "jabber:iq:roster"
NS_VCARD = "vcard-temp"
NS_VERSION = "jabber:iq:version"
NS_UNKNOWN = "urn:xmppscope:test:nonexistent"

LONG_BODY = "".join(f"line {i:03d}: the quick brown fox jumps over the lazy dog.\n"
                    for i in range(90))  # ~5 KB of ASCII


class Peer(ClientXMPP):
    """One account; records the chat bodies and presences it receives."""

    def __init__(self, name, domain, password, trust_any_cert, ca_file=None, direct_tls=False, sasl="PLAIN"):
        super().__init__(f"{name}@{domain}/xmppscope", password, sasl_mech=sasl,
                         plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        self.name = name
        # Plain TCP first and STARTTLS if the server offers it, or TLS from the first byte (XEP-0368).
        self.enable_direct_tls = direct_tls
        self.enable_starttls = not direct_tls
        if trust_any_cert:  # the TLS run uses a throwaway self-signed certificate
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        elif ca_file:  # trust exactly this CA (the xmppscope proxy's), names checked
            self.ssl_context.load_verify_locations(cafile=ca_file)
        # Subscriptions are answered by the scenario, not by slixmpp
        # (None = no automatic answer; False would refuse them).
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        self.started = asyncio.Event()
        self.gone = asyncio.Event()
        self.failure = None
        self.received = []        # chat bodies received
        self.presences = []       # (from bare JID, type) of presences received
        self.add_event_handler("session_start", lambda _: self.started.set())
        self.add_event_handler("disconnected", lambda _: self.gone.set())
        self.add_event_handler("failed_all_auth", lambda _: self._fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self._fail(f"connection failed: {e}"))
        self.add_event_handler("message", self._on_message)
        self.add_event_handler("presence", self._on_presence)

    def _fail(self, why):
        self.failure = why
        self.started.set()

    def _on_message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            self.received.append(msg["body"])

    def _on_presence(self, pres):
        self.presences.append((pres["from"].bare, pres["type"]))


class Recorder:
    """Sends iqs and messages with explicit ids and records what came back."""

    def __init__(self):
        self.iqs = []
        self.messages = []

    async def iq(self, peer, iq_id, iq_type, to, payload):
        iq = peer.make_iq(id=iq_id, ito=to, itype=iq_type)
        iq.append(payload)
        entry = {"from": peer.name, "id": iq_id, "type": iq_type,
                 "ns": payload.tag[1:].split("}")[0], "to": to,
                 "outcome": "result", "error_type": None, "condition": None}
        self.iqs.append(entry)
        try:
            return await iq.send(timeout=STEP_TIMEOUT)  # IqTimeout propagates: no answer is a failure
        except IqError as err:
            entry.update(outcome="error", error_type=err.etype, condition=err.condition)
            return None

    def message(self, peer, msg_id, to, body):
        msg = peer.make_message(mto=to, mbody=body, mtype="chat")
        msg["id"] = msg_id
        msg.send()
        data = body.encode("utf-8")
        self.messages.append({"from": peer.name, "to": to, "id": msg_id,
                              "body_sha256": hashlib.sha256(data).hexdigest(),
                              "bytes": len(data)})


def query(ns, **attrs):
    return ET.Element(f"{{{ns}}}query", attrs)


async def wait_until(predicate, what, seconds=STEP_TIMEOUT):
    """Poll predicate every 50 ms for at most `seconds` (STEP_TIMEOUT by default)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def subscribe(asker, answerer):
    """asker subscribes to answerer's presence; answerer approves."""
    answerer.add_event_handler(
        "presence_subscribe",
        lambda p: answerer.send_presence(pto=p["from"].bare, ptype="subscribed"),
        disposable=True)
    asker.send_presence(pto=answerer.boundjid.bare, ptype="subscribe")
    await wait_until(lambda: (answerer.boundjid.bare, "subscribed") in asker.presences,
                     f"{asker.name} to be subscribed to {answerer.name}")


async def server_version(rec, peer, domain, iq_id):
    res = await rec.iq(peer, iq_id, "get", domain, query(NS_VERSION))
    name = res.xml.findtext(f"{{{NS_VERSION}}}query/{{{NS_VERSION}}}name", "")
    version = res.xml.findtext(f"{{{NS_VERSION}}}query/{{{NS_VERSION}}}version", "")
    return f"{name.lower()} {version}"


async def full_scenario(rec, alice, bob, domain, big_body=False):
    bob_jid, alice_jid = bob.boundjid.bare, alice.boundjid.bare

    # Roster and presence subscriptions, both ways. Prosody forwards
    # subscription approvals only to resources that fetched their roster.
    await rec.iq(alice, "roster-get-1", "get", None, query(NS_ROSTER))
    await rec.iq(bob, "roster-get-2", "get", None, query(NS_ROSTER))
    alice.send_presence()
    bob.send_presence()
    item = ET.Element(f"{{{NS_ROSTER}}}item", {"jid": bob_jid, "name": "Bob"})
    roster_set = query(NS_ROSTER)
    roster_set.append(item)
    await rec.iq(alice, "roster-set-1", "set", None, roster_set)
    await subscribe(alice, bob)
    await subscribe(bob, alice)

    # Service discovery, ping, vCard.
    await rec.iq(alice, "disco-info-1", "get", domain, query(NS_DISCO_INFO))
    await rec.iq(alice, "disco-items-1", "get", domain, query(NS_DISCO_ITEMS))
    await rec.iq(alice, "ping-1", "get", domain, ET.Element(f"{{{NS_PING}}}ping"))
    server = await server_version(rec, alice, domain, "version-1")
    await rec.iq(alice, "vcard-get-1", "get", bob_jid, ET.Element(f"{{{NS_VCARD}}}vCard"))

    # Requests Prosody answers with errors: whatever it says is recorded.
    await rec.iq(alice, "disco-info-2", "get", f"nobody@{domain}", query(NS_DISCO_INFO))
    await rec.iq(alice, "disco-info-3", "get", domain,
                 query(NS_DISCO_INFO, node="urn:xmppscope:test:no-such-node"))
    await rec.iq(alice, "unknown-ns-1", "get", domain, query(NS_UNKNOWN))
    await rec.iq(alice, "version-2", "get", f"{bob_jid}/no-such-resource", query(NS_VERSION))

    # Chat both ways: ASCII, non-ASCII, ~5 KB.
    bodies = ["hello bob, plain ASCII", "héllo wörld — 你好 🎉", LONG_BODY]
    if big_body:  # ~203 KB, under Prosody's 256 KiB stanza limit
        bodies.append(LONG_BODY * 41)
    for i, body in enumerate(bodies, 1):
        rec.message(alice, f"msg-a{i}", bob_jid, body)
    for i, body in enumerate(bodies, 1):
        rec.message(bob, f"msg-b{i}", alice_jid, body.replace("bob", "alice"))
    await wait_until(lambda: len(bob.received) >= len(bodies) and len(alice.received) >= len(bodies),
                     "chat messages to arrive")

    # An id reused after its answer came back is a new request; a message shares it too.
    await rec.iq(alice, "reuse-1", "get", domain, ET.Element(f"{{{NS_PING}}}ping"))
    rec.message(alice, "reuse-1", bob_jid, "same id as an answered iq")
    await wait_until(lambda: len(bob.received) >= len(bodies) + 1, "the reuse-1 message to arrive")
    await rec.iq(alice, "reuse-1", "get", domain, query(NS_DISCO_INFO))
    return server


async def short_scenario(rec, alice, bob, domain):
    alice.send_presence()
    bob.send_presence()
    await rec.iq(alice, "ping-1", "get", domain, ET.Element(f"{{{NS_PING}}}ping"))
    return await server_version(rec, alice, domain, "version-1")


async def run(args):
    peers = [Peer(n, args.domain, args.password, args.trust_any_cert, args.ca_file, args.direct_tls, args.sasl)
             for n in ("alice", "bob")]
    alice, bob = peers
    for p in peers:
        p.connect("127.0.0.1", args.port)
    for p in peers:
        await asyncio.wait_for(p.started.wait(), STEP_TIMEOUT)
        if p.failure:
            raise RuntimeError(f"{p.name}: {p.failure}")
    if args.wait_file:  # logged in: go on only when told (the live view check watches the login)
        await wait_until(lambda: os.path.exists(args.wait_file), f"{args.wait_file} to appear", 30)

    rec = Recorder()
    if args.scenario == "full":
        server = await full_scenario(rec, alice, bob, args.domain, big_body=args.big_body)
    else:
        server = await short_scenario(rec, alice, bob, args.domain)

    # Clean goodbye: unavailable presence, then </stream:stream>.
    for p in peers:
        p.send_presence(ptype="unavailable")
    for p in peers:
        p.disconnect(wait=STEP_TIMEOUT)
    for p in peers:
        await asyncio.wait_for(p.gone.wait(), STEP_TIMEOUT + 2)

    sent = {m["body_sha256"] for m in rec.messages}
    got = [b for p in peers for b in p.received]
    unknown = [b for b in got if hashlib.sha256(b.encode()).hexdigest() not in sent]
    if unknown:
        raise RuntimeError(f"received bodies nobody sent: {unknown!r}")

    expect = {"server": server, "domain": args.domain, "port": args.port,
              "accounts": [p.boundjid.bare for p in peers],
              "iqs": rec.iqs, "messages_sent": rec.messages,
              "messages_received": len(got)}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(expect, f, ensure_ascii=False, indent=2)
        f.write("\n")


def reverse_channel_binding():
    """Make the TLS layer hand SCRAM a wrong binding: the bytes it should send, reversed."""
    for cls in (ssl.SSLSocket, ssl.SSLObject):
        original = cls.get_channel_binding

        def reversed_binding(self, cb_type="tls-unique", _original=original):
            data = _original(self, cb_type)
            return bytes(reversed(data)) if data else data
        cls.get_channel_binding = reversed_binding


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domain", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--scenario", choices=("full", "short"), default="full")
    ap.add_argument("--ca-file", help="trust this CA (PEM) and check the server's name")
    ap.add_argument("--sasl", default="PLAIN", help="the SASL mechanism to use (default PLAIN)")
    ap.add_argument("--direct-tls", action="store_true", help="TLS from the first byte (XEP-0368)")
    ap.add_argument("--big-body", action="store_true", help="the full scenario also sends a 200 KB body")
    ap.add_argument("--trust-any-cert", action="store_true",
                    help="accept the server's self-signed certificate (STARTTLS run)")
    ap.add_argument("--wrong-channel-binding", action="store_true",
                    help="send a wrong SCRAM-*-PLUS channel binding (its bytes reversed): the login must fail")
    ap.add_argument("--wait-file", help="after both logins, wait (at most 30 s) until this file exists")
    ap.add_argument("--out", required=True, help="expectation JSON to write")
    args = ap.parse_args()
    if args.wrong_channel_binding:
        reverse_channel_binding()
    try:
        asyncio.run(run(args))
    except Exception as err:  # one clear line for the calling script
        print(f"session.py: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
