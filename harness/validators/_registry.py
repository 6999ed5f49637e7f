"""The rule registry: rules are plain functions, registered by a stable id.

A rule is `def rule(ctx: CheckContext) -> Iterable[Finding] | None`. It reads the exchange through
`ctx` and yields findings made with `ctx.finding(...)`; a bare `assert` also works and becomes a
finding of the rule's default severity. Adding a rule touches one file: write the function and
decorate it with `@rule(...)`, giving the id, severity, a one-line rationale and a citation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from ..cases import Step
from ..sse import SSEDecoder, SSEEvent
from ..transport import Exchange, HTTPResponse
from ._accumulate import accumulate_chunks
from ._findings import Finding, Location, Severity

__all__ = ["Rule", "CheckContext", "rule", "registry", "rule_ids", "run_rules", "resolve_rule_selection"]

Applies = Literal["any", "stream", "json", "error", "runner"]
"""Which answers a rule judges: any response, an SSE stream, a JSON success body, an HTTP error;
`runner` rules are findings the runner itself makes (transport failures, stale recordings), listed
here so that they have an id, a rationale and a citation like every other finding."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    rationale: str
    citation: str
    applies: Applies
    func: Callable[[CheckContext], Iterable[Finding] | None]


_RULES: dict[str, Rule] = {}


def rule(id: str, *, severity: Severity, rationale: str, citation: str, applies: Applies = "any"):
    """Register a rule function under `id`; a second rule with the same id is a bug and fails at import."""

    def register(func: Callable[[CheckContext], Iterable[Finding] | None]):
        if id in _RULES:
            raise RuntimeError(f"rule id {id!r} registered twice ({_RULES[id].func.__module__} and {func.__module__})")
        _RULES[id] = Rule(id, severity, rationale, citation, applies, func)
        return func

    return register


def registry() -> Mapping[str, Rule]:
    _load_builtin_rules()
    return MappingProxyType(_RULES)


def rule_ids() -> list[str]:
    return sorted(registry())


def _load_builtin_rules() -> None:
    from . import _rules_basic, _rules_runner  # noqa: F401  (they register on import)


@dataclass(frozen=True)
class ParsedEvent:
    """One SSE event with its `data` parsed: `payload` is the JSON value, or `error` says why not."""

    event: SSEEvent
    payload: Any = None
    error: str | None = None
    done: bool = False


@dataclass
class CheckContext:
    """What a rule sees: the step's expectations, the exchange, and its parsed body, parsed once."""

    exchange: Exchange
    step: Step
    current_rule: Rule | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def response(self) -> HTTPResponse | None:
        return self.exchange.response

    @cached_property
    def is_stream(self) -> bool:
        response = self.response
        return response is not None and (response.content_type == "text/event-stream" or self.step.expects_stream)

    @cached_property
    def sse(self) -> tuple[list[ParsedEvent], SSEDecoder]:
        decoder = SSEDecoder()
        events: list[SSEEvent] = []
        for chunk in self.response.chunks if self.response else ():
            events.extend(decoder.feed(chunk))
        events.extend(decoder.flush())
        parsed = []
        for event in events:
            if event.data == "[DONE]":
                parsed.append(ParsedEvent(event, done=True))
                continue
            try:
                parsed.append(ParsedEvent(event, payload=json.loads(event.data)))
            except ValueError as exc:
                parsed.append(ParsedEvent(event, error=str(exc)))
        return parsed, decoder

    @cached_property
    def completion(self) -> Any:
        """What the answer stands for: the JSON body, or the stream's faithful accumulation.
        None when there is no usable 2xx answer."""
        response = self.response
        if response is None or not 200 <= response.status < 300:
            return None
        if self.is_stream:
            return accumulate_chunks(parsed.payload for parsed in self.sse[0] if parsed.error is None and not parsed.done)
        value, error = self.body_json
        return value if error is None else None

    @cached_property
    def body_json(self) -> tuple[Any, str | None]:
        """The non-streamed body as JSON, or (None, why it is not JSON)."""
        body = self.response.body if self.response else b""
        try:
            return json.loads(body), None
        except UnicodeDecodeError as exc:
            return None, f"not UTF-8 (byte {exc.start})"
        except ValueError as exc:
            return None, str(exc)

    def finding(
        self,
        message: str,
        *,
        severity: Severity | None = None,
        event: int | None = None,
        pointer: str | None = None,
        evidence: str | None = None,
    ) -> Finding:
        assert self.current_rule is not None
        return Finding(
            rule=self.current_rule.id,
            severity=severity or self.current_rule.severity,
            message=message,
            location=Location(step=self.exchange.step, attempt=len(self.exchange.attempts), event=event, pointer=pointer),
            evidence=_clip(evidence),
        )


def _clip(text: str | None, limit: int = 300) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text) - limit} more characters)"


def _applies(rule_: Rule, ctx: CheckContext) -> bool:
    response = ctx.response
    if response is None or rule_.applies == "runner":
        return False
    if rule_.applies == "any":
        return True
    if rule_.applies == "error":
        return response.status >= 400
    if response.status >= 400:
        return False
    return ctx.is_stream if rule_.applies == "stream" else not ctx.is_stream


MAX_LOCATIONS = 5


def _collapse(findings: list[Finding]) -> list[Finding]:
    """One finding per distinct message, counting where it fired, so a rule that fails on every
    chunk of a long stream reports once with a count instead of drowning the report."""
    groups: dict[tuple[Severity, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.severity, finding.message), []).append(finding)
    collapsed = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            collapsed.append(first)
        else:
            more = tuple(f.location for f in group[1:MAX_LOCATIONS])
            collapsed.append(replace(first, count=sum(f.count for f in group), more_locations=more))
    return collapsed


def resolve_rule_selection(checks: Iterable[str] | None, exclude: Iterable[str] = ()) -> list[str]:
    """Rule ids from `--checks`/`--exclude-checks`; `all` or None means every rule. Unknown ids raise ValueError."""
    known = registry()
    chosen = list(known) if checks is None or "all" in checks else list(checks)
    unknown = [name for name in [*chosen, *exclude] if name not in known]
    if unknown:
        raise ValueError(f"unknown rule {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})")
    excluded = set(exclude)
    return [name for name in chosen if name not in excluded]


def run_rules(ctx: CheckContext, selected: Iterable[str] | None = None) -> list[Finding]:
    """Every applicable rule on one exchange; the step may set parameters or disable a rule."""
    step = ctx.step
    known = registry()
    findings: list[Finding] = []
    for rule_id in selected if selected is not None else known:
        rule_ = known[rule_id]
        if rule_id in step.expect.disable or not _applies(rule_, ctx):
            continue
        ctx.current_rule = rule_
        ctx.params = step.expect.rules.get(rule_id, {})
        try:
            findings.extend(_collapse(list(rule_.func(ctx) or ())))
        except AssertionError as exc:
            findings.append(ctx.finding(str(exc) or f"{rule_id} failed"))
        except Exception as exc:  # a bug in a rule must not hide the other rules' findings
            findings.append(
                ctx.finding(f"the rule itself crashed ({type(exc).__name__}: {exc}); please report this", severity=Severity.ERROR)
            )
    return findings
