#!/usr/bin/env python3
"""Open an xmppscope report page in headless Chromium and say what it shows, as JSON.

    check_report.py PAGE.html [--screenshot OUT.png] [--chip GROUP=VALUE] [--search TEXT] [--timeout S]
    check_report.py PAGE.html --load-only          # {"load_seconds": …} for Benchmarks/report
    check_report.py 'http://127.0.0.1:PORT/?token=…' --load-only --watch 30 --until 80   # the live view

It loads file://PAGE, waits (bounded) for `<html data-ready="1">`, then reports:
- console: every console message; exceptions: every uncaught exception; log: browser log entries
  (CSP violations show up here); requests: every network request's URL (the page's own file
  first); load_seconds: from Page.navigate until the page was ready;
- connections: each row of the connection summary (its data- numbers), and for each connection,
  what its sequence view drew when scrolled from top to bottom (arrows, markers, red arrows, iq
  pair brackets, rows seen in the DOM at once);
- list: rows in the stanza list; after clicking the quick filter --chip, and after typing
  --search, how many are shown (each undone before the next);
- dom_identical: a second tab loading the same page ends up with the same DOM (nothing random,
  nothing of the time it was opened);
- link: a list row's "seq" button highlights that arrow, and a click on an arrow highlights the
  list row; expand: a clicked list row shows its XML;
- errors/findings: rows of their tables; latency: each namespace row's numbers.
Live view (an http:// page): --stage N[@URL] waits until the page holds N records and notes what
it shows (then GETs URL, e.g. to let a test server go on); --final-state waits for the live state.
With --screenshot it writes a 1280×800 PNG of the page as it first appears.
The test that reads this (Tests/IntegrationTests/ReportBrowserTests.swift) decides pass or fail.
"""
import argparse
import json
import os
import signal
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import CDPError, Chromium  # noqa: E402

# Runs in the page: walks the selected connection's virtual sequence view from top to bottom.
WALK_SEQUENCE = r"""
(async (conn) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const select = document.getElementById("seq-conn");
  select.value = String(conn);
  select.dispatchEvent(new Event("change"));
  await frame();
  const scroller = document.getElementById("seq-scroll");
  const arrows = new Set(), markers = new Set(), errors = new Set(), pairs = new Set(), restarts = new Set();
  let most = 0, seqs = [];
  const take = () => {
    const rows = scroller.querySelectorAll(".seq-row");
    most = Math.max(most, rows.length);
    for (const row of rows) {
      const idx = row.dataset.idx;
      if (row.classList.contains("arrow")) { if (!arrows.has(idx)) seqs.push(Number(row.dataset.seq)); arrows.add(idx); }
      else markers.add(idx + ":" + row.dataset.event);
      if (row.classList.contains("arrow") && row.classList.contains("error")) errors.add(idx);
      if (row.querySelector(".phase").textContent === "restart") restarts.add(idx);
    }
    for (const pair of scroller.querySelectorAll(".seq-pair")) pairs.add(pair.dataset.request + ">" + pair.dataset.response);
  };
  scroller.scrollTop = 0;
  await frame();
  for (let guard = 0; guard < 100000; guard++) {
    take();
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) break;
    scroller.scrollTop += Math.max(24, scroller.clientHeight - 48);
    await frame();
  }
  const section = document.getElementById("sequence");
  const markerEvents = {};
  for (const m of markers) { const e = m.split(":")[1]; markerEvents[e] = (markerEvents[e] || 0) + 1; }
  scroller.scrollTop = 0;
  await frame();
  return { conn, shown_conn: Number(section.dataset.conn), arrows: arrows.size, markers: markerEvents, error_arrows: errors.size,
           pairs: pairs.size, restarts: restarts.size, most_rows_in_dom: most, arrow_seqs: seqs };
})
"""

SHOWN = "Number(document.getElementById('list-count').dataset.shown)"


def click_chip(page, group, value):
    page.evaluate(f"document.querySelector('.chip[data-filter={json.dumps(group)}][data-value={json.dumps(value)}]').click()")
    return page.evaluate(SHOWN)


def search(page, text, timeout):
    page.evaluate(f"(() => {{ const s = document.getElementById('search'); s.value = {json.dumps(text)}; s.dispatchEvent(new Event('input')); }})()")
    page.wait_for(f"document.getElementById('list-count').dataset.query === {json.dumps(text.strip().lower())}", timeout=timeout)
    return page.evaluate(SHOWN)


def watch(page, seconds, until):
    """[{"t", "state", "records", "shown"}] every 0.1 s (the live view's records as they come)."""
    timeline = []
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        state = page.evaluate("(() => { const s = document.getElementById('live-state'); return s ? s.dataset.state : null; })()")
        records = int(page.evaluate("document.getElementById('stat-records').dataset.value"))
        timeline.append({"t": round(time.monotonic() - start, 3), "state": state, "records": records, "shown": page.evaluate(SHOWN)})
        if until and records >= until:
            break
        time.sleep(0.1)
    return timeline


RECORDS = "Number(document.getElementById('stat-records').dataset.value)"


def stages(page, specs, final_state, timeout):
    """Waits for each stage's record count, notes what the page shows, and makes its request."""
    noted = []
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for spec in specs:
        count, _, get = spec.partition("@")
        page.wait_for(f"{RECORDS} >= {int(count)}", timeout=timeout)
        noted.append({"until": int(count), "records": page.evaluate(RECORDS), "shown": page.evaluate(SHOWN),
                      "state": page.evaluate("document.getElementById('live-state').dataset.state")})
        if get:
            with opener.open(get, timeout=timeout) as response:
                response.read()
    if final_state:
        page.wait_for(f"document.getElementById('live-state').dataset.state === {json.dumps(final_state)}", timeout=timeout)
        # The tables follow the records within a second; wait until they hold all of them.
        page.wait_for(f"document.documentElement.dataset.rendered === String({RECORDS})", timeout=timeout)
        noted.append({"final": final_state, "records": page.evaluate(RECORDS), "shown": page.evaluate(SHOWN)})
    return noted


# The DOM once the page has settled: after two animation frames, so a render the page scheduled
# for its next frame (a virtual list redrawn after a scroll) has happened in either tab. Read
# while the tab is in front: a hidden tab gets no animation frames.
SETTLED_DOM = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(document.documentElement.outerHTML))))"


def same_dom(browser, page, url, timeout):
    first = page.evaluate(SETTLED_DOM, timeout=timeout)
    twin = browser.new_page(1280, 800)
    twin.navigate(url)
    twin.wait_for("!!document.documentElement && document.documentElement.dataset.ready === '1'", timeout=timeout)
    same = twin.evaluate(SETTLED_DOM, timeout=timeout) == first
    twin.send("Page.close")
    return same


def emit(out, path):
    text = json.dumps(out, indent=1) + "\n"
    if path:
        with open(path + ".part", "w") as f:
            f.write(text)
        os.replace(path + ".part", path)
    else:
        sys.stdout.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page")
    parser.add_argument("--screenshot")
    parser.add_argument("--chip", action="append", default=[], help="GROUP=VALUE of a quick filter to click (cat=iq, dir=s2c, flag=errors)")
    parser.add_argument("--search", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--out", help="write the JSON here instead of standard output")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--watch", type=float, default=0.0,
                        help="live view: for up to this many seconds (or until --until records), note every 0.1 s the state and the records shown")
    parser.add_argument("--until", type=int, default=0)
    parser.add_argument("--stage", action="append", default=[],
                        help="live view: N or N@URL: wait until the page holds N records, note what it shows, then GET URL (not through the browser)")
    parser.add_argument("--final-state", help="live view: then wait until the page's live state is this (disconnected)")
    args = parser.parse_args()

    # A file, or a page a server serves (the live view).
    url = args.page if args.page.startswith(("http://", "https://")) else "file://" + os.path.abspath(args.page)
    out = {}
    with Chromium(timeout=args.timeout) as browser:
        page = browser.new_page(1280, 800)
        start = time.monotonic()
        page.navigate(url)
        page.wait_for("!!document.documentElement && document.documentElement.dataset.ready === '1'", timeout=args.timeout, interval=0.005)
        out["load_seconds"] = round(time.monotonic() - start, 3)
        if args.watch > 0:
            out["watch"] = watch(page, args.watch, args.until)
        if args.load_only:
            out["items"] = page.evaluate("Number(document.getElementById('list-count').dataset.total)")
            out["dom_nodes"] = page.evaluate("document.getElementsByTagName('*').length")
            browser.pump(0.2)
            out.update(console=page.console, exceptions=page.exceptions, requests=page.requests, log=page.log_entries)
            emit(out, args.out)
            return 0
        if args.stage or args.final_state:
            out["stages"] = stages(page, args.stage, args.final_state, args.timeout)
        # The same page gives the same DOM: a second tab loads it and both are compared (a file:
        # a served live page would get its records again, or not).
        if url.startswith("file://"):
            out["dom_identical"] = same_dom(browser, page, url, args.timeout)
        if args.screenshot:
            page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
            page.screenshot(args.screenshot)
        out["title"] = page.evaluate("document.title")
        out["summary"] = page.evaluate("Object.fromEntries([...document.querySelectorAll('#summary dd')].map((d) => [d.id, d.dataset.value]))")
        out["connections"] = page.evaluate(
            "[...document.querySelectorAll('#connections-table tbody tr')].map((r) => Object.fromEntries(Object.entries(r.dataset).map(([k, v]) => [k, Number(v)])))")
        out["sequence"] = [page.evaluate(f"({WALK_SEQUENCE})({c['conn']})", timeout=args.timeout) for c in out["connections"]]
        out["errors_rows"] = page.evaluate("document.querySelectorAll('#errors-table tbody tr').length")
        out["findings_rows"] = page.evaluate("document.querySelectorAll('#findings-table tbody tr').length")
        out["latency"] = page.evaluate(
            "[...document.querySelectorAll('#latency-table tr.ns-row')].map((r) => ({ns: r.dataset.ns, count: Number(r.dataset.count), p50: r.dataset.p50, p95: r.dataset.p95, p99: r.dataset.p99, max: r.dataset.max, bars: [...r.querySelectorAll('rect.bar')].reduce((n, b) => n + Number(b.dataset.count), 0)}))")
        out["list_total"] = page.evaluate("Number(document.getElementById('list-count').dataset.total)")
        out["list_shown"] = page.evaluate(SHOWN)
        out["list_rows_in_dom"] = page.evaluate("document.querySelectorAll('#list-scroll .row.item').length")
        out["chips"] = {}
        for spec in args.chip:
            group, value = spec.split("=", 1)
            out["chips"][spec] = click_chip(page, group, value)
            out["chips"][spec + " off"] = click_chip(page, group, value)
        out["searches"] = {}
        for text in args.search:
            out["searches"][text] = search(page, text, args.timeout)
            out["searches"][text + " cleared"] = search(page, "", args.timeout)
        # Expand the first iq row in view (or the first row); follow its link to the sequence view and back.
        out["expand"] = page.evaluate(r"""(async () => {
          const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const row = document.querySelector('#list-scroll .row.item.cat-iq') || document.querySelector('#list-scroll .row.item');
          const idx = row.dataset.idx;
          row.querySelector('.cells').click();
          await frame();
          const again = document.querySelector(`#list-scroll .row.item[data-idx="${idx}"]`);
          const pre = again.querySelector('pre.xml');
          return { seq: Number(again.dataset.seq), expanded: again.classList.contains('expanded'), xml_lines: pre ? pre.textContent.split('\n').length : 0,
                   labels: [...again.querySelectorAll('.ns-label')].map((n) => n.textContent) };
        })()""")
        out["link"] = page.evaluate(r"""(async () => {
          const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const rows = [...document.querySelectorAll('#list-scroll .row.item')];
          const row = rows[Math.min(rows.length - 1, 5)];
          const seq = Number(row.dataset.seq), conn = Number(row.dataset.conn);
          row.querySelector('button.link').click();
          await frame();
          const arrow = document.querySelector('#seq-scroll .seq-row.selected');
          const toSequence = { seq, conn, selected_seq: arrow ? Number(arrow.dataset.seq) : null, shown_conn: Number(document.getElementById('sequence').dataset.conn) };
          const other = [...document.querySelectorAll('#seq-scroll .seq-row')].find((r) => Number(r.dataset.seq) !== seq);
          const back = Number(other.dataset.seq);
          other.click();
          await frame();
          const selected = document.querySelector('#list-scroll .row.item.selected');
          return { to_sequence: toSequence, to_list: { seq: back, selected_seq: selected ? Number(selected.dataset.seq) : null } };
        })()""")
        browser.pump(0.2)
        out["console"] = page.console
        out["exceptions"] = page.exceptions
        out["log"] = page.log_entries
        out["requests"] = page.requests
        out["page_url"] = url
    emit(out, args.out)
    return 0


def stop(*_):
    raise SystemExit(3)  # unwinds through `with Chromium()`, which stops Chromium by its PID


if __name__ == "__main__":
    # A parent may have left SIGTERM ignored or blocked (both survive exec; the test runner's threads block it): a watchdog must work.
    signal.signal(signal.SIGTERM, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        sys.exit(main())
    except CDPError as error:
        print(f"check_report: {error}", file=sys.stderr)
        sys.exit(2)
