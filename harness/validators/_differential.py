"""Stream ⇄ non-stream differential: the same request sent both ways should mean the same thing.

Two model calls can differ in their words, so only structure is compared: the number of choices,
finish reasons, tool-call names and the keys of their arguments, and which usage fields exist.
"""

from __future__ import annotations

import json
from typing import Any

from ._findings import Finding, Location, Severity
from ._registry import kind, registry, rule

__all__ = ["DIFFERENTIAL", "compare_stream_and_json"]

DIFFERENTIAL = "differential.stream-vs-json"


@rule(
    DIFFERENTIAL,
    findings={
        "choices-differ": kind(Severity.ERROR, "a different number of choices streamed and not"),
        "forced-tool-differs": kind(Severity.ERROR, "with a forced tool, different tool calls streamed and not"),
        "one-way-only": kind(Severity.WARNING, "only one way gave a usable answer"),
        "finish-reason-differs": kind(Severity.WARNING, "a different finish_reason streamed and not"),
        "tools-differ": kind(Severity.WARNING, "different tool calls streamed and not (the model chose)"),
        "argument-keys-differ": kind(Severity.WARNING, "tool-call arguments have different keys streamed and not"),
        "usage-fields-differ": kind(Severity.WARNING, "usage has different fields streamed and not"),
    },
    rationale="A streamed answer accumulates to the same structure as the non-streamed one: clients switch between the two without changing their handling.",
    citation="OpenAI OpenAPI spec: CreateChatCompletionStreamResponse is 'a streamed chunk of a chat completion response'",
    applies="runner",
)
def _runner_made(ctx):  # findings are made by compare_stream_and_json
    return ()


def _calls(choice: dict) -> list[tuple[Any, Any]]:
    out = []
    for call in (choice.get("message") or {}).get("tool_calls") or ():
        function = call.get("function") or {}
        try:
            keys = sorted(json.loads(function.get("arguments") or "{}"))
        except (ValueError, TypeError):
            keys = None
        out.append((function.get("name"), keys))
    return out


def compare_stream_and_json(streamed: Any, plain: Any, *, step: str, forced_tool: bool) -> list[Finding]:
    rule_ = registry()[DIFFERENTIAL]

    def finding(message: str, code: str, pointer: str) -> Finding:
        return rule_.make(message, code=code, location=Location(step=step, pointer=pointer))

    if not isinstance(streamed, dict) and not isinstance(plain, dict):
        return []  # neither way gave an answer: each step's own findings say why
    if not isinstance(streamed, dict) or not isinstance(plain, dict):
        missing = "streamed" if not isinstance(streamed, dict) else "non-streamed"
        return [finding(f"only one way gave a usable answer: no {missing} answer to compare", "one-way-only", "")]
    findings = []
    a, b = streamed.get("choices") or [], plain.get("choices") or []
    if len(a) != len(b):
        findings.append(finding(f"{len(a)} choice(s) streamed, {len(b)} without streaming", "choices-differ", "/choices"))
    for position, (left, right) in enumerate(zip(a, b)):
        if left.get("finish_reason") != right.get("finish_reason"):
            findings.append(
                finding(
                    f"finish_reason {left.get('finish_reason')!r} streamed, {right.get('finish_reason')!r} without streaming",
                    "finish-reason-differs",
                    f"/choices/{position}/finish_reason",
                )
            )
        left_calls, right_calls = _calls(left), _calls(right)
        if [c[0] for c in left_calls] != [c[0] for c in right_calls]:
            # With a forced tool the model has no choice to make: a difference is the endpoint's.
            findings.append(
                finding(
                    f"tool calls {[c[0] for c in left_calls]} streamed, {[c[0] for c in right_calls]} without streaming",
                    "forced-tool-differs" if forced_tool else "tools-differ",
                    f"/choices/{position}/message/tool_calls",
                )
            )
        elif [c[1] for c in left_calls] != [c[1] for c in right_calls]:
            findings.append(finding("tool-call arguments have different keys streamed and without streaming", "argument-keys-differ", f"/choices/{position}/message/tool_calls"))
    usage_a, usage_b = streamed.get("usage"), plain.get("usage")
    if isinstance(usage_a, dict) and isinstance(usage_b, dict) and sorted(usage_a) != sorted(usage_b):
        findings.append(finding(f"usage fields differ: {sorted(usage_a)} streamed, {sorted(usage_b)} without streaming", "usage-fields-differ", "/usage"))
    return findings
