"""The rule registry: every rule has a stable id, a severity, a rationale and a citation.

Three shapes of rule, chosen by what the rule needs to see:

- `@rule(..., applies="any" | "error" | "json")`: a function `f(ctx) -> Iterable[Finding]` over the
  whole exchange (status, headers, a JSON body, an error body).
- `@rule(..., applies="completion")`: a function over the completion the answer stands for: the
  JSON body, or the faithful accumulation of a stream, so one rule judges both forms (tool-call
  arguments, `n`, stop strings, usage arithmetic...).
- `@stream_rule(...)`: a class instantiated once per stream, fed every SSE event in order
  (`on_event`), then `finish()`. Streams are judged in one pass, so a rule keeps only the state it
  needs and memory does not grow with the stream's length.

A rule yields findings made with `ctx.finding(...)`; a bare `assert` becomes a finding of the
rule's default severity. Adding a rule touches one file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ._findings import Severity

__all__ = [
    "Applies",
    "Rule",
    "rule",
    "stream_rule",
    "registry",
    "rule_ids",
    "resolve_rule_selection",
]

Applies = Literal["any", "error", "json", "stream", "completion", "runner"]
"""What a rule judges: any response; an HTTP error; a non-streamed success body; a stream
(stream_rule); the completion of a successful answer; `runner` rules are findings the runner
itself makes (transport failures, stale recordings), registered for their id and citation."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    rationale: str
    citation: str
    applies: Applies
    target: Any
    """The function, or for stream rules the class."""


_RULES: dict[str, Rule] = {}


def _register(rule_: Rule) -> None:
    if rule_.id in _RULES:
        raise RuntimeError(f"rule id {rule_.id!r} registered twice ({_RULES[rule_.id].target.__module__} and {rule_.target.__module__})")
    _RULES[rule_.id] = rule_


def rule(id: str, *, severity: Severity, rationale: str, citation: str, applies: Applies = "any"):
    """Register a rule function under `id`; a duplicate id is a bug and fails at import."""

    def register(func: Callable[..., Iterable[Any] | None]):
        _register(Rule(id, severity, rationale, citation, applies, func))
        return func

    return register


def stream_rule(id: str, *, severity: Severity, rationale: str, citation: str):
    """Register a class with `__init__(self, ctx)`, `on_event(self, event)` and `finish(self)`."""

    def register(cls: type):
        _register(Rule(id, severity, rationale, citation, "stream", cls))
        return cls

    return register


def registry() -> Mapping[str, Rule]:
    _load_builtin_rules()
    return MappingProxyType(_RULES)


def rule_ids() -> list[str]:
    return sorted(registry())


def _load_builtin_rules() -> None:
    from . import (  # noqa: F401  (modules register their rules on import)
        _differential,
        _rules_basic,
        _rules_client,
        _rules_completion,
        _rules_runner,
        _rules_schema,
        _rules_stream,
    )


def resolve_rule_selection(checks: Iterable[str] | None, exclude: Iterable[str] = ()) -> list[str]:
    """Rule ids from `--checks`/`--exclude-checks`; `all` or None means every rule. Unknown ids raise ValueError."""
    known = registry()
    chosen = list(known) if checks is None or "all" in checks else list(checks)
    unknown = [name for name in [*chosen, *exclude] if name not in known]
    if unknown:
        from ..errors import did_you_mean

        hint = did_you_mean(unknown[0], known) if len(unknown) == 1 else ""
        raise ValueError(f"unknown rule {', '.join(map(repr, unknown))}{hint} (known: {', '.join(sorted(known))})")
    excluded = set(exclude)
    return [name for name in chosen if name not in excluded]
