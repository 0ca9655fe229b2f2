#include "admin/status_page.h"

namespace xpush {

namespace {

constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>xpush status</title>
<style>
  :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #d0d7de; --muted: #57606a; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { display: flex; gap: 1.5em; align-items: baseline; padding: .8em 1.2em; background: #24292f; color: #fff; }
  header h1 { font-size: 1.2em; margin: 0; }
  header span { color: #d0d7de; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1em; padding: 1em 1.2em; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6em 1em 1em; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1em; margin: .3em 0 .6em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .2em .5em .2em 0; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  .state { font-weight: 600; padding: 0 .5em; border-radius: 1em; color: #fff; }
  .up { background: var(--ok); } .down { background: var(--bad); }
  .bad { color: var(--bad); } .warn { color: var(--warn); } .muted { color: var(--muted); }
  .big { font-size: 1.6em; font-weight: 600; font-variant-numeric: tabular-nums; }
  code { overflow-wrap: anywhere; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff8c5; padding: .5em; margin: .4em 0 0; }
  #fetch-error { display: none; background: var(--bad); color: #fff; padding: .5em 1.2em; }
  svg { width: 100%; height: 60px; display: block; margin-top: .4em; }
  svg rect.a { fill: #8c959f; } svg rect.d { fill: var(--ok); }
</style>
</head>
<body>
<header><h1>xpush</h1><span>version <b id="version">…</b></span><span>up <b id="uptime">…</b></span>
<span>updated <b id="updated">…</b></span></header>
<div id="fetch-error"></div>
<main>
<section>
  <h2>Component link</h2>
  <p><span id="link-state" class="state">…</span> <span id="link-domain"></span></p>
  <p>since <b id="link-since">…</b></p>
</section>
<section>
  <h2>Notifications per second, last minute</h2>
  <p><span class="big" id="rate-delivered">…</span> delivered/s
     <span class="muted">(accepted <span id="rate-accepted">…</span>/s, peak <span id="rate-peak">…</span>/s)</span></p>
  <svg id="rate-chart" viewBox="0 0 600 60" preserveAspectRatio="none" role="img"
       aria-label="accepted (grey) and delivered (green) per second"></svg>
</section>
<section>
  <h2>Outbox</h2>
  <p><span class="big" id="outbox-pending">…</span> pending, oldest <b id="outbox-oldest">…</b></p>
  <p><b id="outbox-dead">…</b> dead letters</p>
  <table id="dead-reasons"><thead><tr><th>Reason</th><th class="n">Dead letters</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Providers</h2>
  <table id="providers"><thead><tr><th>Provider</th><th class="n">Delivered</th><th class="n">Failed</th><th>Last delivered</th>
    <th>Last error</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>Rules</h2>
  <p><b id="rules-in-force">…</b> rules from <code id="rules-file">…</code>, loaded <b id="rules-loaded">…</b>;
     <span id="rules-reloads">…</span> reloads, <span id="rules-failures">…</span> refused edits</p>
  <div id="rules-refused" hidden><p class="bad">Edit refused <b id="rules-refused-at"></b>
     (the rules above stay in force):</p><pre id="rules-refused-errors"></pre></div>
</section>
<section>
  <h2>Store</h2>
  <p id="store-backend">…</p>
  <p>Offline messages kept <b id="retention">…</b>; last purge <b id="retention-last">…</b>,
     <b id="purged">…</b> purged since the start</p>
</section>
<section class="wide">
  <h2>Counters (as on /metrics)</h2>
  <table id="metrics"><tbody></tbody></table>
</section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const set = (id, text) => { $(id).textContent = text; };
function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return s + " s";
  if (s < 7200) return Math.round(s / 60) + " min";
  if (s < 172800) return Math.round(s / 3600) + " h";
  return Math.round(s / 86400) + " days";
}
function ago(now, ms) { return ms > 0 ? duration(now - ms) + " ago" : "never"; }
function stamp(id, now, ms) { const e = $(id); e.textContent = ago(now, ms); e.title = ms > 0 ? new Date(ms).toISOString() : ""; }
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
function rows(tbody, items, fill) {
  tbody.replaceChildren();
  for (const item of items) fill(tbody.insertRow(), item);
}
function chart(accepted, delivered) {
  const svg = $("rate-chart"), ns = "http://www.w3.org/2000/svg";
  const peak = Math.max(1, ...accepted, ...delivered), w = 600 / 60;
  svg.replaceChildren();
  const bars = (values, cls, offset) => values.forEach((v, i) => {
    const r = document.createElementNS(ns, "rect"), h = 60 * v / peak;
    r.setAttribute("class", cls); r.setAttribute("x", (60 - values.length + i) * w + offset);
    r.setAttribute("y", 60 - h); r.setAttribute("width", w / 2 - 1); r.setAttribute("height", h);
    svg.appendChild(r);
  });
  bars(accepted, "a", 0); bars(delivered, "d", w / 2);
}
function mean(values) { return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0; }
function render(s) {
  const now = s.now_ms;
  set("version", s.version); set("uptime", duration(now - s.started_ms)); set("updated", new Date(now).toISOString());
  const link = $("link-state");
  link.textContent = s.component.connected ? "up" : "down";
  link.className = "state " + (s.component.connected ? "up" : "down");
  set("link-domain", s.component.domain); stamp("link-since", now, s.component.since_ms);
  const acc = s.rate.accepted_per_second, del = s.rate.delivered_per_second;
  set("rate-delivered", mean(del).toFixed(1)); set("rate-accepted", mean(acc).toFixed(1));
  set("rate-peak", String(Math.max(0, ...del))); chart(acc, del);
  const o = s.outbox;
  set("outbox-pending", o.pending < 0 ? "…" : String(o.pending));
  set("outbox-oldest", o.oldest_pending_ms > 0 ? duration(o.counted_ms - o.oldest_pending_ms) : "none");
  set("outbox-dead", o.dead < 0 ? "…" : String(o.dead));
  rows($("dead-reasons").tBodies[0], o.dead_letter_reasons, (r, d) => { cell(r, d.reason); cell(r, String(d.count), "n"); });
  rows($("providers").tBodies[0], s.providers, (r, p) => {
    cell(r, p.name); cell(r, String(p.delivered), "n"); cell(r, String(p.failed), "n");
    cell(r, ago(now, p.last_delivered_ms));
    cell(r, p.last_error_ms > 0 ? ago(now, p.last_error_ms) + ": " + (p.last_error_status ? p.last_error_status + " " : "") + p.last_error : "none",
         p.last_error_ms > p.last_delivered_ms ? "bad" : "");
  });
  const ru = s.rules;
  set("rules-in-force", String(ru.in_force)); set("rules-file", ru.file || "built-in rules");
  stamp("rules-loaded", now, ru.loaded_ms);
  set("rules-reloads", String(s.metrics.xpush_rules_reloads_total));
  set("rules-failures", String(s.metrics.xpush_rules_reload_failures_total));
  $("rules-refused").hidden = !(ru.refused_ms > ru.loaded_ms);
  stamp("rules-refused-at", now, ru.refused_ms); set("rules-refused-errors", ru.refused_errors);
  const st = s.store;
  set("store-backend", st.backend);
  set("retention", st.retention_hours > 0 ? duration(st.retention_hours * 3600000) : "for ever");
  stamp("retention-last", now, st.retention_last_run_ms); set("purged", String(s.metrics.xpush_messages_purged_total));
  rows($("metrics").tBodies[0], Object.entries(s.metrics), (r, [name, value]) => {
    cell(r, name); cell(r, String(value), "n").dataset.metric = name;
  });
}
async function refresh() {
  try {
    const answer = await fetch("status.json", { cache: "no-store", credentials: "same-origin" });
    if (!answer.ok) throw new Error("status.json answered " + answer.status);
    render(await answer.json());
    $("fetch-error").style.display = "none";
    document.body.dataset.loaded = "1";
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (e) {
    const banner = $("fetch-error");
    banner.textContent = "xpushd not reachable: " + e.message + " (retrying)";
    banner.style.display = "block";
  }
  setTimeout(refresh, 2000);
}
refresh();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view status_page_html() { return kPage; }

}  // namespace xpush
