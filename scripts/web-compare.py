#!/usr/bin/env python3
"""Check that an xmppscope JSON Lines log holds every stanza of a web client's own raw log.

    scripts/web-compare.py LOG.jsonl STROPHE.jsonl
    xmppscope replay captures/web-wss.pcap --keylog captures/web-wss.keys --json |
        scripts/web-compare.py - captures/web-wss.strophe.jsonl

LOG.jsonl is what `xmppscope replay … --json` or `xmppscope proxy --websocket|--bosh --json`
wrote; STROPHE.jsonl is the client's raw log from scripts/make-web-captures.sh (one
{"dir": "c2s"|"s2c", "t": ms, "raw": text} a line, from Strophe's rawInput/rawOutput).

What the raw log holds, by transport (found from the first raw text, or --transport):
  websocket  each raw text is one message: one stanza or nonza, or an RFC 7395 <open/> or
             <close/> (urn:ietf:params:xml:ns:xmpp-framing), which must be a stream-open or
             stream-close record;
  bosh       each raw text is a <body/> (http://jabber.org/protocol/httpbind) whose children are
             the stanzas and nonzas; the <body/> itself is not looked for.

Each element must match a record of that transport (`transport` key), in the same direction,
not yet matched by another element: records of other transports (a TCP client in the same
capture) never count. Elements match when their canonical XML is equal: names with their
namespaces, attributes (namespace declarations left out), text (whitespace-only text and tails
ignored) and children, recursively. An element whose text in the log is xmppscope's redaction
marker `[redacted N bytes]` matches any text of N bytes (UTF-8). A stream-open or stream-close
record whose `xml` is not an element (an empty string) matches on its event and direction alone.
In a BOSH log, an element's `xml` is read inside a <body/> with the BOSH namespaces, as it was
on the wire; in a WebSocket log each message must stand alone (RFC 7395 §3.3.3).

Every iq get/set the client sent must have its response in the log: an iq result or error
record, s2c, with the same id, on the same `conn`, carrying `rtt_ms` (and `request` naming the
request's `seq`, when present).

Prints counts; exits 1 with what is missing listed, 2 when an input cannot be read.
"""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET

NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
NS_BOSH = "http://jabber.org/protocol/httpbind"
NS_STREAMS = "http://etherx.jabber.org/streams"
NS_XBOSH = "urn:xmpp:xbosh"
ELEMENT_EVENTS = ("stanza", "nonza", "stream-error")
STREAM_EVENTS = ("stream-open", "stream-close")
REDACTED = re.compile(r"^\[redacted (\d+) bytes\]$")
# How a BOSH child is read: inside a <body/> that declares what Prosody's and Strophe's do.
BOSH_CONTEXT = (f"<body xmlns='{NS_BOSH}' xmlns:stream='{NS_STREAMS}' xmlns:xmpp='{NS_XBOSH}'>", "</body>")


class InputError(Exception):
    """An input file that cannot be read as the format it should have."""


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def text_of(value):
    """Text as compared: whitespace-only text counts as none."""
    return value if value and value.strip() else ""


def describe(element, limit=200):
    """A short one-line rendering of an element for messages: its start tag, namespaces spelt out."""
    parts = [local_name(element.tag)]
    if namespace(element.tag):
        parts.append(f"xmlns='{namespace(element.tag)}'")
    parts.extend(f"{local_name(k)}='{v}'" for k, v in element.attrib.items())
    text = "<" + " ".join(parts) + (">…" if len(element) or text_of(element.text) else "/>")
    return text if len(text) <= limit else text[:limit] + "…"


def same_element(expected, actual):
    """Whether actual (from the log) is expected (from the raw log), with redaction allowed."""
    if expected.tag != actual.tag or dict(expected.attrib) != dict(actual.attrib):
        return False
    want, got = text_of(expected.text), text_of(actual.text)
    redacted = REDACTED.match(got)
    if redacted:
        if len(want.encode("utf-8")) != int(redacted.group(1)):
            return False
    elif want != got:
        return False
    if len(expected) != len(actual):
        return False
    return all(same_element(e, a) for e, a in zip(expected, actual))


class Expected:
    """One element the client sent or received, with the raw-log line it came from."""

    def __init__(self, line, direction, element, event):
        self.line = line
        self.dir = direction
        self.element = element
        self.event = event          # "stream-open", "stream-close", or None (stanza/nonza)
        self.record = None          # the log record matched

    def __str__(self):
        return f"raw log line {self.line} ({self.dir}): {describe(self.element)}"


def read_jsonl(path, what):
    rows = []
    try:
        with (open(sys.stdin.fileno(), encoding="utf-8", closefd=False) if path == "-"
              else open(path, encoding="utf-8")) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{number}: not JSON ({err.msg}); is this {what}?") from None
    except OSError as err:
        raise InputError(f"{path}: {err.strerror}") from None
    return rows


def parse_raw(path, number, raw):
    try:
        return ET.fromstring(raw)
    except ET.ParseError as err:
        raise InputError(f"{path}:{number}: the raw text is not one XML element ({err})") from None


def guess_transport(path, rows):
    if not rows:
        raise InputError(f"{path}: the raw log is empty")
    number, entry = rows[0]
    if not isinstance(entry, dict) or not isinstance(entry.get("raw"), str):
        raise InputError(f"{path}:{number}: needs \"dir\" (c2s or s2c) and \"raw\"; is this a raw log?")
    root = parse_raw(path, number, entry["raw"])
    return "bosh" if root.tag == f"{{{NS_BOSH}}}body" else "websocket"


def expected_elements(path, rows, transport):
    """The elements of the raw log, in order."""
    items = []
    for number, entry in rows:
        direction = entry.get("dir") if isinstance(entry, dict) else None
        if direction not in ("c2s", "s2c") or not isinstance(entry.get("raw"), str):
            raise InputError(f"{path}:{number}: needs \"dir\" (c2s or s2c) and \"raw\"; is this a raw log?")
        root = parse_raw(path, number, entry["raw"])
        if transport == "bosh":
            if root.tag != f"{{{NS_BOSH}}}body":
                raise InputError(f"{path}:{number}: a BOSH raw text that is not a <body/>: {describe(root)}")
            items.extend(Expected(number, direction, child, None) for child in root)
        elif root.tag in (f"{{{NS_FRAMING}}}open", f"{{{NS_FRAMING}}}close"):
            event = "stream-open" if local_name(root.tag) == "open" else "stream-close"
            items.append(Expected(number, direction, root, event))
        else:
            items.append(Expected(number, direction, root, None))
    return items


def record_element(record, transport):
    """The element of a record's xml, or None when it is not one element."""
    xml = record.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        return None
    try:
        if transport == "bosh":
            wrapper = ET.fromstring(BOSH_CONTEXT[0] + xml + BOSH_CONTEXT[1])
            return wrapper[0] if len(wrapper) == 1 else None
        return ET.fromstring(xml)
    except ET.ParseError:
        return None


def log_candidates(path, rows, transport):
    """The log's element and stream records of this transport, each once (no follow-ups)."""
    candidates = []
    for number, record in rows:
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: not a JSON object")
        if record.get("unanswered") or record.get("transport") != transport:
            continue
        if record.get("event") in ELEMENT_EVENTS + STREAM_EVENTS:
            candidates.append({"record": record, "element": record_element(record, transport), "used": False})
    return candidates


def match(item, candidates):
    for candidate in candidates:
        record = candidate["record"]
        if candidate["used"] or record.get("dir") != item.dir:
            continue
        if item.event is not None:
            if record.get("event") != item.event:
                continue
            element = candidate["element"]
            if element is not None and not same_element(item.element, element):
                continue
        elif record.get("event") not in ELEMENT_EVENTS or candidate["element"] is None \
                or not same_element(item.element, candidate["element"]):
            continue
        candidate["used"] = True
        item.record = record
        return True
    return False


def check_responses(items, log_rows):
    """(answered, problems): how many of the client's iq get/set have their response in the log
    with rtt_ms, and a message for each of the others that is in the log (the requests missing
    from the log are reported as missing already)."""
    answered = 0
    problems = []
    responses = [r for _, r in log_rows
                 if isinstance(r, dict) and not r.get("unanswered") and r.get("event") == "stanza"
                 and r.get("kind") == "iq" and r.get("type") in ("result", "error") and r.get("dir") == "s2c"]
    for item in items:
        element = item.element
        if item.dir != "c2s" or local_name(element.tag) != "iq" or element.get("type") not in ("get", "set"):
            continue
        if item.record is None:
            continue
        request = item.record
        found = [r for r in responses if r.get("id") == element.get("id") and r.get("conn") == request.get("conn")]
        if not found:
            problems.append(f"no response in the log to iq {element.get('type')} id={element.get('id')!r} "
                            f"(seq {request.get('seq')}, {item})")
            continue
        response = found[0]
        if "rtt_ms" not in response:
            problems.append(f"the response to iq id={element.get('id')!r} (seq {response.get('seq')}) has no rtt_ms")
        elif "request" in response and response["request"] != request.get("seq"):
            problems.append(f"the response to iq id={element.get('id')!r} (seq {response.get('seq')}) names "
                            f"request {response['request']}, not {request.get('seq')}")
        else:
            answered += 1
    return answered, problems


def compare(log_path, strophe_path, transport=None, out=sys.stdout):
    """Returns the list of problems (empty when the log holds everything); prints counts."""
    strophe_rows = read_jsonl(strophe_path, "a Strophe raw log")
    log_rows = read_jsonl(log_path, "an xmppscope JSON Lines log")
    transport = transport or guess_transport(strophe_path, strophe_rows)
    items = expected_elements(strophe_path, strophe_rows, transport)
    candidates = log_candidates(log_path, log_rows, transport)
    if not candidates:
        return [f"{log_path}: no stanza, nonza or stream records with \"transport\":\"{transport}\""]
    problems = []
    for item in items:
        if not match(item, candidates):
            problems.append(f"missing from the log: {item}")
    iq_requests = sum(1 for i in items if i.dir == "c2s" and local_name(i.element.tag) == "iq"
                      and i.element.get("type") in ("get", "set"))
    answered, iq_problems = check_responses(items, log_rows)
    problems.extend(iq_problems)
    for direction in ("c2s", "s2c"):
        total = sum(1 for i in items if i.dir == direction)
        found = sum(1 for i in items if i.dir == direction and i.record is not None)
        print(f"{transport} {direction}: {found} of {total} elements of the raw log found in the log", file=out)
    print(f"iq requests answered in the log with rtt_ms: {answered} of {iq_requests}", file=out)
    extra = sum(1 for c in candidates if not c["used"])
    print(f"records of this transport not in the raw log: {extra}", file=out)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", help="xmppscope JSON Lines log (- for standard input)")
    ap.add_argument("strophe", help="the web client's raw log (NAME.strophe.jsonl)")
    ap.add_argument("--transport", choices=("websocket", "bosh"), help="default: from the raw log")
    args = ap.parse_args()
    try:
        problems = compare(args.log, args.strophe, args.transport)
    except InputError as err:
        print(f"web-compare: {err}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"web-compare: {problem}", file=sys.stderr)
    if problems:
        print(f"web-compare: {len(problems)} problem{'' if len(problems) == 1 else 's'}", file=sys.stderr)
        return 1
    print("web-compare: the log holds every element of the raw log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
