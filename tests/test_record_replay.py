"""Record from a real server on 127.0.0.1, replay, and compare: bytes, chunk boundaries, secrets, staleness."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import urllib.parse
from pathlib import Path

import pytest

from harness.cases import load_cases
from harness.endpoints import adhoc_endpoint
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.transport import read_cassette
from harness.validators import rule_ids

from .servers import Received, Reply, ScriptedServer, chunk, completion

TOKEN = "sk-test-0123456789abcdef-SECRET"
TOKEN_ENV = "CC_TEST_TOKEN"

CASES = {
    "plain": """
        id: plain
        title: plain request
        source: {document: test, section: record and replay}
        feature: chat.basic
        applies_to: [openai-compatible]
        steps:
          - request:
              body:
                model: "{model}"
                messages: [{role: user, content: "Say hello"}]
    """,
    "streamed": """
        id: streamed
        title: streamed request
        source: {document: test, section: record and replay}
        feature: chat.streaming
        applies_to: [openai-compatible]
        steps:
          - request:
              body:
                model: "{model}"
                stream: true
                messages: [{role: user, content: "Say hello"}]
    """,
}


def stream_pieces(echo: str) -> list[bytes]:
    """CRLF line ends, a keep-alive comment, and network chunks that cut events (and a CRLF) in half."""
    text = (
        ": keep-alive\r\n\r\n"
        f"data: {chunk({'role': 'assistant', 'content': ''})}\r\n\r\n"
        f"data: {chunk({'content': 'Hel'})}\r\n\r\n"
        f"data: {chunk({'content': 'lo ' + echo})}\r\n\r\n"
        f"data: {chunk({}, finish='stop')}\r\n\r\n"
        "data: [DONE]\r\n\r\n"
    ).encode()
    cuts = [0, 7, 40, 41, 150, text.index(b"\r\n", 200) + 1, 420, len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


def handler(request: Received) -> Reply:
    # A badly behaved server that echoes the credential back in headers and body.
    echoed = request.headers.get("authorization", "")
    if request.json().get("stream"):
        return Reply(200, [("Content-Type", "text/event-stream"), ("X-Echo", echoed)], stream_pieces(echoed), delay=0.02)
    return Reply.json(completion(f"you sent {echoed}"), headers=[("X-Echo", echoed)])


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "cases"
    directory.mkdir()
    for name, text in CASES.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text))
    return directory


def run_cli(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command in `cwd`, so its reports (reports/latest by default) land there, not in the checkout."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_record_then_replay_gives_identical_bytes_and_chunks(case_dir: Path):
    endpoint_args = dict(kind="openai-compatible", model="test-model", auth=f"bearer:{TOKEN_ENV}", name="local")
    cases = load_cases([case_dir], known_rules=rule_ids())
    with ScriptedServer(handler) as server:
        endpoint = adhoc_endpoint(base_url=server.url + "/v1", environ={TOKEN_ENV: TOKEN}, **endpoint_args)
        recorded = Runner(RunSettings(mode=Mode.RECORD, environ={TOKEN_ENV: TOKEN})).run(cases, [endpoint])
        assert {r.path for r in server.received} == {"/v1/chat/completions"}
        assert server.received[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert [r.verdict for r in recorded] == [Verdict.PASS, Verdict.PASS], [r.findings for r in recorded]

    # The server is gone: replay needs no network.
    replayed = Runner(RunSettings(mode=Mode.REPLAY)).run(cases, [endpoint])
    assert [r.verdict for r in replayed] == [Verdict.PASS, Verdict.PASS], [r.findings for r in replayed]
    for live, again in zip(recorded, replayed):
        assert again.origin == "live"
        (live_exchange,), (replay_exchange,) = live.exchanges, again.exchanges
        assert replay_exchange.response.chunks == live_exchange.response.chunks
        assert list(replay_exchange.response.offsets) == pytest.approx(list(live_exchange.response.offsets), abs=1e-6)
        assert replay_exchange.response.status == live_exchange.response.status

    streamed = next(r for r in replayed if r.case_id == "streamed").exchanges[0].response
    sent = b"".join(stream_pieces("Bearer <redacted>"))
    assert streamed.body == sent  # byte-faithful: CRLF, the comment, everything
    assert len(streamed.chunks) > 3  # network chunk boundaries kept, not one joined body
    # An SSE info finding notes the comment and CRLF line ends; they are valid SSE, not errors.
    info = [f for f in next(r for r in replayed if r.case_id == "streamed").findings if f.rule == "sse.framing"]
    assert info and all(str(f.severity) == "info" for f in info)


def test_token_never_reaches_a_written_file(case_dir: Path, tmp_path: Path):
    with ScriptedServer(handler) as server:
        result = run_cli(
            "run", "--mode", "record", "--cases", str(case_dir), "--no-bundled-cases",
            "--base-url", server.url + "/v1", "--model", "test-model", "--auth", f"bearer:{TOKEN_ENV}", "--endpoint", "local",
            env_extra={TOKEN_ENV: TOKEN}, cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    recordings = [p for p in written if "recordings" in p.parts]
    assert len(recordings) == 2
    assert (tmp_path / "reports" / "latest" / "report.json").is_file()  # the reports are searched too
    forms = {TOKEN, urllib.parse.quote(TOKEN), json.dumps(TOKEN)[1:-1], base64.b64encode(TOKEN.encode()).decode()}
    for path in written:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, f"{form!r} leaked into {path}"
    for form in forms:
        assert form not in result.stdout + result.stderr
    cassette = read_cassette(case_dir / "recordings" / "local" / "plain.yaml")
    request = cassette.exchanges[0].attempts[0].request
    assert request.headers["authorization"] == "<redacted>"
    assert dict(cassette.exchanges[0].attempts[0].response.headers)["X-Echo"] == "Bearer <redacted>"
    assert cassette.origin == "live" and cassette.harness_version


def test_edited_case_is_stale_and_says_how_to_rerecord(case_dir: Path, tmp_path: Path):
    common = ["--cases", str(case_dir), "--no-bundled-cases", "--model", "test-model", "--auth", "none", "--endpoint", "local"]
    with ScriptedServer(handler) as server:
        recorded = run_cli("run", "--mode", "record", "--base-url", server.url + "/v1", *common, cwd=tmp_path)
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        base_url = server.url + "/v1"
    replay = run_cli("run", "--base-url", base_url, *common, "--format", "json", cwd=tmp_path)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert [json.loads(line)["verdict"] for line in replay.stdout.splitlines()] == ["pass", "pass"]

    path = case_dir / "plain.yaml"
    path.write_text(path.read_text().replace("Say hello", "Say goodbye"))
    stale = run_cli("run", "--base-url", base_url, *common, "--format", "json", cwd=tmp_path)
    assert stale.returncode == 1
    results = {json.loads(line)["case"]: json.loads(line) for line in stale.stdout.splitlines()}
    assert results["plain"]["verdict"] == "stale"
    assert "/messages/0/content" in results["plain"]["detail"]
    assert results["plain"]["command"] == "chat-conformance run --mode record --endpoint local --case plain"
    assert results["streamed"]["verdict"] == "pass"
    assert "Traceback" not in stale.stderr


def test_missing_recording_is_not_recorded_with_the_command(case_dir: Path, tmp_path: Path):
    result = run_cli(
        "run", "--cases", str(case_dir), "--no-bundled-cases", "--base-url", "http://127.0.0.1:9/v1",
        "--model", "m", "--auth", "none", "--endpoint", "nowhere", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        item = json.loads(line)
        assert item["verdict"] == "skip" and item["skip_reason"] == "not-recorded"
        assert item["command"].startswith("chat-conformance run --mode record --endpoint nowhere --case ")
