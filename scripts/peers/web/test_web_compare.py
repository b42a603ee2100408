"""Tests of scripts/web-compare.py: python3 -m unittest scripts/peers/web/test_web_compare.py

They run it on the raw logs Strophe.js wrote for the bundled captures (captures/web-*.strophe.jsonl)
against xmppscope-like logs built from them here, and on a hand-written pair in testdata/, each
time also with one thing broken that it must report.
"""

import copy
import io
import json
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from importlib.machinery import SourceFileLoader
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SCRIPT = REPO / "scripts" / "web-compare.py"
web_compare = SourceFileLoader("web_compare", str(SCRIPT)).load_module()

NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
NS_BOSH = "http://jabber.org/protocol/httpbind"
STANZAS = ("iq", "message", "presence")


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def elements_of(strophe_rows, transport):
    """(dir, element) for each element of a raw log, as the script should see them."""
    out = []
    for entry in strophe_rows:
        root = ET.fromstring(entry["raw"])
        children = list(root) if transport == "bosh" else [root]
        out.extend((entry["dir"], child) for child in children)
    return out


def fake_log(strophe_rows, transport, conn=3):
    """An xmppscope-like log of the raw log's elements: a TCP connection first (whose records must
    never count), then one record per element, iq responses with rtt_ms and request."""
    records = [{"v": 1, "seq": 1, "conn": 0, "dir": "c2s", "event": "stanza", "kind": "message",
                "type": "chat", "id": "tcp-1", "transport": "tcp",
                "xml": "<message xmlns='jabber:client' id='tcp-1'><body>over TCP</body></message>"}]
    requests = {}
    for direction, element in elements_of(strophe_rows, transport):
        name = element.tag.rsplit("}", 1)[-1]
        if element.tag in (f"{{{NS_FRAMING}}}open", f"{{{NS_FRAMING}}}close"):
            event = "stream-open" if name == "open" else "stream-close"
        else:
            event = "stanza" if name in STANZAS else "nonza"
        record = {"v": 1, "seq": len(records) + 1, "conn": conn, "dir": direction, "event": event,
                  "kind": name, "type": element.get("type"), "id": element.get("id"),
                  "transport": transport, "xml": ET.tostring(element, encoding="unicode")}
        if name == "iq" and element.get("type") in ("get", "set"):
            requests[element.get("id")] = record["seq"]
        elif name == "iq" and element.get("id") in requests:
            record["rtt_ms"] = 1.5
            record["request"] = requests[element.get("id")]
        records.append(record)
    return records


def write_jsonl(directory, name, rows):
    path = Path(directory) / name
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


class CompareCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def compare(self, log_rows, strophe_path, transport=None):
        """(problems, printed counts) for log_rows against the raw log at strophe_path."""
        log_path = write_jsonl(self.tmp.name, "log.jsonl", log_rows)
        out = io.StringIO()
        problems = web_compare.compare(str(log_path), str(strophe_path), transport, out=out)
        return problems, out.getvalue()

    def find(self, records, **keys):
        found = [r for r in records if all(r.get(k) == v for k, v in keys.items())]
        self.assertEqual(len(found), 1, f"exactly one record with {keys}")
        return found[0]


class RealRawLogs(CompareCase):
    """The raw logs of the bundled captures, against logs built from them."""

    def check_capture(self, name, transport):
        strophe = REPO / "captures" / f"{name}.strophe.jsonl"
        rows = read_rows(strophe)
        elements = elements_of(rows, transport)
        problems, printed = self.compare(fake_log(rows, transport), strophe)
        self.assertEqual(problems, [])
        for direction in ("c2s", "s2c"):
            total = sum(1 for d, _ in elements if d == direction)
            self.assertGreater(total, 5)
            self.assertIn(f"{transport} {direction}: {total} of {total} elements", printed)
        iqs = sum(1 for d, e in elements if d == "c2s" and e.tag == "{jabber:client}iq"
                  and e.get("type") in ("get", "set"))
        self.assertEqual(iqs, 5)  # bind, session, roster, disco#info, vCard
        self.assertIn(f"with rtt_ms: {iqs} of {iqs}", printed)
        return rows

    def test_every_websocket_capture_matches_its_own_log(self):
        for name in ("web-websocket", "web-wss", "web-deflate", "web-deflate-nocontext"):
            with self.subTest(name):
                rows = self.check_capture(name, "websocket")
                self.assertEqual(len(elements_of(rows, "websocket")), len(rows))

    def test_every_bosh_capture_matches_its_own_log(self):
        for name in ("web-bosh", "web-https-bosh"):
            with self.subTest(name):
                rows = self.check_capture(name, "bosh")
                empty_bodies = sum(1 for r in rows if len(ET.fromstring(r["raw"])) == 0)
                self.assertGreaterEqual(empty_bodies, 2)  # the restart and the long poll at least

    def test_the_transport_is_found_from_the_raw_log(self):
        bosh = REPO / "captures" / "web-bosh.strophe.jsonl"
        rows = read_rows(bosh)
        # Read as WebSocket messages, the <body/> wrappers are not in a BOSH log.
        problems, _ = self.compare(fake_log(rows, "bosh"), bosh, transport="websocket")
        self.assertEqual(problems[0], f"{self.tmp.name}/log.jsonl: no stanza, nonza or stream records "
                                      "with \"transport\":\"websocket\"")
        problems, _ = self.compare(fake_log(rows, "bosh"), bosh)
        self.assertEqual(problems, [])

    def test_a_missing_vcard_error_is_reported_with_its_iq(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        log.remove(self.find(log, id="web-vcard-1", type="error"))
        problems, printed = self.compare(log, strophe)
        self.assertEqual(len(problems), 2)
        self.assertIn("missing from the log", problems[0])
        self.assertIn("web-vcard-1", problems[0])
        self.assertIn("(s2c)", problems[0])
        self.assertIn("no response in the log to iq get id='web-vcard-1'", problems[1])
        self.assertIn("s2c: ", printed)
        self.assertIn("with rtt_ms: 4 of 5", printed)

    def test_a_missing_request_does_not_count_as_answered(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        log.remove(self.find(log, id="web-vcard-1", type="get"))
        problems, printed = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("raw log line 19 (c2s): <iq xmlns='jabber:client' type='get' to='bob@localhost' "
                      "id='web-vcard-1'>…", problems[0])
        self.assertIn("with rtt_ms: 4 of 5", printed)

    def test_a_stanza_in_the_wrong_direction_is_missing(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        self.find(log, id="web-message-1", transport="websocket")["dir"] = "s2c"
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("web-message-1", problems[0])

    def test_a_changed_attribute_is_missing(self):
        strophe = REPO / "captures" / "web-bosh.strophe.jsonl"
        log = fake_log(read_rows(strophe), "bosh")
        record = self.find(log, id="web-message-1", transport="bosh")
        record["xml"] = record["xml"].replace("bob@localhost", "carol@localhost")
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("web-message-1", problems[0])

    def test_changed_text_is_missing(self):
        strophe = REPO / "captures" / "web-bosh.strophe.jsonl"
        log = fake_log(read_rows(strophe), "bosh")
        record = self.find(log, id="bob-reply-1")
        record["xml"] = record["xml"].replace("re: hello", "re: hullo")
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("bob-reply-1", problems[0])

    def test_an_element_without_a_child_is_missing(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        record = self.find(log, id="web-vcard-1", type="error")
        element = ET.fromstring(record["xml"])
        self.assertEqual(len(element), 1)
        element.remove(element[0])  # the <error/>
        record["xml"] = ET.tostring(element, encoding="unicode")
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)  # the record is still there as the iq's response
        self.assertIn("web-vcard-1", problems[0])

    def test_a_record_of_another_transport_never_counts(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        self.find(log, id="web-message-1", transport="websocket")["transport"] = "tcp"
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("web-message-1", problems[0])

    def test_one_record_matches_one_element_only(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        rows = read_rows(strophe)
        opens = [r for r in rows if r["dir"] == "c2s" and r["raw"].startswith("<open")]
        self.assertEqual(len(opens), 2)  # the first stream and the restart after SASL
        log = fake_log(rows, "websocket")
        log.remove([r for r in log if r["event"] == "stream-open" and r["dir"] == "c2s"][1])
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("raw log line 8 (c2s): <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost'", problems[0])

    def test_a_response_without_rtt_is_reported(self):
        strophe = REPO / "captures" / "web-bosh.strophe.jsonl"
        log = fake_log(read_rows(strophe), "bosh")
        del self.find(log, id="web-roster-1", type="result")["rtt_ms"]
        problems, printed = self.compare(log, strophe)
        self.assertEqual(problems, ["the response to iq id='web-roster-1' (seq %d) has no rtt_ms"
                                    % self.find(log, id="web-roster-1", type="result")["seq"]])
        self.assertIn("with rtt_ms: 4 of 5", printed)

    def test_a_response_paired_with_another_request_is_reported(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        self.find(log, id="web-disco-1", type="result")["request"] = 2
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("names request 2", problems[0])

    def test_a_response_on_another_connection_does_not_answer(self):
        strophe = REPO / "captures" / "web-websocket.strophe.jsonl"
        log = fake_log(read_rows(strophe), "websocket")
        moved = copy.deepcopy(self.find(log, id="web-disco-1", type="result"))
        log.remove(self.find(log, id="web-disco-1", type="result"))
        moved["conn"] = 7
        log.append(moved)
        problems, _ = self.compare(log, strophe)
        self.assertEqual(len(problems), 1)
        self.assertIn("no response in the log to iq get id='web-disco-1'", problems[0])


class HandWrittenLog(CompareCase):
    """testdata/hand.*.jsonl: a WebSocket session written by hand, in the log format's spelling:
    other quoting, attribute order and character references, an indented <features/>, a redacted
    <auth/>, a stream-close with empty xml, and a TCP connection in the same log."""

    STROPHE = HERE / "testdata" / "hand.strophe.jsonl"
    LOG = HERE / "testdata" / "hand.log.jsonl"

    def test_it_matches(self):
        problems, printed = self.compare(read_rows(self.LOG), self.STROPHE)
        self.assertEqual(problems, [])
        self.assertIn("websocket c2s: 5 of 5 elements", printed)
        self.assertIn("websocket s2c: 5 of 5 elements", printed)
        self.assertIn("with rtt_ms: 1 of 1", printed)

    def test_a_redaction_of_another_length_does_not_match(self):
        log = read_rows(self.LOG)
        auth = self.find(log, kind="auth")
        auth["xml"] = auth["xml"].replace("[redacted 20 bytes]", "[redacted 21 bytes]")
        problems, _ = self.compare(log, self.STROPHE)
        self.assertEqual(len(problems), 1)
        self.assertIn("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>…", problems[0])

    def test_the_message_over_tcp_does_not_stand_in_for_the_websocket_one(self):
        log = read_rows(self.LOG)
        log.remove(self.find(log, id="m1", transport="websocket"))
        problems, _ = self.compare(log, self.STROPHE)
        self.assertEqual(len(problems), 1)
        self.assertIn("raw log line 8 (c2s)", problems[0])

    def test_a_stream_close_must_be_one(self):
        log = read_rows(self.LOG)
        self.find(log, seq=12)["event"] = "nonza"
        problems, _ = self.compare(log, self.STROPHE)
        self.assertEqual(len(problems), 1)
        self.assertIn("raw log line 10 (s2c)", problems[0])

    def test_a_bosh_child_is_read_with_the_body_namespaces(self):
        # Prosody's <body/> declares xmlns:stream; its <stream:features/> child as sent does not.
        strophe = write_jsonl(self.tmp.name, "bosh.strophe.jsonl", [
            {"dir": "s2c", "t": 1, "raw": f"<body xmlns='{NS_BOSH}' xmlns:stream='http://etherx.jabber.org/streams' "
                                         "sid='x'><stream:features xmlns='jabber:client'><bind "
                                         "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features></body>"}])
        record = {"seq": 1, "conn": 1, "dir": "s2c", "event": "nonza", "kind": "features", "transport": "bosh",
                  "xml": "<stream:features xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                         "</stream:features>"}
        problems, printed = self.compare([record], strophe)
        self.assertEqual(problems, [])
        self.assertIn("bosh s2c: 1 of 1 elements", printed)
        record["xml"] = record["xml"].replace("xmpp-bind", "xmpp-session")
        problems, _ = self.compare([record], strophe)
        self.assertEqual(len(problems), 1)

    def test_exit_status(self):
        ok = subprocess.run([sys.executable, str(SCRIPT), str(self.LOG), str(self.STROPHE)],
                            capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        log = read_rows(self.LOG)
        log.remove(self.find(log, kind="success"))
        broken = write_jsonl(self.tmp.name, "broken.jsonl", log)
        missing = subprocess.run([sys.executable, str(SCRIPT), str(broken), str(self.STROPHE)],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("missing from the log: raw log line 5 (s2c)", missing.stderr)
        unreadable = subprocess.run([sys.executable, str(SCRIPT), str(self.STROPHE), str(self.LOG)],
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(unreadable.returncode, 2)
        self.assertIn("hand.log.jsonl:1: needs \"dir\" (c2s or s2c) and \"raw\"", unreadable.stderr)


if __name__ == "__main__":
    unittest.main()
