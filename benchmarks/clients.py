"""How long the client layer takes on the bundled recordings, cold and warm, and what it finds.

    python benchmarks/clients.py            # every answer of cases/recordings/*/*.yaml, all four clients
    python benchmarks/clients.py --table    # also the outcome of every client on every answer
    python benchmarks/clients.py --long 100000   # also a 100,000-event text stream (reduced to its first 2,000 events and the ones that are not steady text)

Cold: an empty outcome cache (a temporary file), so every client runs on every answer; the Node
bridge starts once. Warm: the same runner again, every outcome from the cache. The JavaScript
clients must be installed (`chat-conformance clients install`). The reference for a stream is the
harness's faithful accumulation (`harness.validators.accumulate_chunks`), for JSON the body.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.clients import ClientRunner, RecordedAnswer, recorded_calls  # noqa: E402
from harness.transport import read_cassette  # noqa: E402
from harness.validators import accumulate_chunks, reference_completion  # noqa: E402


def reference(answer: RecordedAnswer) -> dict | None:
    """What the harness passes the clients: its own reading of the answer."""
    return reference_completion(answer)


def load() -> list[tuple[str, object]]:
    calls = []
    for path in sorted((REPO / "cases" / "recordings").glob("*/*.yaml")):
        if path.name == "endpoints.yaml":
            continue
        cassette = read_cassette(path)
        for call in recorded_calls(cassette.exchanges):
            calls.append((f"{cassette.endpoint}/{cassette.case}:{call.label}", call))
    return calls


def run_all(runner: ClientRunner, calls, references) -> tuple[float, list]:
    started = time.perf_counter()
    results = []
    for (label, call), ref in zip(calls, references):
        results.append((label, runner.run(call.answer, call.request, ref, stream=call.stream, url=call.url)))
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print every client's outcome on every answer")
    parser.add_argument("--long", type=int, default=0, metavar="N", help="also time a synthetic N-event text stream (reduced past 20,000 events)")
    args = parser.parse_args()
    started = time.perf_counter()
    calls = load()
    references = [reference(call.answer) for _, call in calls]
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        with ClientRunner(cache_file=Path(tmp) / "outcomes.sqlite3") as runner:
            cold, results = run_all(runner, calls, references)
            after_cold = runner.stats
            warm, warm_results = run_all(runner, calls, references)
            stats = runner.stats
    per_client = Counter()
    for _, outcomes in results:
        for outcome in outcomes:
            per_client[(outcome.name, outcome.outcome.value)] += 1
    identical = [[o.to_dict() | {"cached": False} for o in outs] for _, outs in results] == [
        [o.to_dict() | {"cached": False} for o in outs] for _, outs in warm_results
    ]
    print(f"answers: {len(calls)} from {len({label.split(':')[0] for label, _ in calls})} recordings (loaded in {loaded:.2f} s)")
    print(f"cold (empty outcome cache): {cold:.2f} s, {cold / len(calls) * 1000:.0f} ms an answer for 4 clients; clients run: {after_cold.clients_run}; Node processes: {after_cold.node_starts}")
    print(f"warm (every outcome cached): {warm:.3f} s; cache hits {stats.cache_hits - after_cold.cache_hits}, clients run {stats.clients_run - after_cold.clients_run}; same outcomes as cold: {identical}")
    for name in dict.fromkeys(n for n, _ in per_client):
        counts = ", ".join(f"{kind} {count}" for (n, kind), count in sorted(per_client.items()) if n == name)
        print(f"  {name}: {counts}")
    if args.long:
        long_stream(args.long)
    if args.table:
        names = [o.name for o in results[0][1]]
        print("\n| answer | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for label, outcomes in results:
            print(f"| {label} | " + " | ".join(_cell(o) for o in outcomes) + " |")


def long_stream(n: int) -> None:
    """Synthetic (built here): one role delta, n text deltas, a final chunk, [DONE]."""

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    payloads = [chunk({"role": "assistant", "content": "a"})] + [chunk({"content": "w "}) for _ in range(n)] + [chunk({}, "stop")]
    answer = RecordedAnswer(200, (("content-type", "text/event-stream"),), tuple(f"data: {json.dumps(p)}\n\n".encode() for p in payloads) + (b"data: [DONE]\n\n",))
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ref = accumulate_chunks(payloads)
    from harness.clients import reduce_answer

    started = time.perf_counter()
    reduced = reduce_answer(answer, ref)
    print(f"long stream: {reduced.events_total} events reduced to {reduced.events_run} in {time.perf_counter() - started:.2f} s")
    with ClientRunner(use_cache=False) as runner:
        for name in ("openai-python", "openai-node", "ai-sdk", "langchain-openai"):
            started = time.perf_counter()
            (outcome,) = runner.run(answer, request, ref, stream=True, names=[name])
            print(f"  {name}: {outcome.outcome.value} on {outcome.events_run} of {outcome.events_total} events in {time.perf_counter() - started:.1f} s")


def _cell(outcome) -> str:
    if outcome.outcome.value == "breaks" and outcome.raised:
        return f"breaks ({outcome.raised.exception})"
    if outcome.outcome.value == "mis-assembles":
        aspects = sorted({d.aspect for d in outcome.differences})
        return f"mis-assembles ({', '.join(aspects)})"
    if outcome.outcome.value == "not-run":
        return "not-run"
    return outcome.outcome.value


if __name__ == "__main__":
    main()
