"""One HTTP attempt over httpx, read incrementally, with every failure mapped to a finding-ready value.

Live and replay modes both go through `perform`: replay plugs a recorded-bytes transport into the
same httpx client, so the same reading code runs on recorded and live bytes.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator

import httpx

from ._exchange import Attempt, HTTPRequest, HTTPResponse, TransportFailure
from ._limits import Limits

__all__ = ["BodyReader", "ReplayedFailure", "keep_body", "perform"]


class ReplayedFailure(Exception):
    """Raised by the replay transport to reproduce a recorded transport failure exactly."""

    def __init__(self, failure: TransportFailure):
        super().__init__(failure.message)
        self.failure = failure


def _failure_from(exc: BaseException, limits: Limits) -> TransportFailure:
    if isinstance(exc, ReplayedFailure):
        return exc.failure
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return TransportFailure("timeout-connect", f"no connection within {limits.connect_timeout:g}s", "is the host reachable from here?")
    if isinstance(exc, httpx.ReadTimeout):
        return TransportFailure("timeout-read", f"nothing received for {limits.read_timeout:g}s", "raise --read-timeout for slow models")
    if isinstance(exc, (httpx.WriteTimeout, httpx.PoolTimeout)):
        return TransportFailure("timeout-write", text)
    if isinstance(exc, httpx.ConnectError):
        if isinstance(exc.__context__, ssl.SSLError) or "SSL" in text or "CERTIFICATE" in text.upper():
            return TransportFailure("tls", text, "check the certificate, or use http:// for a local server")
        return TransportFailure("connect", text, "is the server running, and is --base-url right?")
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportFailure("protocol", text, "the server closed the connection or broke HTTP framing")
    if isinstance(exc, httpx.ReadError):
        return TransportFailure("reset", text, "the connection was reset while reading")
    if isinstance(exc, httpx.TooManyRedirects):
        return TransportFailure("redirect", text)
    if isinstance(exc, httpx.DecodingError):
        return TransportFailure("decoding", text, "the Content-Encoding does not match the body")
    return TransportFailure("transport", f"{type(exc).__name__}: {text}")


BodyReader = Callable[[Attempt, Iterator[tuple[float, bytes]]], None]
"""Reads an answer's body: given the attempt (status and headers already set) and its chunks as
(seconds since the request was sent, bytes) in arrival order. The iterator ends early, with
`attempt.failure` set, when the connection fails or a limit is reached; it never raises for
anything the server does."""


def keep_body(attempt: Attempt, chunks: Iterator[tuple[float, bytes]]) -> None:
    """The default reader: keep every chunk and its arrival offset on the response."""
    response = attempt.response
    assert response is not None
    for elapsed, chunk in chunks:
        response.chunks.append(chunk)
        response.offsets.append(elapsed)


def _timed_chunks(answer: httpx.Response, attempt: Attempt, limits: Limits, clock: Callable[[], float], start: float) -> Iterator[tuple[float, bytes]]:
    received = 0
    try:
        for chunk in answer.iter_bytes():
            elapsed = clock() - start
            received += len(chunk)
            # The chunk that crosses a limit is still handed over (it arrived), then reading stops.
            yield elapsed, chunk
            if received > limits.max_response_bytes:
                attempt.failure = TransportFailure(
                    "too-large", f"response exceeded {limits.max_response_bytes} bytes; reading stopped", "raise --max-response-mb"
                )
                return
            if elapsed > limits.total_timeout:
                attempt.failure = TransportFailure(
                    "timeout-total", f"response still going after {limits.total_timeout:g}s; reading stopped", "raise --total-timeout"
                )
                return
    except (httpx.HTTPError, ReplayedFailure, ssl.SSLError, OSError) as exc:
        attempt.failure = _failure_from(exc, limits)


def perform(
    client: httpx.Client,
    request: HTTPRequest,
    limits: Limits,
    clock: Callable[[], float] = time.monotonic,
    *,
    read_body: BodyReader = keep_body,
) -> Attempt:
    """Send `request` and read the answer chunk by chunk, never raising for anything the server does.

    `read_body` decides what becomes of the body once status and headers are known: by default it
    is kept on the response; `chat-conformance load` judges a stream as it arrives instead, so a
    long answer is never held whole."""
    attempt = Attempt(request=request)
    start = clock()
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    try:
        with client.stream(request.method, request.url, headers=request.headers, content=request.body, timeout=timeout) as answer:
            attempt.response = HTTPResponse(
                status=answer.status_code,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.headers.raw],
                reason=answer.reason_phrase,
                http_version=answer.http_version,
                headers_at=clock() - start,
                content_encoding=answer.headers.get("content-encoding"),
            )
            read_body(attempt, _timed_chunks(answer, attempt, limits, clock, start))
    except (httpx.HTTPError, ReplayedFailure, ssl.SSLError, OSError) as exc:
        attempt.failure = _failure_from(exc, limits)
    return attempt
