"""`import_foreign`: detect a foreign recording's format and turn it into our own `Cassette`.

The reference recordings in `shared/spec/recordings/` come in several foreign layouts. Each file
starts with `# SOURCE:` / `# LICENSE:` / `# KIND:` / `# NOTE:` comment lines saying where it came
from; the rest is one of the formats of `FOREIGN_FORMATS`, each read by its own module
(`_text_dump`, `_vcr` for vcrpy and go-vcr, `_docs`).

Response bodies are kept byte for byte as the file holds them (after removing only the
Markdown code-block indent, or the dumper's extra line end), as one chunk at offset 0: none of
these formats records chunk boundaries or timing. When the content type was not recorded it
is inferred (`text/event-stream` for a body starting with ``data:``, `application/json` for a
body that parses as JSON) and the note says so; every such adjustment is listed in the
cassette's `note` under the file's own header lines.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from array import array
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..transport import Attempt, Cassette, Exchange, HTTPRequest, HTTPResponse
from ._common import ForeignFormatError, Item, is_json
from ._docs import read_docs
from ._text_dump import DUMP_INTERACTION, read_text_dump
from ._vcr import read_vcr_cassette

__all__ = ["import_foreign", "read_foreign", "ForeignRecording", "FOREIGN_FORMATS"]

FOREIGN_FORMATS: dict[str, str] = {
    "text-dump": "plain-text dump of a vcrpy cassette (=== interaction N: METHOD URL / --- request body: / ...)",
    "vcrpy": "vcrpy YAML cassette (interactions: request.uri, response.status.code, body.string or parsed_body)",
    "go-vcr": "go-vcr YAML cassette, format version 1 or 2 (interactions: request.url, response.code)",
    "vertex-docs": "documentation examples: ## REQUEST / ## RESPONSE sections or Markdown curl + response blocks",
}

# File-name prefixes naming the server family; longer ones first so `ollama-cloud` wins over `ollama`.
_FAMILIES = ("gemini-api", "ollama-cloud", "ollama", "openai", "vllm-crusoe", "vertex-docs")

_HEADER_LINE = re.compile(r"^#(?: .*)?$")


# -- entry point -----------------------------------------------------------------------------------


@dataclass
class ForeignRecording:
    format: str
    """Its key in `FOREIGN_FORMATS`."""
    cassette: Cassette
    notes: list[str]
    """What the format did not hold and was assumed or adjusted (also in the cassette's `note`)."""


def import_foreign(path: Path) -> Cassette:
    """Read a foreign recording, detect its format and return it as a `Cassette`."""
    return read_foreign(path).cassette


def read_foreign(path: Path) -> ForeignRecording:
    """`import_foreign`, with the format it detected and the notes on what it assumed."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ForeignFormatError("file not found", path=path) from None
    except OSError as exc:
        raise ForeignFormatError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ForeignFormatError(f"not UTF-8 text (byte {exc.start}): not a foreign recording this harness reads", path=path) from None

    lines = text.splitlines(keepends=True)
    header_end = 0
    while header_end < len(lines) and _HEADER_LINE.match(lines[header_end].rstrip("\r\n")):
        header_end += 1
    header = [line.rstrip("\r\n")[2:] for line in lines[:header_end]]

    fmt, items = _detect(path, text, lines, header_end)
    if not items:
        raise ForeignFormatError(f"recognised as {fmt} but holds no interaction", path=path)

    stem = path.stem
    endpoint = next((f for f in _FAMILIES if stem == f or stem.startswith(f + "-")), stem.split("-")[0])
    documentation = fmt == "vertex-docs" or stem.startswith("vertex-docs-")

    exchanges: list[Exchange] = []
    import_notes: list[str] = []
    hosts: list[str] = []
    recorded_at: str | None = None
    for number, item in enumerate(items):
        step = f"interaction-{number}"
        _complete_response(item)
        for note in item.notes:
            import_notes.append(f"{step}: {note}" if len(items) > 1 else note)
        host = _host(item.url)
        if host and host not in hosts:
            hosts.append(host)
        if recorded_at is None:
            recorded_at = _date_header(item.response_headers)
        request = HTTPRequest(method=item.method, url=item.url, headers=item.request_headers, body=item.request_body)
        response = HTTPResponse(
            status=item.status if item.status is not None else 200,
            headers=item.response_headers,
            reason=item.reason,
            http_version=item.http_version,
            chunks=[item.body],
            offsets=array("d", [0.0]),
            content_encoding=item.content_encoding,
        )
        exchanges.append(Exchange(step=step, attempts=[Attempt(request=request, response=response)]))

    notes = _dedupe(import_notes)
    note_lines = [*header, f"IMPORTED from {path.name}: {fmt} format ({FOREIGN_FORMATS[fmt]}); one chunk per body, no timing."]
    note_lines += [f"IMPORT NOTE: {n}" for n in notes]
    if len(hosts) > 1:
        note_lines.append(f"IMPORT NOTE: the examples use {len(hosts)} hosts; `server` lists them all")
    cassette = Cassette(
        case=stem,
        endpoint=endpoint,
        origin="documentation" if documentation else "live",
        exchanges=exchanges,
        server=", ".join(hosts) or None,
        note="\n".join(note_lines),
    )
    if recorded_at:
        cassette.recorded_at = recorded_at
    return ForeignRecording(fmt, cassette, notes)


def _detect(path: Path, text: str, lines: list[str], header_end: int) -> tuple[str, list[Item]]:
    if any(DUMP_INTERACTION.match(line) for line in lines[header_end:]):
        return "text-dump", read_text_dump(path, lines, header_end)
    data = None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        pass
    if isinstance(data, dict) and isinstance(data.get("interactions"), list):
        return read_vcr_cassette(path, data, text)
    items = read_docs(path, lines, header_end)
    if items:
        return "vertex-docs", items
    hint = ""
    if isinstance(data, dict) and "exchanges" in data and "case" in data:
        hint = "; it looks like a chat-conformance recording, which read_cassette reads"
    raise ForeignFormatError(
        f"not a recording in any supported foreign format (tried {', '.join(FOREIGN_FORMATS)}){hint}",
        path=path,
    )


# -- completing what a format left out ----------------------------------------------------------------


def _complete_response(item: Item) -> None:
    if item.status is None:
        item.notes.append("status not recorded (documentation example); assumed 200")
    if not any(name.lower() == "content-type" for name, _ in item.response_headers):
        text = item.body.decode("utf-8", "replace")
        if text.lstrip().startswith("data:"):
            item.response_headers.append(("content-type", "text/event-stream"))
            item.notes.append("response content type not recorded; inferred text/event-stream (body starts with `data:`)")
        elif is_json(item.body):
            item.response_headers.append(("content-type", "application/json"))
            item.notes.append("response content type not recorded; inferred application/json (body parses as JSON)")
        else:
            item.notes.append(
                "response content type not recorded and the body is neither SSE nor valid JSON as printed; none inferred"
            )
    if item.response_headers and _content_type(item.response_headers) == "text/event-stream":
        _note_sse_shape(item)


def _note_sse_shape(item: Item) -> None:
    text = item.body.decode("utf-8", "replace")
    if not text.endswith(("\n\n", "\r\n\r\n", "\r\r")):
        item.notes.append(
            "SSE body does not end with a blank line: an event-stream parser drops the last event at EOF (kept as held)"
        )
    for line in text.splitlines():
        if line and not line.startswith(("data:", "event:", "id:", "retry:", ":")):
            item.notes.append(
                f"SSE framing broken as printed: line {line.strip()[:40]!r} has no field name "
                "(multi-line JSON after `data:`); kept as held"
            )
            break


def _content_type(headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";")[0].strip().lower()
    return ""


def _host(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    return netloc.rpartition("@")[2] or None


def _date_header(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "date":
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _dedupe(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)
