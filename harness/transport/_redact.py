"""Secrets never reach a recording, a report or a log: this is the one place that removes them.

Two nets: by name (auth headers, cookies, credential query parameters) and by value (every token
or key the run itself used, wherever it shows up: URL, headers, request body, response bytes;
plain, URL-encoded and JSON-escaped, because servers echo what they were sent).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterable

from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse

__all__ = ["REDACTED", "SECRET_HEADERS", "Redactor"]

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-goog-api-key",
        "x-api-key",
        "api-key",
        "openai-organization",
        "openai-project",
        "x-goog-user-project",
    }
)
_SECRET_QUERY = frozenset({"key", "api_key", "apikey", "access_token", "token", "sig", "signature", "auth", "password"})


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        self._needles: list[bytes] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str, *, short_ok: bool = False) -> None:
        # Short values would redact innocent text everywhere; real tokens are long. Values the user
        # named explicitly (a project id) are redacted whatever their length.
        if not secret or (len(secret) < 8 and not short_ok) or len(secret) < 3:
            return
        escaped = json.dumps(secret)[1:-1]
        forms = {
            secret,
            urllib.parse.quote(secret, safe=""),
            urllib.parse.quote_plus(secret),
            escaped,
            escaped.replace("/", "\\/"),  # JSON encoders that escape the solidus (PHP, some Java)
            *_base64_forms(secret.encode()),
        }
        for form in forms:
            needle = form.encode()
            if needle not in self._needles:
                self._needles.append(needle)
        self._needles.sort(key=len, reverse=True)

    def bytes(self, data: bytes) -> bytes:
        for needle in self._needles:
            if needle in data:
                data = data.replace(needle, REDACTED.encode())
        return data

    def text(self, text: str) -> str:
        return self.bytes(text.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")

    def url(self, url: str) -> str:
        parts = urllib.parse.urlsplit(self.text(url))
        if parts.query:
            query = [
                (name, REDACTED if name.lower() in _SECRET_QUERY else value)
                for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            ]
            parts = parts._replace(query=urllib.parse.urlencode(query, safe="<>"))
        if parts.username or parts.password:
            parts = parts._replace(netloc=f"{REDACTED}@{parts.hostname}" + (f":{parts.port}" if parts.port else ""))
        return urllib.parse.urlunsplit(parts)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, REDACTED if name.lower() in SECRET_HEADERS else self.text(value)) for name, value in headers]

    def request(self, request: HTTPRequest) -> HTTPRequest:
        return HTTPRequest(
            method=request.method,
            url=self.url(request.url),
            headers=dict(self.headers(request.headers.items())),
            body=self.bytes(request.body),
        )

    def response(self, response: HTTPResponse) -> HTTPResponse:
        response.headers = self.headers(response.headers)
        if self._needles:
            # A secret may straddle two network reads: redact the joined body, then cut it again
            # at the old boundaries (shifted by what each replacement changed in length).
            joined = b"".join(response.chunks)
            cleaned = self.bytes(joined)
            if cleaned != joined:
                response.chunks = _recut(cleaned, [len(c) for c in response.chunks], len(joined))
        return response

    def exchange(self, exchange: Exchange) -> Exchange:
        for attempt in exchange.attempts:
            self.attempt(attempt)
        return exchange

    def attempt(self, attempt: Attempt) -> Attempt:
        attempt.request = self.request(attempt.request)
        if attempt.response is not None:
            self.response(attempt.response)
        return attempt


def _base64_forms(secret: bytes) -> set[str]:
    """How a secret looks inside base64 text, wherever it starts (e.g. Basic auth `user:secret`):
    for each of the three alignments, the characters that depend on the secret's bytes alone."""
    forms = set()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + secret).decode()
            start = (shift * 4 + 2) // 3  # first character not touched by the padding bytes
            end = ((shift + len(secret)) // 3) * 4  # last full group of secret bytes
            core = encoded[start:end]
            if len(core) >= 8:
                forms.add(core)
    return forms


def _recut(data: bytes, sizes: list[int], old_total: int) -> list[bytes]:
    """Split `data` into as many chunks as `sizes`, proportionally to the old boundaries."""
    chunks, start, consumed = [], 0, 0
    for number, size in enumerate(sizes):
        consumed += size
        end = len(data) if number == len(sizes) - 1 else round(consumed * len(data) / old_total)
        chunks.append(data[start:end])
        start = end
    return chunks
