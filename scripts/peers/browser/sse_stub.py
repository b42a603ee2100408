#!/usr/bin/env python3
"""A stand-in for the live view's server, to test the page's live mode alone (tests only).

    sse_stub.py PAGE.html RECORDS.jsonl --token T --pause-after K [--port-file F]

Listens on 127.0.0.1 (a free port, printed as the first line of standard output) and serves
`GET /?token=T` → PAGE; `GET /events?token=T` → the records as server-sent events (`id:` the
record's seq, `data:` the line): the first K, then nothing until `GET /continue?token=T`, then
the rest, then it closes the stream; a later `/events` (EventSource reconnecting) gets 204, which
tells the browser to stop. A wrong or missing token gets 403. It exits after --lifetime seconds.
The real server is Sources/XMPPReport/Live (swift-nio); this one only lets the page's script be
tested without it.
"""
import argparse
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("records")
    parser.add_argument("--token", required=True)
    parser.add_argument("--pause-after", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=300.0)
    parser.add_argument("--port-file", help="also write the port to this file")
    args = parser.parse_args()
    # A parent may have left SIGTERM ignored or blocked (both survive exec; the test runner's threads block it): stopping by PID must work.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    page = open(args.page, "rb").read()
    lines = [line for line in open(args.records, "rb").read().split(b"\n") if line]
    resume = threading.Event()
    served = {"streams": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def reply(self, status, body=b"", kind="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if urllib.parse.parse_qs(url.query).get("token") != [args.token]:
                return self.reply(403, b"forbidden\n")
            if url.path == "/":
                return self.reply(200, page, "text/html; charset=utf-8")
            if url.path == "/continue":
                resume.set()
                return self.reply(200, b"ok\n")
            if url.path != "/events":
                return self.reply(404, b"not found\n")
            served["streams"] += 1
            if served["streams"] > 1:
                return self.reply(204)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            for index, line in enumerate(lines):
                if index == args.pause_after and args.pause_after > 0:
                    self.wfile.flush()
                    if not resume.wait(args.lifetime):
                        return
                seq = json.loads(line)["seq"]
                self.wfile.write(b"id: %d\ndata: %s\n\n" % (seq, line))
            self.wfile.flush()
            self.close_connection = True

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    if args.port_file:
        with open(args.port_file + ".part", "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(args.port_file + ".part", args.port_file)
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
