"""report.html: one self-contained page to explore a run, rendered from report.json.

The page carries the report as JSON in a `<script type="application/json" id="report-data">`
block and draws itself from it with plain JavaScript: no framework, no external asset (no CDN,
font or image), so it opens from a CI artifact, a mail attachment or a `file://` path offline.

What it shows: a header (versions, mode, client, times, a banner for an interrupted run, the
verdict counts), the compatibility matrix (features × endpoints; each cell a button with its
verdict as colour *and* text), a findings panel for the clicked cell (every case with its
verdict, skip detail and command, parameter status, timings, and its findings sorted by
severity with location, evidence, the rule's rationale and citation, baseline marks and a
"breaks openai-python" label on findings that break the real client), filters (feature text,
severity checkboxes, "only cells with findings at the checked severities"), the per-parameter
status table and the endpoints.

Safety: every piece of report data reaches the page as text: the JSON block escapes `</` and
`<!` so no string in it can end or confuse the script element, and the script builds DOM nodes
with `textContent`/`setAttribute`, never `innerHTML`. The output depends on the report and the
title only (no clock, no randomness): the same report gives byte-identical HTML, so a
published report.html diffs cleanly.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

__all__ = ["render_html"]


def _finite(value: Any) -> Any:
    """JSON.parse knows no NaN or Infinity: such numbers become null instead of breaking the page."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _embedded_json(report: dict[str, Any]) -> str:
    """The report as the text of a `<script type="application/json">` element.

    Inside a script element the HTML parser ends the element at `</script` and treats `<!--`
    specially, wherever they stand; both can only occur inside JSON strings, where `<\\/` and
    `<\\u0021` are the same characters to JSON.parse.
    """
    text = json.dumps(_finite(report), ensure_ascii=False, indent=1, default=str)
    return text.replace("</", "<\\/").replace("<!", "<\\u0021")


def render_html(report: dict[str, Any], *, title: str = "Chat Completions conformance") -> str:
    """The whole page as one string: inline CSS and JS, the report embedded as JSON."""
    safe_title = html.escape(title, quote=True)
    return "".join(
        (
            "<!DOCTYPE html>\n",
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="generator" content="chat-conformance">\n',
            f"<title>{safe_title}</title>\n",
            "<style>\n",
            _CSS,
            "</style>\n</head>\n<body>\n",
            _BODY.replace("@TITLE@", safe_title),
            '<script type="application/json" id="report-data">\n',
            _embedded_json(report),
            "\n</script>\n<script>\n",
            _JS,
            "</script>\n</body>\n</html>\n",
        )
    )


_CSS = """\
:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --line: #d0d7de; --panel: #f6f8fa; --focus: #0a58ca;
  --fail-bg: #ffe1e1; --fail-fg: #8a1111; --flaky-bg: #ffe8cc; --flaky-fg: #7a3d00;
  --stale-bg: #efe2ff; --stale-fg: #5b2a86; --warn-bg: #fff4bf; --warn-fg: #6b5200;
  --pass-bg: #dcf5e3; --pass-fg: #1a6432; --skip-bg: #eef0f2; --skip-fg: #57606a;
  --error: #b42318; --warning: #8f6400; --info: #3a5a8c; --breaks-bg: #b42318; --breaks-fg: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3; --muted: #9aa4ae; --bg: #0f1419; --line: #343b43; --panel: #161b22; --focus: #6cb6ff;
    --fail-bg: #5c1a1a; --fail-fg: #ffd2d2; --flaky-bg: #5a3510; --flaky-fg: #ffdcb3;
    --stale-bg: #3e2560; --stale-fg: #ead9ff; --warn-bg: #4d3e00; --warn-fg: #fff0a8;
    --pass-bg: #143d22; --pass-fg: #c5f2d3; --skip-bg: #262c33; --skip-fg: #b4bcc5;
    --error: #ff8a80; --warning: #f2cc60; --info: #9cc3ff; --breaks-bg: #ff8a80; --breaks-fg: #1b0000;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; padding: 1rem 1.25rem 3rem; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.45rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .35rem; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .35rem .5rem; margin: .3rem 0; max-height: 16rem; overflow: auto; }
.muted { color: var(--muted); }
.meta { margin: 0; color: var(--muted); }
.meta span + span::before { content: " · "; }
.banner { margin: .6rem 0; padding: .5rem .75rem; border: 2px solid var(--fail-fg); background: var(--fail-bg); color: var(--fail-fg); font-weight: 600; border-radius: 4px; }
.summary { list-style: none; display: flex; flex-wrap: wrap; gap: .35rem; padding: 0; margin: .6rem 0 0; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge.zero { opacity: .55; font-weight: 400; }
.v-fail { background: var(--fail-bg); color: var(--fail-fg); }
.v-flaky { background: var(--flaky-bg); color: var(--flaky-fg); }
.v-stale { background: var(--stale-bg); color: var(--stale-fg); }
.v-warn { background: var(--warn-bg); color: var(--warn-fg); }
.v-pass { background: var(--pass-bg); color: var(--pass-fg); }
.v-skip { background: var(--skip-bg); color: var(--skip-fg); }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .5rem .75rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: .6rem; align-items: center; }
.filters legend { float: left; margin-right: .4rem; font-weight: 600; }
.filters input[type=search] { font: inherit; padding: .2rem .4rem; min-width: 16rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
.filters label { white-space: nowrap; }
#filter-status { margin-left: auto; }
.workspace { display: block; }
@media (min-width: 72rem) {
  .workspace.open { display: grid; grid-template-columns: minmax(0, max-content) minmax(26rem, 1fr); gap: 1rem; align-items: start; }
  .workspace.open #findings-panel { position: sticky; top: .5rem; max-height: calc(100vh - 1rem); overflow: auto; margin-top: .5rem; }
}
.table-wrap { overflow-x: auto; margin-top: .5rem; }
table { border-collapse: collapse; }
caption { text-align: left; color: var(--muted); padding: 0 0 .3rem; }
th, td { border: 1px solid var(--line); padding: 0; text-align: left; vertical-align: middle; }
thead th { background: var(--panel); padding: .3rem .5rem; position: sticky; top: 0; z-index: 1; }
tbody th { padding: .2rem .5rem; font-weight: 400; background: var(--panel); }
td.plain, th.plain { padding: .25rem .5rem; }
td.empty { background: repeating-linear-gradient(135deg, transparent 0 6px, var(--panel) 6px 12px); }
button.cell { display: block; width: 100%; min-width: 7.5rem; font: inherit; text-align: left; cursor: pointer; border: 0; border-radius: 0; padding: .25rem .5rem; }
button.cell:hover { filter: brightness(.95); text-decoration: underline; }
button.cell:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--focus); outline-offset: -3px; }
button.cell[aria-pressed=true] { box-shadow: inset 0 0 0 3px var(--focus); }
.cell .verdict { font-weight: 700; }
.cell .counts { display: block; font-size: .8em; opacity: .9; }
.sev { font-weight: 700; text-transform: uppercase; font-size: .78em; letter-spacing: .03em; }
.sev-error { color: var(--error); }
.sev-warning { color: var(--warning); }
.sev-info { color: var(--info); }
#findings-panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-top: 1rem; }
#findings-panel:focus { outline: 2px solid var(--focus); }
.panel-head { display: flex; align-items: flex-start; gap: .75rem; }
.panel-head h2 { margin: 0; flex: 1; }
.panel-head button, .close { font: inherit; cursor: pointer; padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
article.case { border-top: 1px solid var(--line); padding: .75rem 0 .25rem; margin-top: .5rem; }
.case-meta { margin: .1rem 0 .4rem; color: var(--muted); }
.case-meta > * + *::before { content: " · "; color: var(--muted); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .3rem 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; }
.breakage { border: 2px solid var(--breaks-bg); border-radius: 6px; padding: .4rem .6rem; margin: .4rem 0; background: var(--bg); }
.breakage ul { margin: .25rem 0 0; padding-left: 1.2rem; }
.label { display: inline-block; font-size: .78em; font-weight: 700; padding: 0 .4rem; border-radius: 3px; margin-left: .35rem; white-space: nowrap; }
.label.breaks { background: var(--breaks-bg); color: var(--breaks-fg); }
.label.known { border: 1px dashed var(--muted); color: var(--muted); }
ol.findings { list-style: none; padding: 0; margin: .4rem 0; }
li.finding { border-left: 4px solid var(--line); padding: .35rem .6rem; margin: .45rem 0; background: var(--bg); border-radius: 0 4px 4px 0; }
li.finding[data-severity=error] { border-left-color: var(--error); }
li.finding[data-severity=warning] { border-left-color: var(--warning); }
li.finding[data-severity=info] { border-left-color: var(--info); }
li.finding.is-known { opacity: .8; }
li.finding p { margin: .15rem 0; }
.finding .message { font-weight: 500; overflow-wrap: anywhere; }
.finding .location, .finding .rule-doc, .finding .more { color: var(--muted); font-size: .92em; }
.finding .location code { overflow-wrap: anywhere; }
.finding details summary { cursor: pointer; color: var(--muted); font-size: .92em; }
.finding details ul { margin: .2rem 0; padding-left: 1.2rem; font-size: .92em; }
.hidden-note { color: var(--muted); font-style: italic; }
.p-honoured { background: var(--pass-bg); color: var(--pass-fg); }
.p-rejected { background: var(--warn-bg); color: var(--warn-fg); }
.p-ignored { background: var(--flaky-bg); color: var(--flaky-fg); }
.p-broken { background: var(--fail-bg); color: var(--fail-fg); }
.legend { margin: .3rem 0; color: var(--muted); }
"""

_BODY = """\
<header>
<h1 id="report-title">@TITLE@</h1>
<p class="meta" id="run-meta"></p>
<p class="banner" id="interrupted-banner" role="alert" hidden>interrupted: partial results — the run was stopped before every case finished.</p>
<ul class="summary" id="summary" aria-label="Verdict counts"></ul>
</header>
<noscript><p class="banner">This page draws itself with JavaScript, which is off. The same run is in report.json, report.md and junit.xml beside this file.</p></noscript>
<main>
<section aria-labelledby="matrix-heading">
<h2 id="matrix-heading">Compatibility matrix</h2>
<div class="filters" role="search" aria-label="Filters">
<label>Filter features <input type="search" id="feature-filter" placeholder="e.g. tools or streaming" autocomplete="off" spellcheck="false"></label>
<fieldset id="severity-filter"><legend>Show findings</legend>
<label><input type="checkbox" id="severity-error" value="error" checked> <span class="sev sev-error">error</span></label>
<label><input type="checkbox" id="severity-warning" value="warning" checked> <span class="sev sev-warning">warning</span></label>
<label><input type="checkbox" id="severity-info" value="info" checked> <span class="sev sev-info">info</span></label>
</fieldset>
<label><input type="checkbox" id="only-with-findings"> only cells with findings at the checked severities</label>
<span id="filter-status" class="muted" role="status" aria-live="polite"></span>
</div>
<div class="workspace" id="workspace">
<div class="table-wrap">
<table id="matrix">
<caption>Rows are features, columns are endpoints; a cell shows the worst verdict of its cases. Click a cell for its findings.</caption>
<thead><tr id="matrix-head"><th scope="col">feature</th></tr></thead>
<tbody id="matrix-body"></tbody>
</table>
<p id="matrix-empty" class="muted" hidden>No results.</p>
</div>
<section id="findings-panel" tabindex="-1" aria-labelledby="findings-heading" hidden></section>
</div>
</section>
<section aria-labelledby="parameters-heading" id="parameters-section">
<h2 id="parameters-heading">Parameters</h2>
<p class="legend"><span class="badge p-honoured">honoured</span> accepted, and its effect checked out ·
<span class="badge p-rejected">rejected</span> a clean 4xx with an error body ·
<span class="badge p-ignored">ignored</span> accepted, but its effect is missing ·
<span class="badge p-broken">broken</span> a 5xx, a transport failure, or wrong output</p>
<div class="table-wrap"><table id="parameters-table">
<caption>What each endpoint does with each request parameter a case is about.</caption>
<thead><tr id="parameters-head"><th scope="col">parameter</th></tr></thead>
<tbody id="parameters-body"></tbody>
</table></div>
<p id="parameters-empty" class="muted" hidden>No parameter was judged in this run (parameter cases were skipped or none ran).</p>
</section>
<section aria-labelledby="endpoints-heading">
<h2 id="endpoints-heading">Endpoints</h2>
<div class="table-wrap"><table id="endpoints-table">
<thead><tr><th scope="col" class="plain">name</th><th scope="col" class="plain">kind</th><th scope="col" class="plain">profile</th><th scope="col" class="plain">model</th><th scope="col" class="plain">URL</th></tr></thead>
<tbody id="endpoints-body"></tbody>
</table></div>
</section>
</main>
"""

_JS = r"""(function () {
"use strict";
var report = JSON.parse(document.getElementById("report-data").textContent);
var VERDICTS = ["fail", "flaky", "stale", "warn", "pass", "skip"];
var MARKS = {fail: "\u2717", flaky: "\u2248", stale: "\u21BA", warn: "!", pass: "\u2713", skip: "\u2013"};
var SEVERITIES = ["error", "warning", "info"];
var client = report.client || {};
var CLIENT = client.name || "openai-python";
var BREAKS = "breaks " + CLIENT;
var rules = report.rules || {};
var matrix = report.matrix || {features: [], endpoints: [], cells: {}};
var results = report.results || [];
var casesById = {};
(report.cases || []).forEach(function (c) { casesById[c.id] = c; });

// Builds an element; attributes are set as attributes and text as textContent: data never meets an HTML parser.
function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}
function text(value) { return document.createTextNode(value === null || value === undefined ? "" : String(value)); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
function verdictBadge(verdict, extra) {
  return el("span", {class: "badge v-" + verdict, text: (MARKS[verdict] || "?") + " " + verdict + (extra || "")});
}
function severityRank(severity) { var i = SEVERITIES.indexOf(severity); return i < 0 ? SEVERITIES.length : i; }
// What the real client does with the answer: the client.* rules, and findings whose message names the client.
function isClientRule(finding) { return String(finding.rule || "").indexOf("client.") === 0; }
function breaksClient(finding) { return isClientRule(finding) || String(finding.message || "").indexOf(CLIENT) >= 0; }
function severityCount(n, severity) { return severity === "info" ? n + " info" : plural(n, severity); }

// Results by cell, in report order.
var byCell = {};
function cellKey(feature, endpoint) { return JSON.stringify([feature, endpoint]); }
results.forEach(function (r) {
  var key = cellKey(r.feature, r.endpoint);
  (byCell[key] = byCell[key] || []).push(r);
});
function resultsOf(feature, endpoint) {
  var cell = (matrix.cells[feature] || {})[endpoint];
  var members = byCell[cellKey(feature, endpoint)] || [];
  if (!cell) return members;
  var ordered = [];
  cell.cases.forEach(function (id) { members.forEach(function (r) { if (r.case === id && ordered.indexOf(r) < 0) ordered.push(r); }); });
  members.forEach(function (r) { if (ordered.indexOf(r) < 0) ordered.push(r); });
  return ordered;
}
function severityCounts(list) {
  var counts = {error: 0, warning: 0, info: 0};
  list.forEach(function (r) { (r.findings || []).forEach(function (f) { if (f.severity in counts) counts[f.severity] += 1; }); });
  return counts;
}

// Header.
(function header() {
  var meta = document.getElementById("run-meta");
  var parts = ["chat-conformance " + (report.harness_version || "?")];
  if (report.mode) parts.push("mode " + report.mode);
  if (client.name) parts.push("client " + client.name + (client.version ? " " + client.version : ""));
  if (report.started) parts.push("started " + report.started);
  if (report.finished) parts.push("finished " + report.finished);
  if (report.repeat && report.repeat > 1) parts.push("repeat \u00d7" + report.repeat);
  if (report.baseline) parts.push("baseline " + report.baseline);
  parts.forEach(function (p) { meta.appendChild(el("span", {text: p})); });
  if (report.interrupted) document.getElementById("interrupted-banner").hidden = false;
  var summary = report.summary || {};
  var verdicts = summary.verdicts || {};
  var list = document.getElementById("summary");
  VERDICTS.forEach(function (v) {
    var n = verdicts[v] || 0;
    list.appendChild(el("li", {class: "badge v-" + v + (n ? "" : " zero"), "data-verdict": v, text: (MARKS[v]) + " " + n + " " + v}));
  });
  var total = summary.results !== undefined ? summary.results : results.length;
  list.appendChild(el("li", {class: "badge", text: plural(total, "result")}));
  if (summary.known_findings) list.appendChild(el("li", {class: "badge", text: summary.known_findings + " known (baseline)"}));
  if (summary.damaged_lines) list.appendChild(el("li", {class: "badge v-fail", text: plural(summary.damaged_lines, "damaged line") + " in results.jsonl"}));
})();

// The matrix.
var rows = [];
var selected = null;
(function buildMatrix() {
  var head = document.getElementById("matrix-head");
  var endpointsMeta = {};
  (report.endpoints || []).forEach(function (e) { endpointsMeta[e.name] = e; });
  matrix.endpoints.forEach(function (name) {
    var e = endpointsMeta[name] || {};
    head.appendChild(el("th", {scope: "col", title: [e.kind, e.model].filter(Boolean).join(", ") || null, text: name}));
  });
  var body = document.getElementById("matrix-body");
  matrix.features.forEach(function (feature) {
    var tr = el("tr", {"data-feature": feature}, [el("th", {scope: "row"}, [el("code", {text: feature})])]);
    var row = {feature: feature, tr: tr, cells: [], haystack: feature.toLowerCase()};
    matrix.endpoints.forEach(function (endpoint) {
      var cell = (matrix.cells[feature] || {})[endpoint];
      if (!cell) {
        tr.appendChild(el("td", {class: "empty", "data-feature": feature, "data-endpoint": endpoint, title: "no case of this feature applies to " + endpoint}));
        return;
      }
      var members = resultsOf(feature, endpoint);
      var counts = severityCounts(members);
      var countText = SEVERITIES.filter(function (s) { return counts[s]; }).map(function (s) { return severityCount(counts[s], s); }).join(", ");
      var reasons = [];
      members.forEach(function (r) { if (r.verdict === "skip" && r.skip_reason && reasons.indexOf(r.skip_reason) < 0) reasons.push(r.skip_reason); });
      var broken = members.some(function (r) { return (r.findings || []).some(breaksClient); });
      var button = el("button", {
        type: "button", class: "cell v-" + cell.verdict, "data-feature": feature, "data-endpoint": endpoint,
        "data-verdict": cell.verdict, "aria-pressed": "false", "aria-controls": "findings-panel",
        "aria-label": feature + " on " + endpoint + ": " + cell.verdict + (countText ? "; findings: " + countText : "; no findings") +
          (broken ? "; " + BREAKS : "") + ". Show details."
      }, [
        el("span", {class: "verdict", text: MARKS[cell.verdict] + " " + cell.verdict}),
        el("span", {class: "counts", text: [cell.cases.length > 1 ? plural(cell.cases.length, "case") : "", cell.verdict === "skip" ? reasons.join(", ") : "",
          countText, broken ? "breaks client" : ""].filter(Boolean).join(" \u00b7 ")})
      ]);
      button.addEventListener("click", function () { openCell(feature, endpoint, button); });
      tr.appendChild(el("td", {"data-feature": feature, "data-endpoint": endpoint}, [button]));
      row.cells.push({button: button, counts: counts});
      row.haystack += " " + cell.cases.join(" ").toLowerCase();
    });
    rows.push(row);
    body.appendChild(tr);
  });
  if (!rows.length) document.getElementById("matrix-empty").hidden = false;
})();

// Filters.
var featureFilter = document.getElementById("feature-filter");
var onlyWithFindings = document.getElementById("only-with-findings");
var severityBoxes = SEVERITIES.map(function (s) { return document.getElementById("severity-" + s); });
function checkedSeverities() {
  return severityBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
}
function applyMatrixFilters() {
  var terms = featureFilter.value.toLowerCase().split(/\s+/).filter(Boolean);
  var only = onlyWithFindings.checked;
  var severities = checkedSeverities();
  var shown = 0;
  rows.forEach(function (row) {
    var matches = terms.every(function (t) { return row.haystack.indexOf(t) >= 0; });
    var anyCell = false;
    row.cells.forEach(function (cell) {
      var keep = !only || severities.some(function (s) { return cell.counts[s] > 0; });
      cell.button.hidden = !keep;
      if (keep) anyCell = true;
    });
    row.tr.hidden = !matches || (only && !anyCell);
    if (!row.tr.hidden) shown += 1;
  });
  document.getElementById("filter-status").textContent = shown + " of " + plural(rows.length, "feature") + " shown";
}
function applySeverityFilter() {
  var severities = checkedSeverities();
  var panel = document.getElementById("findings-panel");
  Array.prototype.forEach.call(panel.querySelectorAll("article.case"), function (article) {
    var hidden = 0;
    Array.prototype.forEach.call(article.querySelectorAll("li.finding"), function (li) {
      li.hidden = severities.indexOf(li.getAttribute("data-severity")) < 0;
      if (li.hidden) hidden += 1;
    });
    var note = article.querySelector(".hidden-note");
    if (note) {
      note.hidden = hidden === 0;
      note.textContent = plural(hidden, "finding") + " hidden by the severity filter";
    }
  });
}
featureFilter.addEventListener("input", applyMatrixFilters);
onlyWithFindings.addEventListener("change", applyMatrixFilters);
severityBoxes.forEach(function (b) { b.addEventListener("change", function () { applySeverityFilter(); applyMatrixFilters(); }); });

// The findings panel.
function locationText(loc) {
  if (!loc) return "";
  var order = ["step", "attempt", "event"];
  var parts = [];
  order.forEach(function (k) { if (loc[k] !== undefined && loc[k] !== null) parts.push(k + " " + loc[k]); });
  Object.keys(loc).forEach(function (k) {
    if (order.indexOf(k) < 0 && k !== "pointer" && loc[k] !== undefined && loc[k] !== null) parts.push(k + " " + loc[k]);
  });
  return parts.join(", ");
}
function locationNode(loc, cls) {
  var p = el(cls ? "p" : "li", cls ? {class: cls} : null, [text(locationText(loc))]);
  if (loc && loc.pointer !== undefined && loc.pointer !== null) {
    if (p.firstChild.nodeValue) p.appendChild(text(", pointer "));
    else p.appendChild(text("pointer "));
    p.appendChild(el("code", {text: loc.pointer}));
  }
  return p;
}
function findingNode(f) {
  var known = f.known !== undefined && f.known !== null && f.known !== false;
  var breaks = breaksClient(f);
  var head = el("p", {class: "finding-head"}, [
    el("span", {class: "sev sev-" + f.severity, text: f.severity}), text(" "),
    el("code", {class: "rule", text: f.rule}),
    f.count && f.count > 1 ? el("span", {class: "count muted", text: " \u00d7" + f.count}) : null,
    breaks ? el("span", {class: "label breaks", text: BREAKS}) : null,
    known ? el("span", {class: "label known", text: "known (baseline)"}) : null
  ]);
  var li = el("li", {class: "finding" + (known ? " is-known" : "") + (breaks ? " breaks-client" : ""), "data-severity": f.severity, "data-rule": f.rule}, [
    head,
    el("p", {class: "message", text: f.message}),
    f.location && Object.keys(f.location).length ? locationNode(f.location, "location") : null
  ]);
  var more = f.more_locations || [];
  if (more.length || (f.count && f.count > 1)) {
    var listed = more.length + 1;
    var summary = f.count > listed ? (f.count - 1) + " more occurrence(s), " + more.length + " listed" : more.length + " more location(s)";
    if (more.length) {
      li.appendChild(el("details", {class: "more"}, [el("summary", {text: summary}), el("ul", null, more.map(function (loc) { return locationNode(loc, null); }))]));
    } else {
      li.appendChild(el("p", {class: "more", text: summary}));
    }
  }
  if (f.evidence !== undefined && f.evidence !== null && f.evidence !== "") {
    li.appendChild(el("pre", {class: "evidence", "aria-label": "evidence", text: typeof f.evidence === "string" ? f.evidence : JSON.stringify(f.evidence, null, 2)}));
  }
  if (known) li.appendChild(el("p", {class: "known-note muted", text: "known (baseline): " + (f.known === true ? "accepted by the baseline" : f.known)}));
  var rule = rules[f.rule];
  if (rule) {
    li.appendChild(el("p", {class: "rule-doc"}, [
      el("strong", {text: "Why: "}), text(rule.rationale || ""),
      rule.citation ? el("br") : null,
      rule.citation ? el("strong", {text: "Source: "}) : null, rule.citation ? text(rule.citation) : null
    ]));
  }
  return li;
}
function caseNode(r) {
  var meta = casesById[r.case] || {};
  var findings = (r.findings || []).map(function (f, i) { return {f: f, i: i}; });
  findings.sort(function (a, b) {
    return severityRank(a.f.severity) - severityRank(b.f.severity) ||
      (isClientRule(b.f) ? 1 : 0) - (isClientRule(a.f) ? 1 : 0) || a.i - b.i;
  });
  var article = el("article", {class: "case", "data-case": r.case, "data-verdict": r.verdict}, [
    el("h3", null, [el("code", {text: r.case}), text(" \u2014 " + (r.title || meta.title || ""))])
  ]);
  var line = el("p", {class: "case-meta"}, [verdictBadge(r.verdict, r.skip_reason ? " (" + r.skip_reason + ")" : "")]);
  if (r.tags && r.tags.length) line.appendChild(el("span", {text: "tags: " + r.tags.join(", ")}));
  if (r.origin) line.appendChild(el("span", {text: "judged: " + r.origin}));
  if (typeof r.duration_s === "number") line.appendChild(el("span", {text: r.duration_s + " s"}));
  article.appendChild(line);
  var kv = el("dl", {class: "kv"});
  function pair(label, value) { kv.appendChild(el("dt", {text: label})); kv.appendChild(el("dd", null, [value])); }
  if (r.detail) pair(r.verdict === "skip" || r.verdict === "stale" ? "why" : "detail", text(r.detail));
  if (r.command) pair("command", el("pre", {class: "command"}, [el("code", {text: r.command})]));
  if (r.parameter) {
    pair("parameter", el("span", null, [el("code", {text: r.parameter}), text(": "),
      r.parameter_status ? el("span", {class: "badge p-" + r.parameter_status, text: r.parameter_status}) : el("span", {class: "muted", text: "not judged"})]));
  }
  if (r.runs && r.runs.length) {
    var runText = r.runs.join(", ");
    if (typeof r.pass_rate === "number") runText += " \u2014 pass rate " + Math.round(r.pass_rate * 100) + "%";
    if (r.pass_all !== undefined) runText += ", pass^k " + (r.pass_all ? "yes" : "no");
    if (r.pass_any !== undefined) runText += ", pass@k " + (r.pass_any ? "yes" : "no");
    pair("runs", text(runText));
  }
  if (r.timings && Object.keys(r.timings).length) {
    pair("timings", text(Object.keys(r.timings).map(function (k) {
      var v = r.timings[k];
      return k.replace(/_s$/, "").replace(/_/g, " ") + " " + (typeof v === "number" ? v.toFixed(3) + " s" : v);
    }).join(", ")));
  }
  if (meta.source && meta.source.document) {
    var src = meta.source.document + (meta.source.section ? " \u00a7 " + meta.source.section : "") + (meta.source.lines ? ", lines " + meta.source.lines : "");
    pair("documented in", text(src));
  }
  if (kv.firstChild) article.appendChild(kv);
  var breaking = findings.filter(function (x) { return isClientRule(x.f); });
  if (breaking.length) {
    article.appendChild(el("div", {class: "breakage", role: "note"}, [
      el("span", {class: "label breaks", text: BREAKS}),
      el("ul", null, breaking.map(function (x) { return el("li", {text: x.f.message}); }))
    ]));
  }
  if (findings.length) {
    article.appendChild(el("ol", {class: "findings", "aria-label": plural(findings.length, "finding") + ", most severe first"},
      findings.map(function (x) { return findingNode(x.f); })));
    article.appendChild(el("p", {class: "hidden-note", hidden: true}));
  } else if (r.verdict !== "skip") {
    article.appendChild(el("p", {class: "muted", text: "No findings."}));
  }
  return article;
}
var panel = document.getElementById("findings-panel");
var workspace = document.getElementById("workspace");
function openCell(feature, endpoint, button) {
  var cell = (matrix.cells[feature] || {})[endpoint];
  if (!cell) return;
  if (selected) selected.setAttribute("aria-pressed", "false");
  selected = button || null;
  if (selected) selected.setAttribute("aria-pressed", "true");
  clear(panel);
  var members = resultsOf(feature, endpoint);
  var close = el("button", {type: "button", class: "close", "aria-label": "Close the findings panel", text: "Close \u2715"});
  close.addEventListener("click", closePanel);
  panel.appendChild(el("div", {class: "panel-head"}, [
    el("h2", {id: "findings-heading"}, [el("code", {text: feature}), text(" on "), el("code", {text: endpoint})]),
    close
  ]));
  var counts = severityCounts(members);
  panel.appendChild(el("p", {class: "case-meta"}, [
    verdictBadge(cell.verdict),
    el("span", {text: plural(members.length, "case")}),
    el("span", {text: SEVERITIES.map(function (s) { return severityCount(counts[s], s); }).join(", ")})
  ]));
  members.forEach(function (r) { panel.appendChild(caseNode(r)); });
  panel.hidden = false;
  workspace.classList.add("open");
  applySeverityFilter();
  try { history.replaceState(null, "", "#cell=" + encodeURIComponent(feature) + "@" + encodeURIComponent(endpoint)); } catch (e) { /* file:// in some browsers */ }
  panel.focus();
}
function closePanel() {
  panel.hidden = true;
  clear(panel);
  workspace.classList.remove("open");
  try { history.replaceState(null, "", "#"); } catch (e) { /* ignore */ }
  if (selected) { selected.setAttribute("aria-pressed", "false"); selected.focus(); }
  selected = null;
}
document.addEventListener("keydown", function (event) { if (event.key === "Escape" && !panel.hidden) closePanel(); });

// Parameters.
(function buildParameters() {
  var params = report.parameters || {};
  var names = Object.keys(params).sort();
  if (!names.length) {
    document.getElementById("parameters-table").hidden = true;
    document.getElementById("parameters-empty").hidden = false;
    return;
  }
  var head = document.getElementById("parameters-head");
  matrix.endpoints.forEach(function (e) { head.appendChild(el("th", {scope: "col", class: "plain", text: e})); });
  var body = document.getElementById("parameters-body");
  names.forEach(function (name) {
    var tr = el("tr", {"data-parameter": name}, [el("th", {scope: "row", class: "plain"}, [el("code", {text: name})])]);
    matrix.endpoints.forEach(function (e) {
      var status = params[name][e];
      tr.appendChild(status ? el("td", {class: "plain p-" + status, "data-endpoint": e, text: status}) : el("td", {class: "plain empty", "data-endpoint": e}));
    });
    body.appendChild(tr);
  });
})();

// Endpoints.
(function buildEndpoints() {
  var body = document.getElementById("endpoints-body");
  (report.endpoints || []).forEach(function (e) {
    body.appendChild(el("tr", null, ["name", "kind", "profile", "model", "url"].map(function (k, i) {
      return el(i === 0 ? "th" : "td", i === 0 ? {scope: "row", class: "plain"} : {class: "plain"}, [el(k === "url" || k === "model" ? "code" : "span", {text: e[k] === null || e[k] === undefined ? "" : e[k]})]);
    })));
  });
})();

applyMatrixFilters();
// A link to one cell: report.html#cell=<feature>@<endpoint>.
(function openFromHash() {
  var m = /^#cell=([^@]*)@(.*)$/.exec(location.hash || "");
  if (!m) return;
  var feature, endpoint;
  try { feature = decodeURIComponent(m[1]); endpoint = decodeURIComponent(m[2]); } catch (e) { return; }
  var target = null;
  Array.prototype.forEach.call(document.querySelectorAll("button.cell"), function (b) {
    if (b.getAttribute("data-feature") === feature && b.getAttribute("data-endpoint") === endpoint) target = b;
  });
  if (target) openCell(feature, endpoint, target);
})();
})();
"""
