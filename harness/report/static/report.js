(function () {
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
