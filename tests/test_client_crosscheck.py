"""What openai-python (the real client) makes of responses, against the faithful accumulation.

Inputs are read at test time from the reference material (the Vertex seed page, the real OpenAI
cassette, OpenAI's own OpenAPI examples); the synthetic streams below say so where they are built.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from importlib.metadata import version as dist_version
from typing import Any

import pytest
import yaml

from harness.sse import iter_events
from harness.validators import _client
from harness.validators._accumulate import StreamAccumulator
from harness.validators._client import (
    CLIENT_NAME,
    DOCUMENTED_EXCEPTIONS,
    ClientProblem,
    StreamClientCheck,
    check_response,
    client_version,
)

from .conftest import REPO, SEED, SHARED, read_reference

RECORDINGS = SHARED / "spec" / "recordings"


# ---------------------------------------------------------------- helpers


def _section(text: str, title: str, next_title: str) -> str:
    lines = text.splitlines()
    start = lines.index(title)
    end = lines.index(next_title, start + 1)
    return "\n".join(lines[start:end])


def _seed_stream_bytes() -> bytes:
    """The `data:` lines of the seed's "stream_function_call_arguments verwenden" sample, as SSE."""
    section = _section(read_reference(SEED), "stream_function_call_arguments verwenden", "Bildgenerierung")
    data = [line for line in section.splitlines() if line.startswith("data: ")]
    assert len(data) == 13 and data[-1] == "data: [DONE]"  # 12 events + [DONE], as the seed index says
    return ("\n\n".join(data) + "\n\n").encode()


def _payloads(sse: bytes) -> list[tuple[int, Any]]:
    out = []
    for event in iter_events([sse]):
        if event.data.startswith("[DONE]"):
            break
        out.append((event.index, json.loads(event.data)))
    return out


def _run(payloads: list[tuple[int, Any]], request_body: dict | None = None):
    """Feed both the faithful accumulator and the client check, as the engine does."""
    check = StreamClientCheck(request_body)
    accumulator = StreamAccumulator()
    for index, payload in payloads:
        accumulator.add(payload)
        check.feed(index, payload)
    faithful = accumulator.result()
    return check.finish(faithful), faithful, check


def _chunk(delta: dict, finish_reason: str | None = None, index: int = 0) -> dict:
    return {
        "id": "chatcmpl-synthetic",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "synthetic",
        "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def _cassette_interactions(name: str) -> list[dict]:
    return yaml.safe_load(read_reference(RECORDINGS / name))["interactions"]


def _openapi_example(title: str) -> dict:
    spec = yaml.load(
        read_reference(SHARED / "spec" / "chat-completions-components.yaml"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )
    examples = spec["paths"]["/chat/completions"]["post"]["x-oaiMeta"]["examples"]
    return json.loads(next(e for e in examples if e["title"] == title)["response"])


# ---------------------------------------------------------------- version, laziness, absence


def test_client_version_is_the_installed_openai():
    import openai

    assert client_version() == openai.__version__ == dist_version("openai")
    assert CLIENT_NAME == "openai-python"


def test_module_does_not_import_openai_at_import_time():
    code = "import sys, harness.validators._client; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_openai_every_check_reports_not_available(monkeypatch):
    monkeypatch.setattr(_client, "_RUNTIME", None)
    assert client_version() is None
    check = StreamClientCheck({"tools": []})
    check.feed(0, _chunk({"content": "hi"}))
    problems = check.finish({"choices": []})
    assert [p.kind for p in problems] == ["unavailable"]
    assert "not available" in problems[0].message
    assert [p.kind for p in check_response({"choices": []}, None)] == ["unavailable"]


# ---------------------------------------------------------------- the Vertex seed stream


def test_seed_vertex_stream_makes_the_client_raise_indexerror_at_event_0():
    payloads = _payloads(_seed_stream_bytes())
    assert len(payloads) == 12
    # What the bytes say: the very first event opens the stream's first tool call with index 1
    # (the second call's id comes later with index 0, then 1). openai-python's snapshot list is
    # empty, `accumulate_delta` does `list.insert(1, ...)`, which lands at position 0, and
    # `_build_events` then reads `tool_calls[1]` of a one-element list.
    first_index, first = payloads[0]
    assert first_index == 0
    assert first["choices"][0]["delta"]["tool_calls"][0]["index"] == 1
    indexes = [p["choices"][0]["delta"]["tool_calls"][0]["index"] for _, p in payloads]
    assert indexes == [1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]

    problems, faithful, check = _run(payloads)

    assert len(problems) == 1
    (problem,) = problems
    assert problem.kind == "exception"
    assert problem.exception == "IndexError"
    assert problem.event == 0
    assert problem.message == (
        f"openai-python {client_version()} ChatCompletionStreamState.handle_chunk raised "
        "IndexError: list index out of range at event 0"
    )
    assert check.crashed and check.client_completion is None
    # the faithful accumulation, by contrast, gets the two calls the server meant
    calls = faithful["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == [
        '{"location":"Boston, MA","unit":"celsius"}',
        '{"location":"New Delhi, India","unit":"celsius"}',
    ]


def test_feeding_stops_after_the_first_exception():
    payloads = _payloads(_seed_stream_bytes())
    check = StreamClientCheck(None)
    for index, payload in payloads:
        check.feed(index, payload)
    problems = check.finish(StreamAccumulator().result())
    assert [(p.kind, p.event) for p in problems] == [("exception", 0)]


# ---------------------------------------------------------------- the real OpenAI baseline


def test_real_openai_stream_baseline_gives_no_problem():
    interactions = _cassette_interactions("openai-pydantic-ai-stream-tool-call-baseline.yaml")
    assert len(interactions) == 2
    for interaction in interactions:
        request = interaction["request"]["parsed_body"]
        assert request["tools"][0]["function"]["strict"] is True  # exercises the strict-parse path
        payloads = _payloads(interaction["response"]["body"]["string"].encode())
        before = copy.deepcopy(payloads)

        problems, faithful, check = _run(payloads, request)

        assert problems == []
        assert payloads == before  # neither side mutated the payloads
        client = check.client_completion.model_dump()
        assert len(client["choices"]) == len(faithful["choices"]) == 1
        c_msg, f_msg = client["choices"][0]["message"], faithful["choices"][0]["message"]
        assert c_msg["content"] == f_msg["content"]
        assert c_msg["role"] == f_msg["role"] == "assistant"
        assert client["choices"][0]["finish_reason"] == faithful["choices"][0]["finish_reason"]
        c_calls = [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in c_msg["tool_calls"] or []]
        f_calls = [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in f_msg.get("tool_calls", [])]
        assert c_calls == f_calls
    # first turn is the tool call, second the text answer
    assert f_calls == [] and f_msg["content"] == "The capital of the UK is London."


def test_real_openai_length_stream_raises_documented_length_error_in_get_final_completion():
    """Observed: real OpenAI stopping at max_completion_tokens (envoy cassette, finish_reason
    "length") makes `get_final_completion()` raise LengthFinishReasonError: openai-python's parse
    step always does. It is reported, and flagged as documented so rules don't blame the server."""
    docs = [d for d in yaml.safe_load_all(read_reference(RECORDINGS / "openai-envoy-chat-streaming-detailed-usage.yaml")) if d]
    interaction = docs[0]["interactions"][0]
    payloads = _payloads(interaction["response"]["body"].encode())
    problems, faithful, check = _run(payloads, json.loads(interaction["request"]["body"]))
    assert faithful["choices"][0]["finish_reason"] == "length"
    assert [(p.kind, p.exception, p.pointer) for p in problems] == [
        ("exception", "LengthFinishReasonError", "/choices/0/finish_reason")
    ]
    assert problems[0].exception in DOCUMENTED_EXCEPTIONS
    assert "ChatCompletionStream.get_final_completion" in problems[0].message
    assert check.client_completion is not None  # the snapshot was still compared: no mismatch


# ---------------------------------------------------------------- synthetic streams (built here)


def _two_calls(repeat: dict) -> list[tuple[int, dict]]:
    """Synthetic: two tool calls (index 0 and 1), arguments in three pieces each; every delta after
    a call's first repeats the keys in `repeat` (taken from that call's first delta)."""
    calls = [("call_a", "get_weather", ['{"city":', '"Rome"', "}"]), ("call_b", "get_time", ['{"tz":', '"CET"', "}"])]
    chunks = [_chunk({"role": "assistant", "content": None})]
    for index, (call_id, name, pieces) in enumerate(calls):
        for n, piece in enumerate(pieces):
            delta: dict[str, Any] = {"index": index, "function": {"arguments": piece}}
            if n == 0 or "id" in repeat:
                delta["id"] = call_id
            if n == 0 or "type" in repeat:
                delta["type"] = "function"
            if n == 0 or "name" in repeat:
                delta["function"]["name"] = name
            chunks.append(_chunk({"tool_calls": [delta]}))
    chunks.append(_chunk({}, "tool_calls"))
    return list(enumerate(chunks))


def test_repeated_id_and_name_are_concatenated_by_the_client():
    problems, faithful, check = _run(_two_calls({"id", "name", "type"}))
    assert all(p.kind == "mismatch" and p.event is None and p.exception is None for p in problems)
    assert [p.pointer for p in problems] == [
        "/choices/0/message/tool_calls/0/id",
        "/choices/0/message/tool_calls/0/function/name",
        "/choices/0/message/tool_calls/1/id",
        "/choices/0/message/tool_calls/1/function/name",
    ]
    assert problems[0].message == "client accumulates tool call 0 id as 'call_acall_acall_a' but the stream meant 'call_a'"
    assert problems[3].message == "client accumulates tool call 1 name as 'get_timeget_timeget_time' but the stream meant 'get_time'"
    # arguments agree: the client merges by index, which is right when index is stable
    calls = check.client_completion.choices[0].message.tool_calls
    assert [c.function.arguments for c in calls] == ['{"city":"Rome"}', '{"tz":"CET"}']


def test_repeated_type_and_index_only_are_fine():
    problems, _, _ = _run(_two_calls({"type"}))
    assert problems == []


def test_repeated_role_is_concatenated_too():
    """Synthetic: `role` in every delta, as the Vertex sample does."""
    chunks = [_chunk({"role": "assistant", "content": piece}) for piece in ("Hel", "lo")] + [_chunk({}, "stop")]
    problems, faithful, _ = _run(list(enumerate(chunks)))
    assert faithful["choices"][0]["message"]["content"] == "Hello"
    assert [(p.kind, p.pointer) for p in problems] == [("mismatch", "/choices/0/message/role")]
    assert "'assistantassistant'" in problems[0].message


def test_long_values_are_truncated_in_messages():
    """Synthetic: a 300-character id repeated twice."""
    long_id = "x" * 300
    chunks = [
        _chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": long_id, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
        _chunk({"tool_calls": [{"index": 0, "id": long_id, "function": {"arguments": ""}}]}),
        _chunk({}, "tool_calls"),
    ]
    (problem,) = _run(list(enumerate(chunks)))[0]
    assert problem.pointer == "/choices/0/message/tool_calls/0/id"
    assert len(problem.message) < 250 and "…" in problem.message


def test_error_payload_in_stream_is_apierror_and_stops():
    """Synthetic: an `error` object mid-stream; openai-python's Stream raises APIError there."""
    chunks = [_chunk({"role": "assistant", "content": "hi"}), {"error": {"message": "overloaded"}}, _chunk({"content": "!"}, "stop")]
    problems, _, check = _run(list(enumerate(chunks)))
    assert [(p.kind, p.exception, p.event) for p in problems] == [("exception", "APIError", 1)]
    assert "Stream.__stream__ raised APIError: overloaded at event 1" in problems[0].message
    assert check.crashed


def test_non_chunk_objects_are_skipped_like_the_client_does():
    """Synthetic: an Azure async-filter style event (`object: ""`) is skipped by the stream helper."""
    chunks = [_chunk({"role": "assistant", "content": "a"}), {"object": "", "choices": []}, _chunk({"content": "b"}, "stop")]
    problems, faithful, check = _run(list(enumerate(chunks)))
    assert problems == []
    assert check.client_completion.choices[0].message.content == faithful["choices"][0]["message"]["content"] == "ab"


def test_tool_call_without_index_raises_typeerror():
    """Synthetic: a tool call delta without `index` (as the README says Gemini and Ollama send)."""
    chunks = [
        _chunk({"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
        _chunk({}, "tool_calls"),
    ]
    problems, faithful, _ = _run(list(enumerate(chunks)))
    assert [(p.kind, p.exception, p.event) for p in problems] == [("exception", "TypeError", 0)]
    assert faithful["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{}"


def test_empty_stream_makes_get_final_completion_fail():
    """Observed: with no chunk at all the state's snapshot is unset and get_final_completion asserts."""
    problems, _, check = _run([])
    assert [(p.kind, p.exception) for p in problems] == [("exception", "AssertionError")]
    assert problems[0].message == f"openai-python {client_version()} ChatCompletionStream.get_final_completion raised AssertionError"
    assert check.client_completion is None


def test_stream_json_schema_content_that_is_not_json():
    """Synthetic: json_schema response_format, content that is not JSON."""
    request = {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}}
    chunks = [_chunk({"role": "assistant", "content": "Sure! "}), _chunk({"content": "{}"}, "stop")]
    problems, _, _ = _run(list(enumerate(chunks)), request)
    assert [(p.kind, p.exception, p.pointer) for p in problems] == [("exception", "JSONDecodeError", "/choices/0/message/content")]
    assert "json.loads on message.content" in problems[0].message


def test_stream_strict_tool_with_invalid_arguments():
    """Synthetic: a strict tool whose streamed arguments are not JSON; the client parses them when
    the call is done (finish_reason), i.e. at the last event."""
    request = {"tools": [{"type": "function", "function": {"name": "f", "strict": True, "parameters": {"type": "object"}}}]}
    chunks = [
        _chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": "{bad"}}]}),
        _chunk({}, "tool_calls"),
    ]
    problems, _, _ = _run(list(enumerate(chunks)), request)
    assert [(p.kind, p.exception, p.event) for p in problems] == [("exception", "JSONDecodeError", 1)]
    assert "ChatCompletionStreamState.handle_chunk" in problems[0].message


# ---------------------------------------------------------------- non-streamed responses


def _seed_image_response() -> dict:
    section = _section(read_reference(SEED), "Bildgenerierung", "Multimodale Anfragen")
    text = section[section.index("Beispielantwort:") :]
    body, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    return body


def test_seed_image_generation_response_does_not_break_create():
    """Observed: `message.audio` without `id`/`expires_at`/`transcript` is accepted, because the
    client constructs leniently (construct_type, no validation): no exception."""
    body = _seed_image_response()
    assert "id" not in body["choices"][0]["message"]["audio"]
    request = {"model": "google/gemini-3-pro-image-preview", "messages": [{"role": "user", "content": "Generate an image of a cat."}], "modalities": ["image"]}
    assert check_response(body, request) == []
    assert check_response(body, None) == []
    # with a json_schema response_format the parse path runs; content is null, so nothing to parse
    assert check_response(body, {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}) == []


def test_plain_openai_completions_give_no_problem():
    """OpenAI's own documented responses (OpenAPI examples "Default" and "Functions")."""
    default = _openapi_example("Default")
    assert default["choices"][0]["message"]["content"] == "Hello! How can I assist you today?"
    assert check_response(default, {"model": "gpt-5.4", "messages": [{"role": "user", "content": "Hello!"}]}) == []
    functions = _openapi_example("Functions")
    strict_tool = {"type": "function", "function": {"name": "get_current_weather", "strict": True, "parameters": {"type": "object"}}}
    assert check_response(functions, {"tools": [strict_tool]}) == []


def test_real_cassette_bodies_give_no_problem():
    """Observed on the non-streamed recordings (Gemini API, Ollama incl. json_schema): no problem."""
    names = [
        "gemini-api-pydantic-ai-tool-calls-without-id.yaml",
        "ollama-cloud-pydantic-ai-tool-output.yaml",
        "ollama-pydantic-ai-native-output-json-schema.yaml",
    ]
    for name in names:
        for interaction in _cassette_interactions(name):
            assert check_response(interaction["response"]["parsed_body"], interaction["request"]["parsed_body"]) == [], name


def test_parse_path_failures_are_one_exception_problem():
    """Synthetic bodies for the parse path."""
    tools = [{"type": "function", "function": {"name": "f", "strict": True, "parameters": {"type": "object"}}}]

    def body(message: dict, finish_reason: str = "stop") -> dict:
        return {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", **message}}]}

    bad_args = body({"content": None, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{bad"}}]}, "tool_calls")
    (p,) = check_response(bad_args, {"tools": tools})
    assert (p.kind, p.exception, p.pointer) == ("exception", "JSONDecodeError", "/choices/0/message/tool_calls/0/function/arguments")
    assert "parse_chat_completion" in p.message
    # the same body without strict tools is not parsed by anyone
    assert check_response(bad_args, None) == []

    schema = {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}}
    (p,) = check_response(body({"content": "Here you go: {}"}), schema)
    assert (p.exception, p.pointer) == ("JSONDecodeError", "/choices/0/message/content")
    assert "json.loads on message.content" in p.message
    assert check_response(body({"content": '{"ok": true}'}), schema) == []
    assert check_response(body({"content": "not json", "refusal": "I can't"}), schema) == []  # refusals are not parsed

    (p,) = check_response(body({"content": "{"}, "length"), schema)
    assert p.exception == "LengthFinishReasonError" and p.pointer == "/choices/0/finish_reason"
    assert p.exception in DOCUMENTED_EXCEPTIONS


def test_problem_is_a_frozen_record():
    problem = ClientProblem("mismatch", "m", None, "/choices", None)
    with pytest.raises(Exception):
        problem.kind = "exception"  # type: ignore[misc]
