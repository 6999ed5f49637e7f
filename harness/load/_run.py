"""The load loop: the selected cases mixed and sent against one endpoint by C threads, every
answer judged in-process as it arrives, counted, and written down as soon as it is known.

Threads with httpx, as `run` does: each worker owns one LiveTransport (its own connection, the
same retries, auth and redaction as `run`) and sends the next request when its answer is judged,
so at most C requests are in flight. `--rate` spaces request starts across all workers
(`RateLimiter`); with too few workers to keep up, the rate reached is lower, and load.json says
what it was. Requests are numbered as they start; the plans (one per case) are used in turn, so
the mix is the same on every run.

Ctrl-C (or `stop()`) stops new requests at once; the answers in flight get `drain` seconds to
finish and are counted; anything later is left out (load.json counts it as `abandoned`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._files import write_atomic
from .._version import __version__
from ..endpoints import Endpoint
from ..report import ResultsLog, now, run_header
from ..runner import CaseResult, Mode, Verdict, endpoint_redactor, verdict_for
from ..transport import Cassette, Limits, LiveTransport, RateLimiter, failure_words, no_answer, write_cassette
from ..validators import Severity
from ._answer import Answer, Plan, send_answer
from ._stats import AnswerFacts, LoadStats

__all__ = ["LoadSettings", "LoadRun", "LOAD_FILE", "RECORDINGS_DIR"]

LOAD_FILE = "load.json"
RECORDINGS_DIR = "recordings"
LOAD_FORMAT = 1


@dataclass
class LoadSettings:
    concurrency: int = 1
    requests: int | None = None
    """Requests to start (a retry is not a new request); None with `duration`: as many as fit."""
    duration: float | None = None
    """Seconds during which requests are started; the answers in flight then still finish."""
    rate: float | None = None
    """Request starts per second across all workers (None: as fast as answers come back)."""
    judge: bool = True
    drain: float = 10.0
    """After Ctrl-C: seconds the answers in flight get to finish."""
    limits: Limits = field(default_factory=Limits)
    recordings_per_rule: int = 5

    def problem(self) -> str | None:
        """Why these settings cannot run (one line for the user), or None."""
        if self.concurrency < 1:
            return f"--concurrency {self.concurrency}: give at least 1"
        if self.requests is not None and self.duration is not None:
            return "--requests and --duration: give one of them (a number of requests, or seconds of sending)"
        if self.requests is not None and self.requests < 1:
            return f"--requests {self.requests}: give at least 1"
        if self.duration is not None and not (self.duration > 0 and math.isfinite(self.duration)):
            return f"--duration {self.duration:g}: give a number of seconds above 0"
        if self.rate is not None and not (self.rate > 0 and math.isfinite(self.rate)):
            return f"--rate {self.rate:g}: give requests per second above 0"
        if not self.drain >= 0:
            return f"--drain {self.drain:g}: give 0 or more seconds"
        return None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["limits"] = asdict(self.limits)
        return out


class LoadRun:
    """`LoadRun(endpoint, plans, settings, report_dir, auth=...).run()` -> load.json's dict.

    Writes `report_dir/results.jsonl` (one line per answer, as it is known), the first
    `recordings_per_rule` failing answers of each rule as recordings under
    `report_dir/recordings/`, and `report_dir/load.json`."""

    def __init__(
        self,
        endpoint: Endpoint,
        plans: Sequence[Plan],
        settings: LoadSettings,
        report_dir: Path,
        *,
        auth: Any,
        excluded: Sequence[dict[str, str]] = (),
        progress: Callable[[dict[str, Any]], None] | None = None,
        on_interrupt: Callable[[int], None] | None = None,
    ):
        """`on_interrupt(in_flight)` is called once, the moment a Ctrl-C has stopped new requests
        and the drain begins."""
        if not plans:
            raise ValueError("nothing to send: no plan")
        self.endpoint = endpoint
        self.plans = list(plans)
        self.settings = settings
        self.report_dir = report_dir
        self.auth = auth
        self.excluded = list(excluded)
        self.progress = progress
        self.on_interrupt = on_interrupt
        self.stats = LoadStats()
        self.interrupted = False
        self.concurrency = min(settings.concurrency, endpoint.max_concurrency or settings.concurrency)
        rate = settings.rate or endpoint.requests_per_second
        self._limiter = RateLimiter(rate) if rate else None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._working = 0  # workers not ended yet
        self._all_ended = threading.Event()
        self._closed = False
        self._in_flight = 0
        self._recorded: dict[str, list[str]] = {}
        self._sent_per_case = [0] * len(self.plans)
        self._start = 0.0
        self._deadline = math.inf
        self._log: ResultsLog | None = None
        self._started_at = ""

    # -- the loop ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Start no further request (what Ctrl-C does)."""
        self._stop.set()

    def run(self) -> dict[str, Any]:
        self._prepare_dir()
        self._started_at = now()
        header = run_header(Mode.LIVE, [p.case for p in self.plans], [self.endpoint])
        header.update(mode="load", load=self.settings.to_json())
        self._log = ResultsLog(self.report_dir, header, durable=False)
        self._start = time.monotonic()
        if self.settings.duration is not None:
            self._deadline = self._start + self.settings.duration
        self._working = self.concurrency
        for n in range(self.concurrency):
            threading.Thread(target=self._worker, name=f"load-{n}", daemon=True).start()
        try:
            self._wait(math.inf)
        except KeyboardInterrupt:
            self.interrupted = True
            self.stop()
            if self.on_interrupt is not None:
                with self._lock:
                    in_flight = self._in_flight
                self.on_interrupt(in_flight)
            try:
                self._wait(time.monotonic() + self.settings.drain)
            except KeyboardInterrupt:
                pass  # a second Ctrl-C: stop waiting for the answers in flight
        with self._lock:
            self._closed = True  # an answer that ends from now on is not counted
            abandoned = self._in_flight
        self._log.close(interrupted=self.interrupted)
        summary = self._summary(abandoned)
        write_atomic(self.report_dir / LOAD_FILE, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
        return summary

    def _prepare_dir(self) -> None:
        folder = self.report_dir / RECORDINGS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("answer-*.yaml"):  # a previous load run's, never anything else
            old.unlink()

    def _wait(self, until: float) -> None:
        """Until every worker has ended or `until` has come. Workers count themselves out rather
        than being asked Thread.is_alive(): before Python 3.13, a Ctrl-C that interrupts
        Thread.join() marks the joined thread as ended while it still runs (python/cpython#90882),
        and the drain would not wait for that worker's answer."""
        last = time.monotonic()
        while not self._all_ended.is_set() and (moment := time.monotonic()) < until:
            self._all_ended.wait(min(0.05, until - moment))
            if self.progress is not None and time.monotonic() - last >= 5:
                last = time.monotonic()
                with self._lock:
                    snapshot = {
                        "seconds": last - self._start,
                        "requests": self.stats.requests,
                        "completed": self.stats.completed,
                        "answered": self.stats.answered,
                        "failed": self.stats.failed,
                        "no_answer": self.stats.no_answer.total(),
                    }
                self.progress(snapshot)

    def _claim(self) -> tuple[int, float] | None:
        """The next request's number and start time, or None when no further request may start."""
        with self._lock:
            limit = self.settings.requests
            if self._stop.is_set() or (limit is not None and self.stats.requests >= limit):
                return None
            moment = time.monotonic()
            if moment >= self._deadline:
                return None
            number = self.stats.requests
            sent_at = moment - self._start
            self.stats.sent(sent_at)
            self._in_flight += 1
            self._sent_per_case[number % len(self.plans)] += 1
            return number, sent_at

    def _worker(self) -> None:
        try:
            self._send_until_stopped()
        finally:
            with self._lock:
                self._working -= 1
                if not self._working:
                    self._all_ended.set()

    def _send_until_stopped(self) -> None:
        transport = LiveTransport(self.auth, self.settings.limits, redactor=endpoint_redactor(self.endpoint))
        try:
            while not self._stop.is_set():
                if self._limiter is not None:
                    self._limiter.wait()
                claimed = self._claim()
                if claimed is None:
                    return
                number, sent_at = claimed
                plan = self.plans[number % len(self.plans)]
                answer = send_answer(plan, transport, judge=self.settings.judge)
                try:
                    self._record(number, sent_at, answer, transport)
                finally:
                    answer.release()
        finally:
            transport.close()

    # -- accounting -------------------------------------------------------------------------

    def _record(self, number: int, sent_at: float, answer: Answer, transport: LiveTransport) -> None:
        started = time.thread_time()
        done_at = time.monotonic() - self._start
        facts = _facts(answer, sent_at, done_at)
        result = _result(answer, self.endpoint.name, done_at - sent_at)
        with self._lock:
            if self._closed:
                return
            self._in_flight -= 1
            self.stats.counted(facts)
            wanted = [rule for rule in answer.error_rules() if len(self._recorded.setdefault(rule, [])) < self.settings.recordings_per_rule]
            recording = f"{RECORDINGS_DIR}/answer-{number + 1:06d}.yaml" if wanted else None
            for rule in wanted:
                self._recorded[rule].append(recording)
            assert self._log is not None
            extra: dict[str, Any] = {"answer": number + 1, "sent_s": round(sent_at, 6), "status": facts.status, "attempts": len(answer.exchange.attempts)}
            if facts.no_answer is not None:
                extra["no_answer"] = facts.no_answer
            if recording:
                extra["recording"] = recording
            self._log.append(result, extra)
        if recording:
            self._write_recording(self.report_dir / recording, number, answer, transport, wanted)
        cpu = time.thread_time() - started
        with self._lock:
            self.stats.accounted(cpu)

    def _write_recording(self, path: Path, number: int, answer: Answer, transport: LiveTransport, rules: list[str]) -> None:
        exchange = answer.full_exchange()
        if exchange.response is not None:
            transport.redactor.response(exchange.response)  # a streamed body was kept before redaction
        server = next((a.response.header("server") for a in exchange.attempts if a.response), None)
        note = f"chat-conformance load, answer {number + 1}: {', '.join(answer.error_rules())}"
        write_cassette(path, Cassette(case=answer.plan.case.id, endpoint=self.endpoint.name, origin="live", exchanges=[exchange], server=server, note=note))

    def _summary(self, abandoned: int) -> dict[str, Any]:
        from ..endpoints import chat_completions_url

        counted = self.stats.to_json()
        return {
            "format": LOAD_FORMAT,
            "harness_version": __version__,
            "started": self._started_at,
            "finished": now(),
            "interrupted": self.interrupted,
            "endpoint": {
                "name": self.endpoint.name,
                "kind": self.endpoint.kind,
                "model": self.endpoint.model,
                "url": endpoint_redactor(self.endpoint).url(chat_completions_url(self.endpoint)),
            },
            "settings": {**self.settings.to_json(), "concurrency": self.concurrency, "rate": self._limiter and round(1 / self._limiter.interval, 6)},
            "judged": self.settings.judge,
            "requests": counted.pop("requests"),
            "completed": counted.pop("completed"),
            "answered": counted.pop("answered"),
            "failed": counted.pop("failed"),
            "no_answer": counted.pop("no_answer"),
            "abandoned": abandoned,
            **counted,
            "cases": [{"case": p.case.id, "step": p.step.name, "stream": p.step.stream, "sent": sent} for p, sent in zip(self.plans, self._sent_per_case)],
            "excluded": self.excluded,
            "recordings": self._recorded,
            "results": "results.jsonl",
        }


def _facts(answer: Answer, sent_at: float, done_at: float) -> AnswerFacts:
    attempts = answer.exchange.attempts
    final = attempts[-1] if attempts else None
    response = final.response if final else None
    retry_after = sum(
        1 for a in attempts[:-1] if a.response is not None and a.response.status in (429, 503) and a.response.header("retry-after") is not None
    )
    offsets = response.offsets if response is not None else ()
    failure = final.failure if final is not None else None
    missing = no_answer(final) if final is not None else None  # no HTTP answer at all
    worst: dict[str, Severity] = {}
    for finding in answer.findings:
        worst[finding.rule] = max(finding.severity, worst.get(finding.rule, finding.severity))
    return AnswerFacts(
        sent_at=sent_at,
        done_at=done_at,
        status=response.status if response is not None else None,
        attempt_statuses=[a.response.status if a.response is not None else None for a in attempts],
        retry_after=retry_after,
        failure=failure.kind if failure is not None else None,
        no_answer=missing,
        cut_short=failure_words(failure) if failure is not None and missing is None else None,
        rules={rule_id: str(severity) for rule_id, severity in worst.items()},
        failed=answer.failed,
        timings=answer.timings,
        gaps=[b - a for a, b in zip(offsets, offsets[1:])],
        chunks=answer.chunks,
        bytes=answer.bytes,
        judge_cpu_s=answer.judge_cpu_s,
    )


def _result(answer: Answer, endpoint: str, duration: float) -> CaseResult:
    """The answer as a results.jsonl result, the same shape `run` writes (plus the answer's own fields)."""
    case = answer.plan.case
    if answer.judged:
        verdict, skip_reason = verdict_for(answer.findings), None
    else:  # --judge none: only a missing answer is a finding
        verdict, skip_reason = (Verdict.FAIL, None) if answer.failed else (Verdict.SKIP, "not-judged")
    return CaseResult(
        case_id=case.id,
        endpoint=endpoint,
        feature=case.feature,
        verdict=verdict,
        findings=answer.findings,
        skip_reason=skip_reason,
        origin="live",
        duration=duration,
        parameter=case.parameter,
        timings=answer.timings,
    )
