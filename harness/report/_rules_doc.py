"""The rule catalogue as Markdown (docs/rules.md is generated from the registry, never by hand)."""

from __future__ import annotations

from ..validators import registry

__all__ = ["rules_markdown"]

_JUDGES = {
    "any": "every answer",
    "error": "HTTP errors",
    "json": "non-streamed answers",
    "stream": "streams, chunk by chunk",
    "completion": "the completion (JSON body or accumulated stream)",
    "runner": "made by the runner",
}


def rules_markdown() -> str:
    rules = sorted(registry().values(), key=lambda r: r.id)
    lines = [
        "# Rules",
        "",
        "Generated from the rule registry by `chat-conformance rules --format markdown > docs/rules.md`;",
        "a test fails when this file is out of date. Severity is the default; a rule may report a",
        "lower one where the consequence is milder (each rule's message says so).",
        "",
        "| rule | severity | judges | why | source of the expectation |",
        "|---|---|---|---|---|",
    ]
    for rule_ in rules:
        cells = [f"`{rule_.id}`", str(rule_.severity), _JUDGES[rule_.applies], rule_.rationale, rule_.citation]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
