"""report.html: the self-contained page, checked as a string and in a real headless Chromium.

The base data is a real run: the bundled recordings replayed through the CLI (one endpoint,
`vertex-docs`, where `stream-function-call-arguments` fails with many findings, one of them the
real openai-python client raising IndexError). For what that run lacks, the test adds a second,
made-up endpoint `local-vllm` with hand-written results (pass, warn, flaky, stale, the four
parameter statuses, a baseline-known finding, a feature only it has, and finding text that tries
to break out of the page) and rebuilds the report with `build_report`, as a real run would.
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
from harness.report._html import render_html
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


def _local_results() -> list[dict]:
    """Made-up results of a second endpoint: every verdict, parameter status and mark the page shows."""

    def result(case, feature, verdict, findings=(), **extra):
        return {"case": case, "endpoint": LOCAL, "feature": feature, "verdict": verdict, "findings": list(findings), "duration_s": 0.5, **extra}

    return [
        result(FAILING_CASE, FAILING[0], "pass", timings={"headers_s": 0.12, "first_chunk_s": 0.2, "total_s": 1.5}),
        result(
            "gemini-chat",
            "chat.basic",
            "warn",
            [
                _finding("usage.stream", "warning", "usage oddity " + SCRIPT_BREAKOUT, evidence=TAG_INJECTION),
                _finding("choice.after-finish", "error", "content after finish_reason", known="vllm issue 1234: accepted until fixed"),
                _finding("schema.response", "info", "an extra field system_fingerprint2 is not in the schema"),
            ],
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
        result("param-n", "params.n", "fail", [_finding("params.n", "error", "n=2 asked, 1 choice(s) returned: the parameter is ignored")], parameter="n"),
        result("param-stop", "params.stop", "pass", [_finding("http.status", "info", "rejected with 400 and an error body")], parameter="stop"),
        result("param-max-tokens", "params.max-tokens", "fail", [_finding("http.server-error", "error", "500 Internal Server Error")], parameter="max_tokens"),
        result("local-only", "local.only-feature", "pass"),
    ]


@pytest.fixture(scope="module")
def rich(replayed) -> dict:
    """The replayed report plus the made-up `local-vllm` endpoint, rebuilt by build_report (interrupted run)."""
    base = copy.deepcopy(replayed[0])
    header = {k: base[k] for k in ("harness_version", "client", "mode", "started", "repeat", "baseline", "rules")}
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
    _click(browser, cell)

    assert panel.is_displayed()
    assert cell.get_attribute("aria-pressed") == "true"
    text = panel.text
    assert FAILING_CASE in text
    assert "tool-calls.index-stable" in text
    assert "breaks openai-python" in text
    assert "IndexError" in text
    assert rich["rules"]["tool-calls.index-stable"]["rationale"] in text
    # Findings most severe first; the client's own breakage labelled; evidence as text in a <pre>.
    findings = panel.find_elements(*_by(f'article[data-case="{FAILING_CASE}"] li.finding'))
    severities = [f.get_attribute("data-severity") for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    client = [f for f in findings if f.get_attribute("data-rule") == "client.openai-python.stream"]
    assert client and "breaks openai-python" in client[0].text
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
    assert browser.execute_script("return window.__xss === undefined && document.querySelectorAll('img').length === 0")
    assert "known (baseline)" in panel.text and "vllm issue 1234" in panel.text
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
    assert f"client {report['client']['name']} {report['client']['version']}" in header
    assert f"mode {report['mode']}" in header
