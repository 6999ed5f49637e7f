"""A case that asks for it is sent both ways; the streamed and the plain answer must agree in structure."""

from __future__ import annotations

import json

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import adhoc_endpoint
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.validators import rule_ids

from .servers import Received, Reply, ScriptedServer, chunk, completion


def tool_call_completion(name: str) -> dict:
    body = completion("")
    message = body["choices"][0]["message"]
    message["content"] = None
    message["tool_calls"] = [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"location": "Boston, MA", "unit": "celsius"}'}}]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


def tool_call_stream(name: str) -> Reply:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}
    events = [
        chunk({"role": "assistant", "content": None, "tool_calls": [call]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"location": "Boston, MA", "unit": "celsius"}'}}]}),
        chunk({}, finish="tool_calls"),
        "[DONE]",
    ]
    return Reply.sse(events)


def run(stream_name: str, tmp_path, mode=Mode.RECORD):
    (case,) = [c for c in load_cases([bundled_cases_dir()], known_rules=rule_ids()) if c.id == "tool-choice-named"]

    def answer(request: Received) -> Reply:
        if request.json().get("stream"):
            return tool_call_stream(stream_name)
        return Reply.json(tool_call_completion("get_current_weather"))

    with ScriptedServer(answer) as server:
        endpoint = adhoc_endpoint(kind="openai-compatible", base_url=server.url + "/v1", model="m", auth="none", name="local")
        (result,) = Runner(RunSettings(mode=mode, recordings_dir=tmp_path)).run([case], [endpoint])
        sent = [r.json() for r in server.received]
    return result, sent, endpoint, case


def test_both_ways_agree(tmp_path):
    result, sent, _, _ = run("get_current_weather", tmp_path)
    assert [bool(body.get("stream")) for body in sent] == [False, True]
    assert [e.step for e in result.exchanges] == ["chat", "chat~stream"]
    assert result.verdict is Verdict.PASS, result.findings


def test_a_different_forced_tool_when_streamed_is_an_error_and_replays(tmp_path):
    result, _, endpoint, case = run("get_weather_typo", tmp_path)
    messages = {f.rule: f for f in result.findings}
    differential = messages["differential.stream-vs-json"]
    assert str(differential.severity) == "error"
    assert "['get_weather_typo'] streamed, ['get_current_weather'] without streaming" in differential.message
    # The recording holds both ways; replay reproduces the verdict without a server.
    recorded = json.loads(json.dumps([e.step for e in result.exchanges]))
    (again,) = Runner(RunSettings(mode=Mode.REPLAY, recordings_dir=tmp_path)).run([case], [endpoint])
    assert [e.step for e in again.exchanges] == recorded
    assert {f.rule for f in again.findings} == {f.rule for f in result.findings}
