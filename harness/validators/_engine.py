"""Judging one exchange: every applicable rule, one pass over the stream, findings collapsed.

    exchange-level rules (status, content type, error body, JSON body)
    stream rules, fed event by event while the SSE is decoded (constant memory)
    completion rules, on the JSON body or the stream's faithful accumulation

Long streams are mostly text deltas of one shape. Once such a chunk has been judged by every rule
without a finding, later chunks that are the same in every respect a rule looks at (same id,
created, model and other chunk-level values, one choice already under way, a delta holding only
`content`, no finish_reason, a shape the schema accepted) cannot change any rule's verdict: they
only add their text to the accumulation, which is all that is done for them. Everything else goes
through every rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cases import Step
from ..sse import SSEDecoder
from ..transport import Exchange
from ._accumulate import StreamAccumulator
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
from ._findings import Finding
from ._registry import RULE_CRASHED, Rule, registry

try:  # a fast parser where it pays: about three times json.loads on small chunks
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency; stay correct without it
    _loads = json.loads

if TYPE_CHECKING:
    from ..clients import ClientOutcome, RecordedAnswer
    from ._consequences import ClientPanel

__all__ = ["Judgement", "judge_exchange", "StreamJudge", "parse_event"]

ChunkSource = Callable[[], Iterable[bytes]]


@dataclass
class Judgement:
    findings: list[Finding]
    completion: Any
    """What the answer stands for (None without a usable 2xx answer); later steps embed parts of it."""
    first_content_chunk: int | None = None
    """For a stream: the network chunk that brought the first generated output (text, reasoning,
    a tool call), for the time-to-first-content figure."""
    clients: list[ClientOutcome] = field(default_factory=list)
    """What each real client made of the answer (empty when no client was consulted)."""


def parse_event(index: int, data: str) -> ParsedEvent:
    if data == "[DONE]":
        return ParsedEvent(index, data, done=True)
    try:
        return ParsedEvent(index, data, payload=_loads(data))
    except ValueError as exc:
        return ParsedEvent(index, data, error=str(exc))


def _selected(selected: Iterable[str] | None, step: Step) -> list[Rule]:
    known = registry()
    ids = list(known) if selected is None else list(selected)
    return [known[i] for i in ids if i not in step.expect.disable]


def _guarded(ctx: RuleContext, collector: FindingCollector, call: Callable[..., Iterable[Finding] | None], *args: Any) -> None:
    """Run one rule callback: a bare assert becomes the rule's default finding, and a crash one
    `rule-crashed` finding; neither hides the other rules' findings."""
    try:
        collector.extend(call(*args))
    except AssertionError as exc:
        collector.add(ctx.finding(str(exc) or f"{ctx.rule.id} failed"))
    except Exception as exc:  # a bug in one rule must not hide the other rules' findings
        collector.add(ctx.finding(f"the rule itself crashed ({type(exc).__name__}: {exc}); please report this", code=RULE_CRASHED))


def _run_function(rule_: Rule, facts: ExchangeFacts, collector: FindingCollector) -> None:
    ctx = RuleContext(facts, rule_, facts.step.expect.rules.get(rule_.id, {}))
    _guarded(ctx, collector, rule_.target, ctx)


def _applies(rule_: Rule, facts: ExchangeFacts) -> bool:
    status = facts.response.status
    if rule_.applies == "any":
        return True
    if rule_.applies == "error":
        return status >= 400
    if rule_.applies == "json":
        return 200 <= status < 300 and not facts.is_stream
    return False


class _SteadyState:
    """Recognises chunks that no rule can judge differently from one already judged clean."""

    IDENTITY = ("id", "object", "created", "model", "system_fingerprint", "service_tier")
    FREE = frozenset({"obfuscation"})  # per-chunk noise OpenAI adds; no rule reads it

    def __init__(self, schemas) -> None:
        self.schemas = schemas
        self.identity: dict[str, Any] | None = None
        self.started: set[int] = set()
        self.blocked = False
        self.clean_shapes: set[tuple] = set()

    def shape(self, payload: dict[str, Any]) -> tuple | None:
        """The chunk's shape if it is a plain content delta of an ongoing choice, else None."""
        choices = payload.get("choices")
        if type(choices) is not list or len(choices) != 1:
            return None
        choice = choices[0]
        if type(choice) is not dict or choice.get("finish_reason") is not None or choice.get("logprobs") is not None:
            return None
        delta = choice.get("delta")
        if type(delta) is not dict or len(delta) != 1 or type(delta.get("content")) is not str:
            return None
        if payload.get("usage") is not None or "error" in payload:
            return None
        return (tuple(payload), tuple(choice))

    def fast(self, payload: Any) -> bool:
        if self.blocked or self.identity is None or type(payload) is not dict:
            return False
        shape = self.shape(payload)
        if shape is None or shape not in self.clean_shapes or payload["choices"][0].get("index") not in self.started:
            return False
        identity = self.identity
        for key, value in payload.items():
            if key in self.FREE:
                if type(value) is not str:
                    return False
            elif key != "choices" and identity.get(key, _MISSING) != value:
                return False
        return True

    def learn(self, event: ParsedEvent, clean: bool) -> None:
        """After the full judgement of an event: what later chunks may be compared with."""
        payload = event.payload
        if event.done or event.error is not None or type(payload) is not dict:
            self.blocked = True  # after [DONE], an error or garbage, every event gets every rule
            return
        if self.identity is None:
            identity = {k: payload.get(k, _MISSING) for k in self.IDENTITY}
            if identity["object"] != "chat.completion.chunk" or not isinstance(identity["id"], str) or not identity["id"]:
                self.blocked = True
                return
            self.identity = {k: v for k, v in identity.items() if v is not _MISSING}
        for choice in payload.get("choices") or ():
            if isinstance(choice, dict) and isinstance(choice.get("index"), int):
                if choice.get("finish_reason") is not None:
                    self.blocked = True  # the choice is finished: what follows must be judged
                    return
                self.started.add(choice["index"])
        shape = self.shape(payload)
        if clean and shape is not None and (self.schemas is None or not self.schemas.chunk(payload)):
            self.clean_shapes.add(shape)


_MISSING = object()
_OUTPUT_KEYS = ("content", "tool_calls", "reasoning_content", "reasoning", "audio")


def _has_output(payload: Any) -> bool:
    if type(payload) is not dict:
        return False
    for choice in payload.get("choices") or ():
        delta = choice.get("delta") if type(choice) is dict else None
        if type(delta) is dict and any(delta.get(key) for key in _OUTPUT_KEYS):
            return True
    return False


class StreamJudge:
    """Feed the raw stream bytes in arrival order; `finish()` returns the accumulated completion."""

    def __init__(self, facts: ExchangeFacts, rules: list[Rule], collector: FindingCollector, *, fast_path: bool = True, keep_events: int | None = None):
        self.facts = facts
        self.collector = collector
        self.decoder = SSEDecoder()
        facts.sse = self.decoder
        self.accumulator = StreamAccumulator()
        self._observers: list[tuple[Any, RuleContext]] = []
        for rule_ in rules:
            ctx = RuleContext(facts, rule_, facts.step.expect.rules.get(rule_.id, {}))
            made: list[Any] = []
            _guarded(ctx, collector, lambda: made.append(rule_.target(ctx)))
            if made:
                self._observers.append((made[0], ctx))
        # On a steady-state chunk only the rules that did not opt into skipping it are called.
        self._every_event = [(o, c) for o, c in self._observers if not c.rule.steady_state_safe]
        schemas = None
        if any(r.id == "schema.chunk" for r in rules):
            from ._schemas import profile_schemas

            schemas = profile_schemas(facts.profile)
        self.steady = _SteadyState(schemas)
        self.fast_path = fast_path
        self.keep_events = keep_events
        self.kept: list[str] | None = [] if keep_events is not None else None
        """With `keep_events` N: the data of the first N events and of every later event that is not a
        steady-state text delta, a faithful reduction of a long stream for the clients to run on."""
        self.events = 0
        self.chunks = 0
        self.first_content_chunk: int | None = None

    def feed(self, chunk: bytes) -> None:
        self.chunks += 1
        for event in self.decoder.feed(chunk):
            self._event(event.index, event.data)

    def _event(self, index: int, data: str) -> None:
        self.events += 1
        parsed = parse_event(index, data)
        steady = self.fast_path and self.steady.fast(parsed.payload)
        if self.kept is not None and (not steady or self.events <= self.keep_events):
            self.kept.append(data)
        if steady:
            choice = parsed.payload["choices"][0]
            if self.first_content_chunk is None and choice["delta"]["content"]:
                self.first_content_chunk = self.chunks - 1
            self.accumulator.add_text(choice)
            for observer, ctx in self._every_event:
                _guarded(ctx, self.collector, observer.on_event, parsed)
            return
        if self.first_content_chunk is None and _has_output(parsed.payload):
            self.first_content_chunk = max(self.chunks - 1, 0)
        if parsed.error is None and not parsed.done:
            self.accumulator.add(parsed.payload)
        before = self.collector.total
        for observer, ctx in self._observers:
            _guarded(ctx, self.collector, observer.on_event, parsed)
        self.steady.learn(parsed, clean=self.collector.total == before)

    def finish(self) -> Any:
        for event in self.decoder.flush():
            self._event(event.index, event.data)
        self.facts.chunk_count = self.events
        self.facts.completion = self.accumulator.result()
        for observer, ctx in self._observers:
            _guarded(ctx, self.collector, observer.finish)
        return self.facts.completion


def judge_exchange(
    exchange: Exchange,
    step: Step,
    *,
    request: Mapping[str, Any] | None = None,
    profile: str = "openai",
    selected: Iterable[str] | None = None,
    chunks: ChunkSource | None = None,
    fast_path: bool = True,
    clients: ClientPanel | None = None,
    traits: Mapping[str, Any] | None = None,
) -> Judgement:
    """All applicable rules on one exchange, then (with `clients`) the real clients on its bytes,
    whose outcomes weigh the findings (see `_consequences`).

    `chunks`, a function giving the body's chunks each time it is called, replaces the response's
    stored chunks, so a file of any size is judged without being held: a long stream is handed to
    the clients as a faithful reduction made during the same pass. `fast_path` False makes every
    stream rule see every chunk (the property tests compare both ways)."""
    facts = ExchangeFacts(exchange=exchange, step=step, request=request, profile=profile, traits=dict(traits or {}))
    collector = FindingCollector()
    response = exchange.response
    if response is None:
        return Judgement([], None)
    source: ChunkSource = chunks if chunks is not None else (lambda: response.chunks)
    rules = _selected(selected, step)
    for rule_ in rules:
        if _applies(rule_, facts):
            _run_function(rule_, facts, collector)
    success = 200 <= response.status < 300
    first_content_chunk = None
    judge = None
    if facts.is_stream and success:
        keep = _client_event_limit(clients) if chunks is not None else None
        judge = StreamJudge(facts, [r for r in rules if r.applies == "stream"], collector, fast_path=fast_path, keep_events=keep)
        for chunk in source():
            judge.feed(chunk)
        judge.finish()
        first_content_chunk = judge.first_content_chunk
    elif success:
        value, error = facts.body_json
        facts.completion = value if error is None and isinstance(value, dict) else None
    if success and isinstance(facts.completion, dict):
        for rule_ in rules:
            if rule_.applies == "completion":
                _run_function(rule_, facts, collector)
    findings = collector.findings()
    outcomes: list[ClientOutcome] = []
    if clients is not None:
        from ._consequences import weigh

        answer, reference = _client_answer(exchange, facts, judge, source if chunks is not None else None)
        if answer is not None:
            outcomes = clients.outcomes(answer, request, reference, stream=step.expects_stream, url=exchange.request.url)
            findings = weigh(findings, outcomes, step=exchange.step, attempt=len(exchange.attempts))
    return Judgement(findings, facts.completion, first_content_chunk, outcomes)


def _client_event_limit(clients: ClientPanel | None) -> int | None:
    if clients is None:
        return None
    return clients.runner.max_events


def _client_answer(exchange: Exchange, facts: ExchangeFacts, judge: StreamJudge | None, lazy: ChunkSource | None) -> tuple[RecordedAnswer | None, Any]:
    """The bytes the clients are handed, and the completion they are compared with.

    In memory, the answer as it arrived (the client layer reduces a very long stream itself). Read
    lazily from a file, a short stream is read again; a long one is the reduction the judge kept
    while reading (its first events and every event that is not a steady-state text delta), whose
    reference is the accumulation of just those events."""
    from ..clients import RecordedAnswer

    attempt = exchange.final
    response = attempt.response
    if response is None:
        return None, None
    failure = attempt.failure.kind if attempt.failure is not None else None
    reference = facts.completion if isinstance(facts.completion, dict) else None
    if lazy is None:
        return RecordedAnswer.from_response(response, failure), reference
    if judge is None or judge.kept is None or len(judge.kept) == judge.events:
        return RecordedAnswer(response.status, tuple(response.headers), tuple(lazy()), failure), reference
    kept = judge.kept
    chunks = tuple(f"data: {data}\n\n".encode() for data in kept)
    reduced = StreamAccumulator()
    for data in kept:
        parsed = parse_event(0, data)
        if parsed.error is None and not parsed.done:
            reduced.add(parsed.payload)
    answer = RecordedAnswer(response.status, tuple(response.headers), chunks, failure, events_total=judge.events)
    return answer, reduced.result()
