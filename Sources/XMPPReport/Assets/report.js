"use strict";
// The xmppscope report page: reads the records (JSON Lines, docs/log-format.md) from the page, or
// live from the server's event stream, and shows per connection a sequence view, the stanza list
// with filters and search, iq latency per namespace, the errors and findings, and a summary of
// each connection. Everything shown comes from the records: the same records give the same DOM.
(function () {
  const byId = (id) => document.getElementById(id);
  const config = JSON.parse(byId("xmppscope-config").textContent);
  const NAMESPACES = JSON.parse(byId("xmppscope-namespaces").textContent);
  const ARROW_EVENTS = new Set(["stream-open", "stanza", "nonza", "stream-error", "stream-close", "http", "websocket"]);
  const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
  const TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls";
  const ROW = 24;          // sequence view row height (px)
  const LIST_ROW = 22;     // stanza list row height (px)
  const OVERSCAN = 8;

  // ---------------------------------------------------------------- small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) for (const key of Object.keys(attrs)) {
      const value = attrs[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const key of Object.keys(attrs || {})) node.setAttribute(key, String(attrs[key]));
    return node;
  }

  /** "2026-11-25T02:31:25.869205Z" → microseconds since the epoch. */
  function micros(ts) {
    if (typeof ts !== "string") return 0;
    const dot = ts.indexOf(".");
    const whole = Date.parse((dot < 0 ? ts.replace(/Z$/, "") : ts.slice(0, dot)) + "Z");
    const fraction = dot < 0 ? "0" : ts.slice(dot + 1).replace(/Z$/, "");
    return whole * 1000 + Number((fraction + "000000").slice(0, 6));
  }

  /** Milliseconds with three decimals. */
  function ms(us) { return (us / 1000).toFixed(3); }

  /** A duration in words: 1.234 s, 12.345 ms. */
  function duration(us) {
    if (us >= 86400e6) return (us / 86400e6).toFixed(1) + " days";
    if (us >= 3600e6) return (us / 3600e6).toFixed(1) + " h";
    if (us >= 60e6) return (us / 60e6).toFixed(1) + " min";
    if (us >= 1e6) return (us / 1e6).toFixed(3) + " s";
    return ms(us) + " ms";
  }

  /** `xmppscope stats`'s number format: hundredths rounded half away from zero. */
  function format2(value) {
    const scaled = value * 100;
    const hundredths = Math.sign(scaled) * Math.round(Math.abs(scaled));
    const fraction = hundredths % 100;
    return `${Math.trunc(hundredths / 100)}.${fraction < 10 ? "0" : ""}${fraction}`;
  }

  /** `SummaryReport.percentile`: the sample at rank ⌈p/100·n⌉ (1-based) of the sorted samples. */
  function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    const rank = Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** `# roster · RFC 6121`, or the namespace itself when the registry does not know it. */
  function nsLabel(ns) {
    const info = NAMESPACES[ns];
    return info ? `${info.label} · ${info.spec}` : ns;
  }
  function nsShort(ns) {
    const info = NAMESPACES[ns];
    return info ? info.label : ns;
  }

  // ---------------------------------------------------------------- the model

  /** One connection: its rows in the sequence view and its totals. */
  class Connection {
    constructor(id) {
      this.id = id;
      this.rows = [];        // items in time order: arrows and markers
      this.pairs = [];       // {req, res, col} by request row
      this.pairColumns = [];
      this.maxPairSpan = 0;
      this.records = 0; this.arrows = 0; this.stanzas = 0; this.pairCount = 0;
      this.errors = 0; this.findings = 0; this.gaps = 0; this.parseErrors = 0; this.unanswered = 0;
      this.first = null; this.last = null;
      this.transport = null; this.host = null; this.jid = null;
      this.tls = null; this.sasl = null; this.saslOutcome = null;
      this.opened = { c2s: 0, s2c: 0 };
      this.phase = "stream";
      this.bytes = { c2s: 0, s2c: 0 };
    }
  }

  const model = {
    items: [],               // every record shown (not findings, not unanswered follow-ups)
    connections: new Map(),  // conn → Connection, in order of first record
    bySeq: new Map(),        // "conn:seq" → item
    requestNs: new Map(),    // "conn:seq" → namespace of an open request (as stats keeps it)
    latency: new Map(),      // namespace → rtt samples (ms)
    errors: [],              // items carrying an error
    findings: [],            // finding records
    records: 0,
    first: null, last: null,
    types: new Set(),
    version: 0,
  };

  function connection(id) {
    let conn = model.connections.get(id);
    if (!conn) { conn = new Connection(id); model.connections.set(id, conn); }
    return conn;
  }

  function category(r) {
    switch (r.event) {
      case "stanza": return r.kind === "iq" || r.kind === "message" || r.kind === "presence" ? r.kind : "stanza";
      case "nonza": return "nonza";
      case "stream-open": case "stream-close": case "stream-error": return "stream";
      default: return "other";
    }
  }

  /** What an arrow or a marker says. */
  function describe(item) {
    const r = item.r;
    switch (r.event) {
      case "stream-open": return item.restart ? "stream restart" : "stream open";
      case "stream-close": return "stream close";
      case "stream-error": return `stream error · ${r.error && r.error.condition || "?"}`;
      case "tls-start": {
        const e = r.encrypted_bytes;
        return `TLS begins${e ? ` (encrypted ${e.c2s} B c2s, ${e.s2c} B s2c)` : ""}`;
      }
      case "tls": {
        const t = r.tls || {};
        return `TLS ${t.version || ""} ${t.suite || ""} ${r.decrypted ? "decrypted" : "not decrypted"}${t.reason ? ": " + t.reason : ""}`.replace(/\s+/g, " ");
      }
      case "tls-established": return `TLS established ${r.proxy && r.proxy.tls_version || ""}`;
      case "tls-error": return `TLS error · ${r.error && r.error.text || ""}`;
      case "gap": return `gap: ${r.bytes} bytes missing`;
      case "parse-error": return `parse error ${r.line}:${r.column} · ${r.error && r.error.condition || ""}${r.bytes ? `, ${r.bytes} bytes skipped` : ""}`;
      case "web-error": return `web error · ${r.error && r.error.text || ""}`;
      case "connect": return `connect ${r.proxy && r.proxy.server || ""}`;
      case "close": return `close (${r.proxy && r.proxy.closed_by || "?"})`;
      case "proxy-note": return `note · ${(r.proxy && r.proxy.notes || []).join("; ")}`;
      default: {
        let text = r.kind || r.event;
        if (r.type) text += " " + r.type;
        let ns = r.event === "nonza" ? r.ns[0] : r.ns.find((n) => n !== "urn:ietf:params:xml:ns:xmpp-stanzas") || null;
        // An empty result says what it answers: the request's payload.
        if (!ns && item.request) ns = item.request.r.ns.find((n) => n !== "urn:ietf:params:xml:ns:xmpp-stanzas") || null;
        if (ns && r.event !== "nonza") text += " · " + nsShort(ns);
        if (r.error && r.error.condition) text += " · " + r.error.condition;
        return text;
      }
    }
  }

  /** Adds one record to the model; returns the item when it is a row of its own. */
  function ingest(r) {
    model.records += 1;
    const t = micros(r.ts);
    if (model.first === null || t < model.first) model.first = t;
    if (model.last === null || t > model.last) model.last = t;
    const conn = connection(r.conn);
    conn.records += 1;
    if (conn.first === null || t < conn.first) conn.first = t;
    if (conn.last === null || t > conn.last) conn.last = t;
    const key = r.conn + ":" + r.seq;
    latencyConsume(r, key);

    if (r.event === "finding") {
      model.findings.push(r);
      conn.findings += 1;
      const trigger = model.bySeq.get(key);
      if (trigger) { trigger.findings.push(r.finding); touch(trigger); }
      return null;
    }
    if (r.unanswered) {
      const request = model.bySeq.get(key);
      if (request) { request.unanswered = true; touch(request); }
      conn.unanswered += 1;
      return null;
    }

    const item = {
      r, t, idx: model.items.length, conn: r.conn, seq: r.seq, cat: category(r),
      arrow: ARROW_EVENTS.has(r.event), findings: [], unanswered: false,
      error: !!r.error, request: null, response: null, row: conn.rows.length,
      phase: null, phaseLabel: null, restart: false, search: null,
    };
    model.items.push(item);
    if (!model.bySeq.has(key)) model.bySeq.set(key, item);
    if (r.type) model.types.add(r.type);

    // Phases: stream restarts, STARTTLS/TLS, SASL.
    if (r.event === "stream-open") {
      if (conn.opened[r.dir] > 0) item.restart = true;
      conn.opened[r.dir] += 1;
      if (!conn.host && r.dir === "c2s" && r.to) conn.host = r.to;
      if (!conn.transport) conn.transport = r.transport;
    }
    const phaseBefore = conn.phase;
    if (r.event === "nonza" && r.kind === "auth" && r.ns[0] === SASL) {
      conn.phase = "sasl";
      const mechanism = /mechanism=['"]([^'"]+)/.exec(r.xml || "");
      conn.sasl = mechanism ? mechanism[1] : "?";
      item.phaseLabel = "SASL " + conn.sasl;
    } else if (r.event === "nonza" && (r.kind === "success" || r.kind === "failure") && r.ns[0] === SASL) {
      conn.phase = r.kind === "success" ? "authenticated" : "stream";
      conn.saslOutcome = r.kind;
      item.phaseLabel = r.kind === "success" ? "authenticated" : "SASL failed";
    } else if ((r.event === "nonza" && r.kind === "proceed" && r.ns[0] === TLS_NS) || r.event === "tls-start" || r.event === "tls" || r.event === "tls-established") {
      conn.phase = "tls";
      if (!conn.tls) conn.tls = r.event === "tls" ? ((r.tls && r.tls.version) || "TLS") + (r.decrypted ? ", decrypted" : "") : "STARTTLS";
      else if (r.event === "tls") conn.tls = ((r.tls && r.tls.version) || "TLS") + (r.decrypted ? ", decrypted" : "");
      if (phaseBefore !== "tls") item.phaseLabel = r.event === "nonza" ? "STARTTLS" : "TLS";
    } else if (item.restart) {
      item.phaseLabel = "restart";
    }
    item.phase = conn.phase;

    conn.rows.push(item);
    if (item.arrow) { conn.arrows += 1; conn.bytes[r.dir] = (conn.bytes[r.dir] || 0) + (r.size || 0); }
    if (r.event === "stanza") conn.stanzas += 1;
    if (r.event === "gap") conn.gaps += 1;
    if (r.event === "parse-error") conn.parseErrors += 1;
    if (item.error) { conn.errors += 1; model.errors.push(item); }
    if (r.kind === "iq" && r.type === "result" && r.event === "stanza" && !conn.jid) {
      const jid = /<jid>([^<]+)<\/jid>/.exec(r.xml || "");
      if (jid) conn.jid = jid[1];
    }
    if (r.request !== undefined && r.request !== null) {
      const request = model.bySeq.get(r.conn + ":" + r.request);
      if (request && request.conn === r.conn) {
        item.request = request;
        request.response = item;
        conn.pairCount += 1;
        addPair(conn, request, item);
      }
    }
    item.label = describe(item);
    return item;
  }

  /** Gives the pair a gutter column: the first whose last pair ended before this one starts. */
  function addPair(conn, req, res) {
    let col = conn.pairColumns.findIndex((end) => end < req.row);
    if (col < 0) { col = conn.pairColumns.length < 6 ? conn.pairColumns.length : req.row % 6; }
    conn.pairColumns[col] = res.row;
    const pair = { req, res, col };
    // Kept sorted by the request's row (responses can arrive out of order).
    let at = conn.pairs.length;
    while (at > 0 && conn.pairs[at - 1].req.row > req.row) at -= 1;
    conn.pairs.splice(at, 0, pair);
    conn.maxPairSpan = Math.max(conn.maxPairSpan, res.row - req.row);
  }

  /** As `LatencyStatistics.consume`: a response's rtt counts under its request's first namespace. */
  function latencyConsume(r, key) {
    if (r.event === "finding") return;
    const ns = r.ns && r.ns.length ? r.ns[0] : "(no payload)";
    if (r.unanswered) { model.requestNs.delete(key); return; }
    const isRequest = r.event === "stanza" && r.kind === "iq" && (r.type === "get" || r.type === "set");
    if (isRequest) model.requestNs.set(key, ns);
    if (r.request !== undefined && r.request !== null) {
      const requestKey = r.conn + ":" + r.request;
      let asked = ns;
      if (model.requestNs.has(requestKey)) { asked = model.requestNs.get(requestKey); model.requestNs.delete(requestKey); }
      if (typeof r.rtt_ms === "number") {
        let samples = model.latency.get(asked);
        if (!samples) { samples = []; model.latency.set(asked, samples); }
        samples.push(r.rtt_ms);
      }
    }
  }

  const touched = new Set();
  function touch(item) { touched.add(item); }

  // ---------------------------------------------------------------- pretty XML

  const WRAP_OPEN = "<xmppscope-wrap xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' xmlns:sasl='urn:ietf:params:xml:ns:xmpp-sasl'>";
  let parser = null;

  /** The element indented two spaces a level, or the text as it came when it is not one element. */
  function prettyXML(xml) {
    if (!xml) return "";
    if (xml.length > 200000) return xml;
    parser = parser || new DOMParser();
    const doc = parser.parseFromString(WRAP_OPEN + xml + "</xmppscope-wrap>", "application/xml");
    if (doc.getElementsByTagName("parsererror").length > 0) return xml;
    const lines = [];
    for (const child of doc.documentElement.childNodes) write(child, 0, lines);
    return lines.join("\n");
  }

  function escapeText(text) { return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function escapeAttr(text) { return escapeText(text).replace(/"/g, "&quot;"); }

  function write(node, depth, lines) {
    const pad = "  ".repeat(depth);
    if (node.nodeType === Node.TEXT_NODE || node.nodeType === Node.CDATA_SECTION_NODE) {
      const text = node.nodeValue.trim();
      if (text) lines.push(pad + escapeText(text));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    let open = "<" + node.nodeName;
    for (const attr of node.attributes) open += ` ${attr.name}="${escapeAttr(attr.value)}"`;
    const children = Array.from(node.childNodes).filter((c) => c.nodeType === Node.ELEMENT_NODE || ((c.nodeType === Node.TEXT_NODE || c.nodeType === Node.CDATA_SECTION_NODE) && c.nodeValue.trim()));
    if (children.length === 0) { lines.push(pad + open + "/>"); return; }
    if (children.length === 1 && children[0].nodeType !== Node.ELEMENT_NODE) {
      lines.push(pad + open + ">" + escapeText(children[0].nodeValue.trim()) + "</" + node.nodeName + ">");
      return;
    }
    lines.push(pad + open + ">");
    for (const child of children) write(child, depth + 1, lines);
    lines.push(pad + "</" + node.nodeName + ">");
  }

  // ---------------------------------------------------------------- a virtual list

  /**
   * Rows of fixed height (some taller when expanded) in a scrolling box; only the rows in view
   * (and a few around them) are in the DOM.
   */
  class VirtualList {
    constructor(scroller, rowHeight, renderRow, decorate) {
      this.scroller = scroller;
      this.rowHeight = rowHeight;
      this.renderRow = renderRow;
      this.decorate = decorate || null;
      this.count = 0;
      this.extra = [];          // [{index, height}] sorted by index
      this.extraSums = [];
      this.spacer = el("div", { class: "vspacer" });
      scroller.append(this.spacer);
      this.scheduled = false;
      this.rendered = [-1, -1];
      scroller.addEventListener("scroll", () => this.schedule());
    }
    setCount(count) { this.count = count; this.layout(); }
    /** New rows: `count` of them, `extra` the expanded ones ([{index, height}] by index). */
    reset(count, extra) {
      this.count = count;
      this.extra = extra;
      let sum = 0;
      this.extraSums = extra.map((e) => (sum += e.height));
      this.layout();
    }
    totalHeight() { return this.count * this.rowHeight + (this.extraSums.length ? this.extraSums[this.extraSums.length - 1] : 0); }
    /** Extra height of expanded rows before `index`. */
    extraBefore(index) {
      let lo = 0, hi = this.extra.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.extra[mid].index < index) lo = mid + 1; else hi = mid; }
      return lo === 0 ? 0 : this.extraSums[lo - 1];
    }
    top(index) { return index * this.rowHeight + this.extraBefore(index); }
    height(index) {
      const found = this.extra.find((e) => e.index === index);
      return this.rowHeight + (found ? found.height : 0);
    }
    indexAt(y) {
      let lo = 0, hi = Math.max(0, this.count - 1);
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.top(mid) <= y) lo = mid; else hi = mid - 1; }
      return lo;
    }
    layout() { this.spacer.style.height = this.totalHeight() + "px"; this.render(true); }
    schedule() {
      if (this.scheduled) return;
      this.scheduled = true;
      requestAnimationFrame(() => { this.scheduled = false; this.render(false); });
    }
    render(force) {
      const view = this.scroller.clientHeight || 600;
      const y = this.scroller.scrollTop;
      const first = this.count ? Math.max(0, this.indexAt(y) - OVERSCAN) : 0;
      const last = this.count ? Math.min(this.count - 1, this.indexAt(y + view) + OVERSCAN) : -1;
      if (!force && first === this.rendered[0] && last === this.rendered[1]) return;
      this.rendered = [first, last];
      const fragment = document.createDocumentFragment();
      for (let index = first; index <= last; index++) {
        const row = this.renderRow(index);
        row.style.top = this.top(index) + "px";
        row.style.height = this.height(index) + "px";
        fragment.append(row);
      }
      if (this.decorate) this.decorate(first, last, fragment);
      this.spacer.replaceChildren(fragment);
    }
    scrollTo(index) {
      const top = this.top(index);
      const view = this.scroller.clientHeight || 600;
      if (top < this.scroller.scrollTop || top + this.rowHeight > this.scroller.scrollTop + view) {
        this.scroller.scrollTop = Math.max(0, top - view / 3);
      }
      this.render(true);
    }
  }

  // ---------------------------------------------------------------- the page

  const app = byId("app");
  app.replaceChildren();
  const state = {
    conn: null,              // the connection the sequence view shows
    filters: { cat: new Set(), dir: new Set(), type: "", conn: "", errors: false, slow: false, unanswered: false, findings: false, text: "" },
    slowMs: 100,
    filtered: [],
    expanded: new Set(),     // items expanded in the list
    selected: null,          // the item highlighted in both views
  };

  // Header: title, generator, totals.
  const top = byId("top");
  const summary = el("dl", { id: "summary" });
  const liveState = config.mode === "live" ? el("span", { id: "live-state", "data-state": "connecting", text: "connecting" }) : null;
  top.append(el("p", { id: "generator", text: config.generator }), summary);
  if (liveState) top.append(liveState);

  function section(id, title) {
    const body = el("div", { class: "section-body" });
    const node = el("section", { id }, el("h2", { text: title }), body);
    app.append(node);
    return body;
  }

  // Connection summary.
  const connectionsBody = section("connections", "Connections");
  // Sequence view.
  const sequenceBody = section("sequence", "Sequence");
  const seqSelect = el("select", { id: "seq-conn", "aria-label": "connection", onchange: () => selectConnection(Number(seqSelect.value)) });
  const seqInfo = el("span", { id: "seq-info" });
  const seqScroller = el("div", { id: "seq-scroll", class: "vscroll" });
  const seqLanes = el("div", { class: "seq-lanes" }, el("span", { class: "lane-phase", text: "phase" }), el("span", { class: "lane-time", text: "time" }),
    el("span", { class: "lane-client", text: "client" }), el("span", { class: "lane-server", text: "server" }), el("span", { class: "lane-pairs", text: "iq pairs" }));
  sequenceBody.append(el("div", { class: "toolbar" }, el("label", { text: "connection " }, seqSelect), seqInfo), seqLanes, seqScroller);
  const seqList = new VirtualList(seqScroller, ROW, renderSeqRow, decoratePairs);

  // Stanza list with filters.
  const listBody = section("stanzas", "Stanzas");
  const chips = el("div", { id: "quick-filters", class: "toolbar" });
  function chip(group, value, text) {
    return el("button", { type: "button", class: "chip", "data-filter": group, "data-value": value, "aria-pressed": "false", text, onclick: (e) => toggleChip(e.currentTarget) });
  }
  for (const [value, text] of [["iq", "iq"], ["message", "message"], ["presence", "presence"], ["nonza", "nonza"], ["stream", "stream"], ["other", "other"]]) chips.append(chip("cat", value, text));
  chips.append(el("span", { class: "sep" }));
  chips.append(chip("dir", "c2s", "c2s →"), chip("dir", "s2c", "← s2c"));
  chips.append(el("span", { class: "sep" }));
  for (const [value, text] of [["errors", "errors"], ["slow", "slow"], ["unanswered", "unanswered"], ["findings", "findings"]]) chips.append(chip("flag", value, text));
  const typeSelect = el("select", { id: "filter-type", "aria-label": "type", onchange: () => { state.filters.type = typeSelect.value; applyFilters(); } }, el("option", { value: "", text: "any type" }));
  const connSelect = el("select", { id: "filter-conn", "aria-label": "connection", onchange: () => { state.filters.conn = connSelect.value; applyFilters(); } }, el("option", { value: "", text: "all connections" }));
  const slowInput = el("input", { id: "slow-ms", type: "number", min: "0", step: "any", value: String(state.slowMs), title: "slow: rtt at least this many ms",
    onchange: () => { state.slowMs = Number(slowInput.value) || 0; if (state.filters.slow) applyFilters(); } });
  const search = el("input", { id: "search", type: "search", placeholder: "search XML, ids, JIDs, namespaces", "aria-label": "search" });
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.filters.text = search.value.trim().toLowerCase(); applyFilters(); }, 120);
  });
  const listCount = el("span", { id: "list-count", "data-shown": "0", "data-total": "0" });
  const listScroller = el("div", { id: "list-scroll", class: "vscroll" });
  listBody.append(chips, el("div", { class: "toolbar" }, typeSelect, connSelect, el("label", { text: "slow ≥ " }, slowInput, " ms"), search, listCount),
    el("div", { class: "list-head row" }, ...["#", "time", "conn", "dir", "kind", "type", "id", "payload", "size", "rtt", ""].map((h) => el("span", { text: h }))),
    listScroller);
  const list = new VirtualList(listScroller, LIST_ROW, renderListRow, null);

  // Latency, errors, findings.
  const latencyBody = section("latency", "iq latency by namespace");
  const errorsBody = section("errors", "Errors");
  const findingsBody = section("findings", "Findings");

  // ---------------------------------------------------------------- sequence view

  function selectConnection(id) {
    const conn = model.connections.get(id);
    if (!conn) return;
    state.conn = conn;
    seqSelect.value = String(id);
    refreshSequence(true);
  }

  function refreshSequence(reset) {
    const conn = state.conn;
    const node = byId("sequence");
    if (!conn) { seqList.setCount(0); return; }
    node.dataset.conn = String(conn.id);
    node.dataset.arrows = String(conn.arrows);
    node.dataset.pairs = String(conn.pairCount);
    seqInfo.textContent = `${conn.arrows} arrows · ${conn.pairCount} iq pairs · ${conn.errors} errors · ${conn.findings} findings`;
    if (reset) seqScroller.scrollTop = 0;
    seqList.setCount(conn.rows.length);
  }

  function renderSeqRow(index) {
    const item = state.conn.rows[index];
    const r = item.r;
    const row = el("div", { class: "seq-row", "data-seq": r.seq, "data-idx": index, "data-event": r.event, onclick: () => reveal(item, "list") });
    row.classList.add(item.arrow ? "arrow" : "marker");
    if (item.error) row.classList.add("error");
    if (item.findings.length) row.classList.add("has-finding");
    if (item === state.selected) row.classList.add("selected");
    row.append(el("span", { class: "phase phase-" + item.phase, text: item.phaseLabel || "" }));
    row.append(el("span", { class: "time", text: "+" + ms(item.t - state.conn.first) }));
    if (item.arrow) {
      row.classList.add(r.dir);
      if (item.restart || r.event === "stream-open") row.classList.add("stream-open");
      let label = item.label;
      if (item.request && typeof r.rtt_ms === "number") label += `  ⟲ ${r.rtt_ms.toFixed(3)} ms`;
      if (item.unanswered) label += "  (unanswered)";
      const line = el("span", { class: "line" }, el("span", { class: "label", text: label }));
      if (item.request) line.dataset.rtt = String(r.rtt_ms);
      row.append(line);
    } else {
      row.classList.add("marker-" + r.event);
      row.append(el("span", { class: "band", text: item.label }));
    }
    const flags = el("span", { class: "flags" });
    if (item.findings.length) flags.append(el("span", { class: "finding-mark", title: item.findings.map((f) => `${f.severity} ${f.id}: ${f.message}`).join("\n"), text: "⚑" + item.findings.length }));
    flags.append(el("span", { class: "seqno", text: "#" + r.seq }));
    row.append(flags);
    return row;
  }

  /** The iq pairs that cross the rows in view, as brackets in the pairs lane. */
  function decoratePairs(first, last, fragment) {
    const conn = state.conn;
    if (!conn || last < first) return;
    const pairs = conn.pairs;
    let lo = 0, hi = pairs.length;
    const from = first - conn.maxPairSpan;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (pairs[mid].req.row < from) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < pairs.length && pairs[i].req.row <= last; i++) {
      const pair = pairs[i];
      if (pair.res.row < first) continue;
      const y1 = seqList.top(pair.req.row) + ROW / 2;
      const y2 = seqList.top(pair.res.row) + ROW / 2;
      const bracket = el("div", { class: "seq-pair" + (pair.res.error ? " error" : ""), "data-request": pair.req.seq, "data-response": pair.res.seq,
        title: `iq ${pair.req.r.id || ""}: #${pair.req.seq} → #${pair.res.seq}, ${typeof pair.res.r.rtt_ms === "number" ? pair.res.r.rtt_ms.toFixed(3) + " ms" : "no rtt"}` });
      bracket.style.top = y1 + "px";
      bracket.style.height = Math.max(2, y2 - y1) + "px";
      bracket.style.right = (8 + pair.col * 9) + "px";
      fragment.append(bracket);
    }
  }

  // ---------------------------------------------------------------- stanza list

  function toggleChip(button) {
    const group = button.dataset.filter, value = button.dataset.value;
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (group === "flag") state.filters[value] = on;
    else if (on) state.filters[group].add(value); else state.filters[group].delete(value);
    applyFilters();
  }

  function searchText(item) {
    if (item.search === null) {
      const r = item.r;
      item.search = [r.xml || "", r.id || "", r.from || "", r.to || "", r.kind || "", r.type || "", r.event,
        r.ns.map((n) => n + " " + nsLabel(n)).join(" "), r.error ? `${r.error.condition || ""} ${r.error.text || ""}` : "",
        item.findings.map((f) => f.id + " " + f.message).join(" ")].join("\n").toLowerCase();
    }
    return item.search;
  }

  function isSlow(item) {
    const rtt = item.response ? item.response.r.rtt_ms : item.r.rtt_ms;
    return typeof rtt === "number" && rtt >= state.slowMs;
  }

  function matches(item) {
    const f = state.filters, r = item.r;
    if (f.cat.size && !f.cat.has(item.cat)) return false;
    if (f.dir.size && !f.dir.has(r.dir)) return false;
    if (f.type && r.type !== f.type) return false;
    if (f.conn !== "" && String(r.conn) !== f.conn) return false;
    if (f.errors && !item.error) return false;
    if (f.slow && !isSlow(item)) return false;
    if (f.unanswered && !item.unanswered) return false;
    if (f.findings && item.findings.length === 0) return false;
    if (f.text && !searchText(item).includes(f.text)) return false;
    return true;
  }

  function applyFilters() {
    state.filtered = model.items.filter(matches);
    layoutList();
  }

  function layoutList() {
    listCount.textContent = `${state.filtered.length} of ${model.items.length} shown`;
    listCount.dataset.shown = String(state.filtered.length);
    listCount.dataset.total = String(model.items.length);
    listCount.dataset.query = state.filters.text;
    const extra = [];
    if (state.expanded.size) {
      state.filtered.forEach((item, index) => { if (state.expanded.has(item)) extra.push({ index, height: expandedHeight(item) }); });
    }
    list.reset(state.filtered.length, extra);
  }

  function detailLines(item) {
    if (item.pretty === undefined) item.pretty = prettyXML(item.r.xml);
    return item.pretty ? item.pretty.split("\n").length : 0;
  }
  function expandedHeight(item) {
    const lines = Math.min(24, detailLines(item));
    const notes = item.r.ns.length + item.findings.length + (item.error ? 1 : 0) + (item.request || item.response ? 1 : 0);
    return 12 + lines * 16 + notes * 18;
  }

  function renderListRow(index) {
    const item = state.filtered[index];
    const r = item.r;
    const row = el("div", { class: "row item", "data-seq": r.seq, "data-conn": r.conn, "data-idx": index });
    row.classList.add("cat-" + item.cat, r.dir);
    if (item.error) row.classList.add("error");
    if (item.findings.length) row.classList.add("has-finding");
    if (item === state.selected) row.classList.add("selected");
    const expanded = state.expanded.has(item);
    if (expanded) row.classList.add("expanded");
    const payload = r.ns.filter((n) => n !== "urn:ietf:params:xml:ns:xmpp-stanzas" || r.ns.length === 1).slice(0, 2).map(nsShort).join(", ");
    const cells = el("div", { class: "cells", onclick: () => toggleExpanded(item) },
      el("span", { text: "#" + r.seq }), el("span", { text: "+" + ms(item.t - model.first) }), el("span", { text: String(r.conn) }),
      el("span", { text: r.dir === "c2s" ? "→" : "←", title: r.dir }), el("span", { text: item.arrow ? (r.kind || r.event) : r.event }),
      el("span", { text: r.type || "" }), el("span", { text: r.id || "", title: r.id || "" }),
      el("span", { text: item.arrow ? payload : item.label, title: item.label }), el("span", { text: String(r.size) }),
      el("span", { text: typeof r.rtt_ms === "number" ? r.rtt_ms.toFixed(3) : (item.unanswered ? "none" : "") }),
      el("span", { class: "to-seq" }, el("button", { type: "button", class: "link", title: "show in the sequence view", text: "seq ↗", onclick: (e) => { e.stopPropagation(); reveal(item, "sequence"); } })));
    row.append(cells);
    if (expanded) row.append(details(item));
    return row;
  }

  function details(item) {
    const r = item.r;
    const box = el("div", { class: "details" });
    for (const ns of r.ns) {
      const info = NAMESPACES[ns];
      box.append(el("div", { class: "ns-label", text: info ? `# ${info.label} · ${info.spec} — ${info.title}` : `# ${ns}` }));
    }
    if (item.error) box.append(el("div", { class: "error-line", text: `error: ${r.error.source} ${r.error.type || ""} ${r.error.condition || ""} ${r.error.text ? "“" + r.error.text + "”" : ""}` }));
    for (const f of item.findings) box.append(el("div", { class: "finding-line sev-" + f.severity, text: `${f.severity} ${f.id} (${f.spec}): ${f.message}${f.hint ? " — " + f.hint : ""}` }));
    const other = item.request || item.response;
    if (other) {
      box.append(el("div", { class: "pair-line" }, item.request ? `response to #${other.seq}, rtt ${r.rtt_ms} ms ` : `answered by #${other.seq} `,
        el("button", { type: "button", class: "link", text: "show", onclick: (e) => { e.stopPropagation(); reveal(other, "list"); } })));
    }
    box.append(el("pre", { class: "xml", text: detailLines(item) ? item.pretty : "(no XML)" }));
    return box;
  }

  function toggleExpanded(item) {
    if (state.expanded.has(item)) state.expanded.delete(item); else state.expanded.add(item);
    state.selected = item;
    const y = listScroller.scrollTop;
    layoutList();
    listScroller.scrollTop = y;
    list.render(true);
    seqList.render(true);
  }

  /** Highlights `item` and scrolls the other view (or this one) to it. */
  function reveal(item, where) {
    state.selected = item;
    if (where === "sequence") {
      if (!state.conn || state.conn.id !== item.conn) selectConnection(item.conn);
      seqList.scrollTo(item.row);
      byId("sequence").scrollIntoView({ block: "nearest" });
      list.render(true);
    } else {
      let index = state.filtered.indexOf(item);
      if (index < 0) { resetFilters(); index = state.filtered.indexOf(item); }
      state.expanded.add(item);
      layoutList();
      list.scrollTo(index);
      byId("stanzas").scrollIntoView({ block: "nearest" });
      seqList.render(true);
    }
  }

  function resetFilters() {
    const f = state.filters;
    f.cat.clear(); f.dir.clear(); f.type = ""; f.conn = ""; f.errors = f.slow = f.unanswered = f.findings = false; f.text = "";
    for (const button of chips.querySelectorAll(".chip")) button.setAttribute("aria-pressed", "false");
    typeSelect.value = ""; connSelect.value = ""; search.value = "";
    applyFilters();
  }

  // ---------------------------------------------------------------- summary, tables, latency

  function renderSummary() {
    const span = model.first === null ? 0 : model.last - model.first;
    const facts = [["records", model.records], ["connections", model.connections.size], ["stanzas", [...model.connections.values()].reduce((n, c) => n + c.stanzas, 0)],
      ["errors", model.errors.length], ["findings", model.findings.length],
      ["time span", model.first === null ? "—" : `${new Date(model.first / 1000).toISOString().replace("T", " ").replace("Z", "")} UTC + ${duration(span)}`]];
    summary.replaceChildren(...facts.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { id: "stat-" + name.replace(" ", "-"), "data-value": String(value), text: String(value) })]));
  }

  function renderConnections() {
    const head = el("tr", null, ...["conn", "transport", "host", "JID", "TLS", "SASL", "records", "arrows", "iq pairs", "unanswered", "errors", "findings", "gaps", "parse err.", "bytes → / ←", "duration"].map((h) => el("th", { text: h })));
    const rows = [...model.connections.values()].filter((c) => c.rows.length).map((c) => el("tr", {
      "data-conn": c.id, "data-arrows": c.arrows, "data-pairs": c.pairCount, "data-errors": c.errors, "data-findings": c.findings,
      "data-gaps": c.gaps, "data-parse-errors": c.parseErrors, "data-unanswered": c.unanswered,
      class: (state.conn === c ? "selected " : "") + (c.errors ? "has-error" : ""), onclick: () => { selectConnection(c.id); renderConnections(); byId("sequence").scrollIntoView({ block: "nearest" }); },
    }, ...[c.id, c.transport || "", c.host || "", c.jid || "", c.tls || "none", c.sasl ? `${c.sasl}${c.saslOutcome ? " → " + c.saslOutcome : ""}` : "", c.records, c.arrows, c.pairCount, c.unanswered,
      c.errors, c.findings, c.gaps, c.parseErrors, `${c.bytes.c2s} / ${c.bytes.s2c}`, duration(c.last - c.first)].map((v) => el("td", { text: String(v) }))));
    connectionsBody.replaceChildren(el("table", { id: "connections-table" }, el("thead", null, head), el("tbody", null, ...rows)));
    // The connection pickers follow the connections.
    const ids = [...model.connections.values()].filter((c) => c.rows.length).map((c) => String(c.id));
    const have = [...seqSelect.options].map((o) => o.value);
    if (ids.join(",") !== have.join(",")) {
      seqSelect.replaceChildren(...ids.map((id) => el("option", { value: id, text: "#" + id })));
      connSelect.replaceChildren(el("option", { value: "", text: "all connections" }), ...ids.map((id) => el("option", { value: id, text: "conn " + id })));
      connSelect.value = state.filters.conn;
      if (state.conn) seqSelect.value = String(state.conn.id);
    }
    const types = [...model.types].sort();
    if (typeSelect.options.length !== types.length + 1) {
      typeSelect.replaceChildren(el("option", { value: "", text: "any type" }), ...types.map((t) => el("option", { value: t, text: t })));
      typeSelect.value = state.filters.type;
    }
  }

  function latencyRows() {
    return [...model.latency.entries()].map(([ns, samples]) => {
      const sorted = samples.slice().sort((a, b) => a - b);
      return { ns, sorted, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
    }).sort((a, b) => b.sorted.length - a.sorted.length || (nsLabel(a.ns) < nsLabel(b.ns) ? -1 : nsLabel(a.ns) > nsLabel(b.ns) ? 1 : 0));
  }

  /** A histogram of rtts on a log scale, five bins a decade, with p50/p95/p99 marked. */
  function histogram(row) {
    const W = 360, H = 64, B = 14;
    const positive = row.sorted.filter((v) => v > 0);
    const lowest = positive.length ? Math.floor(Math.log10(positive[0]) * 5) / 5 : -1;
    const highest = positive.length ? Math.max(lowest + 0.2, Math.ceil(Math.log10(row.max) * 5 + 1e-9) / 5) : 0;
    const bins = Math.max(1, Math.round((highest - lowest) * 5));
    const counts = new Array(bins).fill(0);
    const binOf = (v) => v <= 0 ? 0 : Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(v) - lowest) * 5)));
    for (const v of row.sorted) counts[binOf(v)] += 1;
    const peak = Math.max(...counts);
    const x = (v) => v <= 0 ? 0 : Math.max(0, Math.min(W, (Math.log10(v) - lowest) / (highest - lowest) * W));
    const node = svg("svg", { class: "histogram", width: W, height: H + B, viewBox: `0 0 ${W} ${H + B}`, "data-samples": row.sorted.length, role: "img" });
    node.append(svg("title", {})); node.lastChild.textContent = `${nsLabel(row.ns)}: ${row.sorted.length} round trips`;
    const barWidth = W / bins;
    counts.forEach((count, i) => {
      if (!count) return;
      const h = Math.max(1, count / peak * (H - 4));
      const bar = svg("rect", { class: "bar", x: (i * barWidth + 0.5).toFixed(1), y: (H - h).toFixed(1), width: Math.max(1, barWidth - 1).toFixed(1), height: h.toFixed(1), "data-count": count });
      bar.append(svg("title", {})); bar.lastChild.textContent = `${count} between ${format2(10 ** (lowest + i / 5))} and ${format2(10 ** (lowest + (i + 1) / 5))} ms`;
      node.append(bar);
    });
    for (const [name, value] of [["p50", row.p50], ["p95", row.p95], ["p99", row.p99]]) {
      const px = x(value).toFixed(1);
      node.append(svg("line", { class: "mark " + name, x1: px, x2: px, y1: 0, y2: H }));
    }
    for (let d = Math.ceil(lowest); d <= Math.floor(highest); d++) {
      const tick = svg("text", { class: "tick", x: x(10 ** d).toFixed(1), y: H + B - 2 });
      tick.textContent = d >= 3 ? `${10 ** (d - 3)} s` : (d >= 0 ? `${10 ** d} ms` : `${(10 ** d).toFixed(-d)} ms`);
      node.append(tick);
    }
    return node;
  }

  function renderLatency() {
    const rows = latencyRows();
    if (!rows.length) { latencyBody.replaceChildren(el("p", { class: "none", text: "No iq round trips." })); return; }
    const head = el("tr", null, ...["namespace", "count", "p50", "p95", "p99", "max", "histogram (ms, log scale; lines: p50 p95 p99)"].map((h) => el("th", { text: h })));
    latencyBody.replaceChildren(el("table", { id: "latency-table" }, el("thead", null, head), el("tbody", null, ...rows.map((row) => el("tr", {
      class: "ns-row", "data-ns": row.ns, "data-count": row.sorted.length, "data-p50": format2(row.p50), "data-p95": format2(row.p95), "data-p99": format2(row.p99), "data-max": format2(row.max),
    }, el("td", { text: nsLabel(row.ns), title: NAMESPACES[row.ns] ? NAMESPACES[row.ns].title : row.ns }), el("td", { text: String(row.sorted.length) }),
      el("td", { text: format2(row.p50) }), el("td", { text: format2(row.p95) }), el("td", { text: format2(row.p99) }), el("td", { text: format2(row.max) }),
      el("td", null, histogram(row)))))));
  }

  function renderErrors() {
    if (!model.errors.length) { errorsBody.replaceChildren(el("p", { class: "none", text: "No errors." })); return; }
    const counts = new Map();
    for (const item of model.errors) {
      const key = `${item.r.error.source} ${item.r.error.condition || "(no condition)"}`;
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const byCondition = el("p", { class: "error-counts", text: [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${k}: ${n}`).join(" · ") });
    const head = el("tr", null, ...["#", "conn", "dir", "source", "element", "type", "condition", "text"].map((h) => el("th", { text: h })));
    const shown = model.errors.slice(0, 500);
    errorsBody.replaceChildren(byCondition, el("table", { id: "errors-table" }, el("thead", null, head), el("tbody", null, ...shown.map((item) => {
      const r = item.r, e = r.error;
      return el("tr", { "data-seq": r.seq, "data-conn": r.conn, onclick: () => reveal(item, "list") },
        ...["#" + r.seq, r.conn, r.dir, e.source, r.kind || r.event, e.type || "", e.condition || "", e.text || ""].map((v) => el("td", { text: String(v) })));
    }))), model.errors.length > shown.length ? el("p", { text: `… and ${model.errors.length - shown.length} more (filter the list by errors).` }) : null);
  }

  function renderFindings() {
    if (!model.findings.length) { findingsBody.replaceChildren(el("p", { class: "none", text: "No findings." })); return; }
    const head = el("tr", null, ...["#", "conn", "severity", "check", "spec", "message"].map((h) => el("th", { text: h })));
    const shown = model.findings.slice(0, 500);
    findingsBody.replaceChildren(el("table", { id: "findings-table" }, el("thead", null, head), el("tbody", null, ...shown.map((r) => {
      const f = r.finding;
      return el("tr", { "data-seq": r.seq, "data-conn": r.conn, class: "sev-" + f.severity, title: f.hint || "", onclick: () => { const item = model.bySeq.get(r.conn + ":" + r.seq); if (item) reveal(item, "list"); } },
        ...["#" + r.seq, r.conn, f.severity, f.id, f.spec, f.message].map((v) => el("td", { text: String(v) })));
    }))), model.findings.length > shown.length ? el("p", { text: `… and ${model.findings.length - shown.length} more.` }) : null);
  }

  function renderAll() {
    renderSummary();
    renderConnections();
    if (!state.conn && model.connections.size) {
      const firstWithRows = [...model.connections.values()].find((c) => c.rows.length);
      if (firstWithRows) { state.conn = firstWithRows; seqSelect.value = String(firstWithRows.id); renderConnections(); }
    }
    refreshSequence(false);
    applyFilters();
    renderLatency();
    renderErrors();
    renderFindings();
    document.documentElement.dataset.rendered = String(model.records);
  }

  // ---------------------------------------------------------------- records in the page

  function parseLine(line, number) {
    try { return JSON.parse(line); } catch (error) {
      console.warn(`xmppscope report: record line ${number} is not JSON (${error.message}); skipped`);
      return null;
    }
  }

  const text = byId("xmppscope-records").textContent;
  let start = 0, number = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    number += 1;
    if (end > start) {
      const record = parseLine(text.slice(start, end), number);
      if (record) ingest(record);
    }
    start = end + 1;
  }
  touched.clear();
  renderAll();
  document.documentElement.dataset.ready = "1";

  // ---------------------------------------------------------------- live

  if (config.mode === "live" && config.events) {
    const queue = [];
    let scheduled = false;
    let lastSlow = 0;
    let tablesTimer = null;
    const renderTables = () => {
      renderConnections(); renderLatency(); renderErrors(); renderFindings();
      document.documentElement.dataset.rendered = String(model.records);
    };
    const setState = (name) => { liveState.dataset.state = name; liveState.textContent = name; };
    const flush = () => {
      if (!scheduled) return;
      scheduled = false;
      const before = model.items.length;
      const connsBefore = model.connections.size;
      const arrowsBefore = state.conn ? state.conn.rows.length : 0;
      for (const data of queue.splice(0)) {
        const record = parseLine(data, model.records + 1);
        if (record) ingest(record);
      }
      if (!state.conn || model.connections.size !== connsBefore) renderAll();
      else {
        for (let i = before; i < model.items.length; i++) if (matches(model.items[i])) state.filtered.push(model.items[i]);
        layoutList();
        if (state.conn.rows.length !== arrowsBefore || touched.size) refreshSequence(false);
        renderSummary();
        const now = performance.now();
        if (now - lastSlow > 500) { lastSlow = now; renderTables(); }
        else if (!tablesTimer) tablesTimer = setTimeout(() => { tablesTimer = null; lastSlow = performance.now(); renderTables(); }, 600);
      }
      if (touched.size) { for (const item of touched) item.search = null; touched.clear(); list.render(true); }
      document.documentElement.dataset.records = String(model.records);
    };
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(flush);
      setTimeout(flush, 250);   // a hidden tab gets no animation frames
    };
    const source = new EventSource(config.events);
    source.onopen = () => setState("live");
    source.onmessage = (event) => { queue.push(event.data); schedule(); };
    // The server keeps a bounded history: when it let the oldest records go, it says so.
    source.addEventListener("dropped", (event) => {
      let note = byId("live-dropped");
      if (!note) { note = el("span", { id: "live-dropped" }); top.append(note); }
      note.textContent = `the server dropped its oldest records: ${event.data}`;
    });
    source.onerror = () => {
      setState("disconnected");
      liveState.title = source.readyState === EventSource.CLOSED ? "the server closed the stream" : "retrying";
    };
  }
})();
