"""The bundled cases load, cover every section of the seed page, and send what the docs send.

The seed page and its index are read at test time, not copied into this file: section titles,
line ranges and the documented request bodies come from the docs themselves, so a case that
drifts from its source fails here.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from harness.cases import Case, bundled_cases_dir, load_cases, render_body
from harness.validators import rule_ids

from .conftest import SEED, SHARED, read_reference

SEED_INDEX = SHARED / "seed" / "INDEX.md"
VERTEX_DOCS = SHARED / "spec" / "vertex-docs"

# What the bundled `vertex-docs` endpoint puts into placeholders (the models the docs use).
DOC_VALUES = {"model": "google/gemini-3-pro-preview", "model.image": "google/gemini-3-pro-image-preview"}

# Cases whose request body must equal the documented one byte for byte (after JSON parsing),
# model included: the docs show a response for exactly these requests.
EXACT_DOCUMENTED = ("stream-function-call-arguments", "image-generation", "multimodal-function-response")

_INDEX_ROW = re.compile(r"^\|\s*(\d+)\s*[–-]\s*(\d+)\s*\|\s*([^|]+?)\s*\|", re.MULTILINE)
# The JSON of a curl sample: after `-d '`, up to the first `'` that ends a line (a `'` inside the
# JSON, as in "(e.g., 'green shirt')", is followed by more text on its line).
_CURL_DATA = re.compile(r"-d '(.*?)'[ \t]*$", re.MULTILINE | re.DOTALL)
# The docs end lines inside the single-quoted JSON with ` \`, which is not JSON (nor a shell line
# continuation inside single quotes); drop it.
_CONTINUATION = re.compile(r"[ \t]*\\[ \t]*$", re.MULTILINE)


def _known_rules() -> tuple[str, ...]:
    return tuple(rule_ids())


def _read(path: Path) -> str:
    return read_reference(path)


def _line_range(lines: str) -> tuple[int, int]:
    first, _, last = lines.partition("-")
    return int(first), int(last or first)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases([bundled_cases_dir()], known_rules=_known_rules())


@pytest.fixture(scope="module")
def by_id(cases: list[Case]) -> dict[str, Case]:
    return {case.id: case for case in cases}


@pytest.fixture(scope="module")
def seed_sections() -> dict[str, tuple[int, int]]:
    """German section title -> (first line, last line), from the table in INDEX.md."""
    sections = {title: (int(a), int(b)) for a, b, title in _INDEX_ROW.findall(_read(SEED_INDEX))}
    assert len(sections) >= 10, f"INDEX.md table not parsed: {sections}"
    return sections


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return _read(SEED).splitlines()


def _documented_body(seed_lines: Sequence[str], lines: str) -> dict:
    """The JSON body of the curl sample within `lines` of the seed page."""
    first, last = _line_range(lines)
    text = "\n".join(seed_lines[first - 1 : last])
    found = _CURL_DATA.findall(text)
    assert len(found) == 1, f"expected one curl -d '...' sample in seed lines {lines}, found {len(found)}"
    return json.loads(_CONTINUATION.sub("", found[0]))


def _rendered(case: Case, step: int = 0) -> dict:
    return render_body(case.steps[step].body, DOC_VALUES, {})


def test_ids_are_unique_and_match_file_names(cases: list[Case]) -> None:
    assert cases, "no bundled cases found"
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids))
    for case in cases:
        assert case.path.name == f"{case.id}.yaml", f"{case.path.name} holds case {case.id!r}"
        assert case.path.parent == bundled_cases_dir(), f"{case.path}: cases sit at the top of cases/"


def test_every_case_cites_a_section(cases: list[Case]) -> None:
    for case in cases:
        assert case.source.section.strip(), f"{case.id}: empty source section"
        assert case.source.document.strip(), f"{case.id}: empty source document"


def test_vertex_docs_sources_exist(cases: list[Case]) -> None:
    for case in cases:
        if case.source.document.startswith("vertex-docs/"):
            path = VERTEX_DOCS / case.source.document.removeprefix("vertex-docs/")
            text = _read(path)
            if case.source.lines:
                first, last = _line_range(case.source.lines)
                assert last <= len(text.splitlines()), f"{case.id}: lines {case.source.lines} beyond {path.name}"
                assert first <= last


def test_every_seed_section_has_a_case(cases: list[Case], seed_sections: dict[str, tuple[int, int]]) -> None:
    cited = {case.source.section for case in cases if case.source.document == "seed"}
    missing = [title for title in seed_sections if title not in cited]
    assert not missing, f"seed sections without a case: {missing}"


def test_seed_cases_cite_lines_inside_their_section(
    cases: list[Case], seed_sections: dict[str, tuple[int, int]]
) -> None:
    for case in cases:
        if case.source.document != "seed":
            continue
        assert case.source.section in seed_sections, f"{case.id}: {case.source.section!r} is no section of INDEX.md"
        assert case.source.lines, f"{case.id}: a seed case gives the lines of its example"
        first, last = _line_range(case.source.lines)
        start, end = seed_sections[case.source.section]
        assert start <= first <= last <= end, (
            f"{case.id}: lines {case.source.lines} outside {case.source.section!r} ({start}-{end})"
        )


@pytest.mark.parametrize("case_id", EXACT_DOCUMENTED)
def test_documented_request_is_sent_exactly(case_id: str, by_id: dict[str, Case], seed_lines: list[str]) -> None:
    case = by_id[case_id]
    assert len(case.steps) == 1
    assert _rendered(case) == _documented_body(seed_lines, case.source.lines)


def test_other_curl_samples_match_apart_from_the_model(cases: list[Case], seed_lines: list[str]) -> None:
    """Every other seed case with a curl sample sends that sample's body; only the pinned model
    (often an old one, or the `google/${MODEL_ID}` placeholder) is the endpoint's instead."""
    checked = []
    for case in cases:
        if case.source.document != "seed" or case.id in EXACT_DOCUMENTED or not case.source.lines:
            continue
        first, last = _line_range(case.source.lines)
        if "-d '" not in "\n".join(seed_lines[first - 1 : last]):
            continue
        documented = _documented_body(seed_lines, case.source.lines)
        sent = _rendered(case)
        if "model" in documented:
            documented = copy.deepcopy(documented)
            documented["model"] = sent.get("model")
        assert sent == documented, case.id
        checked.append(case.id)
    assert len(checked) >= 7, checked


def test_structured_output_is_what_openai_python_sends(by_id: dict[str, Case]) -> None:
    from openai.lib._parsing._completions import type_to_response_format_param
    from pydantic import BaseModel

    class CalendarEvent(BaseModel):
        name: str
        date: str
        participants: list[str]

    body = _rendered(by_id["structured-output"])
    assert body["response_format"] == type_to_response_format_param(CalendarEvent)
    assert body["messages"] == [
        {"role": "system", "content": "Extract the event information."},
        {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."},
    ]


def test_thought_signature_round_trip_echoes_the_assistant_message(by_id: dict[str, Case]) -> None:
    case = by_id["thought-signature-round-trip"]
    assert [step.name for step in case.steps] == ["ask", "answer"]
    assert case.steps[0].body["tool_choice"] == "required"
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "function-call-1",
                "type": "function",
                "function": {"name": "check_flight", "arguments": '{"flight":"AA100"}'},
                "extra_content": {"google": {"thought_signature": "c2lnbmF0dXJl"}},
            }
        ],
    }
    body = render_body(case.steps[1].body, DOC_VALUES, {"ask": {"choices": [{"message": message}]}})
    assert body["messages"][1] == message
    assert body["messages"][2]["role"] == "tool"
    assert body["messages"][2]["tool_call_id"] == "function-call-1"
    json.loads(body["messages"][2]["content"])


def test_negative_cases_expect_a_client_error(by_id: dict[str, Case]) -> None:
    for case_id in ("error-unknown-model", "error-malformed-messages", "error-reasoning-effort-with-thinking-config"):
        assert [step.expect.status for step in by_id[case_id].steps] == ["4xx"], case_id


def test_streaming_cases_expect_a_stream(cases: list[Case]) -> None:
    for case in cases:
        for step in case.steps:
            if step.stream:
                assert step.expects_stream, f"{case.id}/{step.name}: streams but does not expect a stream"
