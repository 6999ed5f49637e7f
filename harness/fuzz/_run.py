"""Schemathesis-style fuzzing of one endpoint with requests drawn from its profile's schema.

A schema-valid request may get a 2xx that passes the rules, or a well-formed 4xx ("rejected",
info). A schema-invalid one must get a 4xx with an OpenAI error body. Failures: any 5xx, a hang
(a transport timeout), a malformed error body, a 2xx for an invalid request, an error finding on a
2xx. Every failing example is saved as it happens (a live endpoint may answer differently next
time) as a case plus its recording, which `run` and `check` replay; then hypothesis shrinks it and
the smallest failing example is saved too.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, HypothesisException

from .._files import write_atomic
from .._yamlio import dump_yaml
from ..cases import Expect, Step
from ..endpoints import Endpoint
from ..runner import endpoint_redactor, endpoint_request
from ..transport import Cassette, Exchange, Limits, LiveTransport, cassette_path, write_cassette
from ..validators import ERROR_BODY, Finding, Severity, judge_exchange
from ._strategies import RequestStrategies

__all__ = ["FuzzSettings", "FuzzReport", "Fuzzer", "FAILURE_KINDS"]


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


class MalformedError(FuzzFailure):
    kind = "malformed-error"


class AcceptedInvalid(FuzzFailure):
    kind = "accepted-invalid"


class BrokenAnswer(FuzzFailure):
    kind = "broken-answer"


FAILURE_KINDS = {cls.kind: cls for cls in (ServerError, Hang, MalformedError, AcceptedInvalid, BrokenAnswer)}


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
    kind: str  # accepted, rejected, or a failure kind
    reason: str
    exchange: Exchange
    findings: list[Finding]


@dataclass
class FuzzReport:
    sent: int = 0
    counts: Counter = field(default_factory=Counter)
    saved: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    """Failure kind -> the reason of its smallest example."""
    budget_exhausted: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
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

    def send(self, request: dict[str, Any], valid: bool) -> Outcome:
        # As `run` sends a case: the endpoint's headers go along. A drawn `stream` of any truthy
        # value (schema-invalid ones included) asks for an event stream.
        http_request = endpoint_request(self.endpoint, request, stream=bool(request.get("stream")))
        exchange = self.transport.send("fuzz", http_request)
        self.report.sent += 1
        response = exchange.response
        failure = exchange.final.failure
        if failure is not None and failure.kind.startswith("timeout"):
            return Outcome(request, valid, Hang.kind, f"{failure.kind}: {failure.message}", exchange, [])
        if response is None:
            return Outcome(request, valid, ServerError.kind, f"no answer: {failure.kind}: {failure.message}", exchange, [])
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
        )
        @given(examples)
        def probe(example: tuple[bool, dict[str, Any]]) -> None:
            if time.monotonic() > deadline:
                self.report.budget_exhausted = True
                return  # out of time: nothing more is sent (shrinking stops at what it has)
            valid, request = example
            outcome = self.send(request, valid)
            self.report.counts[outcome.kind] += 1
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
        except HypothesisException as exc:  # e.g. too few examples could be drawn
            self.report.notes.append(f"hypothesis stopped early: {type(exc).__name__}: {exc}")
        finally:
            self.transport.close()
        for kind, outcome in self._last_failure.items():
            self.report.failures[kind] = outcome.reason
            self.save(outcome, "shrunk")
        return self.report
