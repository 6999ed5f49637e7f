"""``text-dump``: a plain-text dump of a vcrpy cassette.

``=== interaction N: METHOD URL``, ``--- request body:``, ``--- response status: 200 OK
content-type: [...]``, ``--- response body (decoded, verbatim):``. The dumper ends each body with
one extra line break (checked against the original cassette's Content-Length), which is removed
again.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ._common import ForeignFormatError, Item

__all__ = ["DUMP_INTERACTION", "read_text_dump"]

DUMP_INTERACTION = re.compile(r"^=== interaction (\d+): (\S+) (\S+)\s*$")
_DUMP_SECTION = re.compile(r"^--- (request body|request headers|response headers|response status|response body)\b(.*)$")
_DUMP_STATUS = re.compile(r"^\s*(\d{3})(?:\s+(.*?))?(?:\s+content-type:\s*(.*?))?\s*$")


def _strip_dump_newline(text: str) -> str:
    # The dumper writes each body followed by one line break of its own.
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def read_text_dump(path: Path, lines: list[str], start: int) -> list[Item]:
    starts = [n for n in range(start, len(lines)) if DUMP_INTERACTION.match(lines[n].rstrip("\r\n"))]
    items = []
    for index, first in enumerate(starts):
        last = starts[index + 1] if index + 1 < len(starts) else len(lines)
        match = DUMP_INTERACTION.match(lines[first].rstrip("\r\n"))
        assert match is not None
        item = Item(method=match.group(2), url=match.group(3))
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
