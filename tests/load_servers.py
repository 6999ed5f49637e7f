"""A server for load tests that breaks a known share of its answers in known ways, and counts them.

Two cases are sent to it: `stream` (stream: true) and `plain`. Of the streamed answers, every
4th from the 1st has no `data: [DONE]` and every 4th from the 3rd carries an event that is not
JSON; every 5th plain answer from the 2nd is a 500. Which request gets which answer depends on
the order requests arrive in (counted per case, under a lock), so the kinds are known by count,
whatever the concurrency; `served` says how many of each went out.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from .servers import Reply, chunk, completion

# What each broken kind must be reported as: the rules with an error finding on such an answer.
BROKEN = {
    "no-done": {"sse.done"},
    "not-json": {"sse.framing"},
    "server-error": {"http.status", "http.server-error"},
}

STREAM_CASE = """\
id: stream
title: a streamed answer
source: {document: test, section: load}
feature: chat.streaming
applies_to: [openai-compatible]
steps:
  - request:
      body: {model: "{model}", stream: true, messages: [{role: user, content: hi}]}
"""

PLAIN_CASE = """\
id: plain
title: a plain answer
source: {document: test, section: load}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - request:
      body: {model: "{model}", messages: [{role: user, content: hi}]}
"""

TWO_STEP_CASE = """\
id: two-step
title: a second step built from the first answer
source: {document: test, section: load}
feature: chat.multi-turn
applies_to: [openai-compatible]
steps:
  - name: first
    request:
      body: {model: "{model}", messages: [{role: user, content: hi}]}
  - name: second
    request:
      body:
        model: "{model}"
        messages:
          - {role: user, content: hi}
          - {$from: first, pointer: /choices/0/message}
          - {role: user, content: again}
"""


def write_cases(folder: Path, *, two_step: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stream.yaml").write_text(STREAM_CASE, encoding="utf-8")
    (folder / "plain.yaml").write_text(PLAIN_CASE, encoding="utf-8")
    if two_step:
        (folder / "two-step.yaml").write_text(TWO_STEP_CASE, encoding="utf-8")
    return folder


class Breaker:
    """The handler for a ScriptedServer (see the module docstring)."""

    def __init__(self, *, words: int = 6, delay: float = 0.0, gate: threading.Event | None = None):
        self.words, self.delay = words, delay
        self.gate = gate
        """When given, every answer waits until the test sets it (requests in flight for as long
        as a test needs them to be)."""
        self.lock = threading.Lock()
        self._arrival = threading.Condition(self.lock)
        self.counts: Counter[str] = Counter()
        self.served: Counter[str] = Counter()
        self.arrived = 0
        """Requests received so far (counted on arrival, before the gate)."""

    def wait_for_arrivals(self, count: int, timeout: float = 60) -> bool:
        """Whether `count` requests have arrived within `timeout` seconds."""
        with self._arrival:
            return self._arrival.wait_for(lambda: self.arrived >= count, timeout)

    def _number(self, key: str) -> int:
        with self.lock:
            self.counts[key] += 1
            return self.counts[key]

    def _served(self, kind: str) -> None:
        with self.lock:
            self.served[kind] += 1

    def __call__(self, request) -> Reply:
        with self._arrival:
            self.arrived += 1
            self._arrival.notify_all()
        if self.gate is not None:
            self.gate.wait(120)  # bounded, so that a failed test's server threads end too
        if request.json().get("stream"):
            k = self._number("stream")
            events = [chunk({"role": "assistant", "content": ""}), *(chunk({"content": f"w{n} "}) for n in range(self.words)), chunk({}, finish="stop")]
            if k % 4 == 1:
                kind = "no-done"
            elif k % 4 == 3:
                kind = "not-json"
                events.insert(2, '{"id": "chatcmpl-1", oops')
                events.append("[DONE]")
            else:
                kind = "good"
                events.append("[DONE]")
            self._served(kind)
            return Reply.sse(events, delay=self.delay)
        k = self._number("plain")
        if k % 5 == 2:
            self._served("server-error")
            return Reply.json({"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}}, status=500)
        self._served("good")
        return Reply.json(completion())

    @property
    def broken(self) -> int:
        return sum(count for kind, count in self.served.items() if kind != "good")

    def expected_rules(self) -> dict[str, int]:
        """Rule id -> how many answers must carry an error finding of it."""
        expected: Counter[str] = Counter()
        for kind, rules in BROKEN.items():
            for rule_id in rules:
                expected[rule_id] += self.served.get(kind, 0)
        return {rule_id: count for rule_id, count in expected.items() if count}
