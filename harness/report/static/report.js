(function () {
"use strict";
var report = JSON.parse(document.getElementById("report-data").textContent);
var VERDICTS = ["fail", "flaky", "stale", "warn", "pass", "skip"];
var MARKS = {fail: "\u2717", flaky: "\u2248", stale: "\u21BA", warn: "!", pass: "\u2713", skip: "\u2013"};
var SEVERITIES = ["error", "warning", "info"];
// The real clients: the header lists those the run consulted; findings and results name them per answer.
var consulted = Array.isArray(report.clients) ? report.clients : [];
var clientMatrix = report.client_matrix || {clients: [], cells: {}};
var CLIENT_MARKS = {ok: "\u2713", "mis-assembles": "\u2260", breaks: "\u2717", "not-run": "\u2013"};
// The report's own order (harness/report/_model.py): a cell's outcome is the highest rank over its
// answers. not-run ranks below ok: a request the client refused to send says nothing of the server.
var OUTCOME_RANK = {"not-run": 0, ok: 1, "mis-assembles": 2, breaks: 3};
var FAILING = ["breaks", "mis-assembles"];
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
// The clients a finding reports failing (its `clients` list, filled by the harness from what the
// real libraries did with the answer), never guessed from the rule id or the message.
function findingClients(f) {
  return (Array.isArray(f.clients) ? f.clients : []).filter(function (c) { return c && c.outcome !== "ok"; });
}
function outcomeLabel(outcome, name, detail) {
  return el("span", {class: "label o-" + outcome, "data-client": name, "data-outcome": outcome, title: detail || null, text: outcome + " " + name});
}
function outcomeBadge(outcome) {
  return el("span", {class: "badge o-" + outcome, text: (CLIENT_MARKS[outcome] || "?") + " " + outcome});
}
// Which findings count against the endpoint: errors and warnings the baseline does not know; the
// verdict is made of those alone (verdict_for in harness/runner/_results.py).
function isKnown(f) { return f.known !== undefined && f.known !== null && f.known !== false; }
function countsAgainst(f) { return !isKnown(f) && (f.severity === "error" || f.severity === "warning"); }
function severityCount(n, severity) { return severity === "info" ? plural(n, "info note") : plural(n, severity); }
// A cell's findings in words that agree with its colour: "2 errors, 1 info note, 1 known (baseline)";
// a finding the baseline knows is not counted under its severity, since it does not make the verdict.
function findingsSummary(findings) {
  var open = {error: 0, warning: 0, info: 0};
  var known = 0;
  findings.forEach(function (f) {
    if (!(f.severity in open)) return;
    if (isKnown(f)) known += 1;
    else open[f.severity] += 1;
  });
  var parts = SEVERITIES.filter(function (s) { return open[s]; }).map(function (s) { return severityCount(open[s], s); });
  if (known) parts.push(known + " known (baseline)");
  return parts.join(", ");
}
// outcome -> client names, worst outcome first.
function byOutcome(names) {
  return Object.keys(names).sort(function (a, b) { return OUTCOME_RANK[b] - OUTCOME_RANK[a] || (a < b ? -1 : 1); })
    .map(function (o) { return {outcome: o, names: names[o]}; });
}
var LIMITATION_VERBS = {breaks: ["breaks on", "break on"], "mis-assembles": ["mis-assembles", "mis-assemble"]};
// The verdict cell's client hint (and its aria-label), from its findings' `clients` lists, in three
// groups so that the words agree with the colour:
//   "breaks a; mis-assembles b, c"   failures on findings that count against the endpoint;
//   "client limitation: d mis-assembles an answer no rule faults"   failures on an info note: the
//       client's own finding for an answer no rule faults (harness/validators/_consequences.py), which
//       leaves a pass a pass;
//   "known (baseline): breaks e"     failures on findings the baseline knows.
function clientHint(findings) {
  var groups = {against: {}, limitation: {}, known: {}};
  findings.forEach(function (f) {
    var group = isKnown(f) ? "known" : countsAgainst(f) ? "against" : "limitation";
    findingClients(f).forEach(function (c) {
      var names = groups[group][c.outcome] = groups[group][c.outcome] || [];
      if (names.indexOf(c.name) < 0) names.push(c.name);
    });
  });
  function labels(group) { return byOutcome(group).map(function (o) { return o.outcome + " " + o.names.join(", "); }).join("; "); }
  var parts = [];
  if (Object.keys(groups.against).length) parts.push(labels(groups.against));
  byOutcome(groups.limitation).forEach(function (o) {
    var verb = LIMITATION_VERBS[o.outcome] ? LIMITATION_VERBS[o.outcome][o.names.length === 1 ? 0 : 1] : o.outcome;
    parts.push("client limitation: " + o.names.join(", ") + " " + verb + " an answer no rule faults");
  });
  if (Object.keys(groups.known).length) parts.push("known (baseline): " + labels(groups.known));
  return parts.join("; ");
}
// A dotted name (a feature, a parameter) that may wrap after a dot or "=" in a narrow column; the text
// (and what a copy gets) stays the name.
function nameNode(name) {
  var node = el("code");
  String(name).split(/(?<=[.=])/).forEach(function (part, i) {
    if (i) node.appendChild(el("wbr"));
    node.appendChild(text(part));
  });
  return node;
}

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
  parts.push(consulted.length ? "clients " + consulted.map(function (c) {
    var version = c.version || "version unknown";
    return c.name + " " + version + (c.pinned && c.pinned !== c.version ? " (pinned " + c.pinned + ")" : "");
  }).join(", ") : "no clients consulted");
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
var haystacks = {};  // feature -> its verdict row: the client view filters on the same text
var selected = null;
var grids = [];  // one fit check per matrix (fitGrid, below), run by refitGrids()
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
    var tr = el("tr", {"data-feature": feature}, [el("th", {scope: "row"}, [nameNode(feature)])]);
    var row = {feature: feature, tr: tr, cells: [], haystack: feature.toLowerCase()};
    haystacks[feature] = row;
    matrix.endpoints.forEach(function (endpoint) {
      var cell = (matrix.cells[feature] || {})[endpoint];
      if (!cell) {
        tr.appendChild(el("td", {class: "empty", "data-feature": feature, "data-endpoint": endpoint, title: "no case of this feature applies to " + endpoint}));
        return;
      }
      var members = resultsOf(feature, endpoint);
      var counts = severityCounts(members);  // known ones included: the severity filter shows them too
      var findings = [].concat.apply([], members.map(function (r) { return r.findings || []; }));
      var countText = findingsSummary(findings);
      var reasons = [];
      members.forEach(function (r) { if (r.verdict === "skip" && r.skip_reason && reasons.indexOf(r.skip_reason) < 0) reasons.push(r.skip_reason); });
      var hint = clientHint(findings);
      var button = el("button", {
        type: "button", class: "cell v-" + cell.verdict, "data-feature": feature, "data-endpoint": endpoint,
        "data-verdict": cell.verdict, "aria-pressed": "false", "aria-controls": "findings-panel",
        "aria-label": feature + " on " + endpoint + ": " + cell.verdict + (countText ? "; findings: " + countText : "; no findings") +
          (hint ? "; " + hint : "") + ". Show details."
      }, [
        el("span", {class: "verdict", text: MARKS[cell.verdict] + " " + cell.verdict}),
        el("span", {class: "counts", text: [cell.cases.length > 1 ? plural(cell.cases.length, "case") : "", cell.verdict === "skip" ? reasons.join(", ") : "",
          countText, hint].filter(Boolean).join(" \u00b7 ")})
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
var view = "verdicts";  // or "clients": the tab shown
function filterTerms() { return featureFilter.value.toLowerCase().split(/\s+/).filter(Boolean); }
function applyFilters() {
  if (view === "clients") applyClientFilters(); else applyMatrixFilters();
  refitGrids();
}
function applyMatrixFilters() {
  var terms = filterTerms();
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
featureFilter.addEventListener("input", applyFilters);
onlyWithFindings.addEventListener("change", applyFilters);
severityBoxes.forEach(function (b) { b.addEventListener("change", function () { applySeverityFilter(); applyFilters(); }); });

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
  var known = isKnown(f);
  var failing = findingClients(f);
  var head = el("p", {class: "finding-head"}, [
    el("span", {class: "sev sev-" + f.severity, text: f.severity}), text(" "),
    el("code", {class: "rule", text: f.rule}),
    f.count && f.count > 1 ? el("span", {class: "count muted", text: " \u00d7" + f.count}) : null,
    failing.length ? el("span", {class: "client-labels"}, failing.map(function (c) { return outcomeLabel(c.outcome, c.name, c.detail); })) : null,
    known ? el("span", {class: "label known", text: "known (baseline)"}) : null
  ]);
  var li = el("li", {class: "finding" + (known ? " is-known" : "") + (failing.length ? " fails-client" : ""), "data-severity": f.severity, "data-rule": f.rule, "data-code": f.code}, [
    head,
    el("p", {class: "message", text: f.message}),
    f.location && Object.keys(f.location).length ? locationNode(f.location, "location") : null
  ]);
  if (failing.length) {
    // The title attribute is for the mouse; this list is the same detail for keyboard and screen readers.
    li.appendChild(el("details", {class: "client-details"}, [
      el("summary", {text: "what " + (failing.length === 1 ? "the client" : plural(failing.length, "client")) + " did"}),
      el("ul", null, failing.map(function (c) {
        return el("li", {"data-client": c.name}, [outcomeLabel(c.outcome, c.name, null),
          text(c.version ? " " + c.version + ": " : ": "), el("span", {class: "detail", text: c.detail})]);
      }))
    ]));
  }
  if (f.parameter || f.effect) {
    li.appendChild(el("p", {class: "more", text: "parameter " + (f.parameter || "?") + (f.effect ? ": " + f.effect : "")}));
  }
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
// What the real clients made of the case's answers: the ones that were not ok, with their detail;
// one quiet line when every client was fine.
function exchangesNode(r) {
  var names = [];
  var items = [];
  (r.exchanges || []).forEach(function (x) {
    (x.clients || []).forEach(function (c) {
      if (names.indexOf(c.name) < 0) names.push(c.name);
      if (c.outcome === "ok") return;
      items.push(el("li", {"data-client": c.name, "data-outcome": c.outcome, "data-step": x.step}, [
        outcomeLabel(c.outcome, c.name, null), text(" step " + x.step + ": "), el("span", {class: "detail", text: c.detail})
      ]));
    });
  });
  if (!names.length) return null;
  if (!items.length) return el("p", {class: "clients-ok muted", text: "Real clients (" + names.join(", ") + "): every answer handed over as the server meant it."});
  return el("div", {class: "breakage", role: "note"}, [el("strong", {text: "What the real clients made of the answers"}), el("ul", null, items)]);
}
function caseNode(r) {
  var meta = casesById[r.case] || {};
  var findings = (r.findings || []).map(function (f, i) { return {f: f, i: i}; });
  findings.sort(function (a, b) {
    return severityRank(a.f.severity) - severityRank(b.f.severity) ||
      (findingClients(b.f).length ? 1 : 0) - (findingClients(a.f).length ? 1 : 0) || a.i - b.i;
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
  var clientsBox = exchangesNode(r);
  if (clientsBox) article.appendChild(clientsBox);
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
var panelKind = null;  // "verdict" or "client": which kind of cell the open panel shows
function setHash(hash) {
  try { history.replaceState(null, "", hash); } catch (e) { /* file:// in some browsers */ }
}
// Empties the panel, marks `button` as the open cell, and puts a heading with a close button on top.
function startPanel(kind, button, heading) {
  if (selected) selected.setAttribute("aria-pressed", "false");
  selected = button || null;
  if (selected) selected.setAttribute("aria-pressed", "true");
  panelKind = kind;
  clear(panel);
  var close = el("button", {type: "button", class: "close", "aria-label": "Close the findings panel", text: "Close \u2715"});
  close.addEventListener("click", function () { closePanel(true); });
  panel.appendChild(el("div", {class: "panel-head"}, [el("h2", {id: "findings-heading"}, heading), close]));
}
function showPanel(hash) {
  panel.hidden = false;
  workspace.classList.add("open");
  refitGrids();
  setHash(hash);
  panel.focus();
}
function openCell(feature, endpoint, button) {
  var cell = (matrix.cells[feature] || {})[endpoint];
  if (!cell) return;
  startPanel("verdict", button, [el("code", {text: feature}), text(" on "), el("code", {text: endpoint})]);
  var members = resultsOf(feature, endpoint);
  panel.appendChild(el("p", {class: "case-meta"}, [
    verdictBadge(cell.verdict),
    el("span", {text: plural(members.length, "case")}),
    el("span", {text: findingsSummary([].concat.apply([], members.map(function (r) { return r.findings || []; }))) || "no findings"})
  ]));
  members.forEach(function (r) { panel.appendChild(caseNode(r)); });
  applySeverityFilter();
  showPanel("#cell=" + encodeURIComponent(feature) + "@" + encodeURIComponent(endpoint));
}
// refocus: give focus back to the cell that opened the panel (not when the view changes under it).
function closePanel(refocus) {
  panel.hidden = true;
  clear(panel);
  workspace.classList.remove("open");
  refitGrids();
  panelKind = null;
  setHash(view === "clients" ? "#view=clients" : "#");
  if (selected) {
    selected.setAttribute("aria-pressed", "false");
    if (refocus) selected.focus();
  }
  selected = null;
}
document.addEventListener("keydown", function (event) { if (event.key === "Escape" && !panel.hidden) closePanel(true); });

// The client view: rows are features, columns the real clients, a cell the worst outcome of the
// feature's answers. One endpoint at a time by default, "all endpoints" as the last choice: a client
// fails on one server's bytes, so the per-endpoint table says which server to fix and keeps a cell's
// answers to that server; the combined table (the worst outcome over every endpoint, the failing
// endpoints named in the cell) answers "does any server break this client on this feature".
var clientNames = (clientMatrix.clients || []).slice();
var clientCells = clientMatrix.cells || {};
Object.keys(clientCells).forEach(function (feature) {
  Object.keys(clientCells[feature]).forEach(function (endpoint) {
    Object.keys(clientCells[feature][endpoint]).forEach(function (name) { if (clientNames.indexOf(name) < 0) clientNames.push(name); });
  });
});
var clientVersions = {};
consulted.forEach(function (c) { clientVersions[c.name] = c.version; });
function outcomeRank(outcome) { return outcome in OUTCOME_RANK ? OUTCOME_RANK[outcome] : -1; }
function clientCellOf(feature, endpoint, name) { return ((clientCells[feature] || {})[endpoint] || {})[name] || null; }
// Every answer a client was given, from the results' exchanges: ok and not-run ones included, so the
// panel can say why a client was not run. A report without exchanges falls back to the matrix's list.
var answersByKey = {};
results.forEach(function (r) {
  (r.exchanges || []).forEach(function (x) {
    (x.clients || []).forEach(function (c) {
      var key = JSON.stringify([r.feature, r.endpoint, c.name]);
      (answersByKey[key] = answersByKey[key] || []).push({result: r, step: x.step, outcome: c.outcome, detail: c.detail, version: c.version});
    });
  });
});
function answersOf(feature, endpoint, name) {
  var found = answersByKey[JSON.stringify([feature, endpoint, name])];
  if (found) return found;
  var cell = clientCellOf(feature, endpoint, name);
  return (cell ? cell.answers || [] : []).map(function (a) {
    var r = null;
    resultsOf(feature, endpoint).forEach(function (m) { if (!r && m.case === a.case) r = m; });
    return {result: r || {case: a.case, endpoint: endpoint, feature: feature, findings: []}, step: a.step, outcome: a.outcome, detail: a.detail, version: clientVersions[name]};
  });
}
// The cell of (feature, client) over a scope's endpoints; null when no endpoint gave it an answer.
function scopedCell(feature, scope, name) {
  var found = null;
  scope.endpoints.forEach(function (endpoint) {
    var cell = clientCellOf(feature, endpoint, name);
    if (!cell) return;
    found = found || {outcome: cell.outcome, failing: [], answers: []};
    if (outcomeRank(cell.outcome) > outcomeRank(found.outcome)) found.outcome = cell.outcome;
    if (FAILING.indexOf(cell.outcome) >= 0) found.failing.push(endpoint);
    found.answers = found.answers.concat(answersOf(feature, endpoint, name));
  });
  return found;
}
var endpointSelect = document.getElementById("client-endpoint");
var onlyClientFailures = document.getElementById("only-client-failures");
var clientScopes = matrix.endpoints.map(function (e) { return {label: e, endpoint: e, endpoints: [e]}; });
clientScopes.push({label: "all endpoints", endpoint: null, endpoints: matrix.endpoints.slice()});
var clientRows = [];
(function buildClientScopes() {
  var defaultScope = -1;
  var firstWithAnswers = -1;
  clientScopes.forEach(function (scope, i) {
    var tally = {};
    matrix.features.forEach(function (feature) {
      clientNames.forEach(function (name) {
        var cell = scope.endpoint === null ? null : clientCellOf(feature, scope.endpoint, name);
        if (cell && cell.outcome !== "ok") tally[cell.outcome] = (tally[cell.outcome] || 0) + 1;
        if (cell && firstWithAnswers < 0) firstWithAnswers = i;
      });
    });
    // The default is the first endpoint where a client breaks or mis-assembles; not-run alone does not
    // count: it is the client declining the request, nothing the server's answer did.
    if (defaultScope < 0 && (tally.breaks || tally["mis-assembles"])) defaultScope = i;
    var counts = Object.keys(tally).sort(function (a, b) { return outcomeRank(b) - outcomeRank(a); })
      .map(function (o) { return tally[o] + " " + o; });
    endpointSelect.appendChild(el("option", {value: String(i), text: scope.label + (counts.length ? " (" + counts.join(", ") + ")" : "")}));
  });
  endpointSelect.selectedIndex = defaultScope >= 0 ? defaultScope : firstWithAnswers >= 0 ? firstWithAnswers : clientScopes.length - 1;
})();
function currentScope() { return clientScopes[endpointSelect.selectedIndex] || clientScopes[clientScopes.length - 1]; }
function buildClientView() {
  var scope = currentScope();
  var head = document.getElementById("client-head");
  var body = document.getElementById("client-body");
  var table = document.getElementById("client-matrix");
  var empty = document.getElementById("client-empty");
  while (head.children.length > 1) head.removeChild(head.lastChild);
  clear(body);
  clientRows = [];
  clientNames.forEach(function (name) {
    head.appendChild(el("th", {scope: "col", "data-client": name, title: clientVersions[name] ? name + " " + clientVersions[name] : null, text: name}));
  });
  matrix.features.forEach(function (feature) {
    var cells = clientNames.map(function (name) { return scopedCell(feature, scope, name); });
    if (!cells.some(Boolean)) return;  // no answer of this feature was given to a client here
    var tr = el("tr", {"data-feature": feature}, [el("th", {scope: "row"}, [nameNode(feature)])]);
    cells.forEach(function (cell, i) {
      var name = clientNames[i];
      var where = {"data-feature": feature, "data-client": name, "data-endpoint": scope.endpoint, "data-scope": scope.endpoint === null ? "all" : null};
      if (!cell) {
        tr.appendChild(el("td", Object.assign({class: "empty", title: "no answer of this feature on " + scope.label + " was given to " + name}, where)));
        return;
      }
      var notOk = cell.answers.filter(function (a) { return a.outcome !== "ok"; });
      var counts = [notOk.length ? plural(notOk.length, "answer") + " not ok" : plural(cell.answers.length, "answer")];
      if (scope.endpoint === null && cell.failing.length) counts.push("on " + cell.failing.join(", "));
      var button = el("button", Object.assign({
        type: "button", class: "cell client-cell o-" + cell.outcome, "data-outcome": cell.outcome,
        "aria-pressed": "false", "aria-controls": "findings-panel",
        "aria-label": feature + " with " + name + " on " + scope.label + ": " + cell.outcome + "; " + counts.join(", ") + ". Show the answers."
      }, where), [
        el("span", {class: "verdict", text: (CLIENT_MARKS[cell.outcome] || "?") + " " + cell.outcome}),
        el("span", {class: "counts", text: counts.join(" \u00b7 ")})
      ]);
      button.addEventListener("click", function () { openClientCell(feature, scope, name, button); });
      tr.appendChild(el("td", where, [button]));
    });
    clientRows.push({feature: feature, tr: tr, failing: cells.some(function (c) { return c && FAILING.indexOf(c.outcome) >= 0; })});
    body.appendChild(tr);
  });
  var message = !clientNames.length ? "No real client was consulted in this run (it ran with --clients none): there is nothing to show here."
    : !clientRows.length ? "No answer from " + scope.label + " was given to a client (its cases were skipped)." : "";
  empty.textContent = message;
  empty.hidden = !message;
  table.hidden = !clientRows.length;
  endpointSelect.disabled = !clientNames.length;
}
function applyClientFilters() {
  var terms = filterTerms();
  var only = onlyClientFailures.checked;
  var shown = 0;
  clientRows.forEach(function (row) {
    var haystack = haystacks[row.feature] ? haystacks[row.feature].haystack : row.feature.toLowerCase();
    row.tr.hidden = !terms.every(function (t) { return haystack.indexOf(t) >= 0; }) || (only && !row.failing);
    if (!row.tr.hidden) shown += 1;
  });
  document.getElementById("filter-status").textContent = shown + " of " + plural(clientRows.length, "feature") + " with client answers shown";
}
endpointSelect.addEventListener("change", function () {
  if (panelKind === "client") closePanel(false);
  buildClientView();
  applyFilters();
});
onlyClientFailures.addEventListener("change", applyFilters);
// One answer that was not ok: where it came from, what the client did, and the findings that report it.
function answerNode(a, name) {
  var r = a.result;
  var meta = casesById[r.case] || {};
  var article = el("article", {class: "answer", "data-case": r.case, "data-endpoint": r.endpoint, "data-step": a.step, "data-outcome": a.outcome}, [
    el("h3", null, [el("code", {text: r.case}), text(" \u2014 " + (r.title || meta.title || ""))]),
    el("p", {class: "case-meta"}, [outcomeBadge(a.outcome), el("span", {text: "endpoint " + r.endpoint}), el("span", {text: "step " + a.step}),
      r.verdict ? verdictBadge(r.verdict) : null]),
    el("pre", {class: "client-detail", "aria-label": name + " detail", text: a.detail === null || a.detail === undefined ? "" : a.detail})
  ]);
  var reporting = (r.findings || []).filter(function (f) {
    var step = f.location ? f.location.step : undefined;
    return findingClients(f).some(function (c) { return c.name === name; }) && (step === undefined || step === null || step === a.step);
  });
  if (reporting.length) {
    article.appendChild(el("p", {class: "more", text: "Reported by:"}));
    article.appendChild(el("ul", {class: "reported-by"}, reporting.map(function (f) {
      return el("li", {"data-rule": f.rule}, [el("span", {class: "sev sev-" + f.severity, text: f.severity}), text(" "), el("code", {text: f.rule}), text(": " + f.message)]);
    })));
  }
  var verdictButton = null;
  Array.prototype.forEach.call(document.querySelectorAll("#matrix-body button.cell"), function (b) {
    if (b.getAttribute("data-feature") === r.feature && b.getAttribute("data-endpoint") === r.endpoint) verdictButton = b;
  });
  if (verdictButton) {
    var go = el("button", {type: "button", class: "close", text: "Show this cell in the verdict matrix"});
    go.addEventListener("click", function () { showView("verdicts"); openCell(r.feature, r.endpoint, verdictButton); });
    article.appendChild(el("p", null, [go]));
  }
  return article;
}
function openClientCell(feature, scope, name, button) {
  var cell = scopedCell(feature, scope, name);
  if (!cell) return;
  startPanel("client", button, [el("code", {text: feature}), text(" with "), el("code", {text: name}), text(" on " + scope.label)]);
  var notOk = cell.answers.filter(function (a) { return a.outcome !== "ok"; });
  panel.appendChild(el("p", {class: "case-meta"}, [
    outcomeBadge(cell.outcome),
    el("span", {text: name + (clientVersions[name] ? " " + clientVersions[name] : "")}),
    el("span", {text: plural(cell.answers.length, "answer") + ", " + notOk.length + " not ok"})
  ]));
  notOk.forEach(function (a) { panel.appendChild(answerNode(a, name)); });
  var ok = cell.answers.filter(function (a) { return a.outcome === "ok"; });
  if (ok.length) {
    panel.appendChild(el("p", {class: "muted answers-ok", text: (notOk.length ? "ok: " : "Every answer was handed over as the server meant it: ") +
      ok.map(function (a) { return a.result.case + " step " + a.step + (scope.endpoint === null ? " on " + a.result.endpoint : ""); }).join(", ")}));
  }
  showPanel("#client=" + encodeURIComponent(feature) + "@" + encodeURIComponent(scope.endpoint === null ? "" : scope.endpoint) + "@" + encodeURIComponent(name));
}

// The tabs: verdict view and client view, arrow keys between them as for any tab list.
var tabs = {verdicts: document.getElementById("tab-verdicts"), clients: document.getElementById("tab-clients")};
var viewPanels = {verdicts: document.getElementById("verdict-view"), clients: document.getElementById("client-view")};
function showView(name) {
  if (name === view) return;
  if (!panel.hidden) closePanel(false);
  view = name;
  Object.keys(tabs).forEach(function (k) {
    var on = k === name;
    tabs[k].setAttribute("aria-selected", on ? "true" : "false");
    tabs[k].tabIndex = on ? 0 : -1;
    viewPanels[k].hidden = !on;
  });
  Array.prototype.forEach.call(document.querySelectorAll(".for-verdicts"), function (n) { n.hidden = name !== "verdicts"; });
  Array.prototype.forEach.call(document.querySelectorAll(".for-clients"), function (n) { n.hidden = name !== "clients"; });
  applyFilters();
  setHash(name === "clients" ? "#view=clients" : "#");
}
Object.keys(tabs).forEach(function (name) {
  tabs[name].addEventListener("click", function () { showView(name); });
  tabs[name].addEventListener("keydown", function (event) {
    var order = Object.keys(tabs);
    var i = order.indexOf(name);
    var next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: order.length - 1}[event.key];
    if (next === undefined) return;
    event.preventDefault();
    var target = order[(next + order.length) % order.length];
    showView(target);
    tabs[target].focus();
  });
});

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
    var tr = el("tr", {"data-parameter": name}, [el("th", {scope: "row", class: "plain"}, [nameNode(name)])]);
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

// A matrix wider than its place scrolls in a box of its own (.scrolls in report.css) under a note
// that says so; one that fits is left to the page. The room changes with the window, the findings
// panel beside the matrix, the filters and the tabs: those call refitGrids() themselves (so the
// layout is right when they return), a ResizeObserver and the resize event catch the rest.
function fitGrid(wrapId, hintId, columns, first) {
  var wrap = document.getElementById(wrapId);
  var hint = document.getElementById(hintId);
  var table = wrap.querySelector("table");
  function update() {
    var count = table.tHead.rows[0].cells.length - 1;
    var wide = !table.hidden && table.getBoundingClientRect().width > wrap.clientWidth + 1;
    if (wrap.classList.contains("scrolls") !== wide) wrap.classList.toggle("scrolls", wide);
    hint.textContent = plural(count, columns) + (count === 1 ? " does" : " do") + " not fit side by side here: scroll the table sideways (the " + first + " column stays in place).";
    hint.hidden = !wide;
  }
  grids.push(update);
  if (typeof ResizeObserver === "function") {
    var observer = new ResizeObserver(update);
    observer.observe(wrap);
    observer.observe(table);
  }
}
function refitGrids() { grids.forEach(function (update) { update(); }); }
window.addEventListener("resize", refitGrids);
fitGrid("matrix-wrap", "matrix-scroll-hint", "endpoint", "feature");
fitGrid("client-wrap", "client-scroll-hint", "client", "feature");
fitGrid("parameters-wrap", "parameters-scroll-hint", "endpoint", "parameter");

buildClientView();
applyFilters();
// Links: report.html#cell=<feature>@<endpoint>, #view=clients, #client=<feature>@<endpoint or empty for all>@<client>.
(function openFromHash() {
  var hash = location.hash || "";
  function decode(parts) {
    try { return parts.map(decodeURIComponent); } catch (e) { return null; }
  }
  function find(selector, attrs) {
    var target = null;
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (b) {
      if (Object.keys(attrs).every(function (k) { return (b.getAttribute(k) || "") === attrs[k]; })) target = b;
    });
    return target;
  }
  var m = /^#cell=([^@]*)@(.*)$/.exec(hash);
  var parts;
  if (m && (parts = decode([m[1], m[2]]))) {
    var cell = find("#matrix-body button.cell", {"data-feature": parts[0], "data-endpoint": parts[1]});
    if (cell) openCell(parts[0], parts[1], cell);
    return;
  }
  if (hash === "#view=clients") { showView("clients"); return; }
  m = /^#client=([^@]*)@([^@]*)@(.*)$/.exec(hash);
  if (!m || !(parts = decode([m[1], m[2], m[3]]))) return;
  var index = -1;
  clientScopes.forEach(function (scope, i) { if ((scope.endpoint === null ? "" : scope.endpoint) === parts[1]) index = i; });
  if (index < 0) return;
  showView("clients");
  if (endpointSelect.selectedIndex !== index) { endpointSelect.selectedIndex = index; buildClientView(); applyFilters(); }
  var button = find("#client-body button.cell", {"data-feature": parts[0], "data-client": parts[2], "data-endpoint": parts[1]});
  if (button) openClientCell(parts[0], clientScopes[index], parts[2], button);
})();
})();
