"""Reducing a very long stream to what the clients need to see.

openai-python's accumulating helper re-builds its snapshot for every chunk (quadratic in the
stream), and a million-event stream would take the clients minutes. The default keeps the first
2,000 events (CHAT_CONFORMANCE_CLIENT_EVENTS changes it): past a few hundred steady text deltas a
client only concatenates more text, and at 20,000 the four clients took 15 s of a cold `check` of a
200,000-chunk stream, against about 2 s for the harness's own judging (benchmarks/run.py). Past the first `max_events`
events nothing new happens in a steady text stream, so the reduction keeps the first `max_events`
events (with their original chunk boundaries) and, after them, every event that is *not* a plain
steady-state text delta: a chunk shaped exactly like a text delta already seen in the first part
(one choice, same id/model/created, a delta of content and the same other fields, no finish
reason, logprobs or usage). Tool-call deltas, role changes, finish reasons, usage, errors, odd
chunks and `[DONE]` all stay, each as its own chunk.

The text of the dropped deltas is missing from what the clients assemble, so the reference's
content is reduced the same way (kept only when it is exactly the concatenation of the content
deltas, which it is for the harness's faithful accumulation).
"""

from __future__ import annotations

import copy
import orjson
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..sse import SSEDecoder, SSEEvent
from ._model import RecordedAnswer

__all__ = ["MAX_EVENTS", "Reduction", "reduce_answer"]

MAX_EVENTS = 2_000
_HEAD = ("id", "object", "created", "model", "system_fingerprint", "service_tier")
_SCALAR = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Reduction:
    answer: RecordedAnswer
    reference: Mapping[str, Any] | None
    events_run: int
    events_total: int
    note: str | None = None


def _events(answer: RecordedAnswer) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in answer.chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def _payload(event: SSEEvent) -> Any:
    if not event.data or event.data.startswith("[DONE]"):
        return None
    try:
        return orjson.loads(event.data)
    except orjson.JSONDecodeError:
        return None


def _text_delta_shape(payload: Any) -> tuple | None:
    """A hashable description of a plain text delta, None for anything else."""
    if not isinstance(payload, dict) or payload.get("object") != "chat.completion.chunk" or payload.get("usage") is not None:
        return None
    choices = payload.get("choices")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    if choice.get("finish_reason") is not None or choice.get("logprobs") is not None:
        return None
    delta = choice.get("delta")
    if not isinstance(delta, dict) or not isinstance(delta.get("content"), str):
        return None
    others = [(k, v) for k, v in delta.items() if k != "content"]
    head = [(k, payload.get(k)) for k in _HEAD]
    if not all(isinstance(v, _SCALAR) for _, v in others + head) or not isinstance(choice.get("index"), _SCALAR):
        return None
    return (tuple(sorted(payload)), tuple(sorted(choice)), tuple(sorted(others)), tuple(head), choice.get("index"))


def _content_pieces(payload: Any) -> list[tuple[int, str]]:
    if not isinstance(payload, dict):
        return []
    pieces = []
    for choice in payload.get("choices") or ():
        if isinstance(choice, dict) and isinstance(choice.get("delta"), dict) and isinstance(choice["delta"].get("content"), str):
            index = choice.get("index", 0)
            pieces.append((index if isinstance(index, int) else 0, choice["delta"]["content"]))
    return pieces


def _reduce_reference(reference: Mapping[str, Any] | None, full: dict[int, list[str]], kept: dict[int, list[str]]) -> tuple[Mapping[str, Any] | None, str | None]:
    if not isinstance(reference, Mapping):
        return reference, None
    reduced = copy.deepcopy(dict(reference))
    for choice in reduced.get("choices") or ():
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            continue
        index = choice.get("index", 0)
        if index not in full:
            continue
        if choice["message"].get("content") != "".join(full[index]):
            return reference, "the reference's content is not the concatenation of the content deltas: content left as given"
        choice["message"]["content"] = "".join(kept.get(index, ()))
    return reduced, None


def reduce_answer(answer: RecordedAnswer, reference: Mapping[str, Any] | None = None, *, max_events: int = MAX_EVENTS) -> Reduction:
    """The answer as the clients should see it: itself when it has at most `max_events` SSE events."""
    events = _events(answer)
    if len(events) <= max_events:
        # An answer reduced before it got here (by the harness, while judging a file) says how long it was.
        return Reduction(answer, reference, len(events), answer.events_total or len(events))
    body = answer.body
    cut = events[max_events - 1].end
    chunks: list[bytes] = []
    position = 0
    for chunk in answer.chunks:  # the first part keeps its chunk boundaries
        if position >= cut:
            break
        chunks.append(chunk[: cut - position])
        position += len(chunk)
    steady: set[tuple] = set()
    full: dict[int, list[str]] = {}
    kept: dict[int, list[str]] = {}
    for event in events[:max_events]:
        payload = _payload(event)
        shape = _text_delta_shape(payload)
        if shape is not None:
            steady.add(shape)
        for index, text in _content_pieces(payload):
            full.setdefault(index, []).append(text)
            kept.setdefault(index, []).append(text)
    run = max_events
    for event in events[max_events:]:
        payload = _payload(event)
        pieces = _content_pieces(payload)
        for index, text in pieces:
            full.setdefault(index, []).append(text)
        if _text_delta_shape(payload) in steady:
            continue
        for index, text in pieces:
            kept.setdefault(index, []).append(text)
        chunks.append(body[event.start : event.end])
        run += 1
    if events[-1].end < len(body):
        chunks.append(body[events[-1].end :])  # an unterminated last event, as it was
    reduced_reference, note = _reduce_reference(reference, full, kept)
    reduced = replace(answer, chunks=tuple(chunks), events_total=len(events))
    return Reduction(reduced, reduced_reference, run, len(events), note)
