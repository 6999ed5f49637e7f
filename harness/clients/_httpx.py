"""The httpx transports that hand a Python client the recorded answer: no socket, the recorded
chunks yielded one by one (so the client's SSE decoder meets the same boundaries), and, for an
answer whose body broke off, the read error after the last chunk that a live client would get.

A client is costly to build (LangChain's `ChatOpenAI` builds two openai clients), so a driver
keeps one per configuration and thread (`ServedClients`), built on switchboard transports: they
answer with whatever `serving(answer)` has put in place for the current thread."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx

from ._model import RecordedAnswer

__all__ = ["AsyncRecordedTransport", "RecordedTransport", "ServedClients", "serving", "switchboard_clients"]


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


_SERVING: ContextVar[RecordedTransport | None] = ContextVar("chat_conformance_serving", default=None)


@contextmanager
def serving(answer: RecordedAnswer) -> Iterator[RecordedTransport]:
    """Within the block, the switchboard transports of this thread answer with `answer`; the
    transport yielded records what the client sent."""
    transport = RecordedTransport(answer)
    token = _SERVING.set(transport)
    try:
        yield transport
    finally:
        _SERVING.reset(token)


def _served() -> RecordedTransport:
    transport = _SERVING.get()
    if transport is None:
        raise RuntimeError("a recorded-answer client was used outside `serving(answer)`")
    return transport


class _Switchboard(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _served().handle_request(request)


class _AsyncSwitchboard(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        served = _served()
        return await AsyncRecordedTransport(served.answer, served.sent).handle_async_request(request)


def switchboard_clients() -> tuple[httpx.Client, httpx.AsyncClient]:
    """An httpx client pair that answers with what `serving` has in place."""
    return httpx.Client(transport=_Switchboard()), httpx.AsyncClient(transport=_AsyncSwitchboard())


class ServedClients:
    """Clients kept per configuration key and thread (the last `size` of each thread), so that a
    client is built once per endpoint and settings, not once per answer."""

    def __init__(self, size: int = 32):
        self._size = size
        self._local = threading.local()

    def get(self, key: str, build: Callable[[], Any]) -> Any:
        kept: OrderedDict[str, Any] | None = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = OrderedDict()
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        client = kept[key] = build()
        if len(kept) > self._size:
            kept.popitem(last=False)
        return client
