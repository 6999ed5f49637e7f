"""The rule catalogue as Markdown (docs/rules.md is generated from the registry, never by hand)."""

from __future__ import annotations

from ..validators import RULE_CRASHED, Rule, registry

__all__ = ["rules_markdown", "declared_findings", "rule_to_json"]

_JUDGES = {
    "any": "every answer",
    "error": "HTTP errors",
    "json": "non-streamed answers",
    "stream": "streams, chunk by chunk",
    "completion": "the completion (JSON body or accumulated stream)",
    "runner": "made by the runner",
}


def declared_findings(rule_: Rule) -> list[dict[str, str]]:
    """The findings a rule declares, in order, without the `rule-crashed` every rule has."""
    return [
        {"code": k.code, "severity": str(k.severity), "summary": k.summary, **({"effect": str(k.effect)} if k.effect else {})}
        for k in rule_.kinds.values()
        if k.code != RULE_CRASHED
    ]


def rule_to_json(rule_: Rule) -> dict:
    """A rule's facts as report.json and `rules --format json` give them."""
    out = {
        "id": rule_.id,
        "severity": str(rule_.severity),
        "applies": rule_.applies,
        "nature": str(rule_.nature),
        "findings": declared_findings(rule_),
        "rationale": rule_.rationale,
        "citation": rule_.citation,
    }
    if rule_.parameter:
        out["parameter"] = rule_.parameter
    return out


def rules_markdown() -> str:
    rules = sorted(registry().values(), key=lambda r: r.id)
    lines = [
        "# Rules",
        "",
        "Generated from the rule registry by `chat-conformance rules --format markdown > docs/rules.md`;",
        "a test fails when this file is out of date. Each rule lists every finding it can make, by its",
        "stable code (what a baseline names), with that finding's severity. `shape` rules report fields",
        "missing, null or extra against the schema; `behaviour` rules what the endpoint does; `client`",
        "rules what a real client does with the bytes. Any rule that raises reports `rule-crashed` (error).",
        "",
        "| rule | judges | kind | findings (code: severity) | why | source of the expectation |",
        "|---|---|---|---|---|---|",
    ]
    for rule_ in rules:
        findings = "<br>".join(f"`{f['code']}`: {f['severity']}, {f['summary']}" for f in declared_findings(rule_))
        kind = str(rule_.nature) + (f", parameter `{rule_.parameter}`" if rule_.parameter else "")
        cells = [f"`{rule_.id}`", _JUDGES[rule_.applies], kind, findings, rule_.rationale, rule_.citation]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
