"""Real-client cross-checks: what openai-python (pinned, version in every message) does with the bytes.

Every exception it raises, and every place where what it accumulates differs from what the server
meant, is a client-breaking finding: that is what a user of the most common client would hit.
"""

from __future__ import annotations

import re

from ._client import DOCUMENTED_EXCEPTIONS, KIND_EXCEPTION, KIND_MISMATCH, KIND_UNAVAILABLE, ClientProblem, StreamClientCheck, check_response
from ._context import ParsedEvent, RuleContext
from ._findings import Severity
from ._registry import rule, stream_rule

CITATION = "openai-python {where}: what client.chat.completions.{method}() runs on the answer (observed client behaviour)"
_ROLE = re.compile(r"^/choices/\d+/message/role$")


def _findings(ctx: RuleContext, problems: list[ClientProblem]):
    for problem in problems:
        if problem.kind == KIND_UNAVAILABLE:
            yield ctx.finding(f"client cross-check skipped: {problem.message}", severity=Severity.INFO)
        elif problem.kind == KIND_EXCEPTION and problem.exception in DOCUMENTED_EXCEPTIONS:
            # openai-python raises these by design for finish_reason length / content_filter.
            yield ctx.finding(f"{problem.message} (documented client behaviour for this finish_reason)", severity=Severity.INFO, event=problem.event, pointer=problem.pointer)
        elif problem.kind == KIND_MISMATCH and _ROLE.match(problem.pointer or ""):
            # openai-python concatenates a role sent in every delta ("assistantassistant"); content, tool calls and
            # finish_reason come out right and the role is a constant clients rarely read: a tolerated departure,
            # the same fact delta.repeated-fields reports at warning.
            yield ctx.finding(
                f"client accumulates a wrong role only (role repeated in every delta): {problem.message}",
                severity=Severity.WARNING,
                event=problem.event,
                pointer=problem.pointer,
            )
        else:
            kind = "client breaks" if problem.kind == KIND_EXCEPTION else "client accumulates wrong data"
            yield ctx.finding(f"{kind}: {problem.message}", event=problem.event, pointer=problem.pointer)


@stream_rule(
    "client.openai-python.stream",
    severity=Severity.ERROR,
    rationale="The stream fed to openai-python's ChatCompletionStreamState (behind client.chat.completions.stream) must neither raise nor accumulate something other than what the server meant.",
    citation=CITATION.format(where="lib/streaming/chat/_completions.py ChatCompletionStreamState", method="stream"),
)
class StreamThroughClient:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.check = StreamClientCheck(dict(ctx.request) if ctx.request_known else None)

    def on_event(self, event: ParsedEvent):
        if event.error is None and not event.done and not self.check.crashed:
            self.check.feed(event.index, event.payload)

    def finish(self):
        yield from _findings(self.ctx, self.check.finish(self.ctx.completion))


@rule(
    "client.openai-python.response",
    severity=Severity.ERROR,
    rationale="A JSON completion must load into openai-python's ChatCompletion and survive its parse path (structured output, strict tools).",
    citation=CITATION.format(where="_models.construct_type / lib/_parsing/_completions.py parse_chat_completion", method="create/parse"),
    applies="completion",
)
def response_through_client(ctx: RuleContext):
    if ctx.facts.is_stream:
        return  # the stream rule covers streams
    yield from _findings(ctx, check_response(ctx.completion, dict(ctx.request) if ctx.request_known else None))
