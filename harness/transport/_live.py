"""Live mode: real HTTP to the endpoint, with auth, bounded retries, and secrets scrubbed at once."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Protocol

import httpx

from .._version import __version__
from ._exchange import Attempt, Exchange, HTTPRequest, TransportFailure
from ._http import Limits, keep_body, perform
from ._redact import Redactor

__all__ = ["Transport", "LiveTransport", "RateLimiter", "RESENT_AFTER_CLOSE", "RETRY_STATUSES", "StepBodyReader", "new_client"]

RETRY_STATUSES = (429, 503)
USER_AGENT = f"chat-conformance/{__version__}"


class Transport(Protocol):
    """Gets the exchange for one step of a case: all attempts at sending `request`."""

    def send(self, step: str, request: HTTPRequest) -> Exchange: ...

    def finish(self) -> None:
        """After a case's last step; a replay raises RecordingMismatch for steps never asked for."""

    def close(self) -> None: ...


StepBodyReader = Callable[[Exchange, Attempt, Iterator[tuple[float, bytes]]], None]
"""A `BodyReader` (see `perform`) that also gets the exchange so far: the attempts before this one."""


class AuthLike(Protocol):
    def headers(self) -> dict[str, str]: ...

    def refresh_after_unauthorized(self) -> bool: ...

    def secrets(self) -> list[str]: ...


def new_client() -> httpx.Client:
    """An HTTP client for live requests. POSTs are not redirected: a 3xx is something to report."""
    return httpx.Client(follow_redirects=False, headers={"user-agent": USER_AGENT})


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart, across all threads that share it."""

    def __init__(self, requests_per_second: float, sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / requests_per_second
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


RESENT_AFTER_CLOSE = "connection closed before any answer (a stale kept-alive connection); sent again"


def _closed_before_answering(attempt: Attempt) -> bool:
    """The connection ended before a single byte of an answer: closed cleanly, or reset (which is
    how a request written onto a connection the server has just closed usually ends)."""
    failure = attempt.failure
    if failure is None or attempt.response is not None:
        return False
    return (failure.kind == "protocol" and "without sending a response" in failure.message) or failure.kind == "reset"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class LiveTransport:
    def __init__(
        self,
        auth: AuthLike,
        limits: Limits,
        *,
        redactor: Redactor | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
        client: httpx.Client | None = None,
    ):
        self.limiter = limiter
        self.auth = auth
        self.limits = limits
        self.redactor = redactor or Redactor()
        self._sleep = sleep
        # A client shared across cases (one per endpoint) keeps connections and the TLS context.
        self._owns_client = client is None
        self._client = client or new_client()

    def finish(self) -> None:
        """Nothing is left over in live mode."""

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _authorized(self, request: HTTPRequest) -> HTTPRequest | TransportFailure:
        try:
            extra = self.auth.headers()
        except Exception as exc:  # AuthError and friends: the endpoint can't be reached as configured
            return TransportFailure("auth", str(exc), getattr(exc, "hint", None))
        for secret in self.auth.secrets():
            self.redactor.add(secret)
        return HTTPRequest(request.method, request.url, {**request.headers, **{k.lower(): v for k, v in extra.items()}}, request.body)

    def send(self, step: str, request: HTTPRequest, *, read_body: StepBodyReader | None = None) -> Exchange:
        """All attempts at `request`. `read_body` replaces keeping each body whole (see `perform`);
        it runs before the attempt is redacted, so what it keeps it must pass through `redactor`."""
        exchange = Exchange(step=step)
        reader = keep_body if read_body is None else partial(read_body, exchange)
        refreshed = False
        reconnected = False
        retries_left = self.limits.retries
        while True:
            authorized = self._authorized(request)
            if isinstance(authorized, TransportFailure):
                exchange.attempts.append(Attempt(request=self.redactor.request(request), failure=authorized))
                return exchange
            if self.limiter is not None:
                self.limiter.wait()
            attempt = perform(self._client, authorized, self.limits, read_body=reader)
            self.redactor.attempt(attempt)  # before anything else sees it
            exchange.attempts.append(attempt)
            response = attempt.response
            if response is None and not reconnected and _closed_before_answering(attempt):
                # A kept-alive connection the server had just closed: nothing was answered, so
                # the request is sent once more on a new connection, as openai-python does.
                reconnected = True
                attempt.retry_reason = RESENT_AFTER_CLOSE
                continue
            if response is None or attempt.failure is not None:
                return exchange
            if response.status == 401 and not refreshed and self.auth.refresh_after_unauthorized():
                refreshed = True
                attempt.retry_reason = "401, credentials refreshed"
                continue
            if response.status in RETRY_STATUSES and retries_left > 0:
                retries_left -= 1
                number = self.limits.retries - retries_left
                asked = _retry_after(response.header("retry-after"))
                backoff = self.limits.backoff_base * 2 ** (number - 1)
                wait = min(asked if asked is not None else backoff, self.limits.backoff_cap)
                attempt.retry_reason = f"{response.status}, retried after {wait:g}s" + (" (Retry-After)" if asked is not None else "")
                self._sleep(wait)
                continue
            return exchange
