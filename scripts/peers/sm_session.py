#!/usr/bin/env python3
"""Two slixmpp clients (alice, bob) with XEP-0198 stream management talk through Prosody.

Run by scripts/sm-check.sh against a private Prosody with mod_smacks while tcpdump records
the traffic. Both clients enable stream management (slixmpp's xep_0198, asking for an ack
every 2 stanzas) and exchange chat messages both ways, so <r/> and <a/> flow in both
directions; then they leave politely. With --wrong-ack, alice afterwards sends an <a/> whose
h is 2 more than the stanzas she received (Prosody answers with a stream error). With
--resume, alice's connection is cut after the exchange and she resumes the stream (XEP-0198 §5)
on a new one, then both send once more.

Usage: sm_session.py --domain D --port N --password P [--messages K] [--resume] [--wrong-ack]
"""

import argparse
import asyncio
import sys
import time

from slixmpp import ClientXMPP

STEP_TIMEOUT = 10  # seconds allowed for any single wait
NS_SM = "urn:xmpp:sm:3"


class Peer(ClientXMPP):
    """One account with stream management; records the chat bodies it receives."""

    def __init__(self, name, domain, password):
        super().__init__(f"{name}@{domain}/sm", password, sasl_mech="PLAIN",
                         plugin_config={"feature_mechanisms": {"unencrypted_plain": True},
                                        "xep_0198": {"window": 2, "allow_resume": True}})
        self.name = name
        self.enable_direct_tls = False  # plain TCP, so the capture is readable
        self.enable_starttls = False
        self.enable_plaintext = True
        self.register_plugin("xep_0198")
        self.started = asyncio.Event()
        self.managed = asyncio.Event()
        self.gone = asyncio.Event()
        self.failure = None
        self.received = []
        self.add_event_handler("session_start", lambda _: self.started.set())
        self.add_event_handler("sm_enabled", lambda _: self.managed.set())
        self.add_event_handler("disconnected", lambda _: self.gone.set())
        self.add_event_handler("failed_all_auth", lambda _: self._fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self._fail(f"connection failed: {e}"))
        self.add_event_handler("message", self._on_message)

    def _fail(self, why):
        self.failure = why
        self.started.set()

    def _on_message(self, msg):
        if msg["type"] == "chat" and msg["body"]:
            self.received.append(msg["body"])


async def wait_until(predicate, what):
    """Poll predicate every 50 ms for at most STEP_TIMEOUT seconds."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def run(args):
    alice, bob = peers = [Peer(n, args.domain, args.password) for n in ("alice", "bob")]
    for p in peers:
        p.connect("127.0.0.1", args.port)
    for p in peers:
        await asyncio.wait_for(p.started.wait(), STEP_TIMEOUT)
        if p.failure:
            raise RuntimeError(f"{p.name}: {p.failure}")
        await asyncio.wait_for(p.managed.wait(), STEP_TIMEOUT)
    for p in peers:
        p.send_presence()

    # Messages both ways, interleaved: each side's stanzas are acknowledged by the server
    # (slixmpp asks every 2 stanzas), and Prosody asks each client in turn.
    for i in range(args.messages):
        alice.send_message(mto=bob.boundjid.full, mbody=f"alice {i}", mtype="chat")
        bob.send_message(mto=alice.boundjid.full, mbody=f"bob {i}", mtype="chat")
        await asyncio.sleep(0.05)
    await wait_until(lambda: len(alice.received) == args.messages and len(bob.received) == args.messages,
                     "every message to arrive")
    # Let the server acknowledge everything the clients sent.
    sm = [p.plugin["xep_0198"] for p in peers]
    for p in sm:
        p.request_ack()
    await wait_until(lambda: all(not p.unacked_queue for p in sm), "the server to acknowledge every stanza")
    await asyncio.sleep(0.3)

    if args.resume:
        # alice's connection dies (no </stream:stream>); she reconnects and resumes the stream.
        resumed = asyncio.Event()
        alice.add_event_handler("session_resumed", lambda _: resumed.set())
        alice.gone.clear()
        alice.abort()
        await asyncio.wait_for(alice.gone.wait(), STEP_TIMEOUT)
        alice.connect("127.0.0.1", args.port)
        await asyncio.wait_for(resumed.wait(), STEP_TIMEOUT)
        alice.send_message(mto=bob.boundjid.full, mbody="alice again", mtype="chat")
        bob.send_message(mto=alice.boundjid.full, mbody="bob again", mtype="chat")
        await wait_until(lambda: len(alice.received) > args.messages and len(bob.received) > args.messages,
                         "the messages after resumption to arrive")
        for p in sm:
            p.request_ack()
        await wait_until(lambda: all(not p.unacked_queue for p in sm), "the server to acknowledge every stanza")
        await asyncio.sleep(0.3)

    if args.wrong_ack:
        handled = alice.plugin["xep_0198"].handled
        alice.send_raw(f"<a xmlns='{NS_SM}' h='{(handled + 2) % 2**32}'/>")
        # Prosody refuses the count and closes alice's stream.
        await asyncio.wait_for(alice.gone.wait(), STEP_TIMEOUT)
        leaving = [bob]
    else:
        leaving = peers

    for p in leaving:
        p.send_presence(ptype="unavailable")
    for p in leaving:
        p.disconnect(wait=STEP_TIMEOUT)
    for p in leaving:
        await asyncio.wait_for(p.gone.wait(), STEP_TIMEOUT + 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domain", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--messages", type=int, default=6, help="messages each client sends (default 6)")
    ap.add_argument("--wrong-ack", action="store_true",
                    help="alice acknowledges 2 stanzas more than she received")
    ap.add_argument("--resume", action="store_true",
                    help="alice's connection is cut after the exchange; she reconnects and resumes")
    args = ap.parse_args()
    try:
        asyncio.run(run(args))
    except Exception as err:  # one clear line for the calling script
        print(f"sm_session.py: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
