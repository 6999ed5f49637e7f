"""How often the rules' text heuristics are right, measured on every recording there is.

`tool-choice.honoured` says a tool call came back as text in the content when the content names a
declared function next to an "arguments" (or "parameters") key. That guess may only be an error if
it was right every time on at least 10 real examples (issue 12); otherwise it is a warning. "Right"
is decided independently of the heuristic: the content holds a JSON object (alone, in a
`<tool_call>` block, or in a `[TOOL_CALLS]` list) that names a declared function and whose
arguments are a JSON object.
"""

from __future__ import annotations

import json
import re

from harness.cases import Expect, Step
from harness.importers import import_foreign
from harness.transport import read_cassette
from harness.validators import Severity, judge_exchange, registry

from .conftest import REPO, recording_files, require_recordings

_OBJECT = re.compile(r"\{.*\}", re.S)


def _declared(request: dict) -> set[str]:
    names = set()
    for tool in request.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    for function in request.get("functions") or ():
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def really_a_call(content: str, declared: set[str]) -> bool:
    """The independent reading: some JSON object in the content is a call of a declared function."""
    candidates = re.findall(r"<tool_call>\s*(.*?)\s*</tool_call>", content, re.S) or [content.strip()]
    for text in candidates:
        text = text.removeprefix("[TOOL_CALLS]").strip()
        for attempt in (text, *(m.group(0) for m in _OBJECT.finditer(text))):
            try:
                value = json.loads(attempt)
            except ValueError:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get("name") in declared:
                    arguments = item.get("arguments", item.get("parameters"))
                    if isinstance(arguments, str):
                        try:
                            arguments = json.loads(arguments)
                        except ValueError:
                            continue
                    if isinstance(arguments, dict):
                        return True
    return False


def _exchanges():
    """(where, exchange, request) for every exchange of every recording: bundled and reference."""
    for path in sorted((REPO / "cases" / "recordings").glob("*/*.yaml")):
        for exchange in read_cassette(path).exchanges:
            yield f"{path.parent.name}/{path.stem}:{exchange.step}", exchange
    require_recordings()
    for path in recording_files():
        for exchange in import_foreign(path).exchanges:
            yield f"{path.name}:{exchange.step}", exchange


def measure() -> tuple[int, list[str]]:
    """How many times the heuristic fired, and where it was wrong."""
    fired, wrong = 0, []
    for where, exchange in _exchanges():
        request = exchange.request.json()
        if not isinstance(request, dict) or not _declared(request):
            continue
        step = Step(name=exchange.step, body=request, expect=Expect())
        judgement = judge_exchange(exchange, step, request=request, selected=["tool-choice.honoured"])
        as_text = [f for f in judgement.findings if f.code in ("call-as-text", "text-call-despite-none") or "as text" in f.message]
        if not as_text:
            continue
        fired += 1
        choices = (judgement.completion or {}).get("choices") or []
        content = "".join(str((c.get("message") or {}).get("content") or "") for c in choices if isinstance(c, dict))
        if not really_a_call(content, _declared(request)):
            wrong.append(where)
    return fired, wrong


def test_the_call_as_text_guess_is_as_loud_as_its_record():
    fired, wrong = measure()
    severity = registry()["tool-choice.honoured"].kind("call-as-text").severity
    if severity is Severity.ERROR:
        assert fired >= 10 and not wrong, f"an error needs ≥ 10 firings, all right: {fired} fired, wrong at {wrong}"
    else:
        assert severity is Severity.WARNING
    print(f"call-as-text heuristic: fired on {fired} recorded answers, wrong on {len(wrong)}: {wrong}")


def test_the_independent_reading_tells_calls_from_prose():
    declared = {"get_weather"}
    assert really_a_call('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', declared)
    assert really_a_call('{"name": "get_weather", "parameters": {"city": "Paris"}}', declared)
    assert really_a_call('[TOOL_CALLS][{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}]', declared)
    assert not really_a_call('You could call "name": "get_weather" with "arguments": a city.', declared)
    assert not really_a_call('{"name": "get_time", "arguments": {}}', declared)
