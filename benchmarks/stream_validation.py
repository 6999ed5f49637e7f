"""Stream validation throughput and peak memory of the full rule set, against json.loads alone.

    python benchmarks/stream_validation.py [--chunks 1000 10000 100000] [--exclude-checks RULE ...]

Prints one row per stream length: chunks/s and MB/s for the harness and for json.loads on the
same bytes, their ratio, and the peak traced memory of the harness run.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Iterator

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import judge_exchange, resolve_rule_selection


def chunk_line(number: int) -> bytes:
    payload = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "bench",
        "choices": [{"index": 0, "delta": {"content": "tok "}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def stream(count: int, size: int = 1 << 16) -> Iterator[bytes]:
    """The stream in network-sized pieces, generated on the fly (never held whole)."""
    line = chunk_line(0)
    per_piece = max(1, size // len(line))
    first = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "bench",
                        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
    yield b"data: " + first.encode() + b"\n\n"
    remaining = count
    while remaining > 0:
        n = min(per_piece, remaining)
        yield line * n
        remaining -= n
    last = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "bench",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    yield b"data: " + last.encode() + b"\n\ndata: [DONE]\n\n"


def floor(count: int) -> float:
    started = time.perf_counter()
    for piece in stream(count):
        for line in piece.split(b"\n\n"):
            if line.startswith(b"data: {"):
                json.loads(line[6:])
    return time.perf_counter() - started


def harness(count: int, rules: list[str] | None) -> tuple[float, int]:
    step = Step(name="bench", body={"stream": True}, expect=Expect())
    response = HTTPResponse(200, [("content-type", "text/event-stream")])
    exchange = Exchange("bench", [Attempt(HTTPRequest("POST", "http://bench", {}, b""), response)])
    tracemalloc.start()
    started = time.perf_counter()
    judgement = judge_exchange(exchange, step, request={"model": "bench", "stream": True}, selected=rules, chunks=lambda: stream(count))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert judgement.completion["choices"][0]["finish_reason"] == "stop"
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--exclude-checks", nargs="*", default=[])
    args = parser.parse_args()
    rules = resolve_rule_selection(None, args.exclude_checks)
    size = len(chunk_line(0))
    print(f"{'chunks':>9} {'harness chunks/s':>17} {'MB/s':>7} {'json.loads chunks/s':>20} {'ratio':>6} {'peak MiB':>9}")
    for count in args.chunks:
        base = floor(count)
        took, peak = harness(count, rules)
        print(
            f"{count:>9} {count / took:>17,.0f} {count * size / took / 1e6:>7.1f} {count / base:>20,.0f} "
            f"{took / base:>6.1f} {peak / 2**20:>9.2f}"
        )


if __name__ == "__main__":
    main()
