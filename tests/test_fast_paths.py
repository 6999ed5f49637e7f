"""The shortcut of stream judging is checked against the slow truth on generated streams: the
steady-state fast path gives exactly the findings and completion of judging every chunk with
every rule (the rule contract: see harness/validators/_registry.py)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import Severity, _engine, judge_exchange, kind, registry, stream_rule
from harness.validators._engine import parse_event

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


def _sse(stream: list[dict], tail: str) -> bytes:
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in stream) + tail).encode()


def _judge(body: bytes, request: dict, *, fast_path: bool = True, selected=None):
    step = Step(name="s", body=request, expect=Expect())
    exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")], chunks=[body]))])
    judgement = judge_exchange(exchange, step, request=request, fast_path=fast_path, selected=selected)
    return sorted((f.rule, f.code, f.severity, f.message, f.count, str(f.location)) for f in judgement.findings), judgement.completion


long_texts = st.lists(st.one_of(texts, st.just("tok ")), min_size=2, max_size=30)


@settings(max_examples=200)
@given(
    pieces=long_texts,
    interruptions=st.lists(st.tuples(st.integers(0, 30), chunks), max_size=3),
    tail=st.sampled_from(["data: [DONE]\n\n", "", "data: {\"x\": 1}\n\n", "data: [DONE]\n\ndata: {}\n\n"]),
    finish=st.sampled_from(["stop", "length", None]),
    request=st.sampled_from([{"model": "m", "stream": True}, {"model": "m", "stream": True, "stream_options": {"include_usage": True}, "stop": ["tok"]}]),
)
def test_every_registered_rule_gives_the_same_findings_with_the_fast_path_on_and_off(pieces, interruptions, tail, finish, request):
    """The rule contract: every registered rule (those that opted into skipping steady-state chunks
    and those that did not) reports exactly the same with the fast path on as with it off."""
    stream = [{**HEAD, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    stream += [{**HEAD, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]} for text in pieces]
    for position, chunk in interruptions:  # odd chunks anywhere: the fast path must step aside
        stream.insert(min(position, len(stream)), chunk)
    if finish:
        stream.append({**HEAD, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    body = _sse(stream, tail)
    assert _judge(body, request) == _judge(body, request, fast_path=False)


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = _engine._guarded
    monkeypatch.setattr(_engine, "_guarded", lambda ctx, collector, call, *args: (calls.append(1), original(ctx, collector, call, *args))[1])
    return calls


def _text_stream(count: int) -> list[dict]:
    stream = [{**HEAD, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    stream += [{**HEAD, "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}] * count
    stream.append({**HEAD, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return stream


def test_fast_path_is_taken_on_a_long_text_stream(monkeypatch):
    calls = _counting(monkeypatch)
    findings, completion = _judge(_sse(_text_stream(100), "data: [DONE]\n\n"), {"model": "m", "stream": True})
    assert completion["choices"][0]["message"]["content"] == "x" * 100
    # Only the first text chunks, the finish and [DONE] go through every rule; on the others only
    # the rules that did not opt into skipping them (the openai-python cross-check) are called.
    opted_out = [r for r in registry().values() if r.applies == "stream" and not r.steady_state_safe]
    stream_rules = [r for r in registry().values() if r.applies == "stream"]
    assert len(calls) < 100 * len(opted_out) + 10 * len(stream_rules), len(calls)


def test_a_new_stream_rule_sees_every_event_unless_it_opts_out(monkeypatch):
    """A stream rule registered without steady_state_safe is fed every content delta, fast path or not."""
    from harness.validators import _registry

    seen: list[int] = []

    @stream_rule("test.counting-events", rationale="test", citation="test", findings={"never": kind(Severity.INFO, "never reported")})
    class CountingEvents:
        def __init__(self, ctx):
            pass

        def on_event(self, event):
            seen.append(event.index)

        def finish(self):
            return ()

    try:
        _judge(_sse(_text_stream(50), "data: [DONE]\n\n"), {"model": "m", "stream": True})
        assert len(seen) == 50 + 3  # role chunk, 50 deltas, finish chunk, [DONE]
    finally:
        _registry._RULES.pop("test.counting-events")
    assert parse_event(0, "[DONE]").done
