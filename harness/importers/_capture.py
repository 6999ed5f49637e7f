"""Reading an answer from a file for `chat-conformance check`, as a stream, whatever its size.

Accepted forms, told apart by their first bytes:
- a `curl -i` capture: status line, headers, blank line, body (curl has undone chunked encoding);
- a bare SSE body (`data:`, `event:`, `id:`, `retry:` or a `:` comment first);
- a bare JSON body (`{` or `[` first);
- a chat-conformance recording (YAML);
- a foreign recording (`import_foreign`: a vcrpy or go-vcr cassette, a vcrpy text dump,
  documentation examples), recognised by a `#` comment or heading, `=== interaction`,
  `interactions:` or `---` first. These formats hold whole bodies, so such a file is read whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordingError
from ..transport import Attempt, Exchange, HTTPRequest, HTTPResponse, read_cassette
from ._foreign import read_foreign

__all__ = ["Capture", "open_capture", "READ_SIZE"]

READ_SIZE = 1 << 16
_STATUS_LINE = re.compile(rb"^HTTP/(\d(?:\.\d)?) (\d{3})(?: ([^\r\n]*))?\r?$")
_SSE_START = (b"data:", b"event:", b"id:", b"retry:", b":", b"data\n", b"data\r")
_FOREIGN_START = (b"#", b"=== interaction ", b"interactions:", b"---")


@dataclass
class Capture:
    kind: str  # curl, sse, json, recording, or a foreign format (a key of FOREIGN_FORMATS: vertex-docs...)
    exchanges: list[Exchange]
    """For a recording, its exchanges; otherwise one exchange whose response has no stored chunks."""
    path: Path | None = None
    body_offset: int = 0
    """Where the body starts in the file (after a curl capture's headers)."""
    assumed: list[str] = field(default_factory=list)
    """What the file did not say and was assumed (status, content type)."""

    def body(self) -> Iterator[bytes]:
        """The body, read from the file in blocks, afresh on every call (never held whole)."""
        if self.path is None:
            raise ValueError("a recording's body is in its exchanges")
        with self.path.open("rb") as handle:
            handle.seek(self.body_offset)
            while block := handle.read(READ_SIZE):
                yield block


def _unreadable(path: Path, why: str) -> RecordingError:
    return RecordingError(why, path=path)


def _read_head(handle, path: Path) -> tuple[HTTPResponse, bytes]:
    """Header blocks of a curl -i capture; interim 1xx and proxy CONNECT blocks are skipped."""
    buffer = b""
    while True:
        while b"\n\n" not in buffer.replace(b"\r\n", b"\n"):
            block = handle.read(READ_SIZE)
            if not block:
                raise _unreadable(path, "a curl -i capture needs a blank line after the headers")
            buffer += block
            if len(buffer) > 1 << 20:
                raise _unreadable(path, "no end of headers in the first MiB: not a curl -i capture")
        match = re.search(rb"\r?\n\r?\n", buffer)
        head, buffer = buffer[: match.start()], buffer[match.end() :]
        lines = head.split(b"\n")
        status = _STATUS_LINE.match(lines[0].rstrip(b"\r"))
        if status is None:
            raise _unreadable(path, f"bad status line {lines[0][:80]!r}")
        code = int(status.group(2))
        headers = []
        for number, line in enumerate(lines[1:], start=2):
            line = line.rstrip(b"\r")
            name, colon, value = line.partition(b":")
            if not colon:
                raise _unreadable(path, f"line {number}: not a header line: {line[:80]!r}")
            headers.append((name.decode("latin-1").strip(), value.decode("latin-1").strip()))
        interim = 100 <= code < 200 or (code == 200 and b"connection established" in lines[0].lower())
        if interim and buffer.startswith(b"HTTP/"):
            continue
        version = "HTTP/" + status.group(1).decode()
        reason = (status.group(3) or b"").decode("latin-1")
        response = HTTPResponse(status=code, headers=headers, reason=reason, http_version=version)
        response.content_encoding = response.header("content-encoding")
        return response, buffer


def open_capture(path: Path) -> Capture:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, f"cannot read: {exc.strerror}") from None
    first = handle.read(READ_SIZE)
    start = first.lstrip(b"\xef\xbb\xbf").lstrip()
    request = HTTPRequest("POST", f"file://{path.name}", {}, b"")
    if first.startswith(b"HTTP/"):
        handle.seek(0)
        try:
            response, rest = _read_head(handle, path)
            offset = handle.tell() - len(rest)
        finally:
            handle.close()
        exchange = Exchange("capture", [Attempt(request, response)])
        if response.content_encoding and response.content_encoding.lower() != "identity":
            raise _unreadable(path, f"the body is {response.content_encoding}-encoded: capture it with curl --compressed")
        return Capture("curl", [exchange], path, offset)
    if first.startswith(b"# chat-conformance recording") or re.match(rb"^(version|case|endpoint|exchanges):", first):
        handle.close()
        cassette = read_cassette(path)
        return Capture("recording", cassette.exchanges)
    handle.close()
    if start.startswith(_SSE_START):
        response = HTTPResponse(status=200, headers=[("content-type", "text/event-stream")])
        assumed = ["HTTP 200 and Content-Type text/event-stream (the file holds only the body)"]
        return Capture("sse", [Exchange("capture", [Attempt(request, response)])], path, 0, assumed)
    if start.startswith((b"{", b"[")):
        response = HTTPResponse(status=200, headers=[("content-type", "application/json")])
        assumed = ["HTTP 200 and Content-Type application/json (the file holds only the body)"]
        return Capture("json", [Exchange("capture", [Attempt(request, response)])], path, 0, assumed)
    if start.startswith(_FOREIGN_START):
        foreign = read_foreign(path)
        return Capture(foreign.format, foreign.cassette.exchanges, assumed=foreign.notes)
    if not first:
        raise _unreadable(path, "the file is empty")
    raise _unreadable(
        path,
        "not a curl -i capture (HTTP/ status line), an SSE body (data: lines), a JSON body, a chat-conformance recording, "
        "or a foreign recording (vcrpy, go-vcr, a vcrpy text dump, documentation examples)",
    )
