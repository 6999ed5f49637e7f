"""report.html: one self-contained page to explore a run, rendered from report.json.

The page carries the report as JSON in a `<script type="application/json" id="report-data">`
block and draws itself from it with plain JavaScript: no framework, no external asset (no CDN,
font or image), so it opens from a CI artifact, a mail attachment or a `file://` path offline.
The CSS and JS are kept as files, `static/report.css` and `static/report.js` (package data, in
the wheel), and inlined into every page.

What it shows: a header (versions, mode, the real clients consulted with their versions, times,
a banner for an interrupted run, the verdict counts) and two views of the run, switched by tabs:

- the verdict matrix (features × endpoints, under a legend of what each verdict means; each cell a
  button with its verdict as colour *and* text, its findings by severity, and which clients break
  on or mis-assemble its answers, in words that agree with the colour: a failure that does not
  count against the endpoint, a client limitation or a baseline-known finding, is named as such),
  with a findings panel for the
  clicked cell (every case with its verdict, skip detail and command, parameter status, timings,
  what each real client made of its answers, and its findings sorted by severity with location,
  evidence, the rule's rationale and citation, baseline marks and one "breaks X" /
  "mis-assembles Y" label per client the finding's `clients` list names);
- the client matrix (features × clients for one endpoint, or all endpoints combined, from
  `client_matrix`; each cell the worst outcome as a mark, a word and a colour), with a panel for
  the clicked cell listing every answer that was not ok: case, endpoint, step, outcome, the
  client's detail and the findings that report it.

Layout: readable from 900 px up. A matrix (verdicts, clients, parameters) that fits leaves
scrolling to the page, its header row sticking to the window's top; one wider than its place
scrolls sideways in a box of its own, no taller than the window, with a sticky header row and
first column and a note above it saying so.

Filters: feature text (both views), severity checkboxes and "only cells with findings at the
checked severities" (verdict view), "only features a client fails on" (client view). Below: the
per-parameter status table and the endpoints.

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
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["render_html"]


@cache
def _asset(name: str) -> str:
    """A file of `static/` (package data, so an installed wheel has it): read once per process."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


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
            _asset("report.css"),
            "</style>\n</head>\n<body>\n",
            _BODY.replace("@TITLE@", safe_title),
            '<script type="application/json" id="report-data">\n',
            _embedded_json(report),
            "\n</script>\n<script>\n",
            _asset("report.js"),
            "</script>\n</body>\n</html>\n",
        )
    )


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
<div class="views" role="tablist" aria-label="Which matrix">
<button type="button" role="tab" id="tab-verdicts" aria-selected="true" aria-controls="verdict-view">Verdicts: features × endpoints</button>
<button type="button" role="tab" id="tab-clients" aria-selected="false" aria-controls="client-view" tabindex="-1">Clients: features × clients</button>
</div>
<div class="filters" role="search" aria-label="Filters">
<label>Filter features <input type="search" id="feature-filter" placeholder="e.g. tools or streaming" autocomplete="off" spellcheck="false"></label>
<fieldset id="severity-filter" class="for-verdicts"><legend>Show findings</legend>
<label><input type="checkbox" id="severity-error" value="error" checked> <span class="sev sev-error">error</span></label>
<label><input type="checkbox" id="severity-warning" value="warning" checked> <span class="sev sev-warning">warning</span></label>
<label><input type="checkbox" id="severity-info" value="info" checked> <span class="sev sev-info">info</span></label>
</fieldset>
<label class="for-verdicts"><input type="checkbox" id="only-with-findings"> only cells with findings at the checked severities</label>
<label class="for-clients" hidden>Endpoint <select id="client-endpoint"></select></label>
<label class="for-clients" hidden><input type="checkbox" id="only-client-failures"> only features a client breaks on or mis-assembles</label>
<span id="filter-status" class="muted" role="status" aria-live="polite"></span>
</div>
<div class="workspace" id="workspace">
<div class="view" id="verdict-view" role="tabpanel" aria-labelledby="tab-verdicts">
<p class="legend" id="matrix-about">Rows are features, columns are endpoints; a cell shows the worst verdict of its cases, its findings by severity, and the clients that break on or mis-assemble its answers. Click a cell for its findings.</p>
<p class="legend"><span class="badge v-fail">✗ fail</span> an error finding ·
<span class="badge v-warn">! warn</span> a warning, no error ·
<span class="badge v-flaky">≈ flaky</span> passed and failed over repeats ·
<span class="badge v-stale">↺ stale</span> the case’s request changed since it was recorded ·
<span class="badge v-pass">✓ pass</span> no error or warning ·
<span class="badge v-skip">– skip</span> not run, with why.
Info notes, findings the baseline knows, and client limitations (a client failing on an answer no rule faults) do not count against the endpoint.</p>
<p class="scroll-hint" id="matrix-scroll-hint" role="note" hidden></p>
<div class="table-wrap grid-wrap" id="matrix-wrap">
<table id="matrix" class="grid" aria-labelledby="tab-verdicts" aria-describedby="matrix-about">
<thead><tr id="matrix-head"><th scope="col">feature</th></tr></thead>
<tbody id="matrix-body"></tbody>
</table>
</div>
<p id="matrix-empty" class="muted" hidden>No results.</p>
</div>
<div class="view" id="client-view" role="tabpanel" aria-labelledby="tab-clients" hidden>
<p class="legend" id="client-caption">Rows are features, columns are the real client libraries the run consulted; a cell shows the worst outcome over the answers of the feature’s cases. Features whose answers no client was given are left out. Click a cell for the answers that were not ok.</p>
<p class="legend"><span class="badge o-ok">✓ ok</span> handed over what the server meant ·
<span class="badge o-mis-assembles">≠ mis-assembles</span> handed over something else ·
<span class="badge o-breaks">✗ breaks</span> raised ·
<span class="badge o-not-run">– not-run</span> the client could not be given the request</p>
<p class="scroll-hint" id="client-scroll-hint" role="note" hidden></p>
<div class="table-wrap grid-wrap" id="client-wrap">
<table id="client-matrix" class="grid" aria-labelledby="tab-clients" aria-describedby="client-caption">
<thead><tr id="client-head"><th scope="col">feature</th></tr></thead>
<tbody id="client-body"></tbody>
</table>
</div>
<p id="client-empty" class="muted" hidden></p>
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
<p class="legend" id="parameters-about">What each endpoint does with each request parameter a case is about.</p>
<p class="scroll-hint" id="parameters-scroll-hint" role="note" hidden></p>
<div class="table-wrap grid-wrap" id="parameters-wrap"><table id="parameters-table" class="grid" aria-labelledby="parameters-heading" aria-describedby="parameters-about">
<thead><tr id="parameters-head"><th scope="col" class="plain">parameter</th></tr></thead>
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
