"""Findings: what a rule says about an exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Severity", "Location", "Finding"]


class Severity(enum.IntEnum):
    """Ordered so that `max()` gives the worst. Error fails a run; warning only with --fail-on warning."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class Location:
    """Where in a case's exchanges a finding points: step, attempt, chunk (SSE event), JSON pointer."""

    step: str | None = None
    attempt: int | None = None
    event: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.step is not None:
            parts.append(f"step {self.step}")
        if self.attempt is not None and self.attempt > 1:
            parts.append(f"attempt {self.attempt}")
        if self.event is not None:
            parts.append(f"event {self.event}")
        if self.pointer:
            parts.append(self.pointer)
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    evidence: str | None = None
    count: int = 1
    """How many places the rule fired at; `location` is the first of them."""
    more_locations: tuple[Location, ...] = ()
    known: str | None = None
    """Set when a baseline accepts this finding: the baseline's reason. Known findings do not fail a run."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location.to_json(),
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence
        if self.count != 1:
            out["count"] = self.count
            out["more_locations"] = [loc.to_json() for loc in self.more_locations]
        if self.known is not None:
            out["known"] = self.known
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule=data["rule"],
            severity=Severity.parse(data["severity"]),
            message=data["message"],
            location=Location(**data.get("location", {})),
            evidence=data.get("evidence"),
            count=data.get("count", 1),
            more_locations=tuple(Location(**loc) for loc in data.get("more_locations", ())),
            known=data.get("known"),
        )
