"""Replay mode: recorded chunks fed one by one through a real httpx transport.

The recorded attempts of a step come back in order, through `perform`, so the parsing code is the
same as live; arrival offsets come from the recording, so timings are reproducible too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx

from ._cassette import Cassette
from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse
from ._http import Limits, ReplayedFailure, perform
from ._matchers import DEFAULT_MATCH_ON, MATCHERS, RecordingMismatch
from ._redact import Redactor

__all__ = ["ReplayTransport"]

# Already undone when the bytes were recorded (the recording keeps decoded bytes).
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class _ReplayClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _RecordedBody(httpx.SyncByteStream):
    def __init__(self, attempt: Attempt, clock: _ReplayClock):
        self._attempt, self._clock = attempt, clock

    def __iter__(self) -> Iterator[bytes]:
        response = self._attempt.response
        assert response is not None
        for chunk, offset in zip(response.chunks, response.offsets):
            self._clock.now = offset
            yield chunk
        if self._attempt.failure is not None:
            raise ReplayedFailure(self._attempt.failure)


class _RecordedAttempts(httpx.BaseTransport):
    def __init__(self, clock: _ReplayClock):
        self.clock = clock
        self.next: Attempt | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt, self.next = self.next, None
        assert attempt is not None, "replay transport used without a recorded attempt"
        response: HTTPResponse | None = attempt.response
        if response is None:
            assert attempt.failure is not None
            raise ReplayedFailure(attempt.failure)
        self.clock.now = response.headers_at or 0.0
        headers = [(k, v) for k, v in response.headers if k.lower() not in _DROPPED_HEADERS]
        return httpx.Response(
            response.status,
            headers=headers,
            stream=_RecordedBody(attempt, self.clock),
            extensions={"http_version": response.http_version.encode(), "reason_phrase": response.reason.encode()},
            request=request,
        )


class ReplayTransport:
    """Serves one cassette. `send` returns the recorded exchange of that step, replayed, once the
    named matchers (`match_on`, see `_matchers`) agree that the request is the recorded one;
    otherwise it raises `RecordingMismatch`. `finish` raises it for recorded steps never asked for.
    The request sent now is compared after `redactor` has scrubbed it, as the recording was."""

    def __init__(
        self,
        cassette: Cassette,
        limits: Limits | None = None,
        *,
        match_on: Sequence[str] = DEFAULT_MATCH_ON,
        redactor: Redactor | None = None,
    ):
        unknown = [name for name in match_on if name not in MATCHERS]
        if unknown:
            raise ValueError(f"unknown matcher {', '.join(unknown)} (known: {', '.join(MATCHERS)})")
        self.cassette = cassette
        self.match_on = tuple(match_on)
        self._redactor = redactor
        self._sent: list[str] = []
        self._by_step = {exchange.step: exchange for exchange in cassette.exchanges}
        self._clock = _ReplayClock()
        self._transport = _RecordedAttempts(self._clock)
        self._client = httpx.Client(transport=self._transport)
        # Recorded failures (e.g. too-large) must come back as recorded, not be re-judged by limits.
        self._limits = limits or Limits(max_response_bytes=2**62, total_timeout=float("inf"))

    def recorded(self, step: str) -> Exchange | None:
        return self._by_step.get(step)

    def _check(self, step: str, request: HTTPRequest, recorded: Exchange | None) -> None:
        if recorded is None:
            raise RecordingMismatch(step, "the recording has no exchange for this step")
        if self._redactor is not None:
            request = HTTPRequest(request.method, self._redactor.url(request.url), request.headers, request.body)
        for name in self.match_on:
            why = MATCHERS[name](recorded.attempts[0].request, request)
            if why is not None:
                raise RecordingMismatch(step, why)

    def send(self, step: str, request: HTTPRequest) -> Exchange:
        recorded = self._by_step.get(step)
        self._check(step, request, recorded)
        assert recorded is not None
        self._sent.append(step)
        replayed = Exchange(step=step)
        for attempt in recorded.attempts:
            self._clock.now = 0.0
            self._transport.next = attempt
            again = perform(self._client, attempt.request, self._limits, clock=self._clock)
            again.retry_reason = attempt.retry_reason
            if again.response is not None and attempt.response is not None:
                # httpx had to be shown the decoded body without its encoding headers; the
                # exchange reports what the server really sent.
                again.response.headers = list(attempt.response.headers)
                again.response.content_encoding = attempt.response.content_encoding
            replayed.attempts.append(again)
        return replayed

    def finish(self) -> None:
        """After the last step: a recording with steps the case no longer has is stale."""
        extra = [e.step for e in self.cassette.exchanges if e.step not in self._sent]
        if extra and self.match_on:
            raise RecordingMismatch(None, f"the recording has steps the case no longer has: {', '.join(extra)}")

    def close(self) -> None:
        self._client.close()
