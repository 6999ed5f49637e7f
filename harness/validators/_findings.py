"""Findings: what a rule says about an exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Severity", "Location", "Finding", "Effect", "ClientNote"]


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


class Effect(str, enum.Enum):
    """What a finding says about the request parameter a case is about (see CaseResult.parameter_status)."""

    REJECTED = "rejected"
    """The endpoint refused the request cleanly (a 4xx with an error body): unsupported, not a failure."""
    IGNORED = "ignored"
    """Accepted, but the parameter's effect is missing."""
    SERVER_FAILURE = "server-failure"
    """The server failed (5xx) or no complete answer arrived."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ClientNote:
    """What one real client does with the fact a finding reports."""

    name: str
    version: str | None
    outcome: str
    """ok, breaks, mis-assembles or not-run."""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "outcome": self.outcome, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientNote:
        return cls(data["name"], data.get("version"), data["outcome"], data.get("detail", ""))


@dataclass(frozen=True)
class Finding:
    """One fact a rule reports. `rule` and `code` name the fact (stable: baselines match them),
    `message` explains it to a person and may change between versions."""

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
    code: str = ""
    """Which of the rule's declared findings this is (see `chat-conformance rules`)."""
    parameter: str | None = None
    """The request parameter the rule judges the effect of, if any (n, stop, tool_choice...)."""
    effect: Effect | None = None
    clients: tuple[ClientNote, ...] = ()
    """What real clients do with this fact: which break, mis-assemble or tolerate it."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "code": self.code,
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
        if self.parameter is not None:
            out["parameter"] = self.parameter
        if self.effect is not None:
            out["effect"] = str(self.effect)
        if self.clients:
            out["clients"] = [note.to_json() for note in self.clients]
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
            code=data.get("code", ""),
            parameter=data.get("parameter"),
            effect=Effect(data["effect"]) if data.get("effect") else None,
            clients=tuple(ClientNote.from_json(note) for note in data.get("clients", ())),
        )
