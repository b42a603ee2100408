"use strict";
// Placeholder view: one line per record. The real view replaces this file.
(function () {
  const config = JSON.parse(document.getElementById("xmppscope-config").textContent);
  const app = document.getElementById("app");
  function add(record) {
    const line = document.createElement("div");
    line.className = "record";
    line.textContent = `${record.ts} #${record.conn} ${record.dir} ${record.event} ${record.kind || ""}`;
    app.appendChild(line);
  }
  const text = document.getElementById("xmppscope-records").textContent;
  for (const line of text.split("\n")) if (line.trim()) add(JSON.parse(line));
  if (config.mode === "live" && config.events) {
    const source = new EventSource(config.events);
    source.onmessage = (event) => add(JSON.parse(event.data));
  }
})();
