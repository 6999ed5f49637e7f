"""load.html: a real load run's pictures, checked as a string and in a real headless Chromium.

The data is a load run of a few seconds against the breaking server (tests/load_servers.py), so
the histogram, the percentile lines and the failure bars have real, varied data to draw.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.load import render_load_html

from .browser import chromium, console_errors
from .load_servers import Breaker, write_cases
from .servers import ScriptedServer

REPO = Path(__file__).resolve().parent.parent
HOSTILE = '</svg><script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("load-html")
    breaker = Breaker(words=10, delay=0.01)
    with ScriptedServer(breaker) as server:
        done = subprocess.run(
            [sys.executable, "-m", "harness", "load", "--cases", str(write_cases(root / "cases")), "--no-bundled-cases",
             "--base-url", server.url + "/v1", "--model", "m", "--auth", "none", "--report-dir", str(root / "out"),
             "--concurrency", "4", "--duration", "3", "--quiet"],
            capture_output=True, text=True, timeout=120, cwd=REPO,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    return json.loads((root / "out" / "load.json").read_text(encoding="utf-8")), root / "out"


def test_page_is_self_contained_and_deterministic(run):
    summary, out = run
    page = (out / "load.html").read_text(encoding="utf-8")
    assert page == render_load_html(summary)
    assert render_load_html(summary) == render_load_html(copy.deepcopy(summary))
    assert "<script" not in page and "<link" not in page and " src=" not in page
    # The only URLs: the SVG namespace, the endpoint's URL as text, and links to the recordings.
    urls = set(re.findall(r"https?://[^\s\"'<]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", summary["endpoint"]["url"]}, urls
    for paths in summary["recordings"].values():
        for path in paths:
            assert f'href="{path}"' in page and (out / path).is_file()


def test_hostile_text_stays_text(run):
    summary = copy.deepcopy(run[0])
    summary["endpoint"]["name"] = HOSTILE
    summary["findings_by_rule"][HOSTILE] = {"error": 1}
    summary["cases"][0]["case"] = HOSTILE
    page = render_load_html(summary)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;/svg&gt;&lt;script&gt;" in page


def test_timeline_figures_follow_the_data(run):
    summary, out = run
    page = (out / "load.html").read_text(encoding="utf-8")
    failing_seconds = sum(1 for row in summary["timeline"] if row["failed"])
    answered_seconds = sum(1 for row in summary["timeline"] if row["completed"])
    assert failing_seconds >= 2 and page.count('class="bar-failed"') == failing_seconds
    assert page.count('class="bar-answered"') == answered_seconds
    assert page.count('class="bar"') == sum(1 for b in summary["histogram_total_ms"] if b["count"])


@pytest.mark.browser
def test_the_pictures_render_in_a_browser(run, tmp_path):
    summary, out = run
    with chromium() as driver:
        driver.get((out / "load.html").as_uri())
        figures = driver.execute_script(
            "return ['latency-histogram', 'latency-over-time', 'failures-over-time'].map(function (id) {"
            "  var svg = document.getElementById(id); var box = svg.getBoundingClientRect();"
            "  return {id: id, width: box.width, height: box.height,"
            "          bars: svg.querySelectorAll('rect.bar, rect.bar-answered, rect.bar-failed').length,"
            "          lines: Array.from(svg.querySelectorAll('polyline')).map(function (p) { return [p.getAttribute('class'), p.points.numberOfItems]; }),"
            "          marks: svg.querySelectorAll('line[class^=mark-]').length};"
            "});"
        )
        by_id = {f["id"]: f for f in figures}
        for figure in figures:
            assert figure["width"] > 300 and figure["height"] > 100, figure
        assert by_id["latency-histogram"]["bars"] >= 2 and by_id["latency-histogram"]["marks"] == 3
        seconds_with_p50 = sum(1 for row in summary["timeline"] if row["total_ms"]["p50"] is not None)
        assert sorted(by_id["latency-over-time"]["lines"]) == [["line-p50", seconds_with_p50], ["line-p95", seconds_with_p50], ["line-p99", seconds_with_p50]]
        assert seconds_with_p50 >= 3
        assert by_id["failures-over-time"]["bars"] >= 4
        # A failed bar is drawn in front of the answered bar of its second and is never taller.
        heights = driver.execute_script(
            "return Array.from(document.querySelectorAll('#failures-over-time rect.bar-failed')).map(function (r) {"
            " var answered = r.previousElementSibling; return [r.getBBox().height, answered.getBBox().height]; });"
        )
        assert heights and all(0 < failed <= answered for failed, answered in heights)
        assert str(summary["failed"]) in driver.find_element("css selector", ".count.bad b").text
        assert console_errors(driver) == []
        assert driver.save_screenshot(str(tmp_path / "load.png"))
        # Hostile text in the data is shown, not run.
        hostile = tmp_path / "hostile.html"
        evil = copy.deepcopy(summary)
        evil["endpoint"]["name"] = HOSTILE
        hostile.write_text(render_load_html(evil), encoding="utf-8")
        driver.get(hostile.as_uri())
        assert driver.execute_script("return window.__xss === undefined")
        assert HOSTILE in driver.find_element("css selector", "h1").text
