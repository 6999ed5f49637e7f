"""`chat-conformance fuzz` against a local server with known bugs: it finds them within its budget,
saves each failing example before shrinking, and `run` and `check` replay what it saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from .servers import Received, Reply, ScriptedServer, completion, write_hello_case


def buggy(request: Received) -> Reply:
    body = request.json()
    messages = body.get("messages")
    if not isinstance(messages, list):
        return Reply.json(completion("accepted anyway"))  # bug: a 2xx for a schema-invalid request
    if any(isinstance(m, dict) and m.get("role") not in ("user", "system", "developer", "assistant", "tool", "function") for m in messages):
        return Reply(400, [("Content-Type", "text/html")], [b"<html>bad role</html>"], chunked=False)  # bug: HTML error body
    if body.get("stream") and set(body) - {"messages", "model", "stream"}:
        return Reply.json({"error": {"message": "sampler crashed"}}, 500)  # bug: a 5xx when streaming with options
    if "messages" not in body or any(not isinstance(body.get(k, 0), (int, float)) for k in ("temperature", "top_p")):
        return Reply.json({"error": {"message": "invalid request", "type": "invalid_request_error", "param": None, "code": None}}, 400)
    if body.get("stream"):
        return Reply.sse([json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": "stop", "logprobs": None}]}), "[DONE]"])
    return Reply.json(completion())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    where = tmp_path_factory.mktemp("fuzz")
    with ScriptedServer(buggy) as server:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "harness", "fuzz", "--base-url", server.url + "/v1", "--model", "m", "--auth", "none",
             "--endpoint", "buggy", "--max-examples", "150", "--budget", "40", "--seed", "7", "--read-timeout", "5", "--report-dir", "out"],
            capture_output=True, text=True, cwd=where, timeout=180,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        url = server.url
    return result, elapsed, where, url


def test_fuzz_finds_the_three_bugs_within_budget(fuzzed):
    result, elapsed, where, _ = fuzzed
    assert result.returncode == 1, result.stdout + result.stderr
    assert elapsed < 40 + 20  # the budget, plus start-up and saving
    summary = json.loads((where / "out" / "fuzz" / "summary.json").read_text())
    # The three planted bugs; the server also ignores `n`, which the rules find as a broken answer.
    assert {"server-error", "accepted-invalid", "malformed-error"} <= set(summary["failures"]), summary
    assert summary["outcomes"].get("accepted", 0) > 0  # valid requests answered correctly are not failures
    assert "FAILURE server-error: HTTP 500" in result.stdout
    # The server answered every request: the counts say so, and no request is "no answer".
    assert summary["requests"] == summary["answered"] > 0 and summary["no_answer"] == {}
    assert result.stdout.startswith(f"fuzz buggy: {summary['requests']} requests: {summary['answered']} answered")
    assert "no answer" not in result.stdout


def test_each_failure_is_saved_before_and_after_shrinking(fuzzed):
    _, _, where, _ = fuzzed
    saved = sorted(p.name for p in (where / "out" / "fuzz").glob("fuzz-*.yaml"))
    for kind in ("server-error", "accepted-invalid", "malformed-error"):
        assert f"fuzz-{kind}-01.yaml" in saved and f"fuzz-{kind}-shrunk.yaml" in saved
        assert (where / "out" / "fuzz" / "recordings" / "buggy" / f"fuzz-{kind}-shrunk.yaml").is_file()


def test_saved_examples_replay_with_run_and_check(fuzzed):
    _, _, where, url = fuzzed
    replay = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--cases", "out/fuzz", "--no-bundled-cases", "--base-url", url + "/v1",
         "--model", "m", "--auth", "none", "--endpoint", "buggy", "--format", "json", "--report-dir", "replayed"],
        capture_output=True, text=True, cwd=where, timeout=120,
    )  # fmt: skip
    results = [json.loads(line) for line in replay.stdout.splitlines()]
    assert results and all(r["verdict"] == "fail" for r in results), results
    assert all(r["origin"] == "live" for r in results)  # replayed from the saved recordings, no server needed
    check = subprocess.run(
        [sys.executable, "-m", "harness", "check", "out/fuzz/recordings/buggy/fuzz-server-error-shrunk.yaml", "--format", "json"],
        capture_output=True, text=True, cwd=where, timeout=60,
    )
    assert check.returncode == 1
    rules = {f["rule"] for e in json.loads(check.stdout)["exchanges"] for f in e["findings"]}
    assert "http.server-error" in rules


CONFIGURED = """\
endpoints:
  team:
    kind: openai-compatible
    base_url: BASE
    model: m
    auth: bearer:TEAM_TOKEN
    headers: {X-Request-Source: conformance}
"""

def test_fuzz_requests_carry_the_endpoint_headers_and_auth_as_run_does(tmp_path):
    """fuzz builds its requests the way `run` does: the configured header and the bearer token go along."""
    write_hello_case(tmp_path / "cases")
    env = {**os.environ, "TEAM_TOKEN": "tok-team"}
    with ScriptedServer(lambda request: Reply.json(completion())) as server:
        (tmp_path / "chat-conformance.yaml").write_text(CONFIGURED.replace("BASE", server.url + "/v1"))
        fuzzed = subprocess.run(
            [sys.executable, "-m", "harness", "fuzz", "--endpoint", "team", "--max-examples", "5", "--budget", "20",
             "--seed", "1", "--report-dir", "out"],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        )  # fmt: skip
        fuzz_requests = list(server.received)
        ran = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--mode", "live", "--endpoint", "team", "--cases", "cases",
             "--no-bundled-cases", "--report-dir", "ran"],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        )  # fmt: skip
        (run_request,) = server.received[len(fuzz_requests) :]
    assert fuzzed.returncode in (0, 1) and "Traceback" not in fuzzed.stderr, fuzzed.stderr
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert fuzz_requests
    same = ("x-request-source", "authorization", "content-type", "user-agent")
    expected = {name: run_request.headers.get(name) for name in same}
    assert expected["x-request-source"] == "conformance" and expected["authorization"] == "Bearer tok-team"
    for request in fuzz_requests:
        assert {name: request.headers.get(name) for name in same} == expected, request.headers


@pytest.mark.live
def test_fuzz_against_a_real_local_server_stays_within_its_budget(tmp_path):
    """llama.cpp's llama-server (built by scripts/servers/all.sh) with the tiny model."""
    import sys as _sys

    from .conftest import REPO

    _sys.path.insert(0, str(REPO))
    from tests.servers_local import start_llama_server

    with start_llama_server(REPO / "models" / "tiny-qwen2.gguf", slots=2) as server:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "harness", "fuzz", "--base-url", server.base_url, "--model", server.model, "--auth", "none",
             "--endpoint", "llama-server", "--max-examples", "40", "--budget", "25", "--seed", "3", "--read-timeout", "10", "--report-dir", "out"],
            capture_output=True, text=True, cwd=tmp_path, timeout=180,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert elapsed < 25 + 30  # the budget, plus start-up, shrinking's last replay and saving
    summary = json.loads((tmp_path / "out" / "fuzz" / "summary.json").read_text())
    assert summary["requests"] > 0 and sum(summary["outcomes"].values()) == summary["requests"] - summary["outcomes"].get("budget", 0)
    assert summary["answered"] + sum(summary["no_answer"].values()) == summary["requests"]
    assert f"fuzz llama-server: {summary['requests']} requests: {summary['answered']} answered" in result.stdout
    for kind in summary["failures"]:  # whatever it found was saved, replayable
        assert (tmp_path / "out" / "fuzz" / f"fuzz-{kind}-shrunk.yaml").is_file()
