"""Validating a stream needs memory independent of its length (beyond the accumulated content)."""

from __future__ import annotations

import json
import tracemalloc

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import judge_exchange

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


def peak_bytes(count: int, rules: list[str] | None = None, clients=None) -> int:
    step = Step(name="s", body={"stream": True}, expect=Expect())
    exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x/v1/chat/completions", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")]))])
    tracemalloc.start()
    judgement = judge_exchange(
        exchange, step, request={"model": "m", "stream": True}, selected=rules, chunks=lambda: generated_stream(count), clients=clients
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert judgement.completion["choices"][0]["finish_reason"] == "stop"
    assert not [f for f in judgement.findings if str(f.severity) != "info"], judgement.findings
    return peak


def test_memory_does_not_grow_with_stream_length():
    peak_bytes(500)  # compile schemas and warm caches outside the measurement
    short, long = peak_bytes(4_000), peak_bytes(40_000)
    assert long < short * 1.3 + 64 * 1024, (short, long)


def test_memory_stays_flat_with_the_real_clients_on_a_long_stream(tmp_path):
    """Past the clients' event limit the judge keeps a faithful reduction (the first events and
    every one that is not a steady text delta) for the clients, so 10× the stream costs no more."""
    from harness.clients import ClientRunner
    from harness.validators import ClientPanel

    with ClientRunner(use_cache=False, max_events=1_000) as runner:
        panel = ClientPanel(runner, ["openai-python", "openai-node"])
        peak_bytes(2_000, clients=panel)  # imports and the Node bridge start outside the measurement
        short, long = peak_bytes(4_000, clients=panel), peak_bytes(40_000, clients=panel)
    assert long < short * 1.3 + 256 * 1024, (short, long)
