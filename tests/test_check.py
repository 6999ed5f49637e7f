"""`chat-conformance check FILE`: every accepted form is judged; only unreadable input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, SEED, read_reference


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", "check", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def seed_stream() -> str:
    """The sample stream of the seed page, as its data lines (each followed by a blank line)."""
    lines = [line for line in read_reference(SEED).splitlines() if line.startswith("data: ")]
    assert len(lines) == 13
    return "".join(line + "\n\n" for line in lines)


def findings_of(result: subprocess.CompletedProcess) -> list[dict]:
    report = json.loads(result.stdout)
    return [f for exchange in report["exchanges"] for f in exchange["findings"]]


def clients_of(result: subprocess.CompletedProcess) -> dict[str, dict]:
    report = json.loads(result.stdout)
    return {c["name"]: c for exchange in report["exchanges"] for c in exchange["clients"]}


def test_bare_sse_seed_stream_names_what_each_real_client_does(tmp_path: Path):
    path = tmp_path / "seed.sse"
    path.write_text(seed_stream())
    result = check(str(path), "--profile", "vertex", "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {(f["rule"], f["severity"]) for f in findings_of(result)}
    assert ("tool-calls.index-stable", "error") in found
    assert ("delta.repeated-fields", "error") in found
    moved = next(f for f in findings_of(result) if f["message"] == "a tool call's index changes between chunks")
    assert moved["count"] == 10 and moved["location"]["pointer"] == "/choices/0/delta/tool_calls/0/index"
    assert json.loads(result.stdout)["form"] == "sse"
    # The four real clients, run on these bytes, in check's JSON with exactly these names.
    clients = clients_of(result)
    assert list(clients) == ["openai-python", "openai-node", "ai-sdk", "langchain-openai"]
    assert clients["openai-python"]["outcome"] == "breaks" and "IndexError" in clients["openai-python"]["detail"]
    assert all(clients[name]["outcome"] == "mis-assembles" for name in ("openai-node", "ai-sdk", "langchain-openai"))
    assert "/choices/0/message/tool_calls/0/id" in clients["openai-node"]["detail"]  # two calls share one id
    assert "tool_calls: got 4, meant 2" in clients["ai-sdk"]["detail"] and "tool_calls: got 4, meant 2" in clients["langchain-openai"]["detail"]
    # One fact, one error: openai-python's IndexError at event 0 hangs on the finding that explains it.
    gap = next(f for f in findings_of(result) if f["rule"] == "tool-calls.index" and f["code"] == "gap")
    assert gap["location"]["event"] == 0 and [c["name"] for c in gap["clients"]][:1] == ["openai-python"]
    attached = {c["name"]: f["rule"] for f in findings_of(result) for c in f.get("clients", ())}
    assert set(attached) == set(clients) and all(rule.startswith(("tool-calls.", "delta.")) for rule in attached.values())
    assert not [f for f in findings_of(result) if f["rule"].startswith("client.")]


def test_curl_capture_with_html_error_page(tmp_path: Path):
    path = tmp_path / "capture.txt"
    path.write_bytes(
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nServer: nginx\r\n\r\n<html><body>502 Bad Gateway</body></html>\n"
    )
    result = check(str(path), "--format", "json")
    assert result.returncode == 1
    rules = {f["rule"]: f for f in findings_of(result)}
    assert rules["http.server-error"]["message"] == "attempt 1 got HTTP 502"
    assert rules["error.body"]["message"] == "error body is not JSON (text/html)"
    assert json.loads(result.stdout)["form"] == "curl"


def test_bare_json_array_body(tmp_path: Path):
    path = tmp_path / "body.json"
    path.write_text('[{"error": {"code": 400, "message": "bad"}}]')
    result = check(str(path), "--format", "json")
    assert result.returncode == 1
    assert {f["rule"] for f in findings_of(result) if f["severity"] == "error"} == {"json.body"}


def test_truncated_stream(tmp_path: Path):
    path = tmp_path / "cut.sse"
    path.write_text(seed_stream()[:1500])  # cut inside the third event
    result = check(str(path), "--format", "json", "--profile", "vertex")
    messages = {f["message"] for f in findings_of(result)}
    assert "the stream has no data: [DONE]" in messages
    assert "the stream ends inside an event (no blank line after its last field): clients drop that event" in messages


def test_documented_json_answer_under_both_profiles(tmp_path: Path):
    text = read_reference(SEED)
    start = text.index("{", text.index("Beispielantwort:", text.index("\nBildgenerierung\n")))
    end = text.index("\nMultimodale Anfragen")
    path = tmp_path / "image.json"
    path.write_text(text[start:end])
    vertex = check(str(path), "--profile", "vertex", "--format", "json")
    assert vertex.returncode == 0, vertex.stdout
    assert {(f["rule"], f["severity"]) for f in findings_of(vertex) if f["rule"] != "client.ai-sdk"} == {("output.media-data", "info")}
    assert all(f["severity"] == "info" for f in findings_of(vertex))
    openai = check(str(path), "--profile", "openai", "--format", "json")
    severities = {(f["rule"], f["severity"]) for f in findings_of(openai)}
    assert ("usage.counts", "error") in severities  # OpenAI counts reasoning inside completion
    # message.audio without id/expires_at/transcript: every client tolerates it, so it is a note.
    shape = next(f for f in findings_of(openai) if f["rule"] == "schema.response")
    assert shape["severity"] == "info" and "tolerated by openai-python 3.57.0, openai-node 7.55.0" in shape["message"]


def test_a_recording_is_judged_with_its_recorded_request():
    path = REPO / "cases" / "recordings" / "vertex-docs" / "stream-function-call-arguments.yaml"
    result = check(str(path), "--profile", "vertex", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["form"] == "recording" and report["exchanges"][0]["step"] == "weather"
    # The recorded request declares get_current_weather, so the declared-tool rule is satisfied.
    assert "tool-calls.declared" not in {f["rule"] for f in findings_of(result)}


def test_request_file_sharpens_the_verdict(tmp_path: Path):
    path = tmp_path / "seed.sse"
    path.write_text(seed_stream())
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"model": "m", "stream": True, "messages": [], "tools": [{"type": "function", "function": {"name": "other"}}]}))
    result = check(str(path), "--request", str(request), "--profile", "vertex", "--format", "json")
    declared = [f for f in findings_of(result) if f["rule"] == "tool-calls.declared"]
    assert declared and "which the request did not declare (other)" in declared[0]["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        (b"", "the file is empty"),
        (b"Hello, this is prose.\n", "not a curl -i capture"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", "needs a blank line after the headers"),
    ],
    ids=["missing", "empty", "prose", "headers without end"],
)
def test_unusable_file_exits_2(tmp_path: Path, content, expected):
    path = tmp_path / "input"
    if content is not None:
        path.write_bytes(content)
    result = check(str(path))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_text_output_names_rule_severity_and_location(tmp_path: Path):
    path = tmp_path / "seed.sse"
    path.write_text(seed_stream())
    result = check(str(path), "--profile", "vertex")
    assert "error: tool-calls.index-stable: a tool call's index changes between chunks (×10) [step capture, event 1, /choices/0/delta/tool_calls/0/index]" in result.stdout


def test_missing_clients_are_named_on_stderr_and_the_json_stays_clean(tmp_path: Path):
    """Without the JavaScript clients (an empty cache folder), check judges with the clients it has,
    names each missing one on stderr with the command that installs it, and keeps stdout pure JSON."""
    import os

    path = tmp_path / "seed.sse"
    path.write_text(seed_stream())
    env = {**os.environ, "CHAT_CONFORMANCE_CACHE": str(tmp_path / "empty-cache")}
    done = subprocess.run([sys.executable, "-m", "harness", "check", str(path), "--format", "json"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    report = json.loads(done.stdout)  # nothing but the JSON on stdout
    assert [c["name"] for c in report["exchanges"][0]["clients"]] == ["openai-python", "langchain-openai"]
    notices = [line for line in done.stderr.splitlines() if "is not installed" in line]
    assert len(notices) == 2 and all("chat-conformance clients install" in line for line in notices), done.stderr
    assert {"openai-node", "ai-sdk"} == {line.split("chat-conformance: ")[1].split(" ")[0] for line in notices}


def test_a_recording_needs_no_request_and_says_nothing_is_assumed(tmp_path: Path):
    """A chat-conformance recording carries the request of each exchange: nothing to assume."""
    path = REPO / "cases" / "recordings" / "llama-server" / "gemini-chat.yaml"
    text = check(str(path), "--clients", "none")
    assert text.returncode in (0, 1), text.stderr
    assert "assumed" not in text.stdout and "without --request" not in text.stdout, text.stdout
    assert json.loads(check(str(path), "--clients", "none", "--format", "json").stdout)["assumed"] == []
    # A bare answer does not carry its request: there the assumption is still said.
    body = tmp_path / "answer.json"
    body.write_text(json.dumps({"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}))
    bare = check(str(body), "--clients", "none")
    assert "assumed: without --request the tools the answer names count as declared" in bare.stdout, bare.stdout
