"""The outcome of one case against one endpoint."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..transport import Exchange
from ..validators import Finding, Severity

__all__ = ["Mode", "Verdict", "CaseResult"]

# Rules whose error means "the parameter was accepted but had no effect".
_EFFECT_RULES = frozenset(
    {"params.n", "params.max-tokens", "params.stop", "params.response-format", "tool-choice.honoured", "usage.stream"}
)


class Mode(str, enum.Enum):
    LIVE = "live"
    """Send requests to the endpoint; write nothing."""
    RECORD = "record"
    """Send requests and write what came back as recordings."""
    REPLAY = "replay"
    """Send nothing; judge the recordings."""

    def __str__(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    STALE = "stale"
    """The recording was made for a different request than the case now sends."""
    SKIP = "skip"
    """Not run: see `skip_reason` (not-applicable, not-recorded)."""

    def __str__(self) -> str:
        return self.value


@dataclass
class CaseResult:
    case_id: str
    endpoint: str
    feature: str
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    skip_reason: str | None = None
    detail: str | None = None
    """One sentence on a skip or a stale recording: why, and what to do."""
    command: str | None = None
    """The command that fixes a stale or missing recording."""
    origin: str | None = None
    """Where the judged bytes came from: live, or the recording's origin."""
    duration: float = 0.0
    parameter: str | None = None
    """The request parameter the case is about, if any; see `parameter_status`."""
    exchanges: list[Exchange] = field(default_factory=list, repr=False)

    @property
    def parameter_status(self) -> str | None:
        """honoured / rejected / ignored / broken, for a case about one parameter.

        honoured: accepted, and every check of its effect passed (for parameters with no checkable
        effect, such as temperature or seed, that means accepted without error). rejected: a clean
        4xx with an error body. ignored: accepted, but its effect is missing (n, max_tokens, stop,
        tool_choice, response_format, include_usage). broken: a 5xx, a transport failure, or wrong output.
        """
        if self.parameter is None or self.verdict in (Verdict.SKIP, Verdict.STALE):
            return None
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if any(f.rule in ("http.server-error", "transport.failure") for f in errors):
            return "broken"
        if any(f.rule == "http.status" and f.severity is Severity.INFO and f.message.startswith("rejected") for f in self.findings):
            return "rejected"
        if any(f.rule in _EFFECT_RULES for f in errors):
            return "ignored"
        return "broken" if errors else "honoured"

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def first_problem(self) -> Finding | None:
        ordered = sorted(self.findings, key=lambda f: -f.severity)
        return ordered[0] if ordered else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.case_id,
            "endpoint": self.endpoint,
            "feature": self.feature,
            "verdict": str(self.verdict),
            "findings": [finding.to_json() for finding in self.findings],
            "duration_s": round(self.duration, 4),
        }
        for key in ("skip_reason", "detail", "command", "origin", "parameter", "parameter_status"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def verdict_for(findings: list[Finding]) -> Verdict:
    worst = max((f.severity for f in findings), default=None)
    if worst is Severity.ERROR:
        return Verdict.FAIL
    if worst is Severity.WARNING:
        return Verdict.WARN
    return Verdict.PASS
