#!/usr/bin/env python3
"""bob over TCP c2s: answer one chat message from the web client, then log out.

Run by scripts/make-web-captures.sh beside Strophe.js in headless Chromium: bob logs in
(plain TCP, SASL PLAIN, the test server allows it), sends his presence so that a message to
his bare JID reaches him, writes the READY file, waits for one chat message from
--peer, answers it with "re: BODY" (id bob-reply-1) to the sender's full JID, and ends his
stream. Exits 0 only when all of that happened within --timeout seconds.

Usage: bob_echo.py --jid bob@localhost --port N --peer alice@localhost --ready FILE
       (the password comes from the XMPP_PASSWORD environment variable, never the command line)
"""

import argparse
import asyncio
import os
import sys

from slixmpp import ClientXMPP


class Bob(ClientXMPP):
    """One account that answers the first chat message from the peer."""

    def __init__(self, jid, password, peer):
        super().__init__(f"{jid}/tcp", password, sasl_mech="PLAIN",
                         plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        # Plain TCP only (the server offers no STARTTLS): slixmpp needs enable_plaintext for it.
        self.enable_direct_tls = False
        self.enable_starttls = False
        self.enable_plaintext = True
        self.peer = peer
        self.started = asyncio.Event()
        self.answered = asyncio.Event()
        self.gone = asyncio.Event()
        self.failure = None
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("disconnected", lambda _: self.gone.set())
        self.add_event_handler("failed_all_auth", lambda _: self._fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self._fail(f"connection failed: {e}"))
        self.add_event_handler("message", self._on_message)

    def _fail(self, why):
        self.failure = why
        self.started.set()

    def _on_start(self, _):
        self.send_presence()
        self.started.set()

    def _on_message(self, msg):
        if msg["type"] != "chat" or msg["from"].bare != self.peer or not msg["body"] or self.answered.is_set():
            return
        reply = self.make_message(mto=msg["from"], mbody=f"re: {msg['body']}", mtype="chat")
        reply["id"] = "bob-reply-1"
        reply.send()
        self.answered.set()


async def run(args, password):
    bob = Bob(args.jid, password, args.peer)
    bob.connect("127.0.0.1", args.port)
    await asyncio.wait_for(bob.started.wait(), args.timeout)
    if bob.failure:
        raise RuntimeError(bob.failure)
    with open(args.ready, "w", encoding="utf-8") as f:
        f.write("ready\n")
    await asyncio.wait_for(bob.answered.wait(), args.timeout)
    bob.send_presence(ptype="unavailable")
    bob.disconnect(wait=5)
    await asyncio.wait_for(bob.gone.wait(), 10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jid", required=True, help="bob's bare JID")
    ap.add_argument("--port", type=int, required=True, help="the server's c2s port on 127.0.0.1")
    ap.add_argument("--peer", required=True, help="the bare JID whose message to answer")
    ap.add_argument("--ready", required=True, help="file written once bob is online")
    ap.add_argument("--timeout", type=float, default=30, help="seconds to wait for each step")
    args = ap.parse_args()
    password = os.environ.get("XMPP_PASSWORD")
    if not password:
        sys.exit("bob_echo.py: set XMPP_PASSWORD")
    try:
        asyncio.run(run(args, password))
    except Exception as err:  # one clear line for the calling script
        print(f"bob_echo.py: {type(err).__name__}: {err or 'timed out'}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
