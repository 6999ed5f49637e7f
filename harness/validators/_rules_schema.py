"""Shape against the JSON Schemas of the chosen profile (`openai`: the published spec; `vertex`:
the spec plus what Vertex documents). Warnings: the schema is stricter than what mainstream
clients need, and the rules that judge consequences (finish_reason, tool calls, usage…) give the
errors. Requests are checked against the OpenAI profile, to show which documented requests are
not valid OpenAI requests.
"""

from __future__ import annotations

from ._context import ParsedEvent, RuleContext
from ._findings import Severity
from ._registry import Nature, kind, rule, stream_rule
from ._schemas import profile_schemas

SPEC = "OpenAI OpenAPI spec 2.3.0 (shared/spec/openai-openapi.yaml) converted to JSON Schema (schemas/{profile}/)"


def _issue_findings(ctx: RuleContext, issues, what: str, event: int | None = None):
    for issue in issues:
        yield ctx.finding(f"{what} is not valid under the {ctx.facts.profile} profile: {issue.message}", event=event, pointer=issue.pointer)


@rule(
    "schema.response",
    findings={"invalid": kind(Severity.WARNING, "the completion does not match the profile's response schema")},
    nature=Nature.SHAPE,
    rationale="A non-streamed completion matches CreateChatCompletionResponse of the profile.",
    citation=SPEC + ", CreateChatCompletionResponse",
    applies="json",
)
def response_schema(ctx: RuleContext):
    value, error = ctx.body_json
    if error is None:
        yield from _issue_findings(ctx, profile_schemas(ctx.facts.profile).response(value), "the response")


@stream_rule(
    "schema.chunk",
    findings={"invalid": kind(Severity.WARNING, "a chunk does not match the profile's chunk schema")},
    nature=Nature.SHAPE,
    steady_state_safe=True,
    rationale="Every stream chunk matches CreateChatCompletionStreamResponse of the profile.",
    citation=SPEC + ", CreateChatCompletionStreamResponse",
)
class ChunkSchema:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.schemas = profile_schemas(ctx.facts.profile)

    def on_event(self, event: ParsedEvent):
        payload = event.payload
        if event.error is None and not event.done and not (isinstance(payload, dict) and "error" in payload):
            yield from _issue_findings(self.ctx, self.schemas.chunk(payload), "a chunk", event=event.index)

    def finish(self):
        return ()


@rule(
    "schema.error",
    findings={"invalid": kind(Severity.WARNING, "the error body does not match ErrorResponse")},
    nature=Nature.SHAPE,
    rationale='An error body matches ErrorResponse: {"error": {"message", "type", "param", "code"}}.',
    citation=SPEC + ", ErrorResponse / Error",
    applies="error",
)
def error_schema(ctx: RuleContext):
    value, error = ctx.body_json
    if error is None and isinstance(value, dict):
        yield from _issue_findings(ctx, profile_schemas(ctx.facts.profile).error(value), "the error body")


@rule(
    "schema.request",
    findings={"invalid": kind(Severity.INFO, "the request is not a valid OpenAI request")},
    rationale="Says when a request (a documented example, say) is not a valid OpenAI request: a strict OpenAI-compatible server may reject it.",
    citation=SPEC.format(profile="openai") + ", CreateChatCompletionRequest",
)
def request_schema(ctx: RuleContext):
    if not ctx.request_known:
        return
    for issue in profile_schemas("openai").request(dict(ctx.request)):
        yield ctx.finding(f"the request is not a valid OpenAI request: {issue.message}", pointer=issue.pointer)
