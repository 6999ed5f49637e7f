"""Recordings ("cassettes"): every exchange of one case against one endpoint, as readable YAML.

The response body is kept exactly as it arrived after content decoding, one entry per network read
with its arrival offset, so CRLF line ends, SSE comments and keep-alive lines survive and replay
reproduces the chunk boundaries. A chunk that is valid UTF-8 is stored as text (a literal block,
readable in a diff); any other chunk as base64. Request bodies are stored as JSON for readability.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import write_atomic
from .._version import __version__
from .._yamlio import dump_yaml, load_yaml_file
from ..errors import RecordingError
from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse, TransportFailure

__all__ = ["CASSETTE_VERSION", "ORIGINS", "Cassette", "read_cassette", "write_cassette", "cassette_path", "cassette_to_yaml"]

CASSETTE_VERSION = 1
ORIGINS = ("live", "documentation", "synthetic")


@dataclass
class Cassette:
    case: str
    endpoint: str
    origin: str
    exchanges: list[Exchange]
    recorded_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    harness_version: str = __version__
    server: str | None = None
    note: str | None = None


def cassette_path(recordings_dir: Path, endpoint: str, case_id: str) -> Path:
    return recordings_dir / endpoint / f"{case_id}.yaml"


# -- writing -------------------------------------------------------------------------------------


def _chunk_to_yaml(chunk: bytes, offset: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": round(offset, 6)}
    try:
        entry["text"] = chunk.decode("utf-8")
    except UnicodeDecodeError:
        entry["base64"] = base64.b64encode(chunk).decode("ascii")
    return entry


def _request_to_yaml(request: HTTPRequest) -> dict[str, Any]:
    out: dict[str, Any] = {"method": request.method, "url": request.url, "headers": dict(request.headers)}
    parsed = request.json()
    if parsed is not None:
        out["body"] = parsed
    elif request.body:
        out["body_text"] = request.body.decode("utf-8", "replace")
    return out


def _response_to_yaml(response: HTTPResponse) -> dict[str, Any]:
    return {
        "status": response.status,
        "reason": response.reason,
        "http_version": response.http_version,
        "headers": [[name, value] for name, value in response.headers],
        "content_encoding": response.content_encoding,
        "headers_at": None if response.headers_at is None else round(response.headers_at, 6),
        "chunks": [_chunk_to_yaml(chunk, offset) for chunk, offset in zip(response.chunks, response.offsets)],
    }


def cassette_to_yaml(cassette: Cassette) -> str:
    exchanges = []
    for exchange in cassette.exchanges:
        for number, attempt in enumerate(exchange.attempts, start=1):
            entry: dict[str, Any] = {"step": exchange.step, "attempt": number}
            if attempt.retry_reason:
                entry["retry_reason"] = attempt.retry_reason
            entry["request"] = _request_to_yaml(attempt.request)
            if attempt.response is not None:
                entry["response"] = _response_to_yaml(attempt.response)
            if attempt.failure is not None:
                entry["failure"] = {"kind": attempt.failure.kind, "message": attempt.failure.message}
            exchanges.append(entry)
    document = {
        "version": CASSETTE_VERSION,
        "case": cassette.case,
        "endpoint": cassette.endpoint,
        "origin": cassette.origin,
        "recorded_at": cassette.recorded_at,
        "harness_version": cassette.harness_version,
        "server": cassette.server,
        "note": cassette.note,
        "exchanges": exchanges,
    }
    header = f"# chat-conformance recording of case {cassette.case!r} against endpoint {cassette.endpoint!r} ({cassette.origin})\n"
    return header + dump_yaml({k: v for k, v in document.items() if v is not None})


def write_cassette(path: Path, cassette: Cassette) -> None:
    """Atomically (write to a temporary file, then rename): an interrupted run never leaves half a recording."""
    if cassette.origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    write_atomic(path, cassette_to_yaml(cassette))


# -- reading -------------------------------------------------------------------------------------


class _Reader:
    """Turns the YAML back into objects, naming the field and line of anything malformed."""

    def __init__(self, path: Path, lines):
        self.path, self.lines = path, lines

    def fail(self, where: list[str | int], message: str) -> RecordingError:
        return RecordingError(
            f"{message} (re-record it with --mode record, or delete the file)", path=self.path, line=self.lines.line_of(where)
        )

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], where: list[str | int], *, required: bool = True) -> Any:
        if not isinstance(data, dict) or (key not in data and required):
            raise self.fail(where, f"missing field {'/'.join(map(str, [*where, key]))}")
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail([*where, key], f"field {'/'.join(map(str, [*where, key]))} has the wrong type")
        return value

    def request(self, data: Any, where: list[str | int]) -> HTTPRequest:
        headers = self.get(data, "headers", dict, where)
        if "body" in data:
            body = json.dumps(data["body"], ensure_ascii=False).encode()
        else:
            body = (self.get(data, "body_text", str, where, required=False) or "").encode()
        return HTTPRequest(
            method=self.get(data, "method", str, where),
            url=self.get(data, "url", str, where),
            headers={str(k): str(v) for k, v in headers.items()},
            body=body,
        )

    def response(self, data: Any, where: list[str | int]) -> HTTPResponse:
        headers = []
        for number, pair in enumerate(self.get(data, "headers", list, where)):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise self.fail([*where, "headers", number], "a header must be a [name, value] pair of strings")
            headers.append((pair[0], pair[1]))
        chunks, offsets = [], array("d")
        for number, entry in enumerate(self.get(data, "chunks", list, where)):
            here = [*where, "chunks", number]
            offset = self.get(entry, "at", (int, float), here)
            if "text" in entry:
                chunks.append(self.get(entry, "text", str, here).encode("utf-8"))
            else:
                try:
                    chunks.append(base64.b64decode(self.get(entry, "base64", str, here), validate=True))
                except ValueError:
                    raise self.fail([*here, "base64"], "chunk is not valid base64") from None
            offsets.append(float(offset))
        headers_at = self.get(data, "headers_at", (int, float), where, required=False)
        return HTTPResponse(
            status=self.get(data, "status", int, where),
            headers=headers,
            reason=self.get(data, "reason", str, where, required=False) or "",
            http_version=self.get(data, "http_version", str, where, required=False) or "HTTP/1.1",
            chunks=chunks,
            offsets=offsets,
            headers_at=None if headers_at is None else float(headers_at),
            content_encoding=self.get(data, "content_encoding", str, where, required=False),
        )


def read_cassette(path: Path) -> Cassette:
    data, lines = load_yaml_file(path, error_cls=RecordingError)
    reader = _Reader(path, lines)
    if not isinstance(data, dict):
        raise reader.fail([], "not a recording (expected a mapping with version, case, endpoint, exchanges)")
    version = reader.get(data, "version", int, [])
    if version != CASSETTE_VERSION:
        raise reader.fail(["version"], f"recording format version {version} is not supported (this harness reads {CASSETTE_VERSION})")
    origin = reader.get(data, "origin", str, [])
    if origin not in ORIGINS:
        raise reader.fail(["origin"], f"origin {origin!r} is not one of {', '.join(ORIGINS)}")
    exchanges: list[Exchange] = []
    for number, entry in enumerate(reader.get(data, "exchanges", list, [])):
        where: list[str | int] = ["exchanges", number]
        step = reader.get(entry, "step", str, where)
        attempt = Attempt(
            request=reader.request(reader.get(entry, "request", dict, where), [*where, "request"]),
            retry_reason=reader.get(entry, "retry_reason", str, where, required=False),
        )
        if "response" in entry:
            attempt.response = reader.response(reader.get(entry, "response", dict, where), [*where, "response"])
        if "failure" in entry:
            failure = reader.get(entry, "failure", dict, where)
            attempt.failure = TransportFailure(
                kind=reader.get(failure, "kind", str, [*where, "failure"]),
                message=reader.get(failure, "message", str, [*where, "failure"]),
            )
        if attempt.response is None and attempt.failure is None:
            raise reader.fail(where, "an exchange needs a response or a failure")
        if exchanges and exchanges[-1].step == step:
            exchanges[-1].attempts.append(attempt)
        else:
            exchanges.append(Exchange(step=step, attempts=[attempt]))
    return Cassette(
        case=reader.get(data, "case", str, []),
        endpoint=reader.get(data, "endpoint", str, []),
        origin=origin,
        exchanges=exchanges,
        recorded_at=str(data.get("recorded_at", "")),
        harness_version=str(data.get("harness_version", "")),
        server=data.get("server"),
        note=data.get("note"),
    )
