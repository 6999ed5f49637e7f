"""Judging one exchange: every applicable rule, one pass over the stream, findings collapsed.

    exchange-level rules (status, content type, error body, JSON body)
    stream rules, fed event by event while the SSE is decoded (constant memory)
    completion rules, on the JSON body or the stream's faithful accumulation
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cases import Step
from ..sse import SSEDecoder
from ..transport import Exchange
from ._accumulate import StreamAccumulator
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
from ._findings import Finding, Severity
from ._registry import Rule, registry

__all__ = ["Judgement", "judge_exchange", "StreamJudge"]


@dataclass
class Judgement:
    findings: list[Finding]
    completion: Any
    """What the answer stands for (None without a usable 2xx answer); later steps embed parts of it."""


def _selected(selected: Iterable[str] | None, step: Step) -> list[Rule]:
    known = registry()
    ids = list(known) if selected is None else list(selected)
    return [known[i] for i in ids if i not in step.expect.disable]


def _run_function(rule_: Rule, facts: ExchangeFacts, collector: FindingCollector) -> None:
    ctx = RuleContext(facts, rule_, facts.step.expect.rules.get(rule_.id, {}))
    try:
        collector.extend(rule_.target(ctx))
    except AssertionError as exc:
        collector.add(ctx.finding(str(exc) or f"{rule_.id} failed"))
    except Exception as exc:  # a bug in one rule must not hide the other rules' findings
        collector.add(ctx.finding(f"the rule itself crashed ({type(exc).__name__}: {exc}); please report this", severity=Severity.ERROR))


def _applies(rule_: Rule, facts: ExchangeFacts) -> bool:
    status = facts.response.status
    if rule_.applies == "any":
        return True
    if rule_.applies == "error":
        return status >= 400
    if rule_.applies == "json":
        return 200 <= status < 300 and not facts.is_stream
    return False


class StreamJudge:
    """Feed the raw stream bytes in arrival order; `finish()` returns the accumulated completion."""

    def __init__(self, facts: ExchangeFacts, rules: list[Rule], collector: FindingCollector):
        self.facts = facts
        self.collector = collector
        self.decoder = SSEDecoder()
        facts.sse = self.decoder
        self.accumulator = StreamAccumulator()
        self._observers: list[tuple[Any, RuleContext]] = []
        for rule_ in rules:
            ctx = RuleContext(facts, rule_, facts.step.expect.rules.get(rule_.id, {}))
            try:
                self._observers.append((rule_.target(ctx), ctx))
            except Exception as exc:
                collector.add(ctx.finding(f"the rule itself crashed ({type(exc).__name__}: {exc})", severity=Severity.ERROR))
        self.events = 0

    def feed(self, chunk: bytes) -> None:
        for event in self.decoder.feed(chunk):
            self._event(event.index, event.data)

    def _event(self, index: int, data: str) -> None:
        self.events += 1
        if data == "[DONE]":
            parsed = ParsedEvent(index, data, done=True)
        else:
            try:
                parsed = ParsedEvent(index, data, payload=json.loads(data))
            except ValueError as exc:
                parsed = ParsedEvent(index, data, error=str(exc))
        if parsed.error is None and not parsed.done:
            self.accumulator.add(parsed.payload)
        for observer, ctx in self._observers:
            self._call(observer.on_event, ctx, parsed)

    def _call(self, method, ctx: RuleContext, *args) -> None:
        try:
            self.collector.extend(method(*args))
        except AssertionError as exc:
            self.collector.add(ctx.finding(str(exc) or f"{ctx.rule.id} failed"))
        except Exception as exc:
            self.collector.add(ctx.finding(f"the rule itself crashed ({type(exc).__name__}: {exc}); please report this", severity=Severity.ERROR))

    def finish(self) -> Any:
        for event in self.decoder.flush():
            self._event(event.index, event.data)
        self.facts.chunk_count = self.events
        self.facts.completion = self.accumulator.result()
        for observer, ctx in self._observers:
            self._call(observer.finish, ctx)
        return self.facts.completion


def judge_exchange(
    exchange: Exchange,
    step: Step,
    *,
    request: Mapping[str, Any] | None = None,
    profile: str = "openai",
    selected: Iterable[str] | None = None,
    chunks: Iterable[bytes] | None = None,
) -> Judgement:
    """All applicable rules on one exchange. `chunks` replaces the response's stored chunks (so a
    file of any size can be judged without holding it)."""
    facts = ExchangeFacts(exchange=exchange, step=step, request=request, profile=profile)
    collector = FindingCollector()
    response = exchange.response
    if response is None:
        return Judgement([], None)
    rules = _selected(selected, step)
    for rule_ in rules:
        if _applies(rule_, facts):
            _run_function(rule_, facts, collector)
    success = 200 <= response.status < 300
    if facts.is_stream and success:
        judge = StreamJudge(facts, [r for r in rules if r.applies == "stream"], collector)
        for chunk in chunks if chunks is not None else response.chunks:
            judge.feed(chunk)
        judge.finish()
    elif success:
        value, error = facts.body_json
        facts.completion = value if error is None and isinstance(value, dict) else None
    if success and isinstance(facts.completion, dict):
        for rule_ in rules:
            if rule_.applies == "completion":
                _run_function(rule_, facts, collector)
    return Judgement(collector.findings(), facts.completion)
