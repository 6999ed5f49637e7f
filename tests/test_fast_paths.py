"""The two shortcuts of stream judging are checked against the slow truth on generated streams:
the client model never calls a stream safe that openai-python mishandles, and the steady-state
fast path gives exactly the findings and completion of judging every chunk with every rule."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import _engine, judge_exchange
from harness.validators._client import StreamClientCheck
from harness.validators._context import ParsedEvent
from harness.validators._engine import parse_event
from harness.validators._rules_client import ClientModel
from harness.validators._accumulate import accumulate_chunks

HEAD = {"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1700000000, "model": "m"}

texts = st.text(alphabet="ab é\n", max_size=5)
deltas = st.one_of(
    st.fixed_dictionaries({"content": texts}),
    st.fixed_dictionaries({"content": texts}),
    st.fixed_dictionaries({"role": st.sampled_from(["assistant", "user"]), "content": texts}),
    st.fixed_dictionaries({"content": st.none()}),
    st.fixed_dictionaries({"refusal": texts}),
    st.fixed_dictionaries({"tool_calls": st.lists(st.fixed_dictionaries({"index": st.integers(0, 2), "id": st.sampled_from(["c1", "c2"]), "function": st.fixed_dictionaries({"name": st.sampled_from(["f", "g"]), "arguments": texts})}), max_size=2)}),
)
choices = st.fixed_dictionaries(
    {"index": st.sampled_from([0, 0, 0, 1]), "delta": deltas},
    optional={"finish_reason": st.sampled_from([None, None, None, "stop", "length", "tool_calls", ""]), "logprobs": st.sampled_from([None, {"content": []}])},
)
chunks = st.fixed_dictionaries(
    {"choices": st.lists(choices, min_size=0, max_size=2)},
    optional={"object": st.sampled_from(["chat.completion.chunk", "chat.completion.chunk", "chat.completion"]), "usage": st.none(), "error": st.sampled_from([{"message": "x"}])},
).map(lambda chunk: {**HEAD, **chunk})
streams = st.lists(chunks, max_size=8)


@settings(max_examples=400)
@given(stream=streams, with_role=st.booleans())
def test_client_model_is_sound(stream, with_role):
    if with_role:
        stream = [{**HEAD, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}, *stream]
    events = [ParsedEvent(i, json.dumps(c), payload=c) for i, c in enumerate(stream)]
    model = ClientModel({"model": "m", "stream": True})
    for event in events:
        model.add(event)
    if model.finish() is not None:
        return  # the model sends this one to the real client: nothing to prove
    check = StreamClientCheck({"model": "m", "stream": True})
    for event in events:
        check.feed(event.index, event.payload)
    assert check.finish(accumulate_chunks(stream)) == []


def _sse(stream: list[dict], tail: str) -> bytes:
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in stream) + tail).encode()


def _judge(body: bytes, request: dict):
    step = Step(name="s", body=request, expect=Expect())
    exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")], chunks=[body]))])
    judgement = judge_exchange(exchange, step, request=request)
    return sorted((f.rule, f.severity, f.message, f.count, str(f.location)) for f in judgement.findings), judgement.completion


long_texts = st.lists(st.one_of(texts, st.just("tok ")), min_size=2, max_size=30)


@settings(max_examples=200)
@given(
    pieces=long_texts,
    interruptions=st.lists(st.tuples(st.integers(0, 30), chunks), max_size=3),
    tail=st.sampled_from(["data: [DONE]\n\n", "", "data: {\"x\": 1}\n\n", "data: [DONE]\n\ndata: {}\n\n"]),
    finish=st.sampled_from(["stop", "length", None]),
)
def test_fast_path_changes_nothing(pieces, interruptions, tail, finish):
    stream = [{**HEAD, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    stream += [{**HEAD, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]} for text in pieces]
    for position, chunk in interruptions:  # odd chunks anywhere: the fast path must step aside
        stream.insert(min(position, len(stream)), chunk)
    if finish:
        stream.append({**HEAD, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    body = _sse(stream, tail)
    request = {"model": "m", "stream": True}
    fast = _judge(body, request)
    original = _engine._SteadyState.fast
    _engine._SteadyState.fast = lambda self, payload: False
    try:
        slow = _judge(body, request)
    finally:
        _engine._SteadyState.fast = original
    assert fast == slow


def test_fast_path_is_taken_on_a_long_text_stream():
    stream = [{**HEAD, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    stream += [{**HEAD, "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}] * 100
    stream.append({**HEAD, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    calls = []
    original = _engine.StreamJudge._call
    _engine.StreamJudge._call = lambda self, method, ctx, *args: (calls.append(1), original(self, method, ctx, *args))[1]
    try:
        findings, completion = _judge(_sse(stream, "data: [DONE]\n\n"), {"model": "m", "stream": True})
    finally:
        _engine.StreamJudge._call = original
    assert completion["choices"][0]["message"]["content"] == "x" * 100
    # Only the first two text chunks, the finish and [DONE] went through the rules (plus finish()).
    assert len(calls) < 15 * 6, len(calls)
    assert parse_event(0, "[DONE]").done
