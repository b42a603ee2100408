#!/usr/bin/env python3
"""Open xmppscope's live view in headless Chromium while a session runs, and say what it showed.

Opens URL (the page, with its token) before the session starts. When GATE-FILE appears (the SSE
client saw both logins) it waits until the page has taken at least that many records, notes
how many, and creates GO-FILE: the session is blocked until then, so what the page shows now
arrived while the session ran. When STOP-FILE appears (holding N, the records of the proxy's
--log), it waits until the page has taken N records, writes a screenshot, and prints JSON:
records_at_go, records_final, items (stanza list), console, exceptions, log, requests.
Uses scripts/peers/browser/cdp.py; every wait is bounded.

Usage: live_browser_check.py --url URL --gate-file F --go-file F --stop-file F --screenshot PNG
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser"))
from cdp import CDPError, Chromium  # noqa: E402

RECORDS = "Number(document.documentElement.dataset.records || 0)"


def wait_file(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise CDPError(f"{path} did not appear in {seconds} s")
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--gate-file", required=True)
    ap.add_argument("--go-file", required=True)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--ready-file", required=True, help="created once the page is loaded and live")
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    out = {}
    with Chromium(timeout=args.timeout) as browser:
        page = browser.new_page(1280, 800)
        page.navigate(args.url)
        page.wait_for("!!document.documentElement && document.documentElement.dataset.ready === '1'", timeout=args.timeout)
        out["records_before_session"] = page.evaluate(RECORDS)
        open(args.ready_file, "w").close()

        wait_file(args.gate_file, args.timeout)
        with open(args.gate_file) as f:
            gate = int(f.read().strip() or "0")
        page.wait_for(f"{RECORDS} >= {gate}", timeout=args.timeout)
        out["records_at_go"] = page.evaluate(RECORDS)
        out["items_at_go"] = page.evaluate("Number(document.getElementById('list-count').dataset.total)")
        open(args.go_file, "w").close()

        wait_file(args.stop_file, 3 * args.timeout)
        with open(args.stop_file) as f:
            final = int(f.read().strip())
        page.wait_for(f"{RECORDS} >= {final}", timeout=args.timeout)
        page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(args.screenshot)
        out["records_final"] = page.evaluate(RECORDS)
        out["items_final"] = page.evaluate("Number(document.getElementById('list-count').dataset.total)")
        browser.pump(0.2)
        out.update(console=page.console, exceptions=page.exceptions, log=page.log_entries, requests=page.requests)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CDPError as error:
        print(f"live_browser_check: {error}", file=sys.stderr)
        sys.exit(2)
