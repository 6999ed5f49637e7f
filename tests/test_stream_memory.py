"""Validating a stream needs memory independent of its length (beyond the accumulated content)."""

from __future__ import annotations

import json
import tracemalloc

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import judge_exchange, resolve_rule_selection

HEAD = {"id": "chatcmpl-m", "object": "chat.completion.chunk", "created": 1700000000, "model": "m"}


def event(delta: dict, finish: str | None = None) -> bytes:
    payload = {**HEAD, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def generated_stream(count: int):
    """Generated on the fly in 16 KiB pieces; nothing holds the whole stream. Deltas carry no text,
    so the accumulated content stays empty and any growth would be the validator's own."""
    yield event({"role": "assistant", "content": ""})
    body = event({"content": ""})
    per_piece = 16384 // len(body)
    for start in range(0, count, per_piece):
        yield body * min(per_piece, count - start)
    yield event({}, finish="stop") + b"data: [DONE]\n\n"


def peak_bytes(count: int, rules: list[str]) -> int:
    step = Step(name="s", body={"stream": True}, expect=Expect())
    exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")]))])
    tracemalloc.start()
    judgement = judge_exchange(exchange, step, request={"model": "m", "stream": True}, selected=rules, chunks=lambda: generated_stream(count))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert judgement.completion["choices"][0]["finish_reason"] == "stop"
    assert not [f for f in judgement.findings if str(f.severity) != "info"], judgement.findings
    return peak


def test_memory_does_not_grow_with_stream_length():
    # The openai-python cross-check is quadratic in time (see the performance issue); its memory is
    # the client's snapshot of the accumulated content, covered by the accumulation itself.
    rules = resolve_rule_selection(None, ["client.openai-python.stream"])
    peak_bytes(500, rules)  # compile schemas and warm caches outside the measurement
    short, long = peak_bytes(4_000, rules), peak_bytes(40_000, rules)
    assert long < short * 1.3 + 64 * 1024, (short, long)
