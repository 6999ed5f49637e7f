"""Tests for the incremental SSE decoder.

Most rules are pinned with literal bytes; the chunking tests then check the property the
streaming code relies on: however the network cuts the stream, the decoder reports the
same events and the same notes as when it sees the stream in one piece.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from collections.abc import Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.sse import SSEDecoder, SSEEvent, SSENote, iter_events


def decode(chunks: Iterable[bytes]) -> tuple[list[SSEEvent], SSEDecoder]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    events += decoder.flush()
    return events, decoder


def split(raw: bytes, cuts: Iterable[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(raw)]
    return [raw[a:b] for a, b in zip(bounds, bounds[1:])]


def outcome(chunks: Iterable[bytes]) -> tuple[object, ...]:
    """Everything observable after decoding, for comparing chunkings."""
    events, decoder = decode(chunks)
    return (
        events,
        decoder.notes,
        decoder.note_counts,
        decoder.truncated,
        decoder.line_endings,
        decoder.bytes_seen,
    )


def only(raw: bytes) -> SSEEvent:
    events, _ = decode([raw])
    assert len(events) == 1
    return events[0]


def kinds(decoder: SSEDecoder) -> list[str]:
    return [note.kind for note in decoder.notes]


def ev(
    data: str,
    index: int,
    start: int,
    end: int,
    *,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
) -> SSEEvent:
    return SSEEvent(data, event, id, retry, index, start, end)


# --- line ends ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "style"),
    [(b"data: a\n\n", "LF"), (b"data: a\r\n\r\n", "CRLF"), (b"data: a\r\r", "CR")],
)
def test_each_line_end_style_is_valid(raw: bytes, style: str) -> None:
    events, decoder = decode([raw])
    assert events == [ev("a", 0, 0, len(raw))]
    assert decoder.line_endings == {style}
    assert "mixed-line-endings" not in decoder.note_counts


def test_mixed_line_endings_are_noted_once_where_the_second_style_appears() -> None:
    events, decoder = decode([b"data: a\n\rdata: b\r\n\r\ndata: c\n\n"])
    assert [e.data for e in events] == ["a", "b", "c"]
    assert decoder.line_endings == {"LF", "CR", "CRLF"}
    assert decoder.note_counts["mixed-line-endings"] == 1
    assert SSENote("mixed-line-endings", 8, "CR after LF") in decoder.notes


def test_cr_at_chunk_end_followed_by_lf_is_one_crlf() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == []
    assert decoder.feed(b"\n") == [ev("a", 0, 0, 11)]
    assert decoder.flush() == []
    assert decoder.line_endings == {"CRLF"}
    assert decoder.notes == []


def test_trailing_cr_waits_for_the_next_byte_and_flush_releases_it() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == []
    assert decoder.flush() == [ev("a", 0, 0, 9)]
    assert decoder.line_endings == {"CR"}
    assert decoder.truncated is None


# --- BOM and UTF-8 -----------------------------------------------------------------------


def test_bom_at_stream_start_is_skipped_but_counted_in_offsets() -> None:
    for chunks in ([b"\xef\xbb\xbfdata: a\n\n"], [b"\xef", b"\xbb", b"\xbfdata: a\n\n"]):
        events, decoder = decode(chunks)
        assert events == [ev("a", 0, 3, 12)]
        assert decoder.notes == [SSENote("bom", 0, "UTF-8 byte order mark skipped")]


def test_bom_elsewhere_is_data() -> None:
    events, decoder = decode([b"data: \xef\xbb\xbfx\n\n\xef\xbb\xbfdata: y\n\n"])
    assert [e.data for e in events] == ["\ufeffx"]  # the second "data" line has a BOM-prefixed name
    assert "bom" not in decoder.note_counts
    assert SSENote("unknown-field", 12, "\ufeffdata") in decoder.notes


def test_a_bom_prefix_that_ends_the_stream_is_just_bad_bytes() -> None:
    events, decoder = decode([b"\xef", b"\xbb"])
    assert events == []
    assert kinds(decoder) == ["invalid-utf8", "unknown-field", "truncated-event"]


def test_invalid_utf8_is_replaced_and_noted_with_the_bad_bytes() -> None:
    events, decoder = decode([b"data: a\xffb\xfe\n\n"])
    assert events[0].data == "a\ufffdb\ufffd"
    assert decoder.notes == [SSENote("invalid-utf8", 7, r"b'\xff'")]


def test_multibyte_character_split_across_chunks_decodes() -> None:
    events, decoder = decode([b"data: \xe6\x97", b"\xa5\xe6\x9c\xac \xf0\x9f", b"\x98\x80\n\n"])
    assert events[0].data == "日本 😀"
    assert decoder.notes == []


# --- comments and fields -----------------------------------------------------------------


def test_comment_is_noted_and_dispatches_nothing() -> None:
    events, decoder = decode([b": keep-alive\n\n:\n\ndata: a\n\n"])
    assert events == [ev("a", 0, 17, 26)]
    assert decoder.notes == [SSENote("comment", 0, " keep-alive"), SSENote("comment", 14, "")]


def test_notes_are_capped_per_kind_but_all_counted() -> None:
    _, decoder = decode([b": ping\n\n" * 25 + b"id: 1\ndata: x\n\n"])
    assert kinds(decoder) == ["comment"] * 20 + ["id-field"]
    assert decoder.note_counts == {"comment": 25, "id-field": 1}


def test_long_note_details_are_clipped() -> None:
    _, decoder = decode([b":" + b"x" * 500 + b"\n\n"])
    assert len(decoder.notes[0].detail) == 80


@pytest.mark.parametrize(
    ("raw", "data"),
    [
        (b"data:x\n\n", "x"),
        (b"data: x\n\n", "x"),
        (b"data:  x\n\n", " x"),
        (b"data: x \n\n", "x "),
        (b"data: a:b\n\n", "a:b"),
        (b"data:\n\n", ""),
        (b"data\n\n", ""),
    ],
)
def test_field_value_parsing(raw: bytes, data: str) -> None:
    assert only(raw).data == data


def test_event_field_last_one_wins_and_does_not_leak_into_the_next_event() -> None:
    events, decoder = decode([b"event: a\nevent: b\ndata: 1\n\ndata: 2\n\nevent\ndata: 3\n\n"])
    assert [e.event for e in events] == ["b", None, ""]
    assert decoder.note_counts["event-field"] == 3


def test_id_belongs_to_the_event_that_set_it() -> None:
    events, decoder = decode([b"id: 7\ndata: x\n\ndata: y\n\nid\ndata: z\n\n"])
    assert [e.id for e in events] == ["7", None, ""]
    assert decoder.note_counts["id-field"] == 2


def test_id_with_nul_is_ignored() -> None:
    event = only(b"id: a\x00b\ndata: x\n\n")
    assert event.id is None


@pytest.mark.parametrize(
    ("line", "retry"),
    [
        (b"retry: 3000", 3000),
        (b"retry:0", 0),
        (b"retry: 30a0", None),
        (b"retry: -1", None),
        (b"retry:  5", None),
        (b"retry:", None),
        ("retry: ٣".encode(), None),  # a digit, but not an ASCII one
    ],
)
def test_retry_takes_only_ascii_digits(line: bytes, retry: int | None) -> None:
    events, decoder = decode([line + b"\ndata: x\n\n"])
    assert events[0].retry == retry
    assert decoder.note_counts["retry-field"] == 1
    assert ("invalid-retry" in decoder.note_counts) == (retry is None)


def test_retry_too_long_for_int_does_not_raise() -> None:
    events, decoder = decode([b"retry: " + b"9" * 10_000 + b"\ndata: x\n\n"])
    assert [e.data for e in events] == ["x"]
    assert "invalid-retry" in decoder.note_counts


def test_unknown_fields_are_noted_and_names_are_case_sensitive() -> None:
    events, decoder = decode([b"foo: bar\nData: y\ndata: x\n\n"])
    assert [e.data for e in events] == ["x"]
    assert [(n.kind, n.detail) for n in decoder.notes] == [
        ("unknown-field", "foo"),
        ("unknown-field", "Data"),
    ]


def test_multi_line_data_joins_with_newline_and_is_noted_once() -> None:
    events, decoder = decode([b"data: a\ndata: b\ndata:\n\n"])
    assert events[0].data == "a\nb\n"
    assert decoder.notes == [SSENote("multi-line-data", 8, "second data line in one event")]


# --- dispatch ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"event: x\n\n", b"id: 1\n\n", b"retry: 5\n\n"])
def test_event_id_or_retry_without_data_is_not_dispatched_but_noted(raw: bytes) -> None:
    events, decoder = decode([raw])
    assert events == []
    assert decoder.notes[-1] == SSENote(
        "event-without-data", len(raw) - 1, "event/id/retry but no data: not dispatched"
    )


def test_blank_lines_without_fields_dispatch_nothing_and_note_nothing() -> None:
    events, decoder = decode([b"\n\n\r\n: c\n\ndata: a\n\n"])
    assert events == [ev("a", 0, 9, 18)]
    assert kinds(decoder) == ["mixed-line-endings", "comment"]


def test_index_start_and_end_locate_each_event() -> None:
    raw = b"data: a\n\n: c\ndata: b\n\nevent: e\n\ndata: c\n\n"
    events, _ = decode([raw])
    assert events == [ev("a", 0, 0, 9), ev("b", 1, 9, 22), ev("c", 2, 32, 41)]
    assert [raw[e.start : e.end] for e in events][1] == b": c\ndata: b\n\n"


# --- end of stream -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pending"),
    [
        (b"data: a\n\ndata: b\n", ev("b", 1, 9, 17)),
        (b"data: a\n\ndata: b", ev("b", 1, 9, 16)),
        (b"data: a\n\ndata: b\ndata: c\r\n", ev("b\nc", 1, 9, 26)),
        (b"data: a\n\nevent: x\nid: 3\nretry: 9", ev("", 1, 9, 32, event="x", id="3", retry=9)),
        (b"data: a\n\n: ping", ev("", 1, 9, 15)),
    ],
)
def test_flush_discards_a_pending_event_but_keeps_it_as_evidence(
    raw: bytes, pending: SSEEvent
) -> None:
    events, decoder = decode([raw])
    assert events == [ev("a", 0, 0, 9)]
    assert decoder.truncated == pending
    assert decoder.notes[-1] == SSENote("truncated-event", 9, repr(pending.data))


def test_truncated_detail_is_clipped() -> None:
    _, decoder = decode([b"data: " + b"z" * 200])
    assert len(decoder.notes[-1].detail) == 80
    assert decoder.truncated is not None and decoder.truncated.data == "z" * 200


def test_clean_end_has_no_truncated_event_and_flush_is_idempotent() -> None:
    decoder = SSEDecoder()
    assert len(decoder.feed(b"data: a\n\n")) == 1
    assert decoder.flush() == []
    assert decoder.flush() == []
    assert decoder.truncated is None
    assert decoder.notes == []
    assert decoder.bytes_seen == 9


def test_empty_stream_and_empty_chunks() -> None:
    events, decoder = decode([b"", b""])
    assert events == [] and decoder.notes == [] and decoder.truncated is None


def test_line_longer_than_many_chunks() -> None:
    raw = b"data: " + b"x" * 100_000 + b"\n\n"
    events, _ = decode(split(raw, range(1000, len(raw), 1000)))
    assert events == [ev("x" * 100_000, 0, 0, len(raw))]


def test_iter_events_feeds_and_flushes() -> None:
    events = list(iter_events([b"data: a\n", b"\ndata: b\r", b"\r"]))
    assert [e.data for e in events] == ["a", "b"]


# --- chunking never changes the result ---------------------------------------------------


def openai_stream(ending: bytes) -> bytes:
    deltas = [
        {"role": "assistant"},
        {"content": "Bonjour é"},
        {"content": " 日本"},
        {"content": "😀"},
    ]
    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk"}
    lines = [
        json.dumps({**chunk, "choices": [{"index": 0, "delta": delta}]}, ensure_ascii=False)
        for delta in deltas
    ]
    return b"".join(b"data: " + line.encode() + ending * 2 for line in [*lines, "[DONE]"])


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_openai_stream_decodes_the_same_however_it_is_split(ending: bytes) -> None:
    raw = openai_stream(ending)
    whole = outcome([raw])
    events = whole[0]
    assert isinstance(events, list) and len(events) == 5
    assert [json.loads(e.data)["choices"][0]["delta"] for e in events[1:4]] == [
        {"content": "Bonjour é"},
        {"content": " 日本"},
        {"content": "😀"},
    ]
    assert events[-1].data == "[DONE]" and events[-1].end == len(raw)
    assert whole[1] == []  # no notes at all for a clean stream
    for cut in range(len(raw) + 1):
        assert outcome(split(raw, [cut])) == whole, cut
    assert outcome([raw[i : i + 1] for i in range(len(raw))]) == whole


def test_split_between_cr_and_lf_and_inside_multibyte_characters() -> None:
    raw = "data: é 日本 😀\r\n\r\n".encode()
    whole = outcome([raw])
    assert whole[0] == [ev("é 日本 😀", 0, 0, len(raw))]
    for cut in range(len(raw) + 1):
        assert outcome(split(raw, [cut])) == whole, cut


SSE_PIECES = [
    b"data", b"event", b"id", b"retry", b":", b" ", b"\n", b"\r", b"\r\n",
    b"\xef\xbb\xbf", b"\xc3", b"\xa9", b"\xff", b"\x00", b"x", b"7",
]  # fmt: skip
sse_like_bytes = st.lists(st.sampled_from(SSE_PIECES), max_size=60).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(st.binary(max_size=300), sse_like_bytes), data=st.data())
def test_any_bytes_never_raise_and_chunking_does_not_matter(
    raw: bytes, data: st.DataObject
) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=12))
    assert outcome(split(raw, cuts)) == outcome([raw])


any_char = st.characters(codec="utf-8")
no_line_breaks = st.characters(codec="utf-8", exclude_characters="\r\n")
no_line_breaks_or_nul = st.characters(codec="utf-8", exclude_characters="\r\n\0")


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent]]:
    """A well-formed stream plus the events it must decode to."""
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    specs = draw(
        st.lists(
            st.tuples(
                st.text(any_char),
                st.none() | st.text(no_line_breaks, max_size=8),
                st.none() | st.text(no_line_breaks_or_nul, max_size=8),
                st.booleans(),
            ),
            max_size=8,
        )
    )
    text, expected = "", []
    for index, (data, event, id_, comment) in enumerate(specs):
        start = len(text.encode())
        pieces = re.split(r"\r\n|\r|\n", data)
        lines = [": keep-alive"] if comment else []
        lines += [] if event is None else [f"event: {event}"]
        lines += [] if id_ is None else [f"id: {id_}"]
        lines += [f"data: {piece}" for piece in pieces]
        text += "".join(line + ending for line in lines) + ending
        end = len(text.encode())
        expected.append(ev("\n".join(pieces), index, start, end, event=event, id=id_))
    return text.encode(), expected


@settings(max_examples=200, deadline=None)
@given(stream=event_streams(), data=st.data())
def test_random_event_streams_decode_the_same_in_any_chunking(
    stream: tuple[bytes, list[SSEEvent]], data: st.DataObject
) -> None:
    raw, expected = stream
    whole = outcome([raw])
    assert whole[0] == expected
    assert whole[3] is None
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=20))
    assert outcome(split(raw, cuts)) == whole


# --- memory ------------------------------------------------------------------------------


def generated_stream(events: int, chunk_size: int) -> Iterator[bytes]:
    """About 100 bytes per event, with keep-alives and ids, cut into fixed-size chunks."""
    pending = bytearray()
    for i in range(events):
        if i % 50 == 0:
            pending += b": keep-alive\n\n"
        pending += b'id: %d\ndata: {"choices":[{"delta":{"content":"token %08d"}}]}\n\n' % (i, i)
        while len(pending) >= chunk_size:
            yield bytes(pending[:chunk_size])
            del pending[:chunk_size]
    yield bytes(pending)


def test_memory_stays_constant_over_a_long_stream() -> None:
    decoder = SSEDecoder()
    count = 0
    tracemalloc.start()
    try:
        for chunk in generated_stream(200_000, 4096):
            count += len(decoder.feed(chunk))  # the events are dropped at once
        count += len(decoder.flush())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert decoder.note_counts["comment"] == 4000
    assert peak < 1_000_000, peak
