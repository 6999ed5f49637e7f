"""The SSE events of an answer, as the clients will meet them.

Clients report "I raised after N chunks"; this turns N into the harness's SSE event index (which
counts every dispatched event, as findings do), and gives the chunk payloads a plain iteration
should hand over unchanged. The clients' own SSE decoders are assumed to dispatch the same events
as the harness's WHATWG decoder (they all follow the same rules for `data:` lines).
"""

from __future__ import annotations

import orjson
from dataclasses import dataclass
from typing import Any

from ..sse import SSEDecoder, SSEEvent
from ._model import RecordedAnswer

__all__ = ["AnswerEvents", "decode_events", "is_event_stream"]

_NOT_JSON = object()


def is_event_stream(answer: RecordedAnswer) -> bool:
    return (answer.header("content-type") or "").split(";")[0].strip().lower() == "text/event-stream"


@dataclass(frozen=True)
class AnswerEvents:
    events: tuple[SSEEvent, ...]
    """Every dispatched event."""
    data: tuple[tuple[int, Any], ...]
    """(event index, parsed payload) of each event a client turns into a chunk: non-empty data,
    before the first `[DONE]`; the payload is `NOT_JSON` when the data does not parse."""

    NOT_JSON = _NOT_JSON

    def event_of_chunk(self, count: int) -> int | None:
        """The event at which a client that had handed over `count` chunks was working."""
        return self.data[count][0] if 0 <= count < len(self.data) else None

    def event_of_completion_chunk(self, count: int) -> int | None:
        """As `event_of_chunk` for a stream helper that skips, without a trace, objects other than
        `chat.completion.chunk` (openai-python's ChatCompletionStream does, for Azure's filter
        events): the event of its chunk number `count`, or the first event after its chunk number
        `count - 1` that fails before the helper sees it (not JSON, or an error payload)."""
        seen = 0
        for index, payload in self.data:
            valid = isinstance(payload, dict) and payload.get("object") == "chat.completion.chunk"
            fails_early = payload is _NOT_JSON or (isinstance(payload, dict) and bool(payload.get("error")))
            if seen == count and (valid or fails_early):
                return index
            seen += valid
        return None

    def payloads(self) -> list[Any]:
        return [payload for _, payload in self.data]


def decode_events(answer: RecordedAnswer) -> AnswerEvents:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in answer.chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    data: list[tuple[int, Any]] = []
    for event in events:
        if not event.data:
            continue
        if event.data.startswith("[DONE]"):
            break
        try:
            payload = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            payload = _NOT_JSON
        data.append((event.index, payload))
    return AnswerEvents(tuple(events), tuple(data))
