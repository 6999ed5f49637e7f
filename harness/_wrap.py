"""Filling text into a terminal's width without breaking a name.

textwrap breaks at hyphens (`tool-` / `choice.honoured`) and folds long words at any character;
the tool's names (case ids, rule ids, endpoint names, finding codes) are hyphenated words that a
user pastes back into --case or a baseline, so here lines break at whitespace only. A word longer
than a whole line (a URL, a long path) is the one exception: it breaks after a `/` where it has
one, so the pieces still read as a path, and at the width only when it has none.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["wrap_words"]

_CONTINUATION = "    "
"""How much deeper a continuation line is indented than the line it continues, by default."""
_SHORTEST_PIECE = 12
"""A long word starts on the line before it only when at least this much of it fits there."""


def wrap_words(text: str | Sequence[str], width: int | None, *, indent: str = "", hanging: str | None = None) -> list[str]:
    """`text` as lines of at most `width` characters: the first starts with `indent`, the others
    with `hanging` (default: `indent` and four spaces more). `text` may be given as units that
    stay on one line together (`122 skip (not-applicable),`) unless one is longer than a line.
    `width` None: one line, unwrapped (off a terminal, where a line is read by grep, not by eye)."""
    units = text.split() if isinstance(text, str) else [" ".join(unit.split()) for unit in text]
    if width is None:
        return [indent + " ".join(units)]
    if hanging is None:
        hanging = indent + _CONTINUATION
    hanging = hanging[: max(width // 2, 0)]  # a continuation keeps room for its words
    words = [piece for unit in units for piece in (unit.split() if len(hanging) + len(unit) > width else [unit])]
    lines: list[str] = []
    line, empty = indent, True
    for word in words:
        joined = line if empty else line + " "
        if len(joined) + len(word) <= width:
            line, empty = joined + word, False
            continue
        if len(hanging) + len(word) > width:
            # Longer than a whole line: broken as a path, starting where the line has room.
            if not empty and width - len(joined) >= _SHORTEST_PIECE:
                line = joined
            elif not empty:
                lines.append(line)
                line = hanging
            while len(line) + len(word) > width:
                head, word = _split_long(word, width - len(line))
                lines.append(line + head)
                line = hanging
        elif not empty:
            lines.append(line)
            line = hanging
        line, empty = line + word, False
    lines.append(line)
    return lines


def _split_long(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` that fits `room` and ends just after a `/`, and the rest; the
    first `room` characters when no `/` allows that."""
    room = max(room, 1)
    cut = word.rfind("/", 0, room) + 1
    if cut <= 0:
        cut = room
    return word[:cut], word[cut:]
