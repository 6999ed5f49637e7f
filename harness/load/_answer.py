"""One answer under load: a case's request sent, its answer judged by every rule as it arrives.

An SSE answer that is the 2xx the case expects is fed to the judge chunk by chunk while it is
read (`judge_exchange` with a chunk source, i.e. `StreamJudge`): only the arrival offsets stay in
memory (8 bytes a chunk), and the bytes go to a spooled temporary file (in memory up to 1 MiB,
on disk beyond) in case the answer fails and is wanted as a recording. Anything else (a JSON
answer, an error, a retried 429/503) is small and read whole, then judged as `run` judges it.
"""

from __future__ import annotations

import tempfile
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..cases import Case, DependencyMissing, PlaceholderMissing, Step
from ..endpoints import Endpoint
from ..runner import build_request, failure_findings, selected_findings, timings_of
from ..transport import Attempt, Exchange, HTTPRequest, LiveTransport, Redactor
from ..validators import Finding, Judgement, Severity, judge_exchange

__all__ = ["Plan", "Answer", "LEFT_OUT", "plan_cases", "send_answer"]

SPOOL_IN_MEMORY = 1 << 20

LEFT_OUT = {
    "kind": "for other endpoint kinds",
    "steps": "with several steps",
    "placeholder": "without a value for a placeholder",
    "dependency": "depending on another case",
}
"""Why a case is left out under load (the `reason` of each excluded item) -> how to say it of several."""


@dataclass(frozen=True)
class Plan:
    """One case's request, built once and sent again and again."""

    case: Case
    step: Step
    request: HTTPRequest
    request_json: Any
    profile: str


def plan_cases(cases: Sequence[Case], endpoint: Endpoint) -> tuple[list[Plan], list[dict[str, str]]]:
    """The cases that can be sent under load, each as a ready request, and the others with why not
    (`case`, `why` for people, `reason`: a key of LEFT_OUT).

    A multi-step case is left out: its later steps are built from an earlier answer, so they
    cannot be mixed freely with other requests, and `requests` would no longer count answers.
    A differential step is sent as written; the stream-versus-JSON comparison is `run`'s.
    """
    plans: list[Plan] = []
    excluded: list[dict[str, str]] = []
    for case in cases:
        if not case.applies(endpoint.kind):
            excluded.append({"case": case.id, "why": f"for {', '.join(case.applies_to)} endpoints; {endpoint.name} is {endpoint.kind}", "reason": "kind"})
            continue
        if len(case.steps) > 1:
            excluded.append({"case": case.id, "why": f"{len(case.steps)} steps: a later step is built from an earlier answer (run it with `run`)", "reason": "steps"})
            continue
        step = case.steps[0]
        try:
            request = build_request(case, step, endpoint, {})
        except PlaceholderMissing as missing:
            excluded.append({"case": case.id, "why": f"{endpoint.name} has no value for {{{missing.args[0]}}}", "reason": "placeholder"})
            continue
        except DependencyMissing as missing:  # pragma: no cover - a one-step case depends on nothing
            excluded.append({"case": case.id, "why": str(missing), "reason": "dependency"})
            continue
        plans.append(Plan(case, step, request, request.json(), case.profile or endpoint.effective_profile))
    return plans, excluded


@dataclass
class Answer:
    """What came back for one request, judged (or not, with judge=False)."""

    plan: Plan
    exchange: Exchange
    findings: list[Finding]
    timings: dict[str, float] | None
    chunks: int = 0
    bytes: int = 0
    judge_cpu_s: float | None = None
    judged: bool = True
    body: Any = None
    """The streamed body of the final attempt, spooled (None when it was kept on the response)."""
    sizes: array = field(default_factory=lambda: array("I"))

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def error_rules(self) -> list[str]:
        """The rules with an error finding, in the order they were found (the first names a Locust failure)."""
        return list(dict.fromkeys(f.rule for f in self.findings if f.severity is Severity.ERROR))

    def full_exchange(self) -> Exchange:
        """The exchange with the spooled body back on its final attempt (for a recording)."""
        response = self.exchange.response
        if self.body is not None and response is not None and not response.chunks:
            self.body.seek(0)
            response.chunks = [self.body.read(size) for size in self.sizes]
        return self.exchange

    def release(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None


class _Reader:
    """The body reader handed to LiveTransport.send for one request."""

    def __init__(self, plan: Plan, *, judge: bool, keep: bool):
        self.plan = plan
        self.judge = judge
        self.keep = keep
        self.judgement: Judgement | None = None
        self.read_cpu = 0.0
        self.judge_cpu = 0.0
        self.bytes = 0
        self.body: Any = None
        self.sizes = array("I")

    def __call__(self, earlier: Exchange, attempt: Attempt, chunks: Iterator[tuple[float, bytes]]) -> None:
        response = attempt.response
        assert response is not None
        expect = self.plan.step.expect
        streamed = response.content_type == "text/event-stream" and 200 <= response.status < 300 and expect.status_matches(response.status)
        if not self.judge or not streamed:
            # Small (errors, JSON answers) or not judged: kept whole only when it will be judged.
            for elapsed, chunk in chunks:
                response.offsets.append(elapsed)
                self.bytes += len(chunk)
                if self.judge:
                    response.chunks.append(chunk)
            return
        if self.keep:
            self.body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        view = Exchange(earlier.step, [*earlier.attempts, attempt])
        started = time.thread_time()
        self.judgement = judge_exchange(
            view, self.plan.step, request=self.plan.request_json, profile=self.plan.profile, chunks=lambda: self._pass_on(response, chunks)
        )
        # The judge pulled the chunks off the network itself: its own CPU time is what it spent
        # outside those reads.
        self.judge_cpu = time.thread_time() - started - self.read_cpu

    def _pass_on(self, response, chunks: Iterator[tuple[float, bytes]]) -> Iterator[bytes]:
        clock = time.thread_time
        while True:
            before = clock()
            item = next(chunks, None)
            self.read_cpu += clock() - before
            if item is None:
                return
            elapsed, chunk = item
            response.offsets.append(elapsed)
            self.bytes += len(chunk)
            if self.body is not None:
                self.body.write(chunk)
                self.sizes.append(len(chunk))
            yield chunk


def _redacted(findings: list[Finding], redactor: Redactor) -> list[Finding]:
    """A streamed answer was judged before the transport scrubbed it: scrub what the findings quote."""
    out = []
    for finding in findings:
        message, evidence = redactor.text(finding.message), finding.evidence and redactor.text(finding.evidence)
        out.append(finding if (message, evidence) == (finding.message, finding.evidence) else replace(finding, message=message, evidence=evidence))
    return out


def send_answer(plan: Plan, transport: LiveTransport, *, judge: bool = True, keep_failing: bool = True) -> Answer:
    """Send `plan`'s request through `transport` (retries, auth, redaction as in `run`) and judge
    the answer with every rule, streaming when it is a stream. `keep_failing` spools a streamed
    body so that a failing answer can be written as a recording; without judging, nothing is kept
    and the only findings are transport failures (no answer at all)."""
    reader = _Reader(plan, judge=judge, keep=judge and keep_failing)
    exchange = transport.send(plan.step.name, plan.request, read_body=reader)
    findings = failure_findings(exchange)
    first_content_chunk = None
    judge_cpu = None
    if judge:
        judgement = reader.judgement
        if judgement is not None:  # judged while it streamed, before the transport scrubbed it
            judge_cpu = reader.judge_cpu
            judged = _redacted(judgement.findings, transport.redactor)
        else:
            started = time.thread_time()
            judgement = judge_exchange(exchange, plan.step, request=plan.request_json, profile=plan.profile)
            judge_cpu = time.thread_time() - started
            judged = judgement.findings
        findings = selected_findings(findings + judged, None, plan.case)
        first_content_chunk = judgement.first_content_chunk
    response = exchange.response
    return Answer(
        plan=plan,
        exchange=exchange,
        findings=findings,
        timings=timings_of([exchange], first_content_chunk),
        chunks=len(response.offsets) if response is not None else 0,
        bytes=reader.bytes,
        judge_cpu_s=judge_cpu,
        judged=judge,
        body=reader.body,
        sizes=reader.sizes,
    )
