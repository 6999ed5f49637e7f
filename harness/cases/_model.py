"""What a case is once loaded: plain frozen data, no behaviour beyond small derived facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Source", "Expect", "Step", "Case"]

@dataclass(frozen=True)
class Source:
    document: str
    section: str
    lines: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        where = f"{self.document}:{self.lines}" if self.lines else self.document
        return f"{self.section} ({where})"


@dataclass(frozen=True)
class Expect:
    status: int | str = 200
    streamed: bool | None = None
    accept_rejection: bool = False
    """A clean 4xx means "not supported": reported as info, not as a failure."""
    differential: bool = False
    """Also send the request the other way (stream flipped) and compare the answers."""
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    disable: Mapping[str, str] = field(default_factory=dict)

    def status_matches(self, status: int) -> bool:
        if isinstance(self.status, int):
            return status == self.status
        return str(status)[0] == self.status[0]

    @property
    def success(self) -> bool:
        """Whether the expected answer is a 2xx (errors are judged by other rules than answers)."""
        return str(self.status)[0] == "2"


@dataclass(frozen=True)
class Step:
    name: str
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    expect: Expect = field(default_factory=Expect)

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    @property
    def expects_stream(self) -> bool:
        if self.expect.streamed is not None:
            return self.expect.streamed
        return self.stream and self.expect.success


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    source: Source
    feature: str
    applies_to: tuple[str, ...]
    steps: tuple[Step, ...]
    path: Path
    tags: tuple[str, ...] = ()
    description: str | None = None
    documented_target: Mapping[str, str] = field(default_factory=dict)
    """The case file's `vertex:` section: where the documented example sends its request
    (location, api_version). On the kinds that take them they apply where the endpoint sets no
    value of its own (`EndpointKind.case_values`); the endpoint's configuration wins otherwise."""
    pinned: frozenset[str] = frozenset()
    """Of `documented_target`, what the case is about (global-endpoint: the global location):
    these win over the endpoint's own values."""
    profile: str | None = None
    """Overrides the endpoint's schema profile for this case."""
    parameter: str | None = None
    """The request parameter the case is about; results give it a status per endpoint."""
    recordings_dir: Path | None = None
    """Where this case's recordings live: `recordings/` beside the case folder it was loaded from."""

    def applies(self, kind: str) -> bool:
        return kind in self.applies_to
