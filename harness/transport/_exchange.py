"""Transport-neutral records of what went over the wire.

An `Exchange` is one step of a case: the request, and every attempt at it (a retried 429 leaves
two attempts, both kept, so a 5xx a retry cured is still reported). Live, record and replay modes
all produce the same objects, so rules cannot tell them apart.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HTTPRequest", "HTTPResponse", "TransportFailure", "Attempt", "Exchange"]


@dataclass
class HTTPRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class HTTPResponse:
    status: int
    headers: list[tuple[str, str]]
    reason: str = ""
    http_version: str = "HTTP/1.1"
    chunks: list[bytes] = field(default_factory=list)
    """The body as it arrived, after content decoding, one item per network read."""
    offsets: array = field(default_factory=lambda: array("d"))
    """Seconds from sending the request to the arrival of each chunk (compact: one double each)."""
    headers_at: float | None = None
    """Seconds from sending the request to the response headers."""
    content_encoding: str | None = None
    """The Content-Encoding the server used; the chunks are already decoded."""

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


@dataclass(frozen=True)
class TransportFailure:
    """Why no (complete) response arrived. `kind` is stable and named in findings."""

    kind: str  # connect, tls, timeout-connect, timeout-read, timeout-total, reset, protocol, too-large, auth, redirect
    message: str
    hint: str | None = None


@dataclass
class Attempt:
    request: HTTPRequest
    response: HTTPResponse | None = None
    failure: TransportFailure | None = None
    """Set when the attempt ended abnormally; `response` may still hold what arrived before."""
    retry_reason: str | None = None
    """Why another attempt followed this one (e.g. `429, Retry-After 2s`)."""


@dataclass
class Exchange:
    step: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    @property
    def request(self) -> HTTPRequest:
        return self.final.request

    @property
    def response(self) -> HTTPResponse | None:
        return self.final.response
