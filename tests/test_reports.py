"""Reports from a run: results.jsonl as results arrive, report.json against its schema, junit.xml,
report.md; a killed run keeps its finished results; diff, baselines and repeated runs."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from harness.report import read_results

from .children import interruptible
from .conftest import REPO
from .servers import Reply, ScriptedServer, completion


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=180, cwd=cwd)


@pytest.fixture(scope="module")
def replay_reports(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("replay")
    result = cli("run", "--endpoint", "vertex-docs", "--report-dir", "out", "-q", cwd=where)
    assert result.returncode == 1, result.stderr  # the documented Vertex stream breaks openai-python
    return where / "out"


def test_every_format_is_written(replay_reports: Path):
    assert {p.name for p in replay_reports.iterdir()} >= {"results.jsonl", "report.json", "junit.xml", "report.md", "report.html"}


def test_report_json_is_valid_against_its_schema(replay_reports: Path):
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    report = json.loads((replay_reports / "report.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["results"] == len(report["results"]) == len(list((REPO / "cases").glob("*.yaml")))
    assert report["matrix"]["cells"]["tools.streamed-arguments"]["vertex-docs"]["verdict"] == "fail"
    assert [c["name"] for c in report["clients"]] == ["openai-python", "openai-node", "ai-sdk", "langchain-openai"] and all(c["version"] for c in report["clients"])


def test_junit_has_one_testcase_per_case_and_endpoint(replay_reports: Path):
    root = ET.parse(replay_reports / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    report = json.loads((replay_reports / "report.json").read_text())
    assert len(cases) == len(report["results"])
    failing = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failing == {r["case"] for r in report["results"] if r["verdict"] in ("fail", "stale", "flaky")}
    failure = next(c for c in cases if c.get("name") == "stream-function-call-arguments").find("failure")
    assert "tool-calls.index-stable" in failure.text and "IndexError" in failure.text
    assert sum(1 for c in cases if c.find("skipped") is not None) == sum(r["verdict"] == "skip" for r in report["results"])


def test_markdown_shows_the_matrix_and_findings(replay_reports: Path):
    text = (replay_reports / "report.md").read_text()
    assert "| `tools.streamed-arguments` | ❌ fail |" in text
    assert "## What real clients make of the answers" in text
    assert "| `tools.streamed-arguments` | openai-python ✗, openai-node ≠, ai-sdk ≠, langchain-openai ≠ |" in text


# -- a run killed halfway --------------------------------------------------------------------------

CASE = """\
id: slow-{n}
title: slow {n}
source: {{document: test, section: reports}}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - request:
      body: {{model: "{{model}}", messages: [{{role: user, content: "{n}"}}]}}
"""


def slow_cases(directory: Path, count: int) -> None:
    directory.mkdir()
    for n in range(count):
        (directory / f"slow-{n:02d}.yaml").write_text(CASE.format(n=f"{n:02d}"))


def results_so_far(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if '"type": "result"' in line)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_a_run_stopped_halfway_keeps_its_finished_results(tmp_path: Path, sig):
    slow_cases(tmp_path / "cases", 20)
    answered_at_once = 3
    release = threading.Event()  # the fourth request waits here until the signal has been sent

    def held(request) -> Reply:
        if len(server.received) > answered_at_once:
            release.wait(60)
        return Reply.json(completion())

    with ScriptedServer(held) as server:
        args = ["run", "--mode", "live", "--cases", "cases", "--no-bundled-cases", "--base-url", server.url + "/v1",
                "--model", "m", "--auth", "none", "--report-dir", "out", "-q"]  # fmt: skip
        try:
            with interruptible([sys.executable, "-m", "harness", *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
                deadline = time.monotonic() + 60
                while (
                    results_so_far(tmp_path / "out" / "results.jsonl") < answered_at_once or len(server.received) <= answered_at_once
                ) and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert len(server.received) > answered_at_once, "the run never sent its fourth request"
                os.kill(process.pid, sig)
                _, stderr = process.communicate(timeout=60)
        finally:
            release.set()
    record = read_results(tmp_path / "out" / "results.jsonl")
    assert len(record.results) == answered_at_once  # the fourth was in flight when the signal came
    assert record.interrupted
    assert all(r.verdict.value == "pass" for r in record.results)
    if sig == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in stderr and "Traceback" not in stderr
        report = json.loads((tmp_path / "out" / "report.json").read_text())
        assert report["interrupted"] is True and len(report["results"]) == len(record.results)
    else:
        rebuilt = cli("report", "out", cwd=tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "(interrupted run)" in rebuilt.stdout
        assert json.loads((tmp_path / "out" / "report.json").read_text())["summary"]["results"] == len(record.results)


# -- diff ------------------------------------------------------------------------------------------


def test_diff_identical_reports_exit_0(replay_reports: Path, tmp_path: Path):
    result = cli("diff", str(replay_reports / "report.json"), str(replay_reports / "report.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "regressions: 0" in result.stdout


def test_diff_finds_a_new_error_in_an_already_failing_cell(replay_reports: Path, tmp_path: Path):
    old = json.loads((replay_reports / "report.json").read_text())
    new = copy.deepcopy(old)
    failing = next(r for r in new["results"] if r["case"] == "stream-function-call-arguments")
    failing["findings"].append({"rule": "tool-calls.id", "severity": "error", "message": "a tool call has no id", "location": {"step": "weather", "pointer": "/choices/0/message/tool_calls/1/id"}})
    fixed = next(r for r in new["results"] if r["case"] == "stream-function-call-arguments")
    fixed["findings"] = [f for f in fixed["findings"] if f["rule"] != "tool-calls.index"]
    new["results"] = [r for r in new["results"] if r["case"] != "gemini-chat"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    result = cli("diff", "old.json", "new.json", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    diff = json.loads(result.stdout)
    assert diff["regressions"] == ["stream-function-call-arguments on vertex-docs: new error tool-calls.id: a tool call has no id [weather, /choices/0/message/tool_calls/1/id]"]
    assert len(diff["fixes"]) == 1 and "tool-calls.index no longer fires" in diff["fixes"][0]
    assert diff["vanished_cases"] == ["gemini-chat on vertex-docs (was skip)"]


def test_diff_on_a_file_that_is_not_a_report_exits_2(tmp_path: Path):
    (tmp_path / "x.json").write_text("[]")
    result = cli("diff", "x.json", "x.json", cwd=tmp_path)
    assert result.returncode == 2 and "not a chat-conformance report.json" in result.stderr


# -- baselines ---------------------------------------------------------------------------------------

BASELINE = """\
baseline:
  - endpoint: vertex-docs
    case: stream-function-call-arguments
    rule: {rule}
    reason: Vertex's documented sample stream
    cite: shared/seed/vertex-openai-chat-completions-examples.de.txt:395-419
"""


def test_baseline_turns_known_findings_into_known_and_a_vanished_one_into_fixed_upstream(tmp_path: Path):
    rules = ["tool-calls.index-stable", "delta.repeated-fields", "tool-calls.index"]
    (tmp_path / "known.yaml").write_text("".join(BASELINE.format(rule=r).replace("baseline:\n", "") for r in rules).join(["baseline:\n", ""]))
    known = cli("run", "--endpoint", "vertex-docs", "--case", "stream-function-call-arguments", "--baseline", "known.yaml", "--format", "json", "--report-dir", "out", cwd=tmp_path)
    assert known.returncode == 0, known.stdout + known.stderr
    (result,) = [json.loads(line) for line in known.stdout.splitlines()]
    assert result["verdict"] == "warn"  # only warnings remain open
    marked = [f for f in result["findings"] if f.get("known")]
    assert {f["rule"] for f in marked} == set(rules)
    assert all("Vertex's documented sample stream" in f["known"] for f in marked)

    (tmp_path / "stale.yaml").write_text(BASELINE.format(rule="tool-calls.id"))
    fixed = cli("run", "--endpoint", "vertex-docs", "--case", "stream-function-call-arguments", "--baseline", "stale.yaml", "--format", "json", "--report-dir", "out", cwd=tmp_path)
    assert fixed.returncode == 1
    (result,) = [json.loads(line) for line in fixed.stdout.splitlines()]
    upstream = [f for f in result["findings"] if f["rule"] == "baseline.fixed-upstream"]
    assert upstream and upstream[0]["message"].startswith("known finding tool-calls.id no longer occurs: fixed upstream, remove it from the baseline (stale.yaml:2)")


def test_bad_baseline_is_an_input_error(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("baseline:\n  - endpoint: x\n    rule: tool-calls.id\n")
    result = cli("run", "--baseline", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.yaml:2: baseline entry needs `reason`" in result.stderr


# -- repeated runs -----------------------------------------------------------------------------------


def test_repeat_marks_a_sometimes_failing_case_flaky(tmp_path: Path):
    slow_cases(tmp_path / "cases", 1)
    answers = iter([Reply.json(completion()), Reply.json({"error": {"message": "overloaded"}}, 500)] * 3)
    with ScriptedServer(lambda r: next(answers)) as server:
        result = cli(
            "run", "--mode", "live", "--cases", "cases", "--no-bundled-cases", "--base-url", server.url + "/v1",
            "--model", "m", "--auth", "none", "--repeat", "4", "--retries", "0", "--format", "json", "--report-dir", "out", cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1
    (item,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert item["verdict"] == "flaky"
    assert item["runs"] == ["pass", "fail", "pass", "fail"]
    assert item["pass_rate"] == 0.5 and item["pass_all"] is False and item["pass_any"] is True
    assert "passed 2 of 4 runs" in item["detail"]


def test_repeat_of_a_stable_case_is_pass_all(tmp_path: Path):
    result = cli("run", "--endpoint", "vertex-docs", "--case", "image-generation", "--repeat", "3", "--format", "json", "--report-dir", "out", cwd=tmp_path)
    (item,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert item["verdict"] == "pass" and item["runs"] == ["pass"] * 3 and item["pass_all"] is True


def test_results_file_is_appended_as_results_arrive(tmp_path: Path):
    slow_cases(tmp_path / "cases", 3)
    seen_while_running: list[int] = []

    def answer(request) -> Reply:
        seen_while_running.append(results_so_far(tmp_path / "out" / "results.jsonl"))
        return Reply.json(completion())

    with ScriptedServer(answer) as server:
        cli("run", "--mode", "live", "--cases", "cases", "--no-bundled-cases", "--base-url", server.url + "/v1", "--model", "m", "--auth", "none", "--report-dir", "out", cwd=tmp_path)
    assert seen_while_running == [0, 1, 2]
