"""``vertex-docs``: example requests and responses from Google's documentation.

Either ``## REQUEST`` / ``## RESPONSE`` sections or Markdown with several examples (a ``curl``
block, optionally a "Request JSON body" block, and a response block each). Every example
response becomes one exchange. The status (never printed) is assumed to be 200.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ._common import ForeignFormatError, Item, is_json
from ._curl import curl_args, shell_words

__all__ = ["read_docs"]


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


def read_docs(path: Path, lines: list[str], start: int) -> list[Item]:
    marks = [(n, m.group(1)) for n in range(start, len(lines)) if (m := _DOC_SECTION.match(lines[n].rstrip("\r\n")))]
    if marks:
        return _read_doc_sections(path, lines, marks)
    return _read_doc_examples(path, lines, start)


def _read_doc_sections(path: Path, lines: list[str], marks: list[tuple[int, str]]) -> list[Item]:
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


def _read_doc_examples(path: Path, lines: list[str], start: int) -> list[Item]:
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


def _doc_request(path: Path, blocks: list[_Block]) -> Item:
    item = Item(method="POST", url="")
    body_block = next((b for b in blocks if _LABEL_BODY.search(b.label)), None)
    url_block = next((b for b in blocks if _LABEL_URL.search(b.label)), None)
    curl = next((b for b in blocks if b.text.lstrip().startswith("curl ")), None)
    data: str | None = None
    if url_block is not None:
        method, _, url = url_block.text.strip().partition(" ")
        item.method, item.url = method or "POST", url.strip()
    if curl is not None:
        try:
            words = shell_words(curl.text.lstrip())
        except ValueError as exc:
            raise ForeignFormatError(f"unreadable curl example: {exc}", path=path, line=curl.line) from None
        method, url, headers, data = curl_args(words)
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
    if text and not is_json(text.encode("utf-8")):
        text = _recover_json_body(item, text, curl.text if curl is not None and data is not None and not data.startswith("@") else None)
    item.request_body = text.encode("utf-8")
    if "$" in item.url or any("$" in v for v in item.request_headers.values()):
        item.notes.append("shell expansions in the curl example ($VAR, $(...)) kept unexpanded")
    return item


def _recover_json_body(item: Item, text: str, curl: str | None) -> str:
    """A printed request body that is not JSON: undo the two slips docs make in curl examples, else keep it."""
    decontinued = _decontinue(text)
    if decontinued != text and is_json(decontinued.encode("utf-8")):
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
            if is_json(intended.encode("utf-8")):
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
