"""The httpx transports that hand a Python client the recorded answer: no socket, the recorded
chunks yielded one by one (so the client's SSE decoder meets the same boundaries), and, for an
answer whose body broke off, the read error after the last chunk that a live client would get."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from ._model import RecordedAnswer

__all__ = ["RecordedTransport", "AsyncRecordedTransport"]


def _response(answer: RecordedAnswer, request: httpx.Request, stream: Any) -> httpx.Response:
    return httpx.Response(answer.status, headers=answer.client_headers(), stream=stream, request=request)


class _Sent:
    """What the client sent (requests seen, last body), so a driver can tell "refused before
    sending" from "raised on the answer" and name what its translation could not express."""

    def __init__(self) -> None:
        self.count = 0
        self.body: Any = None

    def saw(self, request: httpx.Request) -> None:
        self.count += 1
        try:
            self.body = json.loads(request.content or b"null")
        except ValueError:
            self.body = None


class _Body(httpx.SyncByteStream):
    def __init__(self, answer: RecordedAnswer):
        self._answer = answer

    def __iter__(self) -> Iterator[bytes]:
        yield from self._answer.chunks
        if self._answer.failure is not None:
            raise httpx.ReadError(f"connection broke off after the last recorded chunk ({self._answer.failure})")


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, answer: RecordedAnswer):
        self._answer = answer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._answer.chunks:
            yield chunk
        if self._answer.failure is not None:
            raise httpx.ReadError(f"connection broke off after the last recorded chunk ({self._answer.failure})")


class RecordedTransport(httpx.BaseTransport):
    """Answers every request with the recorded answer (a retry would get it again)."""

    def __init__(self, answer: RecordedAnswer):
        self.answer = answer
        self.sent = _Sent()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.saw(request)
        return _response(self.answer, request, _Body(self.answer))


class AsyncRecordedTransport(httpx.AsyncBaseTransport):
    def __init__(self, answer: RecordedAnswer, sent: _Sent | None = None):
        self.answer = answer
        self.sent = sent or _Sent()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sent.saw(request)
        return _response(self.answer, request, _AsyncBody(self.answer))
