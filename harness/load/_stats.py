"""What a load run counts, in memory that does not grow with the number of answers.

Latencies go into log-bucketed histograms (HdrHistogram's idea, simplified): a value lands in the
bucket `floor(log(v) / log(1.01))`, so a percentile read back is within 1% of the true value
whatever the number of samples, and a histogram holds at most a few thousand counters. The
timeline keeps one small row per second of the run (sent, completed, failed, no answer, and the
p50/p95/p99 of the answers that completed in that second, computed when the second is over).

A request counted as completed either got an HTTP answer (`answered`; `failed` counts the answers
with an error finding) or did not (`no_answer`, by why: `connection refused`, `timed out`...).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Histogram", "LoadStats", "AnswerFacts", "PERCENTILES"]

PERCENTILES = (50, 95, 99)
_GROWTH = 1.01
_LOG_GROWTH = math.log(_GROWTH)
_FLOOR_MS = 1e-3  # one microsecond: anything faster is rounded up to it


class Histogram:
    """Milliseconds; exact count, sum, min and max, percentiles within 1%."""

    __slots__ = ("buckets", "count", "total", "low", "high")

    def __init__(self) -> None:
        self.buckets: Counter[int] = Counter()
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, ms: float) -> None:
        ms = max(ms, _FLOOR_MS)
        self.buckets[math.floor(math.log(ms) / _LOG_GROWTH)] += 1
        self.count += 1
        self.total += ms
        self.low = min(self.low, ms)
        self.high = max(self.high, ms)

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100): the middle of the bucket holding it, kept within min..max."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100 * self.count))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                middle = _GROWTH ** (index + 0.5)
                return min(max(middle, self.low), self.high)
        return self.high  # pragma: no cover - the counts always add up to count

    def summary(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {f"p{q}": _ms(self.percentile(q)) for q in PERCENTILES}
        out.update(
            count=self.count,
            mean=_ms(self.total / self.count) if self.count else None,
            min=_ms(self.low) if self.count else None,
            max=_ms(self.high) if self.count else None,
        )
        return out

    def bins(self, wanted: int = 40) -> list[dict[str, float | int]]:
        """About `wanted` bins between min and max, equally wide on a log scale, for a picture."""
        if not self.count:
            return []
        first, last = min(self.buckets), max(self.buckets)
        width = max(1, math.ceil((last - first + 1) / wanted))
        counts: Counter[int] = Counter()
        for index, count in self.buckets.items():
            counts[(index - first) // width] += count
        return [
            {"from": _ms(_GROWTH ** (first + n * width)), "to": _ms(_GROWTH ** (first + (n + 1) * width)), "count": counts.get(n, 0)}
            for n in range((last - first) // width + 1)
        ]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class AnswerFacts:
    """What the statistics need of one answer (the answer itself is not kept)."""

    sent_at: float
    """Seconds from the start of the run to sending the request."""
    done_at: float
    """Seconds from the start of the run to the end of the answer (judged, when judging)."""
    status: int | None
    """The final attempt's HTTP status; None when no answer came."""
    attempt_statuses: list[int | None]
    retry_after: int = 0
    """Retried attempts answered 429/503 with a Retry-After header (back-pressure the server announced)."""
    failure: str | None = None
    """The final attempt's transport failure kind (connect, timeout-read...), if any."""
    no_answer: str | None = None
    """Why no HTTP answer came (`connection refused`), or None: an answer came."""
    cut_short: str | None = None
    """Why an answer that had begun did not complete (`timed out`), or None."""
    rules: dict[str, str] = field(default_factory=dict)
    """Rule id -> the worst severity it found in this answer."""
    failed: bool = False
    timings: dict[str, float] | None = None
    gaps: Any = ()
    """Seconds between consecutive chunks of the final attempt."""
    chunks: int = 0
    bytes: int = 0
    judge_cpu_s: float | None = None
    """CPU time this process spent judging the answer (None without judging)."""


class LoadStats:
    """Everything load.json says, accumulated answer by answer. Not thread-safe: the caller locks."""

    def __init__(self) -> None:
        self.requests = 0
        self.completed = 0
        self.answered = 0
        self.failed = 0
        self.no_answer: Counter[str] = Counter()
        self.cut_short: Counter[str] = Counter()
        self.findings_by_rule: dict[str, Counter[str]] = {}
        self.http_status: Counter[str] = Counter()
        self.attempt_status: Counter[str] = Counter()
        self.back_pressure: Counter[str] = Counter()
        self.transport_failures: Counter[str] = Counter()
        self.latency = {name: Histogram() for name in ("time_to_first_chunk", "time_to_first_content", "inter_chunk_gap", "total")}
        self.judge_cpu = Histogram()
        self.accounting_cpu = Histogram()
        self.chunks = 0
        self.bytes = 0
        self.first_sent: float | None = None
        self.last_done: float | None = None
        self._timeline: list[list[Any]] = []  # per second: sent, completed, failed, no answer, total p50/p95/p99
        self._open_second = -1
        self._open_totals = Histogram()

    def _row(self, second: int) -> list[Any]:
        while len(self._timeline) <= second:
            self._timeline.append([0, 0, 0, 0, None, None, None])
        return self._timeline[second]

    def sent(self, at: float) -> None:
        self.requests += 1
        if self.first_sent is None:
            self.first_sent = at
        self._row(int(at))[0] += 1

    def _close_second(self) -> None:
        if self._open_second >= 0 and self._open_totals.count:
            row = self._row(self._open_second)
            row[4:7] = [_ms(self._open_totals.percentile(q)) for q in PERCENTILES]
        self._open_totals = Histogram()

    def counted(self, facts: AnswerFacts) -> None:
        """One request ended: answered or not."""
        self.completed += 1
        second = int(facts.done_at)
        if second != self._open_second:
            # Answers are counted in the order they end, so a later second closes the open one.
            self._close_second()
            self._open_second = second
        row = self._row(second)
        row[1] += 1
        if facts.no_answer is not None:
            self.no_answer[facts.no_answer] += 1
            row[3] += 1
        else:
            self.answered += 1
            if facts.failed:
                self.failed += 1
                row[2] += 1
        if facts.cut_short is not None:
            self.cut_short[facts.cut_short] += 1
        self.last_done = max(self.last_done or 0.0, facts.done_at)
        for rule_id, severity in facts.rules.items():
            self.findings_by_rule.setdefault(rule_id, Counter())[severity] += 1
        self.http_status[str(facts.status) if facts.status is not None else "none"] += 1
        for status in facts.attempt_statuses:
            self.attempt_status[str(status) if status is not None else "none"] += 1
        for status in facts.attempt_statuses[:-1]:
            if status in (429, 503):
                self.back_pressure[str(status)] += 1
        self.back_pressure["retry_after"] += facts.retry_after
        if facts.failure:
            self.transport_failures[facts.failure] += 1
        timings = facts.timings or {}
        for key, name in (("first_chunk_s", "time_to_first_chunk"), ("first_content_s", "time_to_first_content"), ("total_s", "total")):
            if key in timings:
                self.latency[name].add(timings[key] * 1000)
        if "total_s" in timings:
            self._open_totals.add(timings["total_s"] * 1000)
        gaps = self.latency["inter_chunk_gap"]
        for gap in facts.gaps:
            gaps.add(gap * 1000)
        self.chunks += facts.chunks
        self.bytes += facts.bytes
        if facts.judge_cpu_s is not None:
            self.judge_cpu.add(facts.judge_cpu_s * 1000)

    def accounted(self, cpu_s: float) -> None:
        self.accounting_cpu.add(cpu_s * 1000)

    def timeline(self) -> list[dict[str, Any]]:
        self._close_second()
        self._open_second = -1
        return [
            {
                "second": n,
                "sent": row[0],
                "completed": row[1],
                "failed": row[2],
                "no_answer": row[3],
                "total_ms": dict(zip((f"p{q}" for q in PERCENTILES), row[4:7])),
            }
            for n, row in enumerate(self._timeline)
        ]

    def to_json(self) -> dict[str, Any]:
        elapsed = (self.last_done - (self.first_sent or 0.0)) if self.last_done is not None else 0.0
        total = self.latency["total"]
        return {
            "requests": self.requests,
            "completed": self.completed,
            "answered": self.answered,
            "failed": self.failed,
            "no_answer": self.no_answer.total(),
            "no_answer_reasons": dict(sorted(self.no_answer.items())),
            "cut_short": dict(sorted(self.cut_short.items())),
            "findings_by_rule": {rule_id: dict(sorted(counts.items())) for rule_id, counts in sorted(self.findings_by_rule.items())},
            "http_status": dict(sorted(self.http_status.items())),
            "attempts_by_status": dict(sorted(self.attempt_status.items())),
            "back_pressure": {
                "retried_429": self.back_pressure.get("429", 0),
                "retried_503": self.back_pressure.get("503", 0),
                "with_retry_after": self.back_pressure.get("retry_after", 0),
            },
            "transport_failures": dict(sorted(self.transport_failures.items())),
            "latency_ms": {name: histogram.summary() for name, histogram in self.latency.items()},
            "throughput": {
                "elapsed_s": round(elapsed, 3),
                "requests_per_s": round(self.requests / elapsed, 2) if elapsed > 0 else None,
                "answers_per_s": round(self.answered / elapsed, 2) if elapsed > 0 else None,
                "chunks_per_s": round(self.chunks / elapsed, 1) if elapsed > 0 else None,
                "chunks": self.chunks,
                "bytes": self.bytes,
            },
            "overhead_per_answer_ms": {
                "judging_cpu": self.judge_cpu.summary() if self.judge_cpu.count else None,
                "accounting_cpu": self.accounting_cpu.summary(),
                "server_total_mean": _ms(total.total / total.count) if total.count else None,
            },
            "histogram_total_ms": total.bins(),
            "timeline": self.timeline(),
        }
