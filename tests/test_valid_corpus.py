"""Valid OpenAI answers give no warning and no error: the guard every rule, present and future,
must pass (as schemathesis checks that valid data passes its checks).

tests/corpus/valid-openai/ holds answers the OpenAI spec calls valid: its own documented examples
(origin documentation) and answers written field by field from the spec for what the examples do
not cover (origin synthetic, each saying which part of the spec it follows): n > 1 with a token
limit, a custom tool, a forced tool choice, a refusal, logprobs, audio, streams, an error to an
invalid request. Each entry states the request it answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import Severity, judge_exchange

CORPUS = Path(__file__).parent / "corpus" / "valid-openai"
ENTRIES = sorted(CORPUS.glob("*.yaml"))


def load(path: Path) -> dict:
    entry = yaml.safe_load(path.read_text())
    assert entry["origin"] in ("documentation", "synthetic", "live") and entry["source"], path
    return entry


def judge(entry: dict) -> list:
    request = entry["request"]
    status = entry["status"]
    expect = Expect(status="4xx" if status >= 400 else 200)
    step = Step(name="answer", body=request, expect=expect)
    body = entry["body"].encode()
    response = HTTPResponse(status, [("content-type", entry["content_type"])], chunks=[body[i : i + 97] for i in range(0, len(body), 97)])
    exchange = Exchange("answer", [Attempt(HTTPRequest("POST", "https://api.openai.com/v1/chat/completions", {}, json.dumps(request).encode()), response)])
    return judge_exchange(exchange, step, request=request, profile="openai").findings


def test_the_corpus_covers_what_valid_answers_vary_in():
    entries = [load(p) for p in ENTRIES]
    requests = [e["request"] for e in entries]
    assert any(r.get("n", 1) > 1 and not r.get("stream") for r in requests) and any(r.get("n", 1) > 1 and r.get("stream") for r in requests)
    assert any(t.get("type") == "custom" for r in requests for t in r.get("tools", ()))
    assert any(isinstance(r.get("tool_choice"), dict) for r in requests) and any(r.get("tool_choice") == "required" for r in requests)
    assert any("refusal" in e["body"] and '"refusal": null' not in e["body"].split('"refusal"')[1][:8] for e in entries)
    assert any(r.get("logprobs") for r in requests) and any("audio" in r.get("modalities", ()) for r in requests)
    assert any(e["status"] >= 400 for e in entries) and any(e["content_type"] == "text/event-stream" for e in entries)


@pytest.mark.parametrize("path", ENTRIES, ids=[p.stem for p in ENTRIES])
def test_a_valid_answer_gets_no_warning_or_error(path: Path):
    findings = judge(load(path))
    loud = [f"{f.rule}/{f.code} {f.severity}: {f.message}" for f in findings if f.severity > Severity.INFO]
    assert not loud, loud


def check(tmp_path: Path, name: str, request: dict, body: str, content_type: str = "application/json", status: int = 200):
    answer = tmp_path / f"{name}.txt"
    answer.write_text(f"HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\n\r\n{body}")
    (tmp_path / f"{name}.json").write_text(json.dumps(request))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "check", str(answer), "--request", str(tmp_path / f"{name}.json"), "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("name", ["n-choices-max-tokens", "custom-tool-call", "error-invalid-role"])
def test_check_passes_the_false_alarms_of_the_review(tmp_path: Path, name: str):
    entry = load(CORPUS / f"{name}.yaml")
    code, report = check(tmp_path, name, entry["request"], entry["body"], entry["content_type"], entry["status"])
    findings = [f for exchange in report["exchanges"] for f in exchange["findings"] if f["severity"] != "info"]
    assert code == 0 and not findings, findings
    if name == "error-invalid-role":
        assert any("so a 4xx is expected" in note for note in report["assumed"])


def test_a_json_answer_to_a_stream_request_is_one_error(tmp_path: Path):
    entry = load(CORPUS / "spec-default.yaml")
    code, report = check(tmp_path, "json-for-stream", {**entry["request"], "stream": True}, entry["body"])
    loud = [(f["rule"], f["code"]) for exchange in report["exchanges"] for f in exchange["findings"] if f["severity"] != "info"]
    assert code == 1 and loud == [("http.streamed", "not-streamed")], loud
