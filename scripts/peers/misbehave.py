#!/usr/bin/env python3
"""A deliberately misbehaving raw XMPP client, for a capture that proves xmppscope's checks.

Run by scripts/make-check-captures.sh against a private Prosody on 127.0.0.1 (plain TCP, SASL
PLAIN allowed without TLS) while tcpdump records the traffic. No XMPP library: plain sockets and
hand-written XML, so every rule can be broken exactly as intended.

Three connections:
  peer (bob)         a well-behaved raw client that the misbehaving one needs as a partner:
                     it logs in with SCRAM-SHA-1, asks questions, sends a threaded message,
                     answers slowly.
  misbehaving (alice) logs in (after trying a mechanism the server did not offer), sends a
                     stanza before binding, binds, then breaks one rule after another, waiting each
                     time for the server's reaction (or a bounded timeout), and ends by closing its
                     stream without unavailable presence and sending a stanza after the close.
  legacy (carol)     opens a stream without version='1.0' and sees what Prosody does.

Writes NAME.expect-findings.tsv: one line per finding the misbehaving clients know they caused
(check id, the connection (the 'from' of the client's stream header), the id of the record the
finding is about ('-' when it has none) and an XML fragment of that record ('-' when the id
suffices)). Prints the server's reaction to each step on stderr.

Usage: misbehave.py --domain D --port N --password P --out NAME.expect-findings.tsv
"""

import argparse
import base64
import hashlib
import hmac
import os
import select
import socket
import sys
import time
import xml.etree.ElementTree as ET

STEP_TIMEOUT = 5.0      # seconds to wait for a reaction that must come
QUIET_TIMEOUT = 0.5     # seconds to wait for a reaction that may not come

NS_STREAM = "http://etherx.jabber.org/streams"
NS_CLIENT = "jabber:client"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_PING = "urn:xmpp:ping"
NS_VERSION = "jabber:iq:version"

UNOFFERED_MECHANISM = "X-XMPPSCOPE-UNOFFERED"


class Failure(Exception):
    """The scenario could not go on (the server did not react as it must)."""


def qname(ns, name):
    return f"{{{ns}}}{name}"


def describe(element):
    """A short text form of a received element, for the log."""
    text = ET.tostring(element, encoding="unicode")
    return text if len(text) < 400 else text[:400] + "…"


class RawConnection:
    """One TCP connection speaking XMPP by hand: send text, read top-level elements."""

    def __init__(self, name, port, domain):
        self.name = name
        self.domain = domain
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.parser = None
        self.depth = 0
        self.header = None          # the server's stream header (attributes)
        self.backlog = []           # elements read but not yet asked for
        self.server_closed = False
        self.eof = False

    def log(self, text):
        print(f"[{self.name}] {text}", file=sys.stderr, flush=True)

    def send(self, text):
        self.log(f"-> {text}")
        self.sock.sendall(text.encode())

    def open_stream(self, sender, version=True):
        """Sends a stream header (with from=SENDER) and starts a new parser for the server's."""
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.header = None
        version_attribute = " version='1.0'" if version else ""
        self.send(f"<?xml version='1.0'?><stream:stream xmlns='{NS_CLIENT}' "
                  f"xmlns:stream='{NS_STREAM}' from='{sender}' to='{self.domain}'{version_attribute}>")

    def _read_more(self, deadline):
        """Reads what arrived (until DEADLINE) into the parser; False on timeout or end."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.sock], [], [], remaining)
        if not ready:
            return False
        try:
            data = self.sock.recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            self.eof = True
            self.log("<- (connection closed)")
            return False
        self.parser.feed(data)
        for event, element in self.parser.read_events():
            if event == "start":
                if self.depth == 0:
                    self.header = dict(element.attrib)
                    self.log(f"<- stream header {self.header}")
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 1:
                    self.log(f"<- {describe(element)}")
                    self.backlog.append(element)
                elif self.depth == 0:
                    self.server_closed = True
                    self.log("<- </stream:stream>")
        return True

    def wait_for(self, predicate, what, timeout=STEP_TIMEOUT, required=True):
        """The first element (read before or now) for which PREDICATE holds, or None after TIMEOUT."""
        deadline = time.monotonic() + timeout
        while True:
            for index, element in enumerate(self.backlog):
                if predicate(element):
                    return self.backlog.pop(index)
            if not self._read_more(deadline) and (time.monotonic() >= deadline or self.eof):
                if required:
                    raise Failure(f"{self.name}: no {what} within {timeout} s")
                self.log(f"(no {what} within {timeout} s)")
                return None

    def wait_for_id(self, stanza_id, what=None, timeout=STEP_TIMEOUT, required=True):
        return self.wait_for(lambda e: e.get("id") == stanza_id, what or f"answer to '{stanza_id}'",
                             timeout=timeout, required=required)

    def wait_for_header(self, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.header is None:
            if not self._read_more(deadline) and (time.monotonic() >= deadline or self.eof):
                raise Failure(f"{self.name}: no stream header from the server")
        return self.header

    def wait_for_close(self, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.server_closed and not self.eof:
            if not self._read_more(deadline) and time.monotonic() >= deadline:
                break
        return self.server_closed or self.eof

    def features(self):
        self.wait_for_header()
        return self.wait_for(lambda e: e.tag == qname(NS_STREAM, "features"), "stream features")

    def authenticate(self, user, password, first_mechanism=None):
        """SASL PLAIN (after FIRST_MECHANISM, which the server is expected to refuse)."""
        features = self.features()
        offered = [m.text for m in features.iter(qname(NS_SASL, "mechanism"))]
        self.log(f"offered mechanisms: {offered}")
        if "PLAIN" not in offered:
            raise Failure("the server does not offer PLAIN")
        if first_mechanism:
            if first_mechanism in offered:
                raise Failure(f"{first_mechanism} is offered; the test needs one that is not")
            self.send(f"<auth xmlns='{NS_SASL}' mechanism='{first_mechanism}'/>")
            self.wait_for(lambda e: e.tag == qname(NS_SASL, "failure"), "SASL failure")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.send(f"<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>")
        outcome = self.wait_for(lambda e: e.tag in (qname(NS_SASL, "success"), qname(NS_SASL, "failure")),
                                "SASL outcome")
        if outcome.tag != qname(NS_SASL, "success"):
            raise Failure(f"{self.name}: authentication failed")

    def authenticate_scram(self, user, password):
        """SASL SCRAM-SHA-1 (RFC 5802): what a well-behaved client uses on a stream without TLS."""
        features = self.features()
        offered = [m.text for m in features.iter(qname(NS_SASL, "mechanism"))]
        if "SCRAM-SHA-1" not in offered:
            raise Failure("the server does not offer SCRAM-SHA-1")
        client_nonce = base64.b64encode(os.urandom(18)).decode()
        client_first_bare = f"n={user},r={client_nonce}"
        gs2_header = "n,,"
        self.send(f"<auth xmlns='{NS_SASL}' mechanism='SCRAM-SHA-1'>"
                  f"{base64.b64encode((gs2_header + client_first_bare).encode()).decode()}</auth>")
        challenge = self.wait_for(lambda e: e.tag in (qname(NS_SASL, "challenge"), qname(NS_SASL, "failure")),
                                  "SCRAM challenge")
        if challenge.tag != qname(NS_SASL, "challenge"):
            raise Failure(f"{self.name}: SCRAM refused")
        server_first = base64.b64decode(challenge.text or "").decode()
        fields = dict(part.split("=", 1) for part in server_first.split(","))
        nonce, salt, iterations = fields["r"], base64.b64decode(fields["s"]), int(fields["i"])
        if not nonce.startswith(client_nonce):
            raise Failure(f"{self.name}: the server's nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, iterations)
        client_key = hmac.digest(salted, b"Client Key", "sha1")
        stored_key = hashlib.sha1(client_key).digest()
        without_proof = f"c={base64.b64encode(gs2_header.encode()).decode()},r={nonce}"
        auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
        signature = hmac.digest(stored_key, auth_message, "sha1")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        final = f"{without_proof},p={base64.b64encode(proof).decode()}"
        self.send(f"<response xmlns='{NS_SASL}'>{base64.b64encode(final.encode()).decode()}</response>")
        outcome = self.wait_for(lambda e: e.tag in (qname(NS_SASL, "success"), qname(NS_SASL, "failure")),
                                "SASL outcome")
        if outcome.tag != qname(NS_SASL, "success"):
            raise Failure(f"{self.name}: authentication failed")
        server_key = hmac.digest(salted, b"Server Key", "sha1")
        expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha1")).decode()
        if base64.b64decode(outcome.text or "").decode() != f"v={expected}":
            raise Failure(f"{self.name}: the server's SCRAM signature is wrong")

    def bind(self, resource, bind_id):
        result = self.send_iq(f"<iq type='set' id='{bind_id}'><bind xmlns='{NS_BIND}'>"
                              f"<resource>{resource}</resource></bind></iq>", bind_id)
        jid = result.find(f"{qname(NS_BIND, 'bind')}/{qname(NS_BIND, 'jid')}")
        if result.get("type") != "result" or jid is None:
            raise Failure(f"{self.name}: binding failed")
        return jid.text

    def send_iq(self, text, iq_id, timeout=STEP_TIMEOUT):
        self.send(text)
        return self.wait_for_id(iq_id, timeout=timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def error_condition(element):
    """(type, condition) of a stanza's <error/>, for the log."""
    error = element.find(qname(NS_CLIENT, "error"))
    if error is None:
        return None
    conditions = [child.tag.split("}")[-1] for child in error if child.tag.startswith(f"{{{NS_STANZAS}}}")
                  and not child.tag.endswith("}text")]
    return error.get("type"), conditions[0] if conditions else None


class Expectations:
    """The findings the clients know they caused, written as TSV."""

    def __init__(self):
        self.lines = []

    def add(self, check, connection, stanza_id="-", fragment="-"):
        self.lines.append((check, connection, stanza_id, fragment))

    def write(self, path):
        with open(path, "w", encoding="utf-8") as out:
            out.write("# Findings the misbehaving clients of scripts/peers/misbehave.py know they caused.\n")
            out.write("# check\tconnection (the 'from' of the client's stream header)\t"
                      "id of the record it is about ('-': none)\tXML fragment of that record ('-': the id suffices)\n")
            for line in self.lines:
                out.write("\t".join(line) + "\n")


def run(args):
    domain = args.domain
    alice = f"alice@{domain}"
    bob = f"bob@{domain}"
    carol = f"carol@{domain}"
    nobody = f"nobody@{domain}"   # no such account: the server bounces what is sent there
    expect = Expectations()
    reactions = {}                # step -> what the server did, for the summary

    def note(step, element):
        reactions[step] = "nothing" if element is None else (
            f"{element.tag.split('}')[-1]} type={element.get('type')} {error_condition(element) or ''}".strip())

    # The peer: logs in politely (SCRAM, not PLAIN: the stream has no TLS) and waits.
    peer = RawConnection("peer", args.port, domain)
    peer.open_stream(bob)
    peer.authenticate_scram("bob", args.password)
    peer.open_stream(bob)
    peer.features()
    peer_jid = peer.bind("peer", "peer-bind")

    # The misbehaving client.
    mb = RawConnection("misbehaving", args.port, domain)
    mb.open_stream(alice)
    # sasl-mechanism-not-offered: a mechanism the features did not list (refused), then PLAIN
    # (sasl-plain-unencrypted: this stream has no TLS).
    mb.authenticate("alice", args.password, first_mechanism=UNOFFERED_MECHANISM)
    expect.add("sasl-mechanism-not-offered", alice, "-", UNOFFERED_MECHANISM)
    expect.add("sasl-plain-unencrypted", alice, "-", "PLAIN")
    mb.open_stream(alice)
    mb.features()

    # stanza-before-bind: a message after SASL success, before resource binding.
    mb.send(f"<message type='chat' id='mb-before-bind' to='{bob}'><body>too early</body></message>")
    note("stanza-before-bind", mb.wait_for_id("mb-before-bind", required=False, timeout=QUIET_TIMEOUT * 4))
    expect.add("stanza-before-bind", alice, "mb-before-bind")

    mb_jid = mb.bind("misbehaving", "mb-bind")
    if mb_jid != f"{alice}/misbehaving" or peer_jid != f"{bob}/peer":
        raise Failure(f"unexpected JIDs {mb_jid} {peer_jid}")

    # Available presence (broadcast): the session ends without unavailable presence.
    mb.send("<presence id='mb-available'/>")
    mb.wait_for_id("mb-available", required=False, timeout=QUIET_TIMEOUT)

    # --- iq ---
    mb.send(f"<iq type='get' to='{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("iq-missing-id", mb.wait_for(lambda e: e.tag == qname(NS_CLIENT, "iq") and e.get("id") is None,
                                      "answer to the iq without id", required=False))
    expect.add("iq-missing-id", alice, "-", "<iq type='get' to=")

    mb.send(f"<iq type='fetch' id='mb-iq-type' to='{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("iq-invalid-type", mb.wait_for_id("mb-iq-type", required=False))
    expect.add("iq-invalid-type", alice, "mb-iq-type")

    mb.send(f"<iq type='get' id='mb-iq-two' to='{domain}'><ping xmlns='{NS_PING}'/>"
            f"<query xmlns='{NS_VERSION}'/></iq>")
    note("iq-payload-count", mb.wait_for_id("mb-iq-two", required=False))
    expect.add("iq-payload-count", alice, "mb-iq-two")

    # A result nobody asked for (to the server: it drops results it did not ask for).
    mb.send(f"<iq type='result' id='mb-iq-unasked' to='{domain}'/>")
    note("iq-unmatched-response", mb.wait_for_id("mb-iq-unasked", required=False, timeout=QUIET_TIMEOUT))
    expect.add("iq-unmatched-response", alice, "mb-iq-unasked")

    # The peer asks; the misbehaving client answers twice.
    peer.send(f"<iq type='get' id='peer-version' to='{mb_jid}'><query xmlns='{NS_VERSION}'/></iq>")
    mb.wait_for_id("peer-version")
    mb.send(f"<iq type='result' id='peer-version' to='{peer_jid}'><query xmlns='{NS_VERSION}'>"
            f"<name>misbehave</name><version>1</version></query></iq>")
    mb.send(f"<iq type='result' id='peer-version' to='{peer_jid}'><query xmlns='{NS_VERSION}'>"
            f"<name>misbehave again</name><version>2</version></query></iq>")
    peer.wait_for_id("peer-version")
    note("iq-duplicate-response (what reached the peer second)", peer.wait_for_id("peer-version", required=False))
    expect.add("iq-duplicate-response", alice, "peer-version", "misbehave again")

    # The same id for two requests at once: one to the slow peer, one to the server.
    mb.send(f"<iq type='get' id='mb-iq-reused' to='{peer_jid}'><query xmlns='{NS_VERSION}'/></iq>")
    peer.wait_for_id("mb-iq-reused")              # the peer holds its answer back
    mb.send(f"<iq type='get' id='mb-iq-reused' to='{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("iq-id-reused (the server's answer to the second request)", mb.wait_for_id("mb-iq-reused"))
    expect.add("iq-id-reused", alice, "mb-iq-reused", f"to='{domain}'")
    peer.send(f"<iq type='result' id='mb-iq-reused' to='{mb_jid}'><query xmlns='{NS_VERSION}'>"
              f"<name>peer</name><version>1</version></query></iq>")
    mb.wait_for_id("mb-iq-reused")

    # The peer asks; the misbehaving client never answers.
    peer.send(f"<iq type='get' id='peer-unanswered' to='{mb_jid}'><ping xmlns='{NS_PING}'/></iq>")
    mb.wait_for_id("peer-unanswered")
    expect.add("iq-unanswered", alice, "peer-unanswered")

    # --- stanza errors (to the server, which drops errors addressed to it) ---
    mb.send(f"<message type='error' id='mb-error-no-element' to='{domain}'/>")
    note("error-missing-element", mb.wait_for_id("mb-error-no-element", required=False, timeout=QUIET_TIMEOUT))
    expect.add("error-missing-element", alice, "mb-error-no-element")

    mb.send(f"<message type='error' id='mb-error-no-type' to='{domain}'>"
            f"<error><bad-request xmlns='{NS_STANZAS}'/></error></message>")
    note("error-invalid-type", mb.wait_for_id("mb-error-no-type", required=False, timeout=QUIET_TIMEOUT))
    expect.add("error-invalid-type", alice, "mb-error-no-type")

    mb.send(f"<message type='error' id='mb-error-no-condition' to='{domain}'><error type='cancel'/></message>")
    note("error-no-condition", mb.wait_for_id("mb-error-no-condition", required=False, timeout=QUIET_TIMEOUT))
    expect.add("error-no-condition", alice, "mb-error-no-condition")

    mb.send(f"<message type='error' id='mb-error-mismatch' to='{domain}'>"
            f"<error type='wait'><item-not-found xmlns='{NS_STANZAS}'/></error></message>")
    note("error-condition-type-mismatch", mb.wait_for_id("mb-error-mismatch", required=False, timeout=QUIET_TIMEOUT))
    expect.add("error-condition-type-mismatch", alice, "mb-error-mismatch")

    # A message to an account that does not exist: the server bounces it; the client answers
    # the bounce with an error of its own.
    mb.send(f"<message type='chat' id='mb-to-nobody' to='{nobody}'><body>anyone there?</body></message>")
    bounce = mb.wait_for_id("mb-to-nobody")
    note("bounce of a chat message to a non-existent account", bounce)
    mb.send(f"<message type='error' id='mb-to-nobody' to='{nobody}'>"
            f"<error type='cancel'><service-unavailable xmlns='{NS_STANZAS}'/></error></message>")
    note("error-reply-to-error", mb.wait_for_id("mb-to-nobody", required=False, timeout=QUIET_TIMEOUT))
    expect.add("error-reply-to-error", alice, "mb-to-nobody", f"type='error' id='mb-to-nobody' to='{nobody}'")

    # --- addressing ---
    mb.send(f"<iq type='get' id='mb-from-other' from='{alice}/elsewhere' to='{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("client-from-mismatch (the ping's answer)", mb.wait_for_id("mb-from-other"))
    expect.add("client-from-mismatch", alice, "mb-from-other")

    mb.send(f"<iq type='get' id='mb-from-self' from='{mb_jid}' to='{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("client-from-set (the ping's answer)", mb.wait_for_id("mb-from-self"))
    expect.add("client-from-set", alice, "mb-from-self")

    mb.send(f"<iq type='get' id='mb-bad-jid' to='@{domain}'><ping xmlns='{NS_PING}'/></iq>")
    note("jid-malformed", mb.wait_for_id("mb-bad-jid"))
    expect.add("jid-malformed", alice, "mb-bad-jid", f"to='@{domain}'")

    # --- message and presence (to the account that does not exist: bounced, never delivered) ---
    mb.send(f"<message id='mb-message-no-type' to='{nobody}'><body>what type am I?</body></message>")
    note("message-missing-type", mb.wait_for_id("mb-message-no-type", required=False))
    expect.add("message-missing-type", alice, "mb-message-no-type")

    mb.send(f"<message type='urgent' id='mb-message-bad-type' to='{nobody}'><body>urgent!</body></message>")
    note("message-invalid-type", mb.wait_for_id("mb-message-bad-type", required=False))
    expect.add("message-invalid-type", alice, "mb-message-bad-type")

    mb.send(f"<message type='chat' id='mb-message-two-en' to='{nobody}'>"
            f"<body xml:lang='en'>hello</body><body xml:lang='en'>hi</body></message>")
    note("message-duplicate-lang", mb.wait_for_id("mb-message-two-en", required=False))
    expect.add("message-duplicate-lang", alice, "mb-message-two-en")

    mb.send(f"<presence type='available' id='mb-presence-bad-type' to='{nobody}'/>")
    note("presence-invalid-type", mb.wait_for_id("mb-presence-bad-type", required=False, timeout=QUIET_TIMEOUT))
    expect.add("presence-invalid-type", alice, "mb-presence-bad-type")

    mb.send(f"<presence id='mb-presence-bad-show' to='{nobody}'><show>busy</show></presence>")
    note("presence-invalid-show", mb.wait_for_id("mb-presence-bad-show", required=False, timeout=QUIET_TIMEOUT))
    expect.add("presence-invalid-show", alice, "mb-presence-bad-show")

    # The peer starts a thread; the misbehaving client replies without it.
    peer.send(f"<message type='chat' id='peer-threaded' to='{mb_jid}'><body>shall we?</body>"
              f"<thread>xmppscope-thread-1</thread></message>")
    mb.wait_for_id("peer-threaded")
    mb.send(f"<message type='chat' id='mb-reply-no-thread' to='{peer_jid}'><body>sure</body></message>")
    note("message-reply-without-thread (what reached the peer)", peer.wait_for_id("mb-reply-no-thread"))
    expect.add("message-reply-without-thread", alice, "mb-reply-no-thread")

    # --- the end: close without unavailable presence, then a stanza after the close ---
    mb.send("</stream:stream><presence id='mb-after-close'/>")
    expect.add("session-no-unavailable", alice, "-", "</stream:stream>")
    expect.add("stanza-after-close", alice, "mb-after-close")
    reactions["stanza-after-close"] = ("the server closed its stream" if mb.wait_for_close()
                                       else "the server did not close its stream")
    mb.close()

    # --- a stream without version='1.0' ---
    legacy = RawConnection("legacy", args.port, domain)
    legacy.open_stream(carol, version=False)
    header = legacy.wait_for_header()
    first = legacy.wait_for(lambda e: True, "anything after the header", required=False, timeout=QUIET_TIMEOUT * 2)
    reactions["stream-header-version"] = f"header version={header.get('version')}; then " + (
        "nothing" if first is None else first.tag.split("}")[-1])
    expect.add("stream-header-version", carol, "-", f"from='{carol}' to='{domain}'>")
    if not legacy.server_closed and not legacy.eof:
        legacy.send("</stream:stream>")
        legacy.wait_for_close()
    legacy.close()

    # The peer leaves politely (it never sent presence).
    peer.send("</stream:stream>")
    peer.wait_for_close()
    peer.close()

    expect.write(args.out)
    print("server reactions:", file=sys.stderr)
    for step, reaction in reactions.items():
        print(f"  {step}: {reaction}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domain", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--out", required=True, help="the expected findings (TSV) to write")
    args = ap.parse_args()
    try:
        run(args)
    except (Failure, OSError) as error:
        print(f"misbehave: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
