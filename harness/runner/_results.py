"""The outcome of one case against one endpoint, and how it is written down."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..transport import Exchange
from ..validators import Effect, Finding, Severity

__all__ = ["Mode", "Verdict", "CaseResult", "verdict_for", "timings_of"]


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
    FLAKY = "flaky"
    """With --repeat: some runs passed and some failed."""
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
    timings: dict[str, float] | None = None
    """Seconds, from the first step's answer: headers, first chunk, total (see timings_of)."""
    runs: list[str] | None = None
    """With --repeat K: the verdict of each run, in order."""
    clients: list[dict[str, Any]] = field(default_factory=list)
    """Per step: what each real client made of the answer ({"step", "clients": [{name, version, outcome, detail}]})."""
    first_content_chunk: int | None = field(default=None, repr=False)
    """Which chunk of the first answer brought generated output (for timings; not written out)."""
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
        errors = [f for f in self.findings if f.severity is Severity.ERROR and f.known is None]
        if any(f.effect is Effect.SERVER_FAILURE for f in errors):
            return "broken"
        if any(f.effect is Effect.REJECTED for f in self.findings):
            return "rejected"
        if any(f.effect is Effect.IGNORED for f in errors):
            return "ignored"
        return "broken" if errors else "honoured"

    @property
    def open_findings(self) -> list[Finding]:
        """Findings no baseline accepts: the ones that decide the verdict and the exit code."""
        return [f for f in self.findings if f.known is None]

    @property
    def first_problem(self) -> Finding | None:
        ordered = sorted(self.open_findings, key=lambda f: -f.severity)
        return ordered[0] if ordered else None

    @property
    def pass_all(self) -> bool | None:
        """pass^k: every one of the repeated runs passed (None without --repeat)."""
        return None if not self.runs else all(run in ("pass", "warn") for run in self.runs)

    @property
    def pass_any(self) -> bool | None:
        """pass@k: at least one of the repeated runs passed (None without --repeat)."""
        return None if not self.runs else any(run in ("pass", "warn") for run in self.runs)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.case_id,
            "endpoint": self.endpoint,
            "feature": self.feature,
            "verdict": str(self.verdict),
            "findings": [finding.to_json() for finding in self.findings],
            "duration_s": round(self.duration, 4),
        }
        for key in ("skip_reason", "detail", "command", "origin", "parameter", "parameter_status", "timings", "runs"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.clients:
            out["exchanges"] = self.clients
        if self.runs:
            out["pass_all"], out["pass_any"] = self.pass_all, self.pass_any
            out["pass_rate"] = round(sum(run in ("pass", "warn") for run in self.runs) / len(self.runs), 4)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseResult:
        return cls(
            case_id=data["case"],
            endpoint=data["endpoint"],
            feature=data["feature"],
            verdict=Verdict(data["verdict"]),
            findings=[Finding.from_json(f) for f in data.get("findings", ())],
            skip_reason=data.get("skip_reason"),
            detail=data.get("detail"),
            command=data.get("command"),
            origin=data.get("origin"),
            duration=data.get("duration_s", 0.0),
            parameter=data.get("parameter"),
            timings=data.get("timings"),
            runs=data.get("runs"),
            clients=list(data.get("exchanges", ())),
        )


def verdict_for(findings: list[Finding]) -> Verdict:
    worst = max((f.severity for f in findings if f.known is None), default=None)
    if worst is Severity.ERROR:
        return Verdict.FAIL
    if worst is Severity.WARNING:
        return Verdict.WARN
    return Verdict.PASS


def timings_of(exchanges: list[Exchange], first_content_chunk: int | None = None) -> dict[str, float] | None:
    """Latency figures of the first exchange's final attempt: time to headers, to the first body
    chunk, to the first generated content, total, and the median and 95th percentile gap between
    chunks."""
    if not exchanges or exchanges[0].response is None:
        return None
    response = exchanges[0].response
    out: dict[str, float] = {}
    if response.headers_at is not None:
        out["headers_s"] = round(response.headers_at, 6)
    if response.offsets:
        out["first_chunk_s"] = round(response.offsets[0], 6)
        # A JSON answer's content is there when its last chunk is; a stream's when the judge saw it.
        if response.content_type != "text/event-stream":
            out["first_content_s"] = round(response.offsets[-1], 6)
        elif first_content_chunk is not None and first_content_chunk < len(response.offsets):
            out["first_content_s"] = round(response.offsets[first_content_chunk], 6)
        out["total_s"] = round(response.offsets[-1], 6)
        gaps = sorted(b - a for a, b in zip(response.offsets, response.offsets[1:]))
        if gaps:
            out["gap_p50_s"] = round(gaps[len(gaps) // 2], 6)
            out["gap_p95_s"] = round(gaps[min(len(gaps) - 1, int(len(gaps) * 0.95))], 6)
    return out or None
