"""Real-client cross-checks: what openai-python (pinned, version in every message) does with the bytes.

Every exception it raises, and every place where what it accumulates differs from what the server
meant, is a client-breaking finding: that is what a user of the most common client would hit.

Running the real client costs 200-300 µs a chunk and grows quadratically with the stream, so a
stream is first read by a model of the client (`client_risk`): for the streams it knows the client
accumulates exactly as the server meant (plain text deltas, one choice, a normal end), the real
client is not run at all. Anything else (tool calls, repeated roles, several choices, odd chunks,
structured output) is replayed through the real client. A property test keeps the model honest:
whenever it calls a generated stream safe, the real client must agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataclasses import replace

from ._client import CLIENT_NAME, DOCUMENTED_EXCEPTIONS, KIND_EXCEPTION, KIND_UNAVAILABLE, ClientProblem, StreamClientCheck, check_response, client_version
from ._context import ParsedEvent, RuleContext
from ._findings import ClientNote, Severity
from ._registry import Nature, kind, rule, stream_rule

__all__ = ["ClientModel"]

CITATION = "openai-python {where}: what client.chat.completions.{method}() runs on the answer (observed client behaviour)"
_SAFE_DELTA_KEYS = frozenset({"content", "role"})


CLIENT_FINDINGS = {
    "breaks": kind(Severity.ERROR, "the client raises on the answer"),
    "mis-assembles": kind(Severity.ERROR, "the client assembles something other than what the server meant"),
    "role-concatenated": kind(Severity.WARNING, "the client concatenates a repeated role (rarely read)"),
    "documented-exception": kind(Severity.INFO, "the client raises by design for this finish_reason (length, content_filter)"),
    "not-run": kind(Severity.INFO, "the client is not installed or not usable: not checked"),
}


def _findings(ctx: RuleContext, problems: list[ClientProblem]):
    for problem in problems:
        if problem.kind == KIND_UNAVAILABLE:
            yield _noted(ctx.finding(f"client cross-check skipped: {problem.message}", code="not-run"), "not-run", problem.message)
        elif problem.kind == KIND_EXCEPTION and problem.exception in DOCUMENTED_EXCEPTIONS:
            # openai-python raises these by design for finish_reason length / content_filter.
            message = f"{problem.message} (documented client behaviour for this finish_reason)"
            yield _noted(ctx.finding(message, code="documented-exception", event=problem.event, pointer=problem.pointer), "ok", message)
        elif problem.kind == KIND_EXCEPTION:
            finding = ctx.finding(f"client breaks: {problem.message}", code="breaks", event=problem.event, pointer=problem.pointer)
            yield _noted(finding, "breaks", problem.message)
        else:
            # A repeated role is concatenated ('assistantassistant') but rarely read: the
            # consequence policy makes that one a warning; any other difference is wrong data.
            role_only = bool(problem.pointer) and problem.pointer.endswith("/message/role")
            finding = ctx.finding(
                f"client accumulates wrong data: {problem.message}",
                code="role-concatenated" if role_only else "mis-assembles",
                event=problem.event,
                pointer=problem.pointer,
            )
            yield _noted(finding, "mis-assembles", problem.message)


def _noted(finding, outcome: str, detail: str):
    return replace(finding, clients=(ClientNote(CLIENT_NAME, client_version(), outcome, detail),))


class ClientModel:
    """What openai-python's stream accumulation does, for the streams it is known to handle.

    `risk` stays None while every chunk is within the subset where the client accumulates exactly
    what the server meant; otherwise it says why the real client must be consulted.
    """

    def __init__(self, request: Mapping[str, Any] | None):
        self.risk: str | None = None
        self.events = 0
        self._role_seen = False
        self._finished: Any = None
        if request is not None and (request.get("tools") or isinstance(request.get("response_format"), Mapping)):
            self.risk = "the request has tools or a response_format (the client's parse step runs)"

    def add(self, event: ParsedEvent) -> None:
        if self.risk is not None or event.done:
            return
        self.events += 1
        self.risk = self._chunk_risk(event)

    def _chunk_risk(self, event: ParsedEvent) -> str | None:
        payload = event.payload
        if event.error is not None or not isinstance(payload, dict):
            return "a data payload that is not a JSON object"
        if "error" in payload or payload.get("object") != "chat.completion.chunk":
            return "an error payload or a chunk of another object type"
        choices = payload.get("choices")
        if not isinstance(choices, list) or len(choices) > 1:
            return "choices missing or more than one choice"
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index") != 0 or choice.get("logprobs") is not None:
                return "a choice other than index 0 without logprobs"
            if self._finished is not None:
                return "a chunk after the finish_reason"
            delta = choice.get("delta")
            if not isinstance(delta, dict) or not delta.keys() <= _SAFE_DELTA_KEYS:
                return "a delta with fields beyond content and role"
            if not isinstance(delta.get("content", ""), (str, type(None))):
                return "content that is not a string"
            if "role" in delta:
                if self._role_seen or delta["role"] != "assistant":
                    return "role repeated or not assistant"
                self._role_seen = True
            reason = choice.get("finish_reason")
            if reason is not None:
                if reason != "stop":
                    return f"finish_reason {reason!r}"
                self._finished = reason
        return None

    def finish(self) -> str | None:
        if self.risk is None and (self.events == 0 or self._finished is None or not self._role_seen):
            return "the stream has no chunk, no role or no finish_reason"
        return self.risk


@stream_rule(
    "client.openai-python.stream",
    findings=CLIENT_FINDINGS,
    nature=Nature.CLIENT,
    rationale="The stream fed to openai-python's ChatCompletionStreamState (behind client.chat.completions.stream) must neither raise nor accumulate something other than what the server meant.",
    citation=CITATION.format(where="lib/streaming/chat/_completions.py ChatCompletionStreamState", method="stream"),
)
class StreamThroughClient:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.request = dict(ctx.request) if ctx.request_known else None
        self.model = ClientModel(self.request)
        # Without a way to read the stream again, the real client has to follow along now.
        self.eager = StreamClientCheck(self.request) if ctx.facts.replay_events is None else None
        self.undecodable: int | None = None

    def _feed(self, check: StreamClientCheck, event: ParsedEvent) -> None:
        if event.error is not None and self.undecodable is None and not check.crashed:
            self.undecodable = event.index  # the client json-decodes every data line and stops there
        elif not event.done and not check.crashed and self.undecodable is None:
            check.feed(event.index, event.payload)

    def on_event(self, event: ParsedEvent):
        if self.eager is not None:
            self._feed(self.eager, event)
        else:
            self.model.add(event)

    def finish(self):
        check = self.eager
        if check is None:
            if self.model.finish() is None:
                return  # the model knows the client accumulates exactly this
            check = StreamClientCheck(self.request)
            for event in self.ctx.facts.replay_events():
                self._feed(check, event)
        if self.undecodable is not None:
            yield self.ctx.finding(
                f"client breaks: openai-python's Stream.__stream__ raises JSONDecodeError on event {self.undecodable} (not JSON)",
                code="breaks",
                event=self.undecodable,
            )
            return
        yield from _findings(self.ctx, check.finish(self.ctx.completion))


@rule(
    "client.openai-python.response",
    findings=CLIENT_FINDINGS,
    nature=Nature.CLIENT,
    rationale="A JSON completion must load into openai-python's ChatCompletion and survive its parse path (structured output, strict tools).",
    citation=CITATION.format(where="_models.construct_type / lib/_parsing/_completions.py parse_chat_completion", method="create/parse"),
    applies="completion",
)
def response_through_client(ctx: RuleContext):
    if ctx.facts.is_stream:
        return  # the stream rule covers streams
    yield from _findings(ctx, check_response(ctx.completion, dict(ctx.request) if ctx.request_known else None))
