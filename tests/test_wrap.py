"""Word wrapping for the terminal (harness._wrap) and `list`'s layout (cli._listing): lines fit,
no name is split, continuations keep their indent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness._wrap import wrap_words
from harness.cli._listing import Listing, listing_lines

# Names as the tool has them: hyphens and dots inside, e.g. tool-choice.honoured, param-n.
NAMES = st.from_regex(r"[a-z][a-z0-9]{0,8}([.-][a-z0-9]{1,8}){0,3}", fullmatch=True)


@settings(max_examples=300)
@given(words=st.lists(NAMES, min_size=1, max_size=40), width=st.integers(40, 160), indent=st.sampled_from(["", "  ", "    "]))
def test_lines_fit_and_every_name_stays_whole(words, width, indent):
    lines = wrap_words(" ".join(words), width, indent=indent)
    assert all(len(line) <= width for line in lines)
    assert " ".join(lines).split() == words  # the same words, in order, none broken at a hyphen or a dot
    assert lines[0].startswith(indent) and all(line.startswith(indent + "    ") for line in lines[1:])


def test_units_stay_together_unless_longer_than_a_line():
    units = ["48 case(s)", "× 7 endpoint(s):", "113 pass,", "122 skip (not-applicable),", "39 skip (not-documented)"]
    assert wrap_words(units, 50) == ["48 case(s) × 7 endpoint(s): 113 pass,", "    122 skip (not-applicable),", "    39 skip (not-documented)"]
    assert wrap_words(["a unit far longer than the line it is on"], 20) == ["a unit far longer", "    than the line it", "    is on"]


def test_a_word_longer_than_a_line_breaks_after_a_slash():
    url = "https://aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/global/endpoints/openapi/chat/completions"
    lines = wrap_words(f"URL: {url}", 80, indent="    ")
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("    URL: https://")  # begun where the label is, not left alone
    assert all(line.rstrip().endswith("/") for line in lines[:-1])
    assert "".join(line.strip() for line in lines) == f"URL: {url}"


def test_no_width_is_one_line():
    assert wrap_words("a  b\nc", None, indent="  ") == ["  a b c"]


def test_columns_that_do_not_fit_follow_their_row():
    rows = [("error-reasoning-effort-with-thinking-config", "errors.reasoning-effort-with-thinking-config", "vertex")]
    wide = [line.plain for line in listing_lines(Listing("1 case", ("case", "feature", "applies to"), rows), 120)]
    assert wide[1].split() == ["case", "feature", "applies", "to"] and wide[2].split() == list(rows[0])
    narrow = [line.plain for line in listing_lines(Listing("1 case", ("case", "feature", "applies to"), rows), 80)]
    assert narrow == ["1 case", rows[0][0], f"    feature: {rows[0][1]}", "    applies to: vertex"]
    unlimited = [line.plain for line in listing_lines(Listing("1 case", ("case", "feature", "applies to"), rows), None)]
    assert len(unlimited) == 3 and unlimited[2].split() == list(rows[0])  # off a terminal: one line per row
