"""report.html: the self-contained page, checked as a string and in a real headless Chromium.

The base data is a real run: the bundled recordings replayed through the CLI (one endpoint,
`vertex-docs`, where `stream-function-call-arguments` fails with many findings, one of them the
real openai-python client raising IndexError, and the three other clients mis-assembling the
answer). For what that run lacks, the test adds a second, made-up endpoint `local-vllm` with
hand-written results (pass, warn, flaky, stale, the four parameter statuses, a baseline-known
finding, a feature only it has, client outcomes including not-run, and finding and client text
that tries to break out of the page) and rebuilds the report with `build_report`, as a real run
would.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.report import build_report, render_junit, render_markdown, strip_volatile
from harness.report._html import _asset, render_html
from harness.report._log import RunRecord
from harness.runner import CaseResult

from .browser import INSTALL_HINT, chromium, console_errors, require_browser

FAILING = ("tools.streamed-arguments", "vertex-docs")
FAILING_CASE = "stream-function-call-arguments"
SCRIPT_BREAKOUT = "</script><script>alert(1)</script>"
TAG_INJECTION = '<img src=x onerror="window.__xss=1"><!--<script>'
LOCAL = "local-vllm"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> tuple[dict, Path]:
    """report.json of a replay of the bundled recordings, and the folder the CLI wrote it to."""
    report_dir = tmp_path_factory.mktemp("replay")
    outcome = CliRunner().invoke(cli, ["run", "--endpoint", "vertex-docs", "--report-dir", str(report_dir), "--quiet"])
    assert outcome.exit_code in (0, 1), outcome.output
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8")), report_dir


def _finding(rule, severity, message, **extra):
    return {"rule": rule, "severity": severity, "message": message, "location": {"step": "main", "attempt": 1}, **extra}


CLIENT_NAMES = ("openai-python", "openai-node", "ai-sdk", "langchain-openai")
HOSTILE_DETAIL = "raised ValueError: " + SCRIPT_BREAKOUT + TAG_INJECTION
NOT_RUN_DETAIL = "generateText: not-run (the client refused the request before sending it)"


def _exchange(step: str, **outcomes) -> dict:
    """One step's client outcomes: every client ok unless named (keyword: name with _ for -)."""
    clients = []
    for name in CLIENT_NAMES:
        outcome, detail = outcomes.get(name.replace("-", "_"), ("ok", "stream+final: ok"))
        clients.append({"name": name, "version": "1.0", "outcome": outcome, "detail": detail})
    return {"step": step, "clients": clients}


def _local_results() -> list[dict]:
    """Made-up results of a second endpoint: every verdict, parameter status and mark the page shows."""

    def result(case, feature, verdict, findings=(), **extra):
        return {"case": case, "endpoint": LOCAL, "feature": feature, "verdict": verdict, "findings": list(findings), "duration_s": 0.5, **extra}

    breaks = {"name": "openai-python", "version": "1.0", "outcome": "breaks", "detail": HOSTILE_DETAIL}
    return [
        result(FAILING_CASE, FAILING[0], "pass", timings={"headers_s": 0.12, "first_chunk_s": 0.2, "total_s": 1.5}, exchanges=[_exchange("weather")]),
        result(
            "gemini-chat",
            "chat.basic",
            "warn",
            [
                _finding("usage.stream", "warning", "usage oddity " + SCRIPT_BREAKOUT, evidence=TAG_INJECTION, clients=[breaks]),
                _finding("choice.after-finish", "error", "content after finish_reason", known="vllm issue 1234: accepted until fixed"),
                _finding("schema.response", "info", "an extra field system_fingerprint2 is not in the schema"),
            ],
            exchanges=[_exchange("main", openai_python=("breaks", HOSTILE_DETAIL), ai_sdk=("not-run", NOT_RUN_DETAIL))],
        ),
        result("gemini-chat-stream", "streaming.basic", "flaky", [_finding("sse.done", "error", "the stream ends without [DONE]")], runs=["pass", "fail", "pass"]),
        result(
            "error-unknown-model",
            "errors.unknown-model",
            "stale",
            [_finding("recording.stale", "error", "the recording was made for another request")],
            detail="the request changed since it was recorded: /model differs",
            command=f"chat-conformance run --mode record --endpoint {LOCAL} --case error-unknown-model",
        ),
        result("param-seed", "params.seed", "pass", parameter="seed"),
        result("param-n", "params.n", "fail", [_finding("params.n", "error", "n=2 asked, 1 choice(s) returned: the parameter is ignored", parameter="n", effect="ignored")], parameter="n"),
        result("param-stop", "params.stop", "pass", [_finding("http.status", "info", "rejected with 400 and an error body", parameter="stop", effect="rejected")], parameter="stop"),
        result("param-max-tokens", "params.max-tokens", "fail", [_finding("http.server-error", "error", "500 Internal Server Error", parameter="max_tokens", effect="server-failure")], parameter="max_tokens"),
        result("local-only", "local.only-feature", "pass"),
    ]


@pytest.fixture(scope="module")
def rich(replayed) -> dict:
    """The replayed report plus the made-up `local-vllm` endpoint, rebuilt by build_report (interrupted run)."""
    base = copy.deepcopy(replayed[0])
    header = {k: base[k] for k in ("harness_version", "clients", "mode", "started", "repeat", "baseline", "rules")}
    header["endpoints"] = base["endpoints"] + [
        {"name": LOCAL, "kind": "openai-compatible", "profile": "openai", "model": "Qwen/Qwen3-0.6B", "url": "http://127.0.0.1:8000/v1/chat/completions"}
    ]
    header["cases"] = base["cases"] + [
        {"id": "local-only", "title": "A case only the local endpoint runs", "feature": "local.only-feature", "tags": [], "parameter": None, "source": {}}
    ]
    results = [CaseResult.from_json(r) for r in base["results"] + _local_results()]
    record = RunRecord(header=header, results=results, end={"finished": base["finished"], "interrupted": True})
    return build_report(record)


# --- The page as a string -------------------------------------------------------------------------


class _Scripts(HTMLParser):
    """Collects the script elements as the HTML tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def _scripts(page: str) -> list[tuple[dict, str]]:
    parser = _Scripts()
    parser.feed(page)
    return parser.scripts


def test_page_is_self_contained(rich):
    page = render_html(rich)
    assert page.startswith("<!DOCTYPE html>")
    # No src= or href= reaches out: no http(s) URL and no protocol-relative //host.
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page, re.IGNORECASE)
    assert not re.search(r"<link\b|@import|url\(\s*['\"]?\s*(?:https?:|//)", page, re.IGNORECASE)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page and "document.write" not in page
    scripts = _scripts(page)
    assert [attrs.get("type") for attrs, _ in scripts] == ["application/json", None]
    assert scripts[0][0]["id"] == "report-data"


def test_embedded_data_is_the_report(rich):
    (attrs, data), _ = _scripts(render_html(rich))
    assert json.loads(data) == rich


def test_embedded_data_includes_the_client_matrix(rich):
    (_, data), _ = _scripts(render_html(rich))
    embedded = json.loads(data)
    assert embedded["client_matrix"] == rich["client_matrix"]
    assert embedded["client_matrix"]["clients"] == list(CLIENT_NAMES)
    cell = embedded["client_matrix"]["cells"][FAILING[0]][FAILING[1]]
    assert cell["openai-python"]["outcome"] == "breaks" and cell["openai-node"]["outcome"] == "mis-assembles"
    assert embedded["clients"] == rich["clients"] and "client" not in embedded


def test_page_names_no_client_of_its_own():
    """Which client a finding breaks comes from the data: the script hard-codes no client name and
    no rule-id prefix to guess one from."""
    script = _asset("report.js")
    for name in (*CLIENT_NAMES, "client."):
        assert name not in script
    assert "report.client_matrix" in script and "report.clients" in script


def test_finding_text_cannot_end_the_script(rich):
    page = render_html(rich)
    assert SCRIPT_BREAKOUT not in page and TAG_INJECTION not in page
    assert "<\\/script><script>alert(1)<\\/script>" in page
    assert "<!--" not in page  # would put the tokenizer in the script's escaped state
    assert page.count("</script>") == 2
    scripts = _scripts(page)
    assert len(scripts) == 2
    messages = [f["message"] for r in json.loads(scripts[0][1])["results"] for f in r["findings"]]
    assert "usage oddity " + SCRIPT_BREAKOUT in messages


def test_title_is_escaped(rich):
    page = render_html(rich, title='<b>"Vertex" & co</b>')
    assert "<title>&lt;b&gt;&quot;Vertex&quot; &amp; co&lt;/b&gt;</title>" in page
    assert "<b>" not in page.split('<script type="application/json"')[0]


def test_output_is_deterministic(rich):
    first = render_html(rich)
    assert render_html(copy.deepcopy(rich)) == first
    # No clock of its own: without the run's times, no timestamp is left anywhere in the page.
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", render_html(strip_volatile(rich)))


def test_non_finite_numbers_do_not_break_the_json(rich):
    report = copy.deepcopy(rich)
    report["results"][0]["duration_s"] = float("nan")
    (_, data), _ = _scripts(render_html(report))
    assert json.loads(data)["results"][0]["duration_s"] is None


def test_write_reports_writes_the_same_page(replayed):
    report, report_dir = replayed
    assert (report_dir / "report.html").read_text(encoding="utf-8") == render_html(report)
    # The siblings render the same dict; the page must not have changed it on the way.
    assert render_markdown(report) and render_junit(report)


# --- The page in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def _load(driver, report: dict, tmp_path: Path, name: str = "report.html"):
    path = tmp_path / name
    path.write_text(render_html(report), encoding="utf-8")
    driver.get(path.as_uri())
    return path


def Select(element):  # noqa: N802 - selenium's class, imported late like By
    from selenium.webdriver.support.select import Select as _Select

    return _Select(element)


def _by(selector: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, selector


def _cell(driver, feature: str, endpoint: str):
    return driver.find_element(*_by(f'button.cell[data-feature="{feature}"][data-endpoint="{endpoint}"]'))


def _click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _shown_features(driver) -> list[str]:
    """The features of the matrix rows a person sees (one round trip, not one per row)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#matrix-body tr'))"
        ".filter(function (tr) { return tr.getClientRects().length > 0; })"
        ".map(function (tr) { return tr.getAttribute('data-feature'); });"
    )


@pytest.mark.browser
def test_browser_is_installed():
    """Fails, never skips, when the browser is missing: the message names .ci/install-browser."""
    require_browser()
    assert ".ci/install-browser" in INSTALL_HINT


@pytest.mark.browser
def test_clicking_a_failing_cell_shows_its_findings(browser, rich, tmp_path):
    started = time.monotonic()
    _load(browser, rich, tmp_path)
    panel = browser.find_element(*_by("#findings-panel"))
    assert not panel.is_displayed()
    assert "interrupted: partial results" in browser.find_element(*_by("#interrupted-banner")).text

    cell = _cell(browser, *FAILING)
    assert cell.get_attribute("data-verdict") == "fail" and "fail" in cell.text  # the verdict as text, not only colour
    # The cell's client hint comes from its findings' `clients` lists.
    assert "breaks openai-python" in cell.text and "mis-assembles openai-node, ai-sdk, langchain-openai" in cell.text
    assert "breaks" not in _cell(browser, FAILING[0], LOCAL).text  # every client was ok there
    _click(browser, cell)

    assert panel.is_displayed()
    assert cell.get_attribute("aria-pressed") == "true"
    text = panel.text
    assert FAILING_CASE in text
    assert "tool-calls.index-stable" in text
    assert "breaks openai-python" in text
    assert "IndexError" in text
    assert rich["rules"]["tool-calls.index-stable"]["rationale"] in text
    # Findings most severe first, those that fail a client first among equals; evidence as text in a <pre>.
    findings = panel.find_elements(*_by(f'article[data-case="{FAILING_CASE}"] li.finding'))
    severities = [f.get_attribute("data-severity") for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert [f.get_attribute("data-rule") for f in findings[:2]] == ["tool-calls.index", "delta.repeated-fields"]

    def labels(finding):
        return [(x.get_attribute("data-outcome"), x.get_attribute("data-client")) for x in finding.find_elements(*_by(".finding-head .label[data-client]"))]

    # One label per client the finding's `clients` names, the client's detail on hover and on expand.
    assert labels(findings[0]) == [("breaks", "openai-python")]
    label = findings[0].find_element(*_by(".finding-head .label[data-client]"))
    assert label.text == "breaks openai-python" and "IndexError" in label.get_attribute("title")
    _click(browser, findings[0].find_element(*_by("details.client-details summary")))
    assert "list index out of range at event 0" in findings[0].find_element(*_by("details.client-details")).text
    assert labels(findings[1]) == [("mis-assembles", n) for n in ("openai-node", "ai-sdk", "langchain-openai")]
    # Its message names openai-python, which the old page took for a label: the data says otherwise.
    assert "openai-python" in findings[1].find_element(*_by(".message")).text
    assert sum(len(labels(f)) for f in findings) == 4
    # The case's own summary: every client that was not ok, with its detail.
    box = panel.find_element(*_by(f'article[data-case="{FAILING_CASE}"] .breakage'))
    assert [li.get_attribute("data-client") for li in box.find_elements(*_by("li"))] == list(CLIENT_NAMES)
    evidence = panel.find_elements(*_by("pre.evidence"))
    assert any("had index 1, now 0" in e.text for e in evidence)
    assert console_errors(browser) == []

    shot = Path(os.environ.get("CHAT_CONFORMANCE_SCREENSHOT") or tmp_path / "report.png")
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(shot))
    assert time.monotonic() - started < 30


@pytest.mark.browser
def test_feature_filter_hides_rows(browser, rich, tmp_path):
    _load(browser, rich, tmp_path)
    everything = _shown_features(browser)
    assert everything == rich["matrix"]["features"]
    box = browser.find_element(*_by("#feature-filter"))
    box.send_keys("tools.stream")
    assert _shown_features(browser) == ["tools.streamed-arguments"]
    assert "1 of" in browser.find_element(*_by("#filter-status")).text
    box.clear()
    box.send_keys("PARAMS. max")  # case-insensitive; every word must match
    assert _shown_features(browser) == ["params.max-completion-tokens", "params.max-tokens"]
    browser.execute_script("var b = arguments[0]; b.value = ''; b.dispatchEvent(new Event('input'))", box)
    assert _shown_features(browser) == everything


@pytest.mark.browser
def test_severity_checkboxes_filter_panel_and_matrix(browser, rich, tmp_path):
    _load(browser, rich, tmp_path)
    _click(browser, _cell(browser, *FAILING))
    panel = browser.find_element(*_by("#findings-panel"))

    def shown(severity):
        return [f for f in panel.find_elements(*_by(f'li.finding[data-severity="{severity}"]')) if f.is_displayed()]

    assert shown("warning") and shown("error")
    warning_box = browser.find_element(*_by("#severity-warning"))
    _click(browser, warning_box)
    assert not warning_box.is_selected()
    assert shown("warning") == [] and shown("error")
    assert "hidden by the severity filter" in panel.text
    _click(browser, warning_box)
    assert shown("warning")

    # Only cells with an error finding: the failing cell stays, skipped and clean cells go.
    _click(browser, browser.find_element(*_by("#severity-warning")))
    _click(browser, browser.find_element(*_by("#severity-info")))
    _click(browser, browser.find_element(*_by("#only-with-findings")))
    features = _shown_features(browser)
    assert "tools.streamed-arguments" in features and "chat.basic" in features  # its known error counts
    assert "params.seed" not in features and "multimodal.image-data-uri" not in features
    assert not _cell(browser, "tools.streamed-arguments", LOCAL).is_displayed()  # a pass with no findings
    _click(browser, browser.find_element(*_by("#severity-error")))
    _click(browser, browser.find_element(*_by("#severity-info")))
    assert "output.image-generation" in _shown_features(browser)  # info findings only
    assert "tools.streamed-arguments" not in _shown_features(browser)


@pytest.mark.browser
def test_hostile_text_is_shown_as_text(browser, rich, tmp_path):
    _load(browser, rich, tmp_path)
    _click(browser, _cell(browser, "chat.basic", LOCAL))  # raises UnexpectedAlertPresent if alert() ran
    panel = browser.find_element(*_by("#findings-panel"))
    assert SCRIPT_BREAKOUT in panel.text
    assert TAG_INJECTION in panel.find_element(*_by("pre.evidence")).text
    assert HOSTILE_DETAIL in panel.find_element(*_by('.breakage li[data-client="openai-python"]')).text
    assert HOSTILE_DETAIL == panel.find_element(*_by('.finding-head .label[data-client="openai-python"]')).get_attribute("title")
    assert browser.execute_script("return window.__xss === undefined && document.querySelectorAll('img').length === 0")
    assert "known (baseline)" in panel.text and "vllm issue 1234" in panel.text
    # The same text in the client view's panel.
    _click(browser, browser.find_element(*_by("#tab-clients")))
    Select(browser.find_element(*_by("#client-endpoint"))).select_by_index(1)  # local-vllm
    _click(browser, _client_cell(browser, "chat.basic", "openai-python", LOCAL))
    assert HOSTILE_DETAIL == panel.find_element(*_by("pre.client-detail")).text
    assert browser.execute_script("return window.__xss === undefined && document.querySelectorAll('img').length === 0")
    assert console_errors(browser) == []


@pytest.mark.browser
def test_cells_parameters_and_skips(browser, rich, tmp_path):
    _load(browser, rich, tmp_path)
    # No case of the feature applies to the endpoint: an empty cell, no button.
    empty = browser.find_element(*_by('td[data-feature="local.only-feature"][data-endpoint="vertex-docs"]'))
    assert empty.find_elements(*_by("button")) == [] and empty.text == ""
    assert _cell(browser, "local.only-feature", LOCAL).text.startswith("✓ pass")

    statuses = {
        row.get_attribute("data-parameter"): [td.text for td in row.find_elements(*_by("td"))]
        for row in browser.find_elements(*_by("#parameters-body tr"))
    }
    assert statuses == {"max_tokens": ["", "broken"], "n": ["", "ignored"], "seed": ["", "honoured"], "stop": ["", "rejected"]}

    summary = browser.find_element(*_by("#summary")).text
    for verdict, count in rich["summary"]["verdicts"].items():
        assert f"{count} {verdict}" in summary

    _click(browser, _cell(browser, "errors.unknown-model", LOCAL))
    panel = browser.find_element(*_by("#findings-panel"))
    assert "stale" in panel.text and "chat-conformance run --mode record --endpoint local-vllm" in panel.text
    _click(browser, _cell(browser, "streaming.basic", LOCAL))
    assert "pass, fail, pass" in panel.text and "pass rate 67%" in panel.text
    _click(browser, _cell(browser, "params.n", LOCAL))
    assert "ignored" in panel.find_element(*_by(".kv")).text
    _click(browser, _cell(browser, FAILING[0], LOCAL))
    assert "headers 0.120 s" in panel.text

    from selenium.webdriver.common.keys import Keys

    panel.send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()


@pytest.mark.browser
def test_sample_without_extras_is_not_interrupted(browser, replayed, tmp_path):
    report = replayed[0]
    _load(browser, report, tmp_path)
    assert not browser.find_element(*_by("#interrupted-banner")).is_displayed()
    assert "no parameter was judged" in browser.find_element(*_by("#parameters-section")).text.lower()
    header = browser.find_element(*_by("header")).text
    assert [c["name"] for c in report["clients"]] == list(CLIENT_NAMES)
    assert "clients " + ", ".join(f"{c['name']} {c['version']}" for c in report["clients"]) in header
    assert f"mode {report['mode']}" in header


def _client_cell(driver, feature: str, client: str, endpoint: str | None):
    """A cell of the client view; endpoint None is the "all endpoints" table."""
    where = f'[data-endpoint="{endpoint}"]' if endpoint else '[data-scope="all"]'
    return driver.find_element(*_by(f'#client-body button.cell[data-feature="{feature}"][data-client="{client}"]{where}'))


def _shown_client_features(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#client-body tr'))"
        ".filter(function (tr) { return tr.getClientRects().length > 0; })"
        ".map(function (tr) { return tr.getAttribute('data-feature'); });"
    )


@pytest.mark.browser
def test_client_view_shows_which_feature_breaks_which_client(browser, replayed):
    """The page the CLI wrote for the bundled replay: openai-python raises IndexError on Google's
    sample stream of parallel function calls, openai-node hands over a wrong call id."""
    from selenium.webdriver.common.keys import Keys

    _, report_dir = replayed
    browser.get((report_dir / "report.html").as_uri())
    assert not browser.find_element(*_by("#client-view")).is_displayed()
    tab = browser.find_element(*_by("#tab-clients"))
    _click(browser, tab)
    assert tab.get_attribute("aria-selected") == "true"
    assert not browser.find_element(*_by("#verdict-view")).is_displayed()
    assert not browser.find_element(*_by("#severity-filter")).is_displayed()  # verdict-view filters go with it
    # The endpoint shown first is the first where a client fails.
    chosen = Select(browser.find_element(*_by("#client-endpoint"))).first_selected_option
    assert chosen.text.startswith("vertex-docs (1 breaks, ")  # with how many cells of each outcome
    heads = [th.text for th in browser.find_elements(*_by("#client-head th"))]
    assert heads == ["feature", *CLIENT_NAMES]

    cell = _client_cell(browser, FAILING[0], "openai-python", FAILING[1])
    assert cell.get_attribute("data-outcome") == "breaks" and cell.text.startswith("✗ breaks")  # text, not only colour
    node = _client_cell(browser, FAILING[0], "openai-node", FAILING[1])
    assert node.get_attribute("data-outcome") == "mis-assembles" and node.text.startswith("≠ mis-assembles")
    _click(browser, cell)
    panel = browser.find_element(*_by("#findings-panel"))
    assert panel.is_displayed() and cell.get_attribute("aria-pressed") == "true"
    answer = panel.find_element(*_by(f'article.answer[data-case="{FAILING_CASE}"]'))
    assert answer.get_attribute("data-endpoint") == "vertex-docs" and answer.get_attribute("data-step") == "weather"
    assert answer.get_attribute("data-outcome") == "breaks"
    assert "IndexError" in answer.find_element(*_by("pre.client-detail")).text
    assert "tool-calls.index" in answer.find_element(*_by("ul.reported-by")).text  # the finding that reports it

    # Keyboard: Escape gives focus back to the cell; Enter on another cell opens it.
    panel.send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()
    assert browser.switch_to.active_element == cell
    node.send_keys(Keys.ENTER)
    assert panel.is_displayed() and "mis-assembles" in panel.text and "tool_calls/0/id" in panel.text

    # The feature filter filters this view's rows too; the other views' filters stay out of it.
    box = browser.find_element(*_by("#feature-filter"))
    box.send_keys("tools.stream")
    assert _shown_client_features(browser) == [FAILING[0]]
    box.clear()
    box.send_keys("no-such-feature")
    assert _shown_client_features(browser) == []
    assert "0 of" in browser.find_element(*_by("#filter-status")).text

    # Back to the verdicts with the arrow key, as in any tab list.
    tab.send_keys(Keys.ARROW_LEFT)
    assert browser.find_element(*_by("#tab-verdicts")).get_attribute("aria-selected") == "true"
    assert browser.find_element(*_by("#verdict-view")).is_displayed() and not panel.is_displayed()
    assert _shown_features(browser) == []  # the filter text still applies
    assert console_errors(browser) == []


@pytest.mark.browser
def test_client_view_endpoints_combined_and_not_run(browser, rich, tmp_path):
    _load(browser, rich, tmp_path)
    _click(browser, browser.find_element(*_by("#tab-clients")))
    select = Select(browser.find_element(*_by("#client-endpoint")))
    assert [o.text.split(" (")[0] for o in select.options] == ["vertex-docs", LOCAL, "all endpoints"]
    select.select_by_visible_text("all endpoints")
    # Worst outcome over every endpoint, the failing endpoints named in the cell.
    python = _client_cell(browser, FAILING[0], "openai-python", None)
    assert python.get_attribute("data-outcome") == "breaks" and "on vertex-docs" in python.text  # local-vllm was ok
    chat = _client_cell(browser, "chat.basic", "openai-python", None)
    assert chat.get_attribute("data-outcome") == "breaks" and f"on {LOCAL}" in chat.text
    # A client that could not be given the request: not-run, with why in the panel.
    not_run = _client_cell(browser, "chat.basic", "ai-sdk", None)
    assert not_run.get_attribute("data-outcome") == "not-run" and not_run.text.startswith("– not-run")
    _click(browser, not_run)
    panel = browser.find_element(*_by("#findings-panel"))
    answer = panel.find_element(*_by("article.answer"))
    assert answer.get_attribute("data-endpoint") == LOCAL and answer.get_attribute("data-outcome") == "not-run"
    assert NOT_RUN_DETAIL in answer.text
    # An ok cell lists no answer, only says all were fine.
    _click(browser, _client_cell(browser, "chat.basic", "openai-node", None))
    assert panel.find_elements(*_by("article.answer")) == [] and "Every answer was handed over" in panel.text
    # Only the features some client fails on.
    assert "tools.multimodal-function-response" in _shown_client_features(browser)
    _click(browser, browser.find_element(*_by("#only-client-failures")))
    assert _shown_client_features(browser) == ["chat.basic", "output.image-generation", FAILING[0]]
    # From an answer to its verdict cell.
    _click(browser, _client_cell(browser, FAILING[0], "openai-python", None))
    _click(browser, panel.find_element(*_by("article.answer button")))
    assert browser.find_element(*_by("#tab-verdicts")).get_attribute("aria-selected") == "true"
    assert _cell(browser, *FAILING).get_attribute("aria-pressed") == "true" and FAILING_CASE in panel.text
    assert console_errors(browser) == []


@pytest.mark.browser
def test_client_view_starts_on_the_first_endpoint_where_a_client_fails(browser, rich, tmp_path):
    """local-vllm listed first, with nothing worse than a client that was not run: vertex-docs is shown."""
    base = copy.deepcopy(rich)
    header = {k: base[k] for k in ("harness_version", "clients", "mode", "started", "repeat", "baseline", "rules", "cases")}
    header["endpoints"] = base["endpoints"][::-1]
    for r in base["results"]:
        if r["endpoint"] == LOCAL and r["case"] == "gemini-chat":
            r["exchanges"] = [_exchange("main", ai_sdk=("not-run", NOT_RUN_DETAIL))]
            r["findings"] = [{k: v for k, v in f.items() if k != "clients"} for f in r["findings"]]
    report = build_report(RunRecord(header=header, results=[CaseResult.from_json(r) for r in base["results"]], end={"finished": None, "interrupted": False}))
    assert report["matrix"]["endpoints"] == [LOCAL, "vertex-docs"]
    _load(browser, report, tmp_path)
    _click(browser, browser.find_element(*_by("#tab-clients")))
    options = [o.text for o in Select(browser.find_element(*_by("#client-endpoint"))).options]
    assert options[0] == f"{LOCAL} (1 not-run)"
    assert Select(browser.find_element(*_by("#client-endpoint"))).first_selected_option.text.startswith("vertex-docs (1 breaks")
    assert _client_cell(browser, FAILING[0], "openai-python", "vertex-docs").get_attribute("data-outcome") == "breaks"


@pytest.mark.browser
def test_run_without_clients(browser, rich, tmp_path):
    """`--clients none`: the header says so and the client view explains its emptiness."""
    base = copy.deepcopy(rich)
    header = {k: base[k] for k in ("harness_version", "mode", "started", "repeat", "baseline", "rules", "endpoints", "cases")}
    header["clients"] = []
    for r in base["results"]:
        r.pop("exchanges", None)
        for f in r["findings"]:
            f.pop("clients", None)
    report = build_report(RunRecord(header=header, results=[CaseResult.from_json(r) for r in base["results"]], end={"finished": None, "interrupted": False}))
    assert report["clients"] == [] and report["client_matrix"] == {"clients": [], "cells": {}}
    _load(browser, report, tmp_path)
    assert "no clients consulted" in browser.find_element(*_by("#run-meta")).text
    assert "breaks" not in browser.find_element(*_by("#matrix")).text
    _click(browser, browser.find_element(*_by("#tab-clients")))
    assert "No real client was consulted" in browser.find_element(*_by("#client-empty")).text
    assert not browser.find_element(*_by("#client-matrix")).is_displayed()
    assert console_errors(browser) == []


# --- What a cell's words say, and the page at 900 and 1400 px -----------------------------------

IMAGE_CELL = ("output.image-generation", "vertex-docs")


@pytest.mark.browser
def test_pass_cell_says_why_a_client_failure_does_not_fail_it(browser, replayed):
    """Google's image-generation sample passes every rule under the vertex profile (reasoning tokens
    counted outside completion, as Vertex documents), and ai-sdk, which adds prompt and completion
    for its total, reports fewer tokens: a `client.ai-sdk` *limitation*, an info note. The green
    cell must say that, not "mis-assembles ai-sdk" like a failing cell."""
    report, report_dir = replayed
    result = next(r for r in report["results"] if (r["feature"], r["endpoint"]) == IMAGE_CELL)
    carrying = [f for f in result["findings"] if f.get("clients")]
    assert result["verdict"] == "pass" and [(f["rule"], f["code"], f["severity"]) for f in carrying] == [("client.ai-sdk", "limitation", "info")]
    assert [f["severity"] for f in result["findings"]] == ["info"] * 3

    browser.get((report_dir / "report.html").as_uri())
    cell = _cell(browser, *IMAGE_CELL)
    assert cell.get_attribute("data-verdict") == "pass"
    assert cell.text == "✓ pass\n3 info notes · client limitation: ai-sdk mis-assembles an answer no rule faults"
    label = cell.get_attribute("aria-label")
    assert "pass; findings: 3 info notes; client limitation: ai-sdk mis-assembles an answer no rule faults." in label
    # A failing cell keeps naming the clients its findings break, as before.
    failing = _cell(browser, *FAILING).text
    assert "breaks openai-python; mis-assembles openai-node, ai-sdk, langchain-openai" in failing and "limitation" not in failing


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> Path:
    """report.html of `chat-conformance run` over every bundled endpoint (what reports/latest holds)."""
    report_dir = tmp_path_factory.mktemp("full-run")
    outcome = CliRunner().invoke(cli, ["run", "--report-dir", str(report_dir), "--quiet"])
    assert outcome.exit_code in (0, 1), outcome.output
    assert len(json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["matrix"]["endpoints"]) >= 7
    return report_dir / "report.html"


@pytest.fixture(scope="module")
def wide(full_run, tmp_path_factory) -> tuple[Path, int]:
    """The full run with every endpoint twice more (copies under other names): more columns than
    fit at 1400 px, as a user with many servers gets."""
    base = json.loads((full_run.parent / "report.json").read_text(encoding="utf-8"))
    header = {k: base[k] for k in ("harness_version", "clients", "mode", "started", "repeat", "baseline", "rules", "cases")}
    header["endpoints"], results = list(base["endpoints"]), list(base["results"])
    for copy_number in (2, 3):
        header["endpoints"] += [{**e, "name": f"{e['name']}-{copy_number}"} for e in base["endpoints"]]
        results += [{**r, "endpoint": f"{r['endpoint']}-{copy_number}"} for r in base["results"]]
    report = build_report(RunRecord(header=header, results=[CaseResult.from_json(r) for r in results], end={"finished": base["finished"], "interrupted": False}))
    assert len(report["matrix"]["endpoints"]) == 3 * len(base["endpoints"])
    path = tmp_path_factory.mktemp("wide") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path, len(report["matrix"]["endpoints"])


@pytest.fixture
def window(browser):
    """Sets the browser's viewport width for one test, and puts the module's 1400 px back after."""

    def resize(width: int) -> None:
        browser.set_window_size(width, 1000)
        assert browser.execute_script("return window.innerWidth") == width

    yield resize
    browser.set_window_size(1400, 1000)


GRIDS = ("matrix", "client-matrix", "parameters-table")  # the tables that may scroll in a box of their own

# Text the reader cannot see without scrolling the page sideways, or that a box with hidden or
# scrolled overflow cuts at its edge. The cells of GRIDS are left to _REACH below: they may scroll
# inside their own box, which is fine as long as every cell can be reached there.
_CUT_TEXT = """
var GRIDS = arguments[0];
var viewport = document.documentElement.clientWidth, cut = [];
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  var node = walker.currentNode, parent = node.parentElement;
  if (!node.nodeValue.trim() || !parent || parent.closest('script, ' + GRIDS.map(function (id) { return '#' + id + ' td, #' + id + ' th'; }).join(', '))) continue;
  var range = document.createRange();
  range.selectNodeContents(node);
  var right = viewport, left = 0;
  for (var a = parent; a && a !== document.documentElement; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') {
      var box = a.getBoundingClientRect();
      right = Math.min(right, box.right); left = Math.max(left, box.left);
    }
  }
  Array.prototype.forEach.call(range.getClientRects(), function (r) {
    if (r.width > 0 && (r.right > right + 0.5 || r.left < left - 0.5)) cut.push(node.nodeValue.trim().slice(0, 60) + ' [' + Math.round(r.left) + '-' + Math.round(r.right) + ' of ' + Math.round(left) + '-' + Math.round(right) + ']');
  });
}
return cut;
"""

# Can a person reach every column and row of a matrix? A matrix that fits its box is read by
# scrolling the page: each of the corner header, the last column's header, the last row's feature
# and its last cell, scrolled into view, must be on screen and not covered. A matrix wider than its
# box scrolls inside it: the page is scrolled so the box is at the top of the window and the box as
# far right and down as it goes; the four must then be on screen together (the feature column and
# the header row stay put), and the box no taller than the window, so that its horizontal scrollbar
# shows together with its top rather than a screenful of rows below.
_REACH = """
var table = document.getElementById(arguments[0]);
var box = table.parentElement;
while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
var wider = box !== document.body && table.getBoundingClientRect().width > box.clientWidth + 0.5;
var rows = table.querySelectorAll('tbody tr:not([hidden])'), last = rows[rows.length - 1];
var heads = table.querySelectorAll('thead th');
var targets = {corner: heads[0], 'last header': heads[heads.length - 1], 'last feature': last.querySelector('th'), 'last cell': last.lastElementChild};
function seen(t) {
  var r = t.getBoundingClientRect();
  var x = Math.min(r.right - 2, (r.left + r.right) / 2), y = Math.min(r.bottom - 2, (r.top + r.bottom) / 2);
  var hit = document.elementFromPoint(x, y);
  return !!hit && (hit === t || t.contains(hit));
}
var result = {};
if (wider) {
  box.scrollIntoView({block: 'start'});
  box.scrollLeft = box.scrollWidth;
  box.scrollTop = box.scrollHeight;
  Object.keys(targets).forEach(function (name) { result[name] = seen(targets[name]); });
} else {
  Object.keys(targets).forEach(function (name) { targets[name].scrollIntoView({block: 'nearest'}); result[name] = seen(targets[name]); });
}
return {seen: result, wider: wider, boxHeight: wider ? box.getBoundingClientRect().height : null, viewportHeight: window.innerHeight,
        pageWidth: document.documentElement.scrollWidth, viewportWidth: document.documentElement.clientWidth};
"""


def _assert_readable(driver, matrix_id: str) -> None:
    cut = driver.execute_script(_CUT_TEXT, list(GRIDS))
    assert cut == [], f"text cut off at {driver.execute_script('return innerWidth')} px: {cut[:8]}"
    reach = driver.execute_script(_REACH, matrix_id)
    assert reach["pageWidth"] <= reach["viewportWidth"], reach  # nothing makes the page scroll sideways
    assert all(reach["seen"].values()), reach
    if reach["wider"]:
        assert reach["boxHeight"] <= reach["viewportHeight"], reach


@pytest.mark.browser
@pytest.mark.parametrize("width", [900, 1400])
def test_report_reads_at_the_window_width(browser, window, full_run, width, tmp_path):
    """The report of a run over the bundled endpoints: nothing cut off or off-screen, the panel
    closed and open, in both views."""
    window(width)
    browser.get(full_run.as_uri())
    _assert_readable(browser, "matrix")
    _assert_readable(browser, "parameters-table")
    _click(browser, _cell(browser, *FAILING))  # the panel beside the matrix at 1400 px, below it at 900
    assert browser.find_element(*_by("#findings-panel")).is_displayed()
    _assert_readable(browser, "matrix")
    _click(browser, browser.find_element(*_by("#tab-clients")))
    _assert_readable(browser, "client-matrix")
    shot = Path(os.environ.get("CHAT_CONFORMANCE_SCREENSHOT_DIR") or tmp_path) / f"report-{width}.png"
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(shot))
    assert console_errors(browser) == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [900, 1400])
def test_a_matrix_wider_than_the_window_scrolls_in_its_own_box(browser, window, wide, width):
    """Three times the bundled endpoints: the matrix and the parameter table scroll sideways inside
    their boxes, the first column and the header row staying in place, and the page says so."""
    path, endpoints = wide
    window(width)
    browser.get(path.as_uri())
    for table in ("matrix", "parameters-table"):
        _assert_readable(browser, table)
        assert browser.execute_script(_REACH, table)["wider"]
    hint = browser.find_element(*_by("#matrix-scroll-hint"))
    assert hint.is_displayed() and hint.text.startswith(f"{endpoints} endpoints do not fit side by side here: scroll the table sideways")
    _click(browser, _cell(browser, *FAILING))
    _assert_readable(browser, "matrix")
    assert console_errors(browser) == []


@pytest.mark.browser
def test_cell_counts_baseline_known_findings_apart(browser, rich, tmp_path):
    """A warn cell with a baseline-known error: "1 error" would contradict its colour."""
    _load(browser, rich, tmp_path)
    cell = _cell(browser, "chat.basic", LOCAL)
    assert cell.get_attribute("data-verdict") == "warn"
    assert cell.text == "! warn\n1 warning, 1 info note, 1 known (baseline) · breaks openai-python"
    _click(browser, cell)
    assert browser.find_element(*_by("#findings-panel .case-meta")).text.endswith("1 case1 warning, 1 info note, 1 known (baseline)")  # " · " is CSS
