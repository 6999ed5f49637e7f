"""A hostile endpoint: every fault ends as a precise finding on its case, the run finishes within
its time bounds with exit 1, every other case still runs, and results.jsonl holds every result."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from harness.report import read_results

from .faults import FAULTS, FaultServer

STREAMED = {"close-mid-stream", "close-mid-json", "no-done", "drip-slow", "drip-long", "invalid-utf8", "error-in-200-stream"}

# fault -> (rule, start of the message) that must be among the case's error findings
EXPECTED = {
    "ok": None,
    "close-mid-stream": [("transport.failure", "protocol:"), ("sse.done", "the stream has no data: [DONE]")],
    "close-mid-json": [("transport.failure", "protocol:"), ("sse.framing", "the stream ends inside an event"), ("sse.done", "the stream has no")],
    "no-done": [("sse.done", "the stream has no data: [DONE]")],
    "drip-slow": [("transport.failure", "timeout-read: nothing received for 1s")],
    "drip-long": [("transport.failure", "timeout-total: response still going after 4s")],
    "never-answer": [("transport.failure", "timeout-read: nothing received for 1s")],
    "too-large": [("transport.failure", "too-large: response exceeded 1048576 bytes")],
    "invalid-utf8": [("sse.framing", "invalid UTF-8 in 1 line(s)")],
    "html-error": [("http.server-error", "attempt 1 got HTTP 502"), ("error.body", "error body is not JSON (text/html)")],
    "retry-after": None,
    "status-500": [("http.server-error", "attempt 1 got HTTP 500"), ("http.status", "expected HTTP 200, got 500")],
    "status-503": [("http.server-error", "attempt 1 got HTTP 503"), ("http.server-error", "attempt 3 got HTTP 503")],
    "wrong-content-type": [("http.content-type", "JSON answer served as text/plain")],
    "redirect-loop": [("http.status", "expected HTTP 200, got 307 (redirects are not followed")],
    "reset-before-answer": [("transport.failure", "")],
    "error-in-200-stream": [("sse.error-event", "an error object inside an HTTP 200 stream")],
    "echo-token": None,
}

CASE = """\
id: fault-{name}
title: fault {name}
source: {{document: tests/faults.py, section: {name}}}
feature: faults.{name}
applies_to: [openai-compatible]
steps:
  - request:
      body:
        model: "{{model}}"
        stream: {stream}
        messages: [{{role: user, content: "fault: {name}"}}]
"""


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    assert set(EXPECTED) == set(FAULTS), "every fault needs an expectation"
    where = tmp_path_factory.mktemp("faults")
    (where / "cases").mkdir()
    for name in FAULTS:
        (where / "cases" / f"{name}.yaml").write_text(CASE.format(name=name, stream=str(name in STREAMED).lower()))
    with FaultServer() as server:
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable, "-m", "harness", "run", "--mode", "record", "--cases", "cases", "--no-bundled-cases",
                "--base-url", server.url + "/v1", "--model", "m", "--auth", "bearer:FAULT_TOKEN", "--endpoint", "hostile",
                "--connect-timeout", "2", "--read-timeout", "1", "--total-timeout", "4", "--retries", "2",
                "--backoff-cap", "0.5", "--max-response-mb", "1", "--report-dir", "out", "--format", "json",
            ],
            capture_output=True, text=True, cwd=where, timeout=300,
            env={**__import__("os").environ, "FAULT_TOKEN": "sk-fault-test-0123456789-secret"},
        )  # fmt: skip
        elapsed = time.monotonic() - started
    results = {json.loads(line)["case"]: json.loads(line) for line in result.stdout.splitlines()}
    return result, results, elapsed, where


def test_run_ends_in_time_with_exit_1_and_no_traceback(fault_run):
    result, results, elapsed, _ = fault_run
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # Bounded by the limits: the slowest faults end at the read (1 s) and total (4 s) timeouts.
    assert elapsed < 60, elapsed


def test_every_case_ran_and_results_jsonl_holds_them_all(fault_run):
    _, results, _, where = fault_run
    assert set(results) == {f"fault-{name}" for name in FAULTS}
    record = read_results(where / "out" / "results.jsonl")
    assert {r.case_id for r in record.results} == set(results) and not record.interrupted


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fault_gives_its_precise_finding(fault_run, name):
    _, results, _, _ = fault_run
    result = results[f"fault-{name}"]
    errors = [(f["rule"], f["message"]) for f in result["findings"] if f["severity"] == "error"]
    if EXPECTED[name] is None:
        assert result["verdict"] == "pass", result["findings"]
        return
    assert result["verdict"] == "fail"
    for rule, start in EXPECTED[name]:
        assert any(r == rule and m.startswith(start) for r, m in errors), (rule, start, errors)


def test_retry_after_was_honoured(fault_run):
    _, _, _, where = fault_run
    recording = (where / "cases" / "recordings" / "hostile" / "fault-retry-after.yaml").read_text()
    assert "retry_reason: 429, retried after 0.5s (Retry-After)" in recording


def test_echoed_token_reaches_no_file(fault_run):
    result, _, _, where = fault_run
    secret = "sk-fault-test-0123456789-secret"
    for path in where.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret not in result.stdout + result.stderr
