"""Rules on the sequence of chunks in a stream: identity, finish_reason placement, tool-call deltas,
repeated fields, usage placement. Each keeps O(choices + tool calls) state, never the chunks."""

from __future__ import annotations

from typing import Any

from ._context import ParsedEvent, RuleContext
from ._findings import Effect, Severity
from ._registry import Nature, kind, stream_rule

SPEC_CHUNK = "OpenAI OpenAPI spec, CreateChatCompletionStreamResponse"
STREAM_STATE = "openai-python lib/streaming/chat/_completions.py: ChatCompletionStreamState accumulates deltas with accumulate_delta()"


def _choices(payload: Any):
    """(choice index, choice) pairs of a chunk payload, skipping anything that is not a choice object."""
    if not isinstance(payload, dict):
        return
    for position, choice in enumerate(payload.get("choices") or ()):
        if isinstance(choice, dict):
            index = choice.get("index")
            yield (index if isinstance(index, int) else position), position, choice


def _tool_call_deltas(choice: dict):
    delta = choice.get("delta")
    if isinstance(delta, dict) and isinstance(delta.get("tool_calls"), list):
        for position, call in enumerate(delta["tool_calls"]):
            if isinstance(call, dict):
                yield position, call


@stream_rule(
    "chunk.object",
    findings={"wrong-object": kind(Severity.WARNING, 'a chunk\'s "object" is not "chat.completion.chunk"')},
    nature=Nature.SHAPE,
    steady_state_safe=True,
    rationale='Every chunk says object: "chat.completion.chunk"; clients rarely read it, so a different value is tolerated.',
    citation=SPEC_CHUNK + ".object (enum [chat.completion.chunk])",
)
class ChunkObject:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx

    def on_event(self, event: ParsedEvent):
        payload = event.payload
        if isinstance(payload, dict) and "error" not in payload and payload.get("object") != "chat.completion.chunk":
            yield self.ctx.finding(
                'chunk "object" is not "chat.completion.chunk"', event=event.index, pointer="/object", evidence=repr(payload.get("object"))
            )

    def finish(self):
        return ()


@stream_rule(
    "chunk.identity",
    findings={
        "no-id": kind(Severity.WARNING, "a chunk has no non-empty string id"),
        "changes": kind(Severity.WARNING, "a chunk's id, created or model changes within the stream"),
    },
    nature=Nature.SHAPE,
    steady_state_safe=True,
    rationale="All chunks of one completion share a non-empty id, created and model; clients keep the first and tolerate changes.",
    citation=SPEC_CHUNK + ": id ('Each chunk has the same ID'), created ('Each chunk has the same timestamp'), model",
)
class ChunkIdentity:
    FIELDS = ("id", "created", "model")

    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.first: dict[str, Any] = {}

    def on_event(self, event: ParsedEvent):
        payload = event.payload
        if not isinstance(payload, dict) or "error" in payload:
            return
        if not isinstance(payload.get("id"), str) or not payload.get("id"):
            yield self.ctx.finding("chunk has no non-empty string id", code="no-id", event=event.index, pointer="/id", evidence=repr(payload.get("id")))
        for name in self.FIELDS:
            if name not in payload:
                continue
            value = payload[name]
            if name not in self.first:
                self.first[name] = value
            elif value != self.first[name]:
                yield self.ctx.finding(
                    f"chunk {name} changes within the stream",
                    code="changes",
                    event=event.index,
                    pointer=f"/{name}",
                    evidence=f"first {self.first[name]!r}, now {value!r}",
                )

    def finish(self):
        return ()


FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter", "function_call")


@stream_rule(
    "choice.after-finish",
    findings={
        "content-after-finish": kind(Severity.ERROR, "content arrives after the choice's finish_reason"),
        "second-finish-reason": kind(Severity.ERROR, "a choice gets a second, different finish_reason"),
        "repeated-finish-reason": kind(Severity.WARNING, "a choice repeats its finish_reason in a later chunk"),
    },
    steady_state_safe=True,
    rationale="A choice's finish_reason comes in its last chunk; content sent after it is lost by clients that stop there, and a second, different finish_reason contradicts the first.",
    citation=SPEC_CHUNK + ".choices[].finish_reason; openai-python ChatCompletionStreamState emits the 'done' events at finish_reason",
)
class AfterFinish:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.finished: dict[int, Any] = {}

    def on_event(self, event: ParsedEvent):
        for index, position, choice in _choices(event.payload):
            delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
            carries = any(delta.get(k) for k in ("content", "tool_calls", "refusal", "reasoning_content", "reasoning", "audio"))
            reason = choice.get("finish_reason")
            if index in self.finished:
                if carries:
                    yield self.ctx.finding(
                        "content arrives after the choice's finish_reason",
                        code="content-after-finish",
                        event=event.index,
                        pointer=f"/choices/{position}/delta",
                        evidence=str(delta)[:200],
                    )
                if reason is not None and reason != self.finished[index]:
                    yield self.ctx.finding(
                        "a choice gets a second, different finish_reason",
                        code="second-finish-reason",
                        event=event.index,
                        pointer=f"/choices/{position}/finish_reason",
                        evidence=f"first {self.finished[index]!r}, then {reason!r}",
                    )
                elif reason is not None:
                    yield self.ctx.finding(
                        "a choice repeats its finish_reason in a later chunk",
                        code="repeated-finish-reason",
                        event=event.index,
                        pointer=f"/choices/{position}/finish_reason",
                    )
            elif reason is not None:
                self.finished[index] = reason

    def finish(self):
        return ()


@stream_rule(
    "tool-calls.index",
    findings={
        "no-index": kind(Severity.ERROR, "a tool-call delta has no integer index"),
        "gap": kind(Severity.ERROR, "a new tool call starts at an index past the calls started so far"),
    },
    rationale="Every tool-call delta carries an integer index, the call's position in the message's tool_calls: clients merge deltas into calls by that index and append a new call at it, so the first call is 0 and each new one the next.",
    citation=SPEC_CHUNK + " ChatCompletionMessageToolCallChunk (required: index); " + STREAM_STATE + " (a new index past the end of its list raises IndexError: the seed's sample stream starts at 1)",
    steady_state_safe=True,
)
class ToolCallIndexPresent:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.started: dict[int, set[int]] = {}

    def on_event(self, event: ParsedEvent):
        for choice_index, position, choice in _choices(event.payload):
            for number, call in _tool_call_deltas(choice):
                index = call.get("index")
                pointer = f"/choices/{position}/delta/tool_calls/{number}/index"
                if not isinstance(index, int) or isinstance(index, bool):
                    yield self.ctx.finding("a tool-call delta has no integer index", event=event.index, pointer=pointer, evidence=repr(index))
                    continue
                started = self.started.setdefault(choice_index, set())
                if index not in started:
                    if index > len(started):
                        yield self.ctx.finding(
                            f"a new tool call starts at index {index}, but only {len(started)} call(s) were started before it "
                            "(clients append a new call at its index: openai-python indexes past its list)",
                            code="gap",
                            event=event.index,
                            pointer=pointer,
                        )
                    started.add(index)

    def finish(self):
        return ()


@stream_rule(
    "tool-calls.index-stable",
    findings={
        "index-changes": kind(Severity.ERROR, "a tool call's index changes between chunks"),
        "index-reused": kind(Severity.ERROR, "one tool-call index is used for two different call ids"),
    },
    steady_state_safe=True,
    rationale="A tool call keeps its index for the whole stream and an index names one call; a client that merges by index otherwise glues two calls together or indexes past its list.",
    citation=STREAM_STATE + " (merges by index: the seed's sample stream makes 3.57 raise IndexError)",
)
class ToolCallIndexStable:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.index_of: dict[tuple[int, str], int] = {}
        self.id_at: dict[tuple[int, int], str] = {}

    def on_event(self, event: ParsedEvent):
        for choice_index, position, choice in _choices(event.payload):
            for number, call in _tool_call_deltas(choice):
                call_id, index = call.get("id"), call.get("index")
                if not isinstance(index, int) or not isinstance(call_id, str) or not call_id:
                    continue
                pointer = f"/choices/{position}/delta/tool_calls/{number}/index"
                known_index = self.index_of.setdefault((choice_index, call_id), index)
                if known_index != index:
                    yield self.ctx.finding(
                        "a tool call's index changes between chunks",
                        code="index-changes",
                        event=event.index,
                        pointer=pointer,
                        evidence=f"id {call_id} had index {known_index}, now {index}",
                    )
                known_id = self.id_at.setdefault((choice_index, index), call_id)
                if known_id != call_id:
                    yield self.ctx.finding(
                        "one tool-call index is used for two different call ids",
                        code="index-reused",
                        event=event.index,
                        pointer=pointer,
                        evidence=f"index {index} had id {known_id}, now {call_id}",
                    )

    def finish(self):
        return ()


@stream_rule(
    "delta.repeated-fields",
    findings={
        "id-repeated": kind(Severity.ERROR, "a tool call's id is sent again in a later delta"),
        "name-repeated": kind(Severity.ERROR, "a tool call's function name is sent again in a later delta"),
        "role-repeated": kind(Severity.WARNING, "the role is sent again in a later delta"),
    },
    steady_state_safe=True,
    rationale="openai-python concatenates string fields it sees again: a tool-call id or function name sent in every delta becomes a wrong id or name in the client; a repeated role becomes 'assistantassistant' (rarely read).",
    citation=STREAM_STATE + " (strings are concatenated except 'index' and 'type', which are replaced)",
)
class RepeatedFields:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.role_seen: set[int] = set()
        self.call_fields: dict[tuple[int, Any], set[str]] = {}

    def on_event(self, event: ParsedEvent):
        for choice_index, position, choice in _choices(event.payload):
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                continue
            if isinstance(delta.get("role"), str) and delta["role"]:
                if choice_index in self.role_seen:
                    yield self.ctx.finding(
                        "role is sent again in a later delta (openai-python concatenates it)",
                        code="role-repeated",
                        event=event.index,
                        pointer=f"/choices/{position}/delta/role",
                    )
                self.role_seen.add(choice_index)
            for number, call in _tool_call_deltas(choice):
                # The client keys calls by index; that is where a repeat is concatenated.
                seen = self.call_fields.setdefault((choice_index, call.get("index")), set())
                function = call.get("function") if isinstance(call.get("function"), dict) else {}
                for name, code, value, pointer in (
                    ("id", "id-repeated", call.get("id"), f"/choices/{position}/delta/tool_calls/{number}/id"),
                    ("function.name", "name-repeated", function.get("name"), f"/choices/{position}/delta/tool_calls/{number}/function/name"),
                ):
                    if isinstance(value, str) and value:
                        if name in seen:
                            yield self.ctx.finding(
                                f"tool-call {name} is sent again in a later delta (openai-python concatenates it into a wrong {name})",
                                code=code,
                                event=event.index,
                                pointer=pointer,
                                evidence=value[:100],
                            )
                        seen.add(name)

    def finish(self):
        return ()


@stream_rule(
    "usage.stream",
    findings={
        "missing": kind(Severity.ERROR, "include_usage was asked but no chunk carries usage", effect=Effect.IGNORED),
        "not-final-chunk": kind(Severity.WARNING, "usage arrives on a chunk that also has choices"),
        "unasked": kind(Severity.WARNING, "usage is sent although include_usage was not set"),
        "repeated": kind(Severity.INFO, "usage is sent on more than one chunk"),
    },
    parameter="stream_options.include_usage",
    steady_state_safe=True,
    rationale="With stream_options.include_usage the last chunk before [DONE] has empty choices and the usage; without it no usage is sent.",
    citation="OpenAI OpenAPI spec, ChatCompletionStreamOptions.include_usage ('an additional chunk will be streamed before the data: [DONE] message … choices field will always be an empty array')",
)
class UsageInStream:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        options = ctx.request.get("stream_options")
        self.asked = isinstance(options, dict) and options.get("include_usage") is True
        self.with_usage = 0
        self.usage_only_chunk = False
        self.first_with_usage: int | None = None
        self.last_was_usage_only = False

    def on_event(self, event: ParsedEvent):
        payload = event.payload
        if not isinstance(payload, dict) or event.done:
            return
        usage_here = payload.get("usage") is not None
        if usage_here:
            self.with_usage += 1
            if self.first_with_usage is None:
                self.first_with_usage = event.index
        self.last_was_usage_only = usage_here and not payload.get("choices")
        self.usage_only_chunk = self.usage_only_chunk or self.last_was_usage_only

    def finish(self):
        if self.asked and not self.with_usage:
            yield self.ctx.finding("usage was requested (stream_options.include_usage) but no chunk carries it", pointer="/usage")
        elif self.asked and not self.usage_only_chunk:
            yield self.ctx.finding(
                "usage arrives on a chunk that also has choices, not in a final chunk with empty choices",
                code="not-final-chunk",
                event=self.first_with_usage,
                pointer="/usage",
            )
        elif not self.asked and self.with_usage and self.ctx.request_known:
            yield self.ctx.finding(
                "usage is sent although stream_options.include_usage was not set",
                code="unasked",
                event=self.first_with_usage,
                pointer="/usage",
            )
        if self.with_usage > 1:
            yield self.ctx.finding(f"usage is sent on {self.with_usage} chunks, not once", code="repeated", event=self.first_with_usage, pointer="/usage")
