"""Schemathesis-style fuzzing of one endpoint with requests drawn from its profile's schema.

A schema-valid request may get a 2xx that passes the rules, or a well-formed 4xx ("rejected",
info). A schema-invalid one must get a 4xx with an OpenAI error body. Failures: any 5xx, a hang
(a transport timeout), a request dropped without an answer (the connection reset or closed), a
malformed error body, a 2xx for an invalid request, an error finding on a 2xx. Every failing
example is saved as it happens (a live endpoint may answer differently next time) as a case plus
its recording, which `run` and `check` replay; then hypothesis shrinks it and the smallest failing
example is saved too.

A request that never reached the server (connection refused, unknown host, TLS) is no failure of
the request: it is counted as "unreachable", apart from the answers, and after a few in a row
nothing more is sent: the endpoint is down, and the run says so.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, HypothesisException

from .._files import write_atomic
from .._yamlio import dump_yaml
from ..cases import Expect, Step
from ..endpoints import Endpoint
from ..runner import endpoint_redactor, endpoint_request
from ..transport import NOT_REACHED, Cassette, Exchange, Limits, LiveTransport, cassette_path, no_answer, no_answer_text, write_cassette
from ..validators import ERROR_BODY, Finding, Severity, judge_exchange
from ._strategies import RequestStrategies

__all__ = ["FuzzSettings", "FuzzReport", "Fuzzer", "FAILURE_KINDS", "UNREACHABLE", "UNREACHABLE_IN_A_ROW"]

UNREACHABLE = "unreachable"
"""The outcome of a request that never reached the server: counted, not a failure, not saved."""
UNREACHABLE_IN_A_ROW = 3
"""After this many unreachable requests in a row, nothing more is sent."""


class FuzzFailure(Exception):
    """Base of the per-kind failures; hypothesis tells bugs apart by exception type."""

    kind = "failure"

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.reason)
        self.outcome = outcome


class ServerError(FuzzFailure):
    kind = "server-error"


class Hang(FuzzFailure):
    kind = "hang"


class Dropped(FuzzFailure):
    """The request reached the server, which closed or reset the connection without answering."""

    kind = "dropped"


class MalformedError(FuzzFailure):
    kind = "malformed-error"


class AcceptedInvalid(FuzzFailure):
    kind = "accepted-invalid"


class BrokenAnswer(FuzzFailure):
    kind = "broken-answer"


FAILURE_KINDS = {cls.kind: cls for cls in (ServerError, Hang, Dropped, MalformedError, AcceptedInvalid, BrokenAnswer)}


@dataclass
class FuzzSettings:
    max_examples: int = 100
    budget: float = 60.0
    """Seconds for the whole run, generation, sending and shrinking included."""
    seed: int | None = None
    limits: Limits = field(default_factory=lambda: Limits(read_timeout=30.0, total_timeout=60.0, retries=0))
    profile: str = "openai"


@dataclass
class Outcome:
    request: dict[str, Any]
    valid: bool
    kind: str  # accepted, rejected, unreachable, or a failure kind
    reason: str
    exchange: Exchange
    findings: list[Finding]


@dataclass
class FuzzReport:
    requests: int = 0
    answered: int = 0
    """Requests that got an HTTP answer; the others are counted in `no_answer`."""
    no_answer: Counter = field(default_factory=Counter)
    """Why no HTTP answer came (`connection refused`...) -> how many requests got none for it."""
    counts: Counter = field(default_factory=Counter)
    saved: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    """Failure kind -> the reason of its smallest example."""
    budget_exhausted: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "answered": self.answered,
            "no_answer": dict(self.no_answer),
            "outcomes": dict(self.counts),
            "failures": self.failures,
            "saved": [str(p) for p in self.saved],
            "budget_exhausted": self.budget_exhausted,
            "notes": self.notes,
        }


def _escape_placeholders(value: Any) -> Any:
    """A drawn string may look like a case placeholder (`{model}`); saved cases keep it literal."""
    if isinstance(value, str):
        return re.sub(r"\{([A-Za-z_][\w.-]*)\}", r"{{\1}}", value)
    if isinstance(value, dict):
        return {k: _escape_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_placeholders(v) for v in value]
    return value


def _unanswered(request: dict[str, Any], valid: bool, exchange: Exchange, words: str) -> Outcome:
    """The outcome of a request that got no HTTP answer; `words` say why (`connection refused`)."""
    failure = exchange.final.failure
    assert failure is not None
    if failure.kind in NOT_REACHED:
        kind = UNREACHABLE  # the server never saw the request: it tells nothing about it
    elif failure.kind.startswith("timeout"):
        kind = Hang.kind
    else:
        kind = Dropped.kind
    return Outcome(request, valid, kind, f"{no_answer_text(words)}: {failure.kind}: {failure.message}", exchange, [])


class _EndpointDown(BaseException):
    """Ends the hypothesis run at once. A BaseException, as KeyboardInterrupt is: hypothesis takes
    any Exception for a failing example (and shrinks it), and has no other way to stop early."""


class Fuzzer:
    def __init__(self, endpoint: Endpoint, auth, fuzz: FuzzSettings, out_dir: Path):
        self.endpoint = endpoint
        self.fuzz = fuzz
        self.out_dir = out_dir
        self.transport = LiveTransport(auth, fuzz.limits, redactor=endpoint_redactor(endpoint))
        self.strategies = RequestStrategies(fuzz.profile, endpoint.model)
        self.report = FuzzReport()
        self._saved_kinds: Counter = Counter()
        self._last_failure: dict[str, Outcome] = {}
        self._unreachable_in_a_row = 0

    def send(self, request: dict[str, Any], valid: bool) -> Outcome:
        # As `run` sends a case: the endpoint's headers go along. A drawn `stream` of any truthy
        # value (schema-invalid ones included) asks for an event stream.
        http_request = endpoint_request(self.endpoint, request, stream=bool(request.get("stream")))
        exchange = self.transport.send("fuzz", http_request)
        self.report.requests += 1
        missing = no_answer(exchange.final)
        if missing is not None:
            self.report.no_answer[missing] += 1
            return _unanswered(request, valid, exchange, missing)
        self.report.answered += 1
        response = exchange.response
        assert response is not None
        failure = exchange.final.failure
        if failure is not None and failure.kind.startswith("timeout"):  # an answer that stopped coming
            return Outcome(request, valid, Hang.kind, f"{failure.kind}: {failure.message}", exchange, [])
        step = Step(name="fuzz", body=request, expect=Expect(status="2xx" if valid else "4xx", accept_rejection=valid))
        findings = judge_exchange(exchange, step, request=request, profile=self.fuzz.profile).findings
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if response.status >= 500:
            return Outcome(request, valid, ServerError.kind, f"HTTP {response.status}", exchange, findings)
        if 400 <= response.status < 500:
            malformed = [f for f in errors if f.rule == ERROR_BODY]
            if malformed:
                return Outcome(request, valid, MalformedError.kind, malformed[0].message, exchange, findings)
            return Outcome(request, valid, "rejected", f"HTTP {response.status}", exchange, findings)
        if not valid and 200 <= response.status < 300:
            return Outcome(request, valid, AcceptedInvalid.kind, f"HTTP {response.status} for a request the schema forbids", exchange, findings)
        if errors or failure is not None:
            reason = f"{errors[0].rule}: {errors[0].message}" if errors else f"{failure.kind}: {failure.message}"
            return Outcome(request, valid, BrokenAnswer.kind, reason, exchange, findings)
        return Outcome(request, valid, "accepted", f"HTTP {response.status}", exchange, findings)

    def save(self, outcome: Outcome, label: str) -> None:
        """A case file and its recording: `run --cases DIR` and `check RECORDING` replay it."""
        case_id = f"fuzz-{outcome.kind}-{label}"
        case = {
            "id": case_id,
            "title": f"fuzz: {outcome.kind} ({outcome.reason})"[:200],
            "description": "Saved by chat-conformance fuzz; the request is kept exactly as it was sent.",
            "source": {"document": "chat-conformance fuzz", "section": outcome.kind},
            "feature": f"fuzz.{outcome.kind}",
            "tags": ["fuzz"],
            "applies_to": [self.endpoint.kind],
            "steps": [
                {
                    "name": "fuzz",
                    "request": {"body": _escape_placeholders(outcome.request)},
                    "expect": {"status": "2xx" if outcome.valid else "4xx", "accept_rejection": outcome.valid},
                }
            ],
        }
        case_path = self.out_dir / f"{case_id}.yaml"
        write_atomic(case_path, f"# {'schema-valid' if outcome.valid else 'schema-invalid'} request; {outcome.reason}\n" + dump_yaml(case))
        recording = cassette_path(self.out_dir / "recordings", self.endpoint.name, case_id)
        write_cassette(recording, Cassette(case=case_id, endpoint=self.endpoint.name, origin="live", exchanges=[outcome.exchange], note="saved by chat-conformance fuzz"))
        self.report.saved += [case_path, recording]

    def _stop_when_unreachable(self, outcome: Outcome) -> None:
        """Counts unreachable requests in a row; after UNREACHABLE_IN_A_ROW, the run ends."""
        if outcome.kind != UNREACHABLE:
            self._unreachable_in_a_row = 0
            return
        self._unreachable_in_a_row += 1
        if self._unreachable_in_a_row < UNREACHABLE_IN_A_ROW:
            return
        final = outcome.exchange.final
        hint = f": {final.failure.hint}" if final.failure and final.failure.hint else ""
        self.report.notes.append(f"stopped after {UNREACHABLE_IN_A_ROW} requests in a row got {no_answer_text(no_answer(final) or '')}{hint}")
        raise _EndpointDown

    def run(self) -> FuzzReport:
        deadline = time.monotonic() + self.fuzz.budget
        examples = st.one_of(self.strategies.valid().map(lambda r: (True, r)), self.strategies.invalid().map(lambda r: (False, r)))

        @settings(
            max_examples=self.fuzz.max_examples,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=True,
            print_blob=False,
            verbosity=Verbosity.quiet,  # its reports (a seed to reproduce with) are for test suites; fuzz says what it found
        )
        @given(examples)
        def probe(example: tuple[bool, dict[str, Any]]) -> None:
            if time.monotonic() > deadline:
                self.report.budget_exhausted = True
                return  # out of time: nothing more is sent (shrinking stops at what it has)
            valid, request = example
            outcome = self.send(request, valid)
            self.report.counts[outcome.kind] += 1
            self._stop_when_unreachable(outcome)
            if outcome.kind in FAILURE_KINDS:
                self._last_failure[outcome.kind] = outcome
                if self._saved_kinds[outcome.kind] < 3:  # the first few, before shrinking
                    self._saved_kinds[outcome.kind] += 1
                    self.save(outcome, f"{self._saved_kinds[outcome.kind]:02d}")
                raise FAILURE_KINDS[outcome.kind](outcome)

        if self.fuzz.seed is not None:
            probe = seed(self.fuzz.seed)(probe)
        try:
            probe()
        except (FuzzFailure, Flaky, BaseExceptionGroup):
            pass  # every failure was recorded as it happened
        except _EndpointDown:
            pass  # the note says why
        except HypothesisException as exc:  # e.g. too few examples could be drawn
            self.report.notes.append(f"hypothesis stopped early: {type(exc).__name__}: {exc}")
        finally:
            self.transport.close()
        for kind, outcome in self._last_failure.items():
            self.report.failures[kind] = outcome.reason
            self.save(outcome, "shrunk")
        return self.report
