"""The client layer's records: the answer a client is run on, and what became of it.

`RecordedAnswer` is the exact bytes of one HTTP answer (status, headers, body chunks in arrival
order); `ClientOutcome` is what one pinned client library made of them, judged against the
reference completion the caller passes in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from ..errors import HarnessError
from ..transport import Attempt, HTTPResponse

__all__ = [
    "ClientOutcome",
    "ClientNotice",
    "ClientSetupError",
    "ClientStatus",
    "Difference",
    "Outcome",
    "PathOutcome",
    "Raised",
    "RecordedAnswer",
    "RecordedCall",
    "recorded_calls",
]

# The body is recorded after content decoding and its framing is gone: a client shown these
# headers would try to decode or count the bytes again.
DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class ClientSetupError(HarnessError):
    """A client cannot be installed or started (npm or Node missing, the registry failing). `str()` is
    one line that says what to do; the CLI prints it without a traceback."""


class Outcome(str, Enum):
    """What a client made of an answer, worst last but one (`not-run` says nothing about the answer)."""

    OK = "ok"
    MIS_ASSEMBLES = "mis-assembles"
    BREAKS = "breaks"
    NOT_RUN = "not-run"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Outcome.NOT_RUN: 0, Outcome.OK: 1, Outcome.MIS_ASSEMBLES: 2, Outcome.BREAKS: 3}


@dataclass(frozen=True)
class RecordedAnswer:
    """One answer exactly as it arrived: what every client is handed, chunk by chunk."""

    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]
    failure: str | None = None
    """Set when the body ended abnormally (e.g. `reset`): after the last chunk the client's read fails."""
    events_total: int | None = None
    """Set by `reduce_answer`: the number of SSE events in the answer this one was reduced from."""

    @classmethod
    def from_response(cls, response: HTTPResponse, failure: str | None = None) -> RecordedAnswer:
        return cls(
            status=response.status,
            headers=tuple((str(k), str(v)) for k, v in response.headers),
            chunks=tuple(response.chunks),
            failure=failure,
        )

    @classmethod
    def from_attempt(cls, attempt: Attempt) -> RecordedAnswer | None:
        """None when the attempt got no response at all (nothing to hand a client)."""
        if attempt.response is None:
            return None
        return cls.from_response(attempt.response, attempt.failure.kind if attempt.failure else None)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def client_headers(self) -> list[tuple[str, str]]:
        """The headers a client is shown: the recorded ones minus body framing and encoding."""
        return [(k, v) for k, v in self.headers if k.lower() not in DROPPED_HEADERS]

    def fingerprint(self) -> str:
        """A hash of everything a client can observe: status, headers, each chunk and its boundary, failure."""
        digest = hashlib.sha256()
        digest.update(f"{self.status}\n{self.failure}\n".encode())
        for key, value in self.headers:
            digest.update(f"{len(key)}:{key}{len(value)}:{value}".encode())
        for chunk in self.chunks:
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
        return digest.hexdigest()


@dataclass(frozen=True)
class Difference:
    """One place where what the client assembled differs from what the server meant.

    `path` is a JSON pointer into the completion (`/choices/0/message/tool_calls/1/id`); `aspect`
    names what differs (count, id, name, arguments, tool_call, content, role, finish_reason, usage,
    choices, chunk, status) so severity can be decided per aspect. Arguments are compared as parsed
    JSON, so `got`/`meant` hold the parsed value when the text parses.
    """

    path: str
    got: Any
    meant: Any
    aspect: str = ""


@dataclass(frozen=True)
class Raised:
    """An exception the client raised: its class, its message, and the SSE event it happened at
    (the harness's event index, counting every dispatched event) when known."""

    exception: str
    message: str
    event: int | None = None


@dataclass(frozen=True)
class PathOutcome:
    """The outcome of one client API path (e.g. `stream+finalChatCompletion`)."""

    path: str
    outcome: Outcome
    differences: tuple[Difference, ...] = ()
    raised: Raised | None = None
    note: str | None = None


@dataclass(frozen=True)
class ClientOutcome:
    """What one pinned client made of one answer: the worst of its API paths.

    `path` is the API path that gave the outcome; `paths` lists every path that ran, that one
    first. `events_run`/`events_total` say how many SSE events the client ran on, and how many the
    answer had (they differ when a very long stream was reduced; None for a JSON answer).
    """

    name: str
    version: str | None
    outcome: Outcome
    detail: str
    path: str | None = None
    differences: tuple[Difference, ...] = ()
    raised: Raised | None = None
    notes: tuple[str, ...] = ()
    paths: tuple[PathOutcome, ...] = ()
    events_run: int | None = None
    events_total: int | None = None
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClientOutcome:
        def raised(value: Any) -> Raised | None:
            return None if value is None else Raised(**value)

        def differences(values: Iterable[dict[str, Any]]) -> tuple[Difference, ...]:
            return tuple(Difference(**v) for v in values)

        return cls(
            **{
                **data,
                "outcome": Outcome(data["outcome"]),
                "differences": differences(data.get("differences", ())),
                "raised": raised(data.get("raised")),
                "notes": tuple(data.get("notes", ())),
                "paths": tuple(
                    PathOutcome(
                        path=p["path"],
                        outcome=Outcome(p["outcome"]),
                        differences=differences(p.get("differences", ())),
                        raised=raised(p.get("raised")),
                        note=p.get("note"),
                    )
                    for p in data.get("paths", ())
                ),
            }
        )


@dataclass(frozen=True)
class ClientStatus:
    """One registered client: its pin, what is installed, and how to install it."""

    name: str
    ecosystem: str
    package: str
    pinned: str | None
    installed: str | None
    install_command: str

    @property
    def ready(self) -> bool:
        return self.installed is not None and self.installed == self.pinned


@dataclass(frozen=True)
class ClientNotice:
    """Something the caller may want to tell the user (a client missing, or not at its pin)."""

    name: str
    message: str
    install_command: str | None = None


def _to_plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    return value



@dataclass(frozen=True)
class RecordedCall:
    """One recorded answer with the request that got it: what `run_clients` takes, from a cassette."""

    label: str
    """`<step>` or `<step>#<attempt>` when the step was retried."""
    answer: RecordedAnswer
    request: Any
    url: str
    stream: bool
    """Whether the request asked for a stream (what the clients are asked for)."""


def recorded_calls(exchanges: Iterable[Any]) -> list[RecordedCall]:
    """Every attempt that got a response, from a cassette's exchanges."""
    calls = []
    for exchange in exchanges:
        for number, attempt in enumerate(exchange.attempts, start=1):
            answer = RecordedAnswer.from_attempt(attempt)
            if answer is None:
                continue
            request = attempt.request.json()
            label = exchange.step if len(exchange.attempts) == 1 else f"{exchange.step}#{number}"
            stream = isinstance(request, dict) and request.get("stream") is True
            calls.append(RecordedCall(label, answer, request if isinstance(request, dict) else None, attempt.request.url, stream))
    return calls
