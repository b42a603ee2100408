#!/usr/bin/env python3
"""Follow xmppscope's live view (--web) as a browser's EventSource would, and check it.

Connects to URL (the page's, with its token) before the session starts, reads the page, then
the /events stream until the server ends it. When the stream has shown both clients' logins
(two bind results from the server) it creates GO-FILE: the XMPP session waits for that file
before it sends anything else, so records that arrive then arrived while the session ran. It
writes every record's JSON (one a line, as sent) to OUT and a summary to SUMMARY (JSON).

Usage: live_sse_client.py --url URL --connected-file F --go-file F --out FILE --summary FILE [--timeout S]
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

BIND = "urn:ietf:params:xml:ns:xmpp-bind"


def opener():
    # No proxy, ever: the live view is on loopback.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--go-file", required=True)
    ap.add_argument("--connected-file", required=True, help="created once the event stream is open")
    ap.add_argument("--out", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--timeout", type=float, default=120, help="the whole run, seconds")
    args = ap.parse_args()
    started = time.monotonic()
    web = opener()

    with web.open(args.url, timeout=10) as page:
        html = page.read().decode("utf-8")
        page_status = page.status
        csp = page.headers.get("Content-Security-Policy", "")
    match = re.search(r'"events":"([^"]+)"', html)
    if not match:
        raise RuntimeError("the page names no events URL")
    base = args.url.split("/?")[0]
    events_url = base + match.group(1)

    records, ids, names = [], [], []
    go_at_record = None
    binds = 0
    with web.open(events_url, timeout=30) as stream, open(args.out, "w", encoding="utf-8") as out:
        if stream.headers.get_content_type() != "text/event-stream":
            raise RuntimeError(f"events: {stream.headers.get_content_type()}")
        open(args.connected_file, "w").close()
        event = {}
        while True:
            if time.monotonic() - started > args.timeout:
                raise TimeoutError("the stream did not end in time")
            raw = stream.readline()  # each read bounded by the socket timeout (keep-alives every 15 s)
            if not raw:
                break
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if "data" in event:
                    names.append(event.get("event", "message"))
                    if event.get("event", "message") == "message":
                        ids.append(int(event["id"]))
                        records.append(event["data"])
                        out.write(event["data"] + "\n")
                        out.flush()
                        record = json.loads(event["data"])
                        if (record.get("dir") == "s2c" and record.get("kind") == "iq"
                                and record.get("type") == "result" and BIND in (record.get("ns") or [])):
                            binds += 1
                        if binds == 2 and go_at_record is None:
                            go_at_record = len(records)
                            with open(args.go_file + ".part", "w") as go:  # how many records it took
                                go.write(f"{go_at_record}\n")
                            os.replace(args.go_file + ".part", args.go_file)
                event = {}
            elif line.startswith(":"):
                continue
            else:
                field, _, value = line.partition(":")
                event[field] = value[1:] if value.startswith(" ") else value

    summary = {"page_status": page_status, "csp": csp, "records": len(records), "ids": ids,
               "event_names": sorted(set(names)), "go_at_record": go_at_record}
    with open(args.summary, "w", encoding="utf-8") as f:
        json.dump(summary, f)
    if go_at_record is None:
        raise RuntimeError("the stream never showed both logins")


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # one clear line for the calling script
        print(f"live_sse_client.py: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
