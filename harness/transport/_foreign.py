"""Importing exchanges recorded by other tools (or printed in vendor docs) as our own `Cassette`.

The reference recordings in `shared/spec/recordings/` come in several foreign layouts. Each file
starts with `# SOURCE:` / `# LICENSE:` / `# KIND:` / `# NOTE:` comment lines saying where it came
from; the rest is one of:

* ``text-dump``: a plain-text dump of a vcrpy cassette (``=== interaction N: METHOD URL``,
  ``--- request body:``, ``--- response status: 200 OK  content-type: [...]``,
  ``--- response body (decoded, verbatim):``). The dumper ends each body with one extra line
  break (checked against the original cassette's Content-Length), which is removed again.
* ``vcrpy``: a vcrpy YAML cassette (``interactions: [{request: {uri, ...}, response: {status:
  {code, message}, body: {string}}}]``), including pydantic-ai's variant that stores JSON bodies
  as ``parsed_body`` (a parsed, key-sorted copy: such a body is re-serialized with `json.dumps`,
  exactly as pydantic-ai's own replay does, and the note says the original bytes are lost).
* ``go-vcr``: a go-vcr YAML cassette (format version 1 or 2: ``{request: {url, body, ...},
  response: {body, code, status: "200 OK"}}``). envoy ai-gateway's recorder pretty-prints
  bodies whose Content-Type is exactly ``application/json`` and rewrites Content-Length to
  match; the body is kept as the file holds it and the note says so.
* ``vertex-docs``: example requests and responses from Google's documentation, either as
  ``## REQUEST`` / ``## RESPONSE`` sections or as Markdown with several examples (a ``curl``
  block, optionally a "Request JSON body" block, and a response block each). Every example
  response becomes one exchange. The status (never printed) is assumed to be 200.

Response bodies are kept byte for byte as the file holds them (after removing only the
Markdown code-block indent, or the dumper's extra line end), as one chunk at offset 0: none of
these formats records chunk boundaries or timing. When the content type was not recorded it
is inferred (`text/event-stream` for a body starting with ``data:``, `application/json` for a
body that parses as JSON) and the note says so; every such adjustment is listed in the
cassette's `note` under the file's own header lines.
"""

from __future__ import annotations

import ast
import datetime as dt
import email.utils
import gzip
import json
import re
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..errors import RecordingError
from ._cassette import Cassette
from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse

__all__ = ["ForeignFormatError", "import_foreign", "FOREIGN_FORMATS"]

FOREIGN_FORMATS: dict[str, str] = {
    "text-dump": "plain-text dump of a vcrpy cassette (=== interaction N: METHOD URL / --- request body: / ...)",
    "vcrpy": "vcrpy YAML cassette (interactions: request.uri, response.status.code, body.string or parsed_body)",
    "go-vcr": "go-vcr YAML cassette, format version 1 or 2 (interactions: request.url, response.code)",
    "vertex-docs": "documentation examples: ## REQUEST / ## RESPONSE sections or Markdown curl + response blocks",
}

# File-name prefixes naming the server family; longer ones first so `ollama-cloud` wins over `ollama`.
_FAMILIES = ("gemini-api", "ollama-cloud", "ollama", "openai", "vllm-crusoe", "vertex-docs")

_HEADER_LINE = re.compile(r"^#(?: .*)?$")


class ForeignFormatError(RecordingError):
    """A file that none of the foreign-format readers accepts, or that one of them finds malformed."""


@dataclass
class _Item:
    """One interaction as read from a foreign file, before it becomes an `Exchange`."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    http_version: str = "HTTP/1.1"
    content_encoding: str | None = None
    notes: list[str] = field(default_factory=list)


# -- entry point -----------------------------------------------------------------------------------


def import_foreign(path: Path) -> Cassette:
    """Read a foreign recording, detect its format and return it as a `Cassette`."""
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

    note_lines = [*header, f"IMPORTED from {path.name}: {fmt} format ({FOREIGN_FORMATS[fmt]}); one chunk per body, no timing."]
    note_lines += [f"IMPORT NOTE: {n}" for n in _dedupe(import_notes)]
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
    return cassette


def _detect(path: Path, text: str, lines: list[str], header_end: int) -> tuple[str, list[_Item]]:
    if any(_DUMP_INTERACTION.match(line) for line in lines[header_end:]):
        return "text-dump", _read_dump(path, lines, header_end)
    data = None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        pass
    if isinstance(data, dict) and isinstance(data.get("interactions"), list):
        return _read_yaml_cassette(path, data, text)
    items = _read_docs(path, lines, header_end)
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


def _complete_response(item: _Item) -> None:
    if item.status is None:
        item.notes.append("status not recorded (documentation example); assumed 200")
    if not any(name.lower() == "content-type" for name, _ in item.response_headers):
        text = item.body.decode("utf-8", "replace")
        if text.lstrip().startswith("data:"):
            item.response_headers.append(("content-type", "text/event-stream"))
            item.notes.append("response content type not recorded; inferred text/event-stream (body starts with `data:`)")
        elif _is_json(item.body):
            item.response_headers.append(("content-type", "application/json"))
            item.notes.append("response content type not recorded; inferred application/json (body parses as JSON)")
        else:
            item.notes.append(
                "response content type not recorded and the body is neither SSE nor valid JSON as printed; none inferred"
            )
    if item.response_headers and _content_type(item.response_headers) == "text/event-stream":
        _note_sse_shape(item)


def _note_sse_shape(item: _Item) -> None:
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


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


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


# -- text dump --------------------------------------------------------------------------------------

_DUMP_INTERACTION = re.compile(r"^=== interaction (\d+): (\S+) (\S+)\s*$")
_DUMP_SECTION = re.compile(r"^--- (request body|request headers|response headers|response status|response body)\b(.*)$")
_DUMP_STATUS = re.compile(r"^\s*(\d{3})(?:\s+(.*?))?(?:\s+content-type:\s*(.*?))?\s*$")


def _strip_dump_newline(text: str) -> str:
    # The dumper writes each body followed by one line break of its own.
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _read_dump(path: Path, lines: list[str], start: int) -> list[_Item]:
    starts = [n for n in range(start, len(lines)) if _DUMP_INTERACTION.match(lines[n].rstrip("\r\n"))]
    items = []
    for index, first in enumerate(starts):
        last = starts[index + 1] if index + 1 < len(starts) else len(lines)
        match = _DUMP_INTERACTION.match(lines[first].rstrip("\r\n"))
        assert match is not None
        item = _Item(
            method=match.group(2),
            url=match.group(3),
            request_headers={},
            request_body=b"",
            status=None,
            reason="",
            response_headers=[],
            body=b"",
        )
        sections: list[tuple[int, str, str]] = []  # (line index, name, rest of the line)
        for n in range(first + 1, last):
            section = _DUMP_SECTION.match(lines[n].rstrip("\r\n"))
            if section:
                sections.append((n, section.group(1), section.group(2)))
                if section.group(1) == "response body":
                    break  # the body runs to the next interaction: a line in it is never a section
            elif not sections and lines[n].strip():
                raise ForeignFormatError(f"unexpected line in interaction {match.group(1)}", path=path, line=n + 1)
        names = [name for _, name, _ in sections]
        if "response status" not in names or "response body" not in names:
            raise ForeignFormatError(
                f"interaction {match.group(1)} lacks a `--- response status:` or `--- response body` line", path=path, line=first + 1
            )
        for number, (n, name, rest) in enumerate(sections):
            end = sections[number + 1][0] if number + 1 < len(sections) else last
            content = "".join(lines[n + 1 : end])
            if name == "request body":
                item.request_body = _strip_dump_newline(content).encode("utf-8")
            elif name == "request headers":
                for line in content.splitlines():
                    key, sep, value = line.partition(":")
                    if sep:
                        item.request_headers[key.strip().lower()] = value.strip()
            elif name == "response headers":
                for line in content.splitlines():
                    key, sep, value = line.partition(":")
                    if sep:
                        item.response_headers.append((key.strip(), value.strip()))
            elif name == "response status":
                status = _DUMP_STATUS.match(rest.lstrip(":"))
                if not status:
                    raise ForeignFormatError(f"unreadable response status {rest.strip()!r}", path=path, line=n + 1)
                item.status, item.reason = int(status.group(1)), (status.group(2) or "").strip()
                if status.group(3):
                    for value in _header_values(status.group(3)):
                        item.response_headers.append(("content-type", value))
            else:  # response body
                item.body = _strip_dump_newline(content).encode("utf-8")
                item.notes.append(
                    "the dump ends every body with a line break of its own (the original cassette's Content-Length "
                    "counts one fewer); removed, the rest kept verbatim"
                )
        items.append(item)
    return items


def _header_values(text: str) -> list[str]:
    """`['text/event-stream']` (a Python list, as the dumper prints it) or a bare value."""
    text = text.strip()
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return [text]
        if isinstance(value, list):
            return [str(v) for v in value]
    return [text]


# -- vcrpy and go-vcr YAML -------------------------------------------------------------------------


def _read_yaml_cassette(path: Path, data: dict[str, Any], text: str) -> tuple[str, list[_Item]]:
    interactions = data["interactions"]
    go_vcr = data.get("version") == 2 or any(
        isinstance(i, dict) and ("id" in i or (isinstance(i.get("request"), dict) and "url" in i["request"])) for i in interactions
    )
    fmt = "go-vcr" if go_vcr else "vcrpy"
    items = []
    for number, interaction in enumerate(interactions):
        where = f"interaction {number}"
        line = _yaml_line(text, number)
        if not isinstance(interaction, dict):
            raise ForeignFormatError(f"{where} is not a mapping", path=path, line=line)
        request, response = interaction.get("request"), interaction.get("response")
        if not isinstance(request, dict) or not isinstance(response, dict):
            raise ForeignFormatError(f"{where} needs a request and a response mapping", path=path, line=line)
        url = request.get("uri", request.get("url"))
        if not isinstance(url, str):
            raise ForeignFormatError(f"{where}: request has no uri/url", path=path, line=line)
        status, reason = _yaml_status(response)
        if status is None:
            raise ForeignFormatError(f"{where}: response has no status code", path=path, line=line)
        item = _Item(
            method=str(request.get("method") or "GET"),
            url=url,
            request_headers={k.lower(): ", ".join(v) for k, v in _yaml_headers(request.get("headers"))},
            request_body=b"",
            status=status,
            reason=reason,
            response_headers=[(k, value) for k, values in _yaml_headers(response.get("headers")) for value in values],
            body=b"",
        )
        proto = response.get("proto")
        if isinstance(proto, str) and proto.startswith("HTTP/"):
            item.http_version = proto
        item.request_body = _yaml_body(item, request, "request", fmt)
        item.body = _yaml_body(item, response, "response", fmt)
        encoding = next((v for k, v in item.response_headers if k.lower() == "content-encoding"), None)
        if encoding:
            item.body = _decode_content(item, item.body, encoding.strip().lower())
        items.append(item)
    return fmt, items


def _yaml_line(text: str, number: int) -> int | None:
    """The line of the `number`-th interaction: the n-th list item (indent 0 to 4) under `interactions:`."""
    count = -1
    inside = False
    for index, line in enumerate(text.splitlines(), start=1):
        if line.startswith("interactions:"):
            inside = True
        elif inside and re.match(r"^ {0,4}- ", line):
            count += 1
            if count == number:
                return index
    return None


def _yaml_status(response: dict[str, Any]) -> tuple[int | None, str]:
    status = response.get("status")
    if isinstance(status, dict):  # vcrpy
        code = status.get("code")
        return (code if isinstance(code, int) else None), str(status.get("message") or "")
    code = response.get("code")  # go-vcr
    reason = ""
    if isinstance(status, str):
        head, _, tail = status.partition(" ")
        reason = tail if head.isdigit() else status
        if not isinstance(code, int) and head.isdigit():
            code = int(head)
    if isinstance(status, int) and not isinstance(code, int):
        code = status
    return (code if isinstance(code, int) and not isinstance(code, bool) else None), reason


def _yaml_headers(headers: Any) -> list[tuple[str, list[str]]]:
    if not isinstance(headers, dict):
        return []
    out = []
    for name, values in headers.items():
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        out.append((str(name), [str(v) for v in values]))
    return out


def _yaml_body(item: _Item, data: dict[str, Any], kind: str, fmt: str) -> bytes:
    if "parsed_body" in data and data["parsed_body"] is not None:
        item.notes.append(
            f"{kind} body stored by the recorder as parsed JSON (`parsed_body`, keys sorted): original bytes lost; "
            "re-serialized with json.dumps as the recorder's own replay does"
        )
        return json.dumps(data["parsed_body"]).encode("utf-8")
    body = data.get("body")
    if isinstance(body, dict):  # vcrpy response: {string: ...}
        body = body.get("string")
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if not isinstance(body, str):
        item.notes.append(f"{kind} body stored as structured YAML; re-serialized with json.dumps")
        return json.dumps(body).encode("utf-8")
    if fmt == "go-vcr" and _looks_go_pretty(body):
        item.notes.append(
            f"{kind} body pretty-printed by the recorder (2-space indent, keys sorted, as envoy ai-gateway's "
            "afterCaptureHook does for Content-Type exactly application/json; Content-Length rewritten to match): "
            "kept as the file holds it, not the bytes on the wire"
        )
    elif fmt == "go-vcr" and _is_json(body.encode("utf-8")):
        item.notes.append(
            f"{kind} body is JSON the recorder did not re-format (it does not match the recorder's 2-space, "
            "sorted-key pretty-printer, which skips a Content-Type other than exactly application/json): kept verbatim"
        )
    return body.encode("utf-8")


def _looks_go_pretty(body: str) -> bool:
    try:
        value = json.loads(body)
    except ValueError:
        return False
    if not isinstance(value, (dict, list)) or "\n" not in body:
        return False
    return body.rstrip("\n") == json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _decode_content(item: _Item, body: bytes, encoding: str) -> bytes:
    try:
        if encoding == "gzip":
            decoded = gzip.decompress(body)
        elif encoding == "deflate":
            try:
                decoded = zlib.decompress(body)
            except zlib.error:
                decoded = zlib.decompress(body, -zlib.MAX_WBITS)
        else:
            return body
    except (OSError, EOFError, zlib.error):
        return body  # already decoded by the recorder
    item.content_encoding = encoding
    item.notes.append(f"response body was stored {encoding}-encoded; decoded")
    return decoded


# -- documentation examples ---------------------------------------------------------------------------

_DOC_SECTION = re.compile(r"^## (REQUEST|RESPONSE)\b.*$")
_LABEL_RESPONSE = re.compile(r"^(?:\*?\s*example response:?\s*\*?|#+\s*response\b.*)$", re.IGNORECASE)
_LABEL_BODY = re.compile(r"request json body:?\s*$", re.IGNORECASE)
_LABEL_URL = re.compile(r"http method and url:?\s*$", re.IGNORECASE)


@dataclass
class _Block:
    label: str
    text: str  # dedented, with its line ends
    line: int  # 1-based line of the block's first line


def _code_blocks(lines: list[str], start: int, end: int, offset: int) -> list[_Block]:
    """Markdown indented code blocks (4 spaces), each with the closest non-blank line before it."""
    blocks: list[_Block] = []
    label = ""
    n = start
    while n < end:
        line = lines[n].rstrip("\r\n")
        indented = line.startswith("    ") and line.strip() != ""
        if indented and (n == start or lines[n - 1].strip() == ""):
            first = n
            last = n
            m = n + 1
            while m < end:
                current = lines[m].rstrip("\r\n")
                if current.strip() == "":
                    m += 1
                    continue
                if not current.startswith("    "):
                    break
                last = m
                m += 1
            text = "".join(_dedent(lines[k]) for k in range(first, last + 1))
            blocks.append(_Block(label=label, text=text, line=first + 1 + offset))
            label = ""
            n = last + 1
            continue
        if line.strip():
            label = line.strip()
        n += 1
    return blocks


def _dedent(line: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    if body.startswith("    "):
        return body[4:] + ending
    return body.lstrip(" ") + ending  # a blank line holding fewer spaces


def _read_docs(path: Path, lines: list[str], start: int) -> list[_Item]:
    marks = [(n, m.group(1)) for n in range(start, len(lines)) if (m := _DOC_SECTION.match(lines[n].rstrip("\r\n")))]
    if marks:
        return _read_doc_sections(path, lines, marks)
    return _read_doc_examples(path, lines, start)


def _read_doc_sections(path: Path, lines: list[str], marks: list[tuple[int, str]]) -> list[_Item]:
    items = []
    pending: list[_Block] = []
    for index, (n, kind) in enumerate(marks):
        end = marks[index + 1][0] if index + 1 < len(marks) else len(lines)
        if kind == "REQUEST":
            pending = _code_blocks(lines, n + 1, end, 0)
            continue
        body = "".join(lines[n + 1 : end])
        item = _doc_request(path, pending)
        item.body = body.encode("utf-8")
        items.append(item)
        pending = []
    return items


def _read_doc_examples(path: Path, lines: list[str], start: int) -> list[_Item]:
    items = []
    pending: list[_Block] = []
    for block in _code_blocks(lines, start, len(lines), 0):
        first = block.text.lstrip()
        if first.startswith("curl ") or _LABEL_BODY.search(block.label) or _LABEL_URL.search(block.label):
            pending.append(block)
        elif _LABEL_RESPONSE.match(block.label):
            item = _doc_request(path, pending)
            item.body = block.text.encode("utf-8")
            item.notes.append("bodies taken from Markdown code blocks with the 4-space code indent removed")
            items.append(item)
            pending = []
    return items


def _doc_request(path: Path, blocks: list[_Block]) -> _Item:
    item = _Item(
        method="POST",
        url="",
        request_headers={},
        request_body=b"",
        status=None,
        reason="",
        response_headers=[],
        body=b"",
    )
    body_block = next((b for b in blocks if _LABEL_BODY.search(b.label)), None)
    url_block = next((b for b in blocks if _LABEL_URL.search(b.label)), None)
    curl = next((b for b in blocks if b.text.lstrip().startswith("curl ")), None)
    data: str | None = None
    if url_block is not None:
        method, _, url = url_block.text.strip().partition(" ")
        item.method, item.url = method or "POST", url.strip()
    if curl is not None:
        try:
            words = _shell_words(curl.text.lstrip())
        except ValueError as exc:
            raise ForeignFormatError(f"unreadable curl example: {exc}", path=path, line=curl.line) from None
        method, url, headers, data = _curl_args(words)
        item.method = method or ("POST" if data is not None else item.method)
        item.url = url or item.url
        item.request_headers.update(headers)
    if data is not None and data.startswith("@") and body_block is not None:
        text = body_block.text.rstrip("\n")
        item.notes.append(f"request body from the 'Request JSON body' block (curl -d {data})")
    elif data is not None:
        text = data
    elif body_block is not None:
        text = body_block.text.rstrip("\n")
    else:
        text = ""
        if not blocks:
            item.notes.append("no request shown for this example response")
    if text and not _is_json(text.encode("utf-8")):
        text = _recover_json_body(item, text, curl.text if curl is not None and data is not None and not data.startswith("@") else None)
    item.request_body = text.encode("utf-8")
    if "$" in item.url or any("$" in v for v in item.request_headers.values()):
        item.notes.append("shell expansions in the curl example ($VAR, $(...)) kept unexpanded")
    return item


def _recover_json_body(item: _Item, text: str, curl: str | None) -> str:
    """A printed request body that is not JSON: undo the two slips docs make in curl examples, else keep it."""
    decontinued = _decontinue(text)
    if decontinued != text and _is_json(decontinued.encode("utf-8")):
        item.notes.append(
            "request body: the curl -d argument is single-quoted and has `\\`-newline line continuations inside "
            "the quotes, which a shell passes on literally (the published command would send invalid JSON); "
            "removed them, as a shell does outside quotes, to recover the intended JSON"
        )
        return decontinued
    if curl is not None:
        # A `'` inside the single-quoted JSON (e.g. "(e.g., 'green shirt')") ends the quoting in a
        # shell and splits the argument; the intended body is everything between the outer quotes.
        span = re.search(r"(?:^|\s)(?:-d|--data(?:-raw|-binary|-ascii)?|--json)\s+'(.*)'\s*$", curl.rstrip(), re.DOTALL)
        if span:
            intended = _decontinue(span.group(1))
            if _is_json(intended.encode("utf-8")):
                item.notes.append(
                    "request body: the single-quoted curl -d argument contains `'` characters (which end the quoting "
                    "in a shell and split the argument) and `\\`-newline continuations inside the quotes (which a shell "
                    "keeps); the published command would not send this JSON. Took the text between the outer quotes "
                    "and removed the continuations to recover the intended JSON"
                )
                return intended
    item.notes.append("request body is not valid JSON as printed (template placeholders); kept as raw text")
    return text


def _decontinue(text: str) -> str:
    return re.sub(r"\\\r?\n", "", text)


def _curl_args(words: list[str]) -> tuple[str | None, str | None, dict[str, str], str | None]:
    method = url = None
    headers: dict[str, str] = {}
    data: list[str] = []
    valued = {"-o", "--output", "-A", "--user-agent", "-e", "--referer", "-m", "--max-time", "-u", "--user", "-b", "--cookie"}
    index = 1 if words and words[0] == "curl" else 0
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else ""
        if word in ("-X", "--request"):
            method, index = value, index + 2
        elif word in ("-H", "--header"):
            name, _, header_value = value.partition(":")
            headers[name.strip().lower()] = header_value.strip()
            index += 2
        elif word in ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"):
            data.append(value)
            if word == "--json":
                headers.setdefault("content-type", "application/json")
                headers.setdefault("accept", "application/json")
            index += 2
        elif word.startswith("-X") and len(word) > 2:
            method, index = word[2:], index + 1
        elif word in valued:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            url = url or word
            index += 1
    return method, url, headers, ("&".join(data) if data else None)


def _shell_words(text: str) -> list[str]:
    """Split one POSIX shell command into words, without expanding anything.

    Quotes are removed, `\\`-newline outside quotes joins lines, single quotes keep everything
    (a `\\`-newline inside them stays); the command ends at an unescaped newline, `|`, `;` or `&`.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            following = text[i + 1] if i + 1 < n else ""
            if following == "\n":
                i += 2
                continue
            current.append(following)
            in_word = True
            i += 2
            continue
        if char == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise ValueError("unterminated single quote")
            current.append(text[i + 1 : close])
            in_word = True
            i = close + 1
            continue
        if char == '"':
            i += 1
            in_word = True
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    if text[i + 1] != "\n":
                        current.append(text[i + 1])
                    i += 2
                    continue
                current.append(text[i])
                i += 1
            if i >= n:
                raise ValueError("unterminated double quote")
            i += 1
            continue
        if char in " \t\r":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        if char in "\n|;&":
            break
        current.append(char)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words
