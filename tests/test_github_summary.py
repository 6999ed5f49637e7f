"""github-summary.md, the GitHub Actions job summary: what it holds, that it stays under its size
budget, and that a run appends it to $GITHUB_STEP_SUMMARY (never overwriting) only when set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.report import PER_RULE, STEP_SUMMARY_ENV, SUMMARY_BUDGET, render_github_summary



def cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != STEP_SUMMARY_ENV}
    return {**env, **extra}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_run_appends_its_summary_to_the_step_summary_and_a_second_run_appends_again(tmp_path: Path) -> None:
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("## an earlier step's summary\n")
    env = _env(**{STEP_SUMMARY_ENV: str(step_summary)})
    first = cli("run", "--endpoint", "vertex-docs", "--report-dir", "one", "-q", cwd=tmp_path, env=env)
    assert first.returncode == 1, first.stderr
    summary_one = (tmp_path / "one" / "github-summary.md").read_text()
    assert step_summary.read_text() == "## an earlier step's summary\n" + "\n" + summary_one

    second = cli("run", "--endpoint", "vertex-docs", "--case", "image-generation", "--report-dir", "two", "-q", cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    summary_two = (tmp_path / "two" / "github-summary.md").read_text()
    assert summary_two != summary_one
    assert step_summary.read_text() == "## an earlier step's summary\n" + "\n" + summary_one + "\n" + summary_two


def test_without_the_variable_nothing_outside_the_report_dir_is_written(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    env = _env(HOME=str(tmp_path / "home"))
    before = _tree(tmp_path)
    result = cli("run", "--endpoint", "vertex-docs", "--report-dir", "out", "-q", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    after = _tree(tmp_path)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    # The report dir, and the client-outcome cache in the cache folder (outside any checkout, by design).
    assert changed and all(name.startswith(("out/", "home/.cache/chat-conformance/")) for name in changed), changed
    assert "out/github-summary.md" in changed


def test_an_unwritable_step_summary_is_one_clear_line(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "summary.md"
    result = cli("run", "--endpoint", "vertex-docs", "--case", "image-generation", "--report-dir", "out", "-q",
                 cwd=tmp_path, env=_env(**{STEP_SUMMARY_ENV: str(target)}))  # fmt: skip
    assert result.returncode == 2
    assert f"{STEP_SUMMARY_ENV} names {target}, which cannot be appended to" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "out" / "report.json").is_file()  # the other reports were written first


# -- what it holds -----------------------------------------------------------------------------------


def _result(case: str, endpoint: str, verdict: str, findings: list[dict]) -> dict:
    return {"case": case, "endpoint": endpoint, "feature": f"f.{case}", "verdict": verdict, "findings": findings, "title": case, "tags": []}


def _finding(rule: str, message: str, severity: str = "error", **extra) -> dict:
    return {"rule": rule, "severity": severity, "message": message, "location": {"step": "chat", "pointer": "/choices/0"}, **extra}


def _report(results: list[dict], features: list[str] | None = None) -> dict:
    endpoints = sorted({r["endpoint"] for r in results})
    features = features if features is not None else sorted({r["feature"] for r in results})
    cells: dict[str, dict] = {f: {} for f in features}
    for r in results:
        if r["feature"] in cells:
            cells[r["feature"]][r["endpoint"]] = {"verdict": r["verdict"], "cases": [r["case"]]}
    verdicts = {v: sum(r["verdict"] == v for r in results) for v in ("fail", "flaky", "stale", "warn", "pass", "skip")}
    return {
        "harness_version": "9.9", "mode": "live", "client": {"name": "openai-python", "version": "1"}, "interrupted": False,
        "summary": {"verdicts": verdicts, "results": len(results), "known_findings": 0, "damaged_lines": 0},
        "matrix": {"features": features, "endpoints": endpoints, "cells": cells},
        "results": results,
    }  # fmt: skip


def test_totals_matrix_and_error_findings_grouped_by_rule() -> None:
    results = [
        _result("a", "e1", "fail", [_finding("http.status", "expected HTTP 200, got 500"), _finding("x.warn", "meh", "warning")]),
        _result("b", "e1", "fail", [_finding("http.status", "expected HTTP 4xx, got 200"), _finding("sse.done", "no [DONE]")]),
        _result("c", "e2", "pass", [_finding("http.status", "accepted", known="baseline: upstream bug")]),
    ]
    text = render_github_summary(_report(results))
    assert text.startswith("## ❌ Chat Completions conformance: 2 fail, 1 pass\n")
    assert "mode live · openai-python 1 · 3 results" in text
    assert "| feature | e1 | e2 |" in text and "| `f.a` | ❌ fail |  |" in text and "| `f.c` |  | ✅ pass |" in text
    # Biggest group first; warnings and known (baselined) errors are not listed.
    assert text.index("<code>http.status</code>: 2 finding(s) in 2 result(s)") < text.index("<code>sse.done</code>: 1 finding(s)")
    assert "- `a` on `e1`: expected HTTP 200, got 500 (step chat, pointer /choices/0)" in text
    assert "meh" not in text and "accepted" not in text
    assert "### Error findings by rule (3)" in text
    assert text.count("<details>") == text.count("</details>") == 2


def test_endpoint_text_stays_text() -> None:
    text = render_github_summary(_report([_result("a", "e1", "fail", [_finding("r", "<img src=x onerror=alert(1)> & more\nlines")])]))
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more lines" in text
    assert "<img" not in text


def test_each_rule_lists_its_first_findings_and_counts_the_rest() -> None:
    results = [_result(f"case-{n}", "e1", "fail", [_finding("big.rule", f"message {n}")]) for n in range(PER_RULE + 30)]
    results.append(_result("small", "e2", "fail", [_finding("small.rule", "only one")]))
    text = render_github_summary(_report(results))
    assert f"- `case-{PER_RULE - 1}` on `e1`: message {PER_RULE - 1}" in text
    assert f"message {PER_RULE}" not in text
    assert "- … and 30 more (report.md lists them)" in text
    assert "- `small` on `e2`: only one" in text  # a small rule is not crowded out by a big one


@pytest.mark.parametrize("shape", ["many-rules", "huge-matrix"])
def test_a_big_run_is_cut_under_the_budget_with_a_note(shape: str) -> None:
    many_rules = shape == "many-rules"
    results = [
        _result(f"case-{n}", f"endpoint-{n % 5}", "fail", [_finding(f"rule.{n % 500 if many_rules else 0}", "a long message " * 40)])
        for n in range(5000 if many_rules else 20000)
    ]
    features = sorted({r["feature"] for r in results})
    text = render_github_summary(_report(results, features[:40] if many_rules else features))
    size = len(text.encode())
    assert SUMMARY_BUDGET // 2 < size <= SUMMARY_BUDGET < 1024 * 1024 // 4
    assert "*Cut here: " in text and "report.md and report.json in the report directory hold everything.*" in text
    assert text.count("<details>") == text.count("</details>")
    if many_rules:
        listed = text.count("\n- `")
        counted = sum(int(n) for n in re.findall(r"- … and (\d+) more", text))
        assert re.search(rf"Cut here: {len(results) - listed - counted} more error finding\(s\)", text), text[-400:]
    else:
        assert "more feature row(s) not shown" in text
        assert "Error findings" not in text
