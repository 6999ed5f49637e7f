"""The rule registry: every rule has a stable id, the findings it can make, a rationale and a citation.

Writing a rule is adding one function or class in one module, with one decorator:

- `@rule(..., applies="any" | "error" | "json")`: a function `f(ctx) -> Iterable[Finding]` over the
  whole exchange (status, headers, a JSON body, an error body).
- `@rule(..., applies="completion")`: a function over the completion the answer stands for: the
  JSON body, or the faithful accumulation of a stream, so one rule judges both forms (tool-call
  arguments, `n`, stop strings, usage arithmetic...).
- `@stream_rule(...)`: a class instantiated once per stream, fed every SSE event in order
  (`on_event`), then `finish()`. Streams are judged in one pass, so a rule keeps only the state it
  needs and memory does not grow with the stream's length.

The contract a rule author relies on:

- **Declared findings.** `findings={"code": kind(Severity.X, "what it means"), ...}` lists every
  fact the rule can report, each with its stable code and severity (docs/rules.md shows them; a
  baseline accepts a finding by rule, code and location). `ctx.finding(message, code=...)` makes
  one; the code picks the severity, so the catalogue can never disagree with the findings.
- **Every event, unless you opt out.** A stream rule sees every SSE event of the stream. Long
  streams are mostly plain text deltas of one shape; a rule that cannot judge such a chunk
  differently from an earlier clean one of the same shape may declare `steady_state_safe=True`,
  and the engine then skips it on those chunks (they only add text to the accumulation). The
  default is False: a new rule sees everything. A property test runs every registered stream rule
  with the fast path on and off and demands identical findings.
- **Isolation.** A bare `assert` becomes a finding of the rule's first declared kind; any other
  exception from a rule becomes a `rule-crashed` error finding and the other rules still run.
- **Selection.** `--checks`/`--exclude-checks` and a case step's `expect.disable` apply to every
  finding with the rule's id, the runner's own findings (transport, stale, differential) included.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from ._findings import Effect, Finding, Location, Severity

__all__ = [
    "Applies",
    "FindingKind",
    "Nature",
    "Rule",
    "kind",
    "rule",
    "stream_rule",
    "registry",
    "rule_ids",
    "resolve_rule_selection",
    "RULE_CRASHED",
]

Applies = Literal["any", "error", "json", "stream", "completion", "runner"]
"""What a rule judges: any response; an HTTP error; a non-streamed success body; a stream
(stream_rule); the completion of a successful answer; `runner` rules are findings the runner
itself makes (transport failures, stale recordings), registered for their id and citation."""


class Nature(str, enum.Enum):
    """What kind of fact a rule reports, which decides how its severity is set."""

    BEHAVIOUR = "behaviour"
    """What the endpoint does: status, framing, parameters, arguments. The declared severity stands."""
    SHAPE = "shape"
    """A field missing, null or extra against the schema: it matters only if a client minds."""
    CLIENT = "client"
    """What a real client does with the bytes, when no other rule explains it."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FindingKind:
    """One fact a rule can report: a stable code, its severity, and what it means."""

    code: str
    severity: Severity
    summary: str
    effect: Effect | None = None
    """What this fact says about the parameter a case is about (rejected, ignored, server failure)."""


def kind(severity: Severity, summary: str, *, effect: Effect | None = None) -> tuple[Severity, str, Effect | None]:
    """A declared finding, for `findings={"code": kind(...)}`."""
    return (severity, summary, effect)


RULE_CRASHED = "rule-crashed"
_CRASHED = FindingKind(RULE_CRASHED, Severity.ERROR, "the rule itself raised an exception (a bug in the rule: please report it)")


@dataclass(frozen=True)
class Rule:
    id: str
    rationale: str
    citation: str
    applies: Applies
    target: Any
    """The function, or for stream rules the class."""
    kinds: Mapping[str, FindingKind] = field(default_factory=dict)
    """Every finding the rule can make, by code, in declaration order (the first is the default)."""
    parameter: str | None = None
    """The request parameter whose effect this rule judges (n, stop, tool_choice...), if any."""
    nature: Nature = Nature.BEHAVIOUR
    steady_state_safe: bool = False
    """Stream rules only: may the engine skip this rule on chunks that repeat the shape of a
    chunk already judged clean (see the module docstring)? False: the rule sees every event."""

    @property
    def severity(self) -> Severity:
        """The worst severity the rule can report (what a listing shows as its weight)."""
        return max(k.severity for k in self.kinds.values() if k.code != RULE_CRASHED)

    @property
    def default_code(self) -> str:
        return next(iter(self.kinds))

    def kind(self, code: str | None) -> FindingKind:
        found = self.kinds.get(code or self.default_code)
        if found is None:
            raise KeyError(f"rule {self.id} declares no finding {code!r} (declared: {', '.join(self.kinds)})")
        return found

    def make(self, message: str, *, code: str | None = None, location: Location | None = None, evidence: str | None = None) -> Finding:
        """A finding of this rule; the code's declared severity and effect come with it."""
        declared = self.kind(code)
        return Finding(
            rule=self.id,
            severity=declared.severity,
            message=message,
            location=location or Location(),
            evidence=evidence,
            code=declared.code,
            parameter=self.parameter,
            effect=declared.effect,
        )


_RULES: dict[str, Rule] = {}


def _kinds(findings: Mapping[str, tuple[Severity, str, Effect | None]] | None, severity: Severity | None, rule_id: str) -> dict[str, FindingKind]:
    if findings is None:
        if severity is None:
            raise TypeError(f"rule {rule_id}: declare its findings (findings={{code: kind(...)}}) or give one severity")
        findings = {"failed": kind(severity, "the rule's check failed")}
    kinds = {code: FindingKind(code, sev, summary, effect) for code, (sev, summary, effect) in findings.items()}
    if not kinds:
        raise TypeError(f"rule {rule_id} declares no finding")
    kinds.setdefault(RULE_CRASHED, _CRASHED)
    return kinds


def _register(rule_: Rule) -> None:
    if rule_.id in _RULES:
        raise RuntimeError(f"rule id {rule_.id!r} registered twice ({_RULES[rule_.id].target.__module__} and {rule_.target.__module__})")
    _RULES[rule_.id] = rule_


def rule(
    id: str,
    *,
    rationale: str,
    citation: str,
    applies: Applies = "any",
    findings: Mapping[str, tuple[Severity, str, Effect | None]] | None = None,
    severity: Severity | None = None,
    parameter: str | None = None,
    nature: Nature = Nature.BEHAVIOUR,
):
    """Register a rule function under `id`; a duplicate id is a bug and fails at import.
    `severity=` alone is shorthand for one declared finding with the code `failed`."""

    def register(func: Callable[..., Iterable[Any] | None]):
        _register(Rule(id, rationale, citation, applies, func, _kinds(findings, severity, id), parameter, nature))
        return func

    return register


def stream_rule(
    id: str,
    *,
    rationale: str,
    citation: str,
    findings: Mapping[str, tuple[Severity, str, Effect | None]] | None = None,
    severity: Severity | None = None,
    parameter: str | None = None,
    nature: Nature = Nature.BEHAVIOUR,
    steady_state_safe: bool = False,
):
    """Register a class with `__init__(self, ctx)`, `on_event(self, event)` and `finish(self)`."""

    def register(cls: type):
        _register(Rule(id, rationale, citation, "stream", cls, _kinds(findings, severity, id), parameter, nature, steady_state_safe))
        return cls

    return register


def registry() -> Mapping[str, Rule]:
    _load_builtin_rules()
    return MappingProxyType(_RULES)


def rule_ids() -> list[str]:
    return sorted(registry())


_LOADED = False


def _load_builtin_rules() -> None:
    # registry() is asked for on every exchange and finding: import the rule modules once.
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
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
