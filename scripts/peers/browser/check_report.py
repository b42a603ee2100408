#!/usr/bin/env python3
"""Open an xmppscope report page in headless Chromium and say what it shows, as JSON.

    check_report.py PAGE.html [--screenshot OUT.png] [--chip GROUP=VALUE] [--search TEXT] [--timeout S]
    check_report.py PAGE.html --load-only          # {"load_seconds": …} for Benchmarks/report

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
With --screenshot it writes a 1280×800 PNG of the page as it first appears.
The test that reads this (Tests/IntegrationTests/ReportBrowserTests.swift) decides pass or fail.
"""
import argparse
import json
import os
import sys
import time

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page")
    parser.add_argument("--screenshot")
    parser.add_argument("--chip", action="append", default=[], help="GROUP=VALUE of a quick filter to click (cat=iq, dir=s2c, flag=errors)")
    parser.add_argument("--search", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--load-only", action="store_true")
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
        if args.load_only:
            out["items"] = page.evaluate("Number(document.getElementById('list-count').dataset.total)")
            out["dom_nodes"] = page.evaluate("document.getElementsByTagName('*').length")
            browser.pump(0.2)
            out.update(console=page.console, exceptions=page.exceptions, requests=page.requests, log=page.log_entries)
            print(json.dumps(out, indent=1))
            return 0
        # The same page gives the same DOM: a second tab loads it and both are compared.
        first_dom = page.evaluate("document.documentElement.outerHTML")
        twin = browser.new_page(1280, 800)
        twin.navigate(url)
        twin.wait_for("!!document.documentElement && document.documentElement.dataset.ready === '1'", timeout=args.timeout)
        out["dom_identical"] = twin.evaluate("document.documentElement.outerHTML") == first_dom
        out["dom_bytes"] = len(first_dom)
        twin.send("Page.close")
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
        # Expand the first iq row in view; follow its link to the sequence view and back.
        out["expand"] = page.evaluate(r"""(async () => {
          const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const row = document.querySelector('#list-scroll .row.item.cat-iq');
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
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CDPError as error:
        print(f"check_report: {error}", file=sys.stderr)
        sys.exit(2)
