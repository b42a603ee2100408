#!/usr/bin/env python3
"""The web client's page server: serves the Strophe.js page and takes back its raw log.

Run by scripts/make-web-captures.sh on 127.0.0.1 (its port is left out of the captures).

  GET  /client.html?service=URL&name=NAME   the page (client.html + client.js + /strophe.js)
  GET  /config                              {"jid", "password", "domain", "peer"} as JSON
  POST /report                              {"name", "ok", "error", "log": [{"dir","t","raw"}]}

A report writes OUTDIR/NAME.strophe.jsonl (one {"dir","t","raw"} object a line, in the order
Strophe logged them) and then OUTDIR/NAME.result: "ok", or "failed: REASON". The calling script
waits for the .result file. The password comes from XMPP_PASSWORD and is never logged.

Usage: page_server.py --port N --strophe /usr/share/javascript/strophe/strophe.js --outdir DIR
                      --jid alice@localhost --peer bob@localhost
"""

import argparse
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_REPORT_BYTES = 16 * 1024 * 1024


class PageHandler(BaseHTTPRequestHandler):
    """Serves the three files and /config, and stores a POSTed report."""

    server_version = "xmppscope-web-peer"

    def do_GET(self):
        path = urlsplit(self.path).path
        files = {"/client.html": (HERE / "client.html", "text/html; charset=utf-8"),
                 "/client.js": (HERE / "client.js", "text/javascript; charset=utf-8"),
                 "/strophe.js": (self.server.strophe, "text/javascript; charset=utf-8")}
        if path in files:
            file, content_type = files[path]
            self._reply(200, file.read_bytes(), content_type)
        elif path == "/config":
            self._reply(200, json.dumps(self.server.config).encode(), "application/json")
        else:
            self._reply(404, b"not found\n", "text/plain")

    def do_POST(self):
        if urlsplit(self.path).path != "/report":
            self._reply(404, b"not found\n", "text/plain")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_REPORT_BYTES:
            self._reply(413, b"report missing or too large\n", "text/plain")
            return
        try:
            report = json.loads(self.rfile.read(length))
            name = report["name"]
            if not NAME_PATTERN.match(name):
                raise ValueError(f"bad capture name {name!r}")
            entries = report["log"]
        except (ValueError, KeyError, TypeError) as err:
            self._reply(400, f"bad report: {err}\n".encode(), "text/plain")
            return
        outdir = self.server.outdir
        with open(outdir / f"{name}.strophe.jsonl", "w", encoding="utf-8") as f:
            for entry in entries:
                record = {"dir": entry["dir"], "t": entry["t"], "raw": entry["raw"]}
                f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        result = "ok" if report.get("ok") is True else f"failed: {report.get('error') or 'no reason given'}"
        # Written last, under a temporary name: the script takes its appearance as "done".
        tmp = outdir / f".{name}.result.tmp"
        tmp.write_text(result + "\n", encoding="utf-8")
        tmp.rename(outdir / f"{name}.result")
        self._reply(204, b"", "text/plain")

    def _reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # the path only: no query strings in the log
        sys.stderr.write(f"page_server: {self.command} {urlsplit(self.path).path}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--strophe", required=True, help="path of strophe.js")
    ap.add_argument("--outdir", required=True, help="where reports are written")
    ap.add_argument("--jid", required=True, help="the web client's bare JID")
    ap.add_argument("--peer", required=True, help="the bare JID the client sends its message to")
    args = ap.parse_args()
    password = os.environ.get("XMPP_PASSWORD")
    if not password:
        sys.exit("page_server.py: set XMPP_PASSWORD")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), PageHandler)
    server.strophe = Path(args.strophe)
    server.outdir = Path(args.outdir)
    server.config = {"jid": args.jid, "password": password, "domain": args.jid.split("@", 1)[1],
                     "peer": args.peer}
    print(f"page_server: serving on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
