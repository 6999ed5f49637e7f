"""`chat-conformance list`'s tables, laid out so that no cell value is split inside a word.

A table that squeezes its columns to the terminal folds `errors.malformed-messages` into
`errors.malforme` / `d-messages`. Here the leading columns whose longest words fit side by side
make the table (each cell wrapped at its own words), and the columns that do not fit follow each
row as indented `label: value` lines, wrapped with their indent. Off a terminal every column is in
the table and nothing wraps: one line per row, for grep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from .._wrap import wrap_words

__all__ = ["Listing", "print_listing"]

_GAP = "  "
_BELOW = "    "
"""The indent of a row's `label: value` lines (their continuations go four deeper)."""


@dataclass
class Listing:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]


def print_listing(listing: Listing, console: Console, width: int | None) -> None:
    for line in listing_lines(listing, width):
        console.print(line, soft_wrap=True)  # already fitted: rich must neither wrap nor crop


def listing_lines(listing: Listing, width: int | None) -> list[Text]:
    columns = list(listing.columns)
    shortest = [max([len(name), *(_longest_word(row[i]) for row in listing.rows)]) for i, name in enumerate(columns)]
    natural = [max([len(name), *(len(" ".join(row[i].split())) for row in listing.rows)]) for i, name in enumerate(columns)]
    shown = _columns_that_fit(shortest, width)
    widths = natural[:shown] if width is None else _share(shortest[:shown], natural[:shown], width - len(_GAP) * (shown - 1))
    lines = [Text(listing.title)]
    if shown > 1 or shown == len(columns):  # a lone column is named by the title
        lines.append(Text(_joined(columns[:shown], widths).rstrip(), style="bold"))
    for row in listing.rows:
        lines += [Text(line) for line in _row_lines(row[:shown], widths, width)]
        for label, value in zip(columns[shown:], row[shown:]):
            if value.strip():
                lines += [Text(line) for line in wrap_words(f"{label}: {value}", width, indent=_BELOW)]
    return lines


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _columns_that_fit(shortest: Sequence[int], width: int | None) -> int:
    """How many leading columns fit side by side at the width of their longest words (one at least)."""
    if width is None:
        return len(shortest)
    used = 0
    for count, need in enumerate(shortest):
        used += need + (len(_GAP) if count else 0)
        if used > width:
            return max(count, 1)
    return len(shortest)


def _share(shortest: Sequence[int], natural: Sequence[int], room: int) -> list[int]:
    """Column widths from their shortest, the spare room handed out a character at a time to the
    columns not yet at their natural width (so a wide column cannot take it all)."""
    widths = list(shortest)
    spare = room - sum(widths)
    while spare > 0:
        growing = [i for i, w in enumerate(widths) if w < natural[i]]
        if not growing:
            break
        for i in growing[:spare]:
            widths[i] += 1
        spare -= min(len(growing), spare)
    return widths


def _row_lines(cells: Sequence[str], widths: Sequence[int], width: int | None) -> list[str]:
    """A row's cells, each wrapped in its column, side by side."""
    wrapped = [wrap_words(cell, w if width is not None else None, hanging="") for cell, w in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped)
    return [_joined([lines[n] if n < len(lines) else "" for lines in wrapped], widths).rstrip() for n in range(height)]


def _joined(cells: Sequence[str], widths: Sequence[int]) -> str:
    return _GAP.join(cell.ljust(w) for cell, w in zip(cells, widths))
