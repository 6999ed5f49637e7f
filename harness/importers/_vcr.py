"""``vcrpy`` and ``go-vcr``: the two dialects of a YAML cassette (``interactions: [...]``).

* ``vcrpy``: ``interactions: [{request: {uri, ...}, response: {status: {code, message}, body:
  {string}}}]``, including pydantic-ai's variant that stores JSON bodies as ``parsed_body`` (a
  parsed, key-sorted copy: such a body is re-serialized with `json.dumps`, exactly as
  pydantic-ai's own replay does, and the note says the original bytes are lost).
* ``go-vcr`` (format version 1 or 2): ``{request: {url, body, ...}, response: {body, code,
  status: "200 OK"}}``. envoy ai-gateway's recorder pretty-prints bodies whose Content-Type is
  exactly ``application/json`` and rewrites Content-Length to match; the body is kept as the file
  holds it and the note says so.

One reader serves both: they differ in a few field names (told apart per field below), not in
layout.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any

from ._common import ForeignFormatError, Item, is_json

__all__ = ["read_vcr_cassette"]



def read_vcr_cassette(path: Path, data: dict[str, Any], text: str) -> tuple[str, list[Item]]:
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
        item = Item(
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


def _yaml_body(item: Item, data: dict[str, Any], kind: str, fmt: str) -> bytes:
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
    elif fmt == "go-vcr" and is_json(body.encode("utf-8")):
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


def _decode_content(item: Item, body: bytes, encoding: str) -> bytes:
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
