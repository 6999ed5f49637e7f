"""--concurrency: live cases in flight together, results in a fixed order, endpoint limits kept;
and the latency figures each result carries."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from .servers import Reply, ScriptedServer, chunk

CASE = """\
id: c{n:02d}
title: case {n}
source: {{document: test, section: concurrency}}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - request:
      body: {{model: "{{model}}", stream: true, messages: [{{role: user, content: "{n}"}}]}}
"""


class Delayed:
    """Answers after a fixed delay, counting how many requests are in flight at once."""

    def __init__(self, delay: float):
        self.delay, self.active, self.peak = delay, 0, 0
        self.lock = threading.Lock()

    def hold(self) -> None:
        """What a request waits for before it is answered."""
        time.sleep(self.delay)

    def __call__(self, request) -> Reply:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            self.hold()
        finally:
            with self.lock:
                self.active -= 1
        events = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hi"}), chunk({}, finish="stop"), "[DONE]"]
        return Reply.sse(events, delay=0.01)


class Gathered(Delayed):
    """Holds each request until `parties` of them are in flight together, then answers them all.

    Passing the barrier proves the requests overlapped, whatever the machine's speed; if they never
    do, the barrier times out and `missed` says so (the requests are answered anyway, so the run
    ends and the test fails with that message rather than hanging).
    """

    def __init__(self, parties: int, timeout: float = 30.0):
        super().__init__(0.0)
        self.parties, self.timeout, self.missed = parties, timeout, 0
        self.barrier = threading.Barrier(parties, timeout=timeout)

    def hold(self) -> None:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            with self.lock:
                self.missed += 1

    def failure(self) -> str:
        return f"never {self.parties} requests in flight together within {self.timeout:.0f} s ({self.missed} answered without)"


def run(tmp_path: Path, count: int, *args: str, config: str | None = None, delay: float = 0.4, handler: Delayed | None = None):
    cases = tmp_path / "cases"
    cases.mkdir(exist_ok=True)
    for n in range(count):
        (cases / f"c{n:02d}.yaml").write_text(CASE.format(n=n))
    handler = handler or Delayed(delay)
    with ScriptedServer(handler) as server:
        endpoint = ["--base-url", server.url + "/v1", "--model", "m", "--auth", "none"]
        if config is not None:
            (tmp_path / "chat-conformance.yaml").write_text(config.replace("BASE", server.url + "/v1"))
            endpoint = ["--endpoint", "limited"]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--mode", "live", "--cases", "cases", "--no-bundled-cases", *endpoint, "--format", "json", "--report-dir", "out", *args],
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], elapsed, handler.peak


def test_concurrent_cases_overlap_and_keep_their_order(tmp_path: Path):
    gathered = Gathered(8)
    results, _, peak = run(tmp_path, 8, "--concurrency", "8", handler=gathered)
    assert not gathered.missed, gathered.failure()
    assert [r["case"] for r in results] == [f"c{n:02d}" for n in range(8)]
    assert peak == 8  # all eight were in flight at once: none is answered before the eighth arrives
    logged = [json.loads(line)["case"] for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines() if '"type": "result"' in line]
    assert logged == [r["case"] for r in results]


def test_endpoint_max_concurrency_is_respected(tmp_path: Path):
    config = "endpoints:\n  limited:\n    kind: openai-compatible\n    base_url: BASE\n    model: m\n    max_concurrency: 2\n"
    gathered = Gathered(2)  # answered in pairs: two in flight is reached by construction, more would show in peak
    results, _, peak = run(tmp_path, 6, "--concurrency", "6", config=config, handler=gathered)
    assert not gathered.missed, gathered.failure()
    assert peak == 2 and len(results) == 6


def test_requests_per_second_spaces_request_starts(tmp_path: Path):
    config = "endpoints:\n  limited:\n    kind: openai-compatible\n    base_url: BASE\n    model: m\n    requests_per_second: 5\n"
    results, elapsed, _ = run(tmp_path, 6, "--concurrency", "6", config=config, delay=0.0)
    assert len(results) == 6 and elapsed >= 5 * 0.2  # six starts at least 0.2 s apart


def test_each_result_carries_its_latency_figures(tmp_path: Path):
    results, _, _ = run(tmp_path, 1, delay=0.2)
    timings = results[0]["timings"]
    assert timings["headers_s"] >= 0.2
    assert timings["headers_s"] <= timings["first_chunk_s"] <= timings["first_content_s"] <= timings["total_s"]
    # "Hi" comes in the second event, 10 ms after the first; a busy machine may deliver both in one read.
    assert 0 <= timings["gap_p50_s"] <= timings["gap_p95_s"]
