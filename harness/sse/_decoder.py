"""Incremental Server-Sent Events decoder (WHATWG "event stream interpretation").

A streaming endpoint is judged on the bytes it actually sent, so the decoder never raises:
anything odd becomes an `SSENote` and decoding goes on the way a browser would. It keeps
only the unfinished line and the event being built, so a stream of any length (or of
endless keep-alive comments) decodes in constant memory, and it splits whole chunks with
bytes methods because a per-byte Python loop is far too slow for million-event streams.

Offsets are stream byte offsets (a skipped BOM still counts), and the result of decoding
never depends on how the stream was cut into chunks: the same events and the same notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["SSEEvent", "SSENote", "SSEDecoder", "iter_events"]

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"(\r\n?|\n)")
_STYLE = {b"\n": "LF", b"\r\n": "CRLF", b"\r": "CR"}
_NOTES_PER_KIND = 20
_DETAIL_MAX = 80


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event, with where it sits in the stream so a report can quote it.

    `start` is where the first line after the previous blank line begins (comment lines in
    the block count); `end` is just past the terminator of the blank line that dispatched it.
    `id` and `retry` are only what this event itself set, not the stream's running state.
    """

    data: str
    event: str | None
    id: str | None
    retry: int | None
    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SSENote:
    """Something worth reporting that did not stop decoding: legal but notable, or illegal."""

    kind: str
    offset: int
    detail: str


def _clip(text: str) -> str:
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


class SSEDecoder:
    """Feed it chunks as they arrive; call `flush()` once when the stream ends.

    A line ending in CR at the very end of a chunk is held back until the next chunk shows
    whether an LF follows, so a CRLF cut in two is one line end and `end` offsets do not
    depend on chunking; `flush()` releases it.
    """

    def __init__(self) -> None:
        self.notes: list[SSENote] = []
        self.note_counts: dict[str, int] = {}
        self.bytes_seen = 0
        self.line_endings: set[str] = set()
        self.truncated: SSEEvent | None = None
        self._buf = bytearray()  # the unfinished line, or the first bytes while a BOM may come
        self._pos = 0  # stream offset of the first byte of `_buf`
        self._bom_pending = True
        self._index = 0
        self._clear_meta()
        self._reset(0)

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode `chunk`; return the events whose dispatching blank line it completed."""
        if not chunk:
            return []
        self.bytes_seen += len(chunk)
        buf = self._buf
        if self._bom_pending:  # the BOM itself may arrive split across chunks
            buf += chunk
            if len(buf) < len(_BOM) and _BOM.startswith(buf):
                return []
            self._bom_pending = False
            if buf.startswith(_BOM):
                del buf[: len(_BOM)]
                self._pos = self._start = len(_BOM)
                self._note("bom", 0, "UTF-8 byte order mark skipped")
            chunk = bytes(buf)
            buf.clear()
        if b"\n" not in chunk and b"\r" not in chunk:
            buf += chunk  # a line longer than the chunk: keep collecting
            return []
        if buf:
            buf += chunk
            chunk = bytes(buf)
            buf.clear()
        return self._process(chunk, final=False)

    def flush(self) -> list[SSEEvent]:
        """End of stream: finish the held-back line and discard (but record) a pending event.

        Per WHATWG an event without its dispatching blank line is dropped, so it is not
        returned; it is kept in `truncated` and noted, since a cut-off stream is a finding.
        """
        data = bytes(self._buf)
        self._buf.clear()
        self._bom_pending = False
        events = self._process(data, final=True) if data else []
        if self._pending:
            text = "\n".join(self._data)
            self.truncated = SSEEvent(
                text, self._event, self._id, self._retry, self._index, self._start, self.bytes_seen
            )
            self._note("truncated-event", self._start, repr(text))
            self._reset(self.bytes_seen)
        return events

    def _process(self, data: bytes, final: bool) -> list[SSEEvent]:
        """Split `data` (which starts at `_pos`) into lines and interpret the complete ones."""
        if b"\r" in data:
            parts = _LINE_END.split(data)
            bodies, ends = parts[0::2], parts[1::2]
            if not final and ends and ends[-1] == b"\r" and not bodies[-1]:
                bodies.pop()
                ends.pop()
                bodies[-1] += b"\r"
            end_lens = list(map(len, ends))
            new = [end for end in set(ends) if _STYLE[end] not in self.line_endings]
            firsts = sorted((ends.index(end), _STYLE[end]) for end in new)
        else:
            bodies = data.split(b"\n")
            end_lens = [1] * (len(bodies) - 1)
            firsts = [(0, "LF")] if end_lens and "LF" not in self.line_endings else []
        tail = bodies.pop()
        events: list[SSEEvent] = []
        done = 0
        # A style's first line end is noted right after its line, so notes stay in stream
        # order whatever the chunking; this happens at most three times per stream.
        for i, style in firsts:
            self._lines(bodies[done : i + 1], end_lens[done : i + 1], events)
            self._saw_ending(style, self._pos - end_lens[i])
            done = i + 1
        self._lines(bodies[done:], end_lens[done:], events)
        if final:
            if tail:
                self._line(tail, self._pos)  # an unterminated last line still belongs to the event
                self._pos += len(tail)
        else:
            self._buf += tail
        return events

    def _lines(self, bodies: list[bytes], end_lens: list[int], events: list[SSEEvent]) -> None:
        """Interpret complete lines starting at `_pos`, appending dispatched events to `events`."""
        pos = self._pos
        for body, end_len in zip(bodies, end_lens):
            if body:
                self._line(body, pos)
                pos += len(body) + end_len
            else:
                pos += end_len
                event = self._dispatch(pos - end_len, pos)
                if event is not None:
                    events.append(event)
        self._pos = pos

    def _line(self, body: bytes, pos: int) -> None:
        """Interpret one non-blank line that starts at stream offset `pos`."""
        self._pending = True
        try:
            text = body.decode()
        except UnicodeDecodeError as exc:
            self._note("invalid-utf8", pos + exc.start, repr(body[exc.start : exc.end]))
            text = body.decode(errors="replace")
        if text[0] == ":":
            self._note("comment", pos, text[1:])
            return
        name, _, value = text.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            if len(self._data) == 1:
                self._note("multi-line-data", pos, "second data line in one event")
            self._data.append(value)
        elif name == "event":
            self._event = value
            self._has_meta = True
            self._note("event-field", pos, value)
        elif name == "id":
            self._has_meta = True
            if "\0" in value:
                self._note("id-field", pos, "ignored, contains NUL: " + repr(value))
            else:
                self._id = value
                self._note("id-field", pos, value)
        elif name == "retry":
            self._has_meta = True
            self._note("retry-field", pos, value)
            self._retry_field(value, pos)
        else:
            self._note("unknown-field", pos, name)

    def _retry_field(self, value: str, pos: int) -> None:
        # isdigit() alone accepts non-ASCII digits, and int() refuses very long digit
        # strings (int_max_str_digits); neither may escape as an exception.
        if value.isascii() and value.isdigit():
            try:
                self._retry = int(value)
                return
            except ValueError:
                pass
        self._note("invalid-retry", pos, repr(value))

    def _dispatch(self, blank_at: int, end: int) -> SSEEvent | None:
        """Handle a blank line at `blank_at`; `end` is just past its terminator."""
        event = None
        if self._data:
            data = "\n".join(self._data)
            event = SSEEvent(
                data, self._event, self._id, self._retry, self._index, self._start, end
            )
            self._index += 1
        elif self._has_meta:
            self._note("event-without-data", blank_at, "event/id/retry but no data: not dispatched")
        self._reset(end)
        return event

    def _reset(self, start: int) -> None:
        """Forget the event being built; the next one starts at `start`."""
        self._data: list[str] = []
        self._pending = False  # any non-blank line was seen
        self._start = start
        if self._has_meta:  # skipped for plain data-only events, the hot path
            self._clear_meta()

    def _clear_meta(self) -> None:
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._has_meta = False  # an event/id/retry line was seen

    def _saw_ending(self, style: str, offset: int) -> None:
        self.line_endings.add(style)
        if len(self.line_endings) == 2:
            (first,) = self.line_endings - {style}
            self._note("mixed-line-endings", offset, f"{style} after {first}")

    def _note(self, kind: str, offset: int, detail: str) -> None:
        """Count every note, but keep only the first few of a kind so memory stays bounded."""
        count = self.note_counts.get(kind, 0)
        self.note_counts[kind] = count + 1
        if count < _NOTES_PER_KIND:
            self.notes.append(SSENote(kind, offset, _clip(detail)))


def iter_events(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Decode a whole stream lazily, for callers that need the events but not the notes."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()
