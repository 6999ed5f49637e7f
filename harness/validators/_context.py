"""What rules see: the facts of one exchange, and a per-rule context that makes findings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..cases import Step
from ..transport import Exchange, HTTPResponse
from ._findings import Finding, Location, Severity
from ._registry import Rule

__all__ = ["ExchangeFacts", "ParsedEvent", "RuleContext", "FindingCollector", "MAX_LOCATIONS"]

MAX_LOCATIONS = 5
MAX_MESSAGES_PER_RULE = 20


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One SSE event with its data parsed: `payload` is the JSON value, or `error` says why not."""

    index: int
    data: str
    payload: Any = None
    error: str | None = None
    done: bool = False


@dataclass
class ExchangeFacts:
    """Everything known about one exchange, shared by all rules that judge it."""

    exchange: Exchange
    step: Step
    request: Mapping[str, Any] | None = None
    """The JSON body that was sent (tools, tool_choice, n, stop... are read from it)."""
    profile: str = "openai"
    traits: Mapping[str, Any] = field(default_factory=dict)
    """What the endpoint's configuration says about how it answers (e.g. `reasoning_parser`), for
    the rules whose expectation depends on it; empty when judging a capture (`check`)."""
    completion: Any = None
    """Set by the engine once known: the JSON body, or the stream's faithful accumulation."""
    chunk_count: int = 0
    """How many SSE events the stream had (set by the engine)."""
    sse: Any = None
    """The stream's SSEDecoder (notes, line endings, a truncated last event), set by the engine."""

    @property
    def response(self) -> HTTPResponse | None:
        return self.exchange.response

    @cached_property
    def is_stream(self) -> bool:
        """Whether the answer is judged as a stream: what it is, not what was asked for. An SSE
        content type is a stream; so is an unlabelled body that is not JSON when a stream was asked
        for. A JSON body answering `stream: true` is judged as the JSON it is (http.streamed
        reports the mismatch, once)."""
        response = self.response
        if response is None:
            return False
        if response.content_type == "text/event-stream":
            return True
        return self.step.expects_stream and self.body_json[1] is not None

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

    def sent(self, key: str, default: Any = None) -> Any:
        return (self.request or {}).get(key, default)


class FindingCollector:
    """Collapses repeated findings as they arrive: one per (rule, severity, message), counting the
    places it fired and keeping the first few, so a rule failing on every chunk of a million-chunk
    stream costs one entry, not a million."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str, Severity, str], list[Any]] = {}
        self._messages: dict[str, int] = {}
        self.total = 0
        """Findings added so far, collapsed or not."""

    def add(self, finding: Finding) -> None:
        self.total += 1
        key = (finding.rule, finding.code, finding.severity, finding.message)
        group = self._groups.get(key)
        if group is None:
            # Messages that carry values (e.g. schema errors) could differ on every chunk: past a
            # few distinct ones per rule, the rest are counted under one summary finding.
            distinct = self._messages.get(finding.rule, 0)
            if distinct >= MAX_MESSAGES_PER_RULE:
                overflow = f"… and more findings of {finding.rule} with other messages"
                self.add(replace(finding, message=overflow, evidence=finding.message[:200]))
                return
            if not finding.message.startswith("… and more findings of"):
                self._messages[finding.rule] = distinct + 1
            self._groups[key] = [finding, finding.count, []]
            return
        group[1] += finding.count
        if len(group[2]) < MAX_LOCATIONS - 1:
            group[2].append(finding.location)

    def extend(self, findings) -> None:
        for finding in findings or ():
            self.add(finding)

    def findings(self) -> list[Finding]:
        out = []
        for first, count, more in self._groups.values():
            out.append(first if count == 1 else replace(first, count=count, more_locations=tuple(more)))
        return out


@dataclass
class RuleContext:
    """A rule's view: the shared facts, its own parameters, and `finding()` bound to the rule."""

    facts: ExchangeFacts
    rule: Rule
    params: Mapping[str, Any] = field(default_factory=dict)

    # Shortcuts rules use all the time.
    @property
    def response(self) -> HTTPResponse | None:
        return self.facts.response

    @property
    def step(self) -> Step:
        return self.facts.step

    @property
    def exchange(self) -> Exchange:
        return self.facts.exchange

    @property
    def request(self) -> Mapping[str, Any]:
        return self.facts.request or {}

    @property
    def request_known(self) -> bool:
        """False when judging a captured answer whose request was not given (`check` without --request)."""
        return self.facts.request is not None

    @property
    def completion(self) -> Any:
        return self.facts.completion

    @property
    def body_json(self) -> tuple[Any, str | None]:
        return self.facts.body_json

    def finding(
        self,
        message: str,
        *,
        code: str | None = None,
        event: int | None = None,
        pointer: str | None = None,
        evidence: str | None = None,
    ) -> Finding:
        """A finding of this rule: `code` names which declared finding it is (default: the first)."""
        location = Location(step=self.exchange.step, attempt=len(self.exchange.attempts), event=event, pointer=pointer)
        return self.rule.make(message, code=code, location=location, evidence=clip(evidence))


def clip(text: str | None, limit: int = 300) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text) - limit} more characters)"
