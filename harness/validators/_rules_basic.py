"""The basic rules: status, content type, JSON, SSE framing, `[DONE]`, error bodies.

Citations name where the expectation comes from, so a user who disagrees with a verdict can check
the source: the OpenAI OpenAPI spec (shared/spec/openai-openapi.yaml), the WHATWG SSE standard,
Vertex's docs, or what openai-python (the reference client) does with the bytes.
"""

from __future__ import annotations

from ._findings import Severity
from ._registry import CheckContext, rule

OPENAI_STREAMING = "OpenAI API reference, Create chat completion: stream ('data-only server-sent events … terminated by a data: [DONE] message')"
OPENAI_PY_SSE = "openai-python _streaming.py: Stream.__stream__ json-decodes every data payload and stops at [DONE]"


@rule(
    "http.status",
    severity=Severity.ERROR,
    rationale="The status must be what the case expects: 200 for a supported request, a 4xx for an invalid one.",
    citation="OpenAI OpenAPI spec, POST /chat/completions responses; the case's expect.status",
)
def status_as_expected(ctx: CheckContext):
    response = ctx.response
    if not ctx.step.expect.status_matches(response.status):
        yield ctx.finding(
            f"expected HTTP {ctx.step.expect.status}, got {response.status}",
            evidence=response.body[:300].decode("utf-8", "replace"),
        )


@rule(
    "http.server-error",
    severity=Severity.ERROR,
    rationale="A 5xx is the server failing, even when a retry later succeeded: clients without retries see it.",
    citation="RFC 9110 §15.6 (5xx: the server failed to fulfil a valid request)",
)
def no_server_error(ctx: CheckContext):
    for number, attempt in enumerate(ctx.exchange.attempts, start=1):
        if attempt.response is not None and attempt.response.status >= 500:
            cured = " (a retry then succeeded)" if number < len(ctx.exchange.attempts) else ""
            yield ctx.finding(
                f"attempt {number} got HTTP {attempt.response.status}{cured}",
                evidence=attempt.response.body[:300].decode("utf-8", "replace"),
            )


@rule(
    "http.streamed",
    severity=Severity.ERROR,
    rationale="A request with stream: true must be answered with an SSE stream, and one without it with a single JSON body.",
    citation=OPENAI_STREAMING,
)
def streamed_as_requested(ctx: CheckContext):
    response = ctx.response
    if response.status >= 300:
        return
    is_sse = response.content_type == "text/event-stream"
    if ctx.step.expects_stream and not is_sse:
        yield ctx.finding(
            f"stream requested, but the answer is {response.content_type or 'untyped'}, not text/event-stream",
            evidence=response.body[:200].decode("utf-8", "replace"),
        )
    elif not ctx.step.expects_stream and is_sse:
        yield ctx.finding("no stream requested, but the answer is text/event-stream")


@rule(
    "http.content-type",
    severity=Severity.ERROR,
    rationale="openai-python only parses a body as JSON when its Content-Type says JSON; otherwise the caller gets a str, not a completion.",
    citation="openai-python _response.py: BaseAPIResponse._parse returns response.text for a non-JSON content type",
    applies="json",
)
def json_content_type(ctx: CheckContext):
    content_type = ctx.response.content_type
    if content_type != "application/json" and not content_type.endswith("+json"):
        yield ctx.finding(f"JSON answer served as {content_type or 'no Content-Type'}, not application/json")


@rule(
    "json.body",
    severity=Severity.ERROR,
    rationale="A non-streamed completion is one JSON object.",
    citation="OpenAI OpenAPI spec, CreateChatCompletionResponse (type: object)",
    applies="json",
)
def body_is_json_object(ctx: CheckContext):
    value, error = ctx.body_json
    if error is not None:
        yield ctx.finding(f"body is not JSON: {error}", evidence=ctx.response.body[:300].decode("utf-8", "replace"))
    elif not isinstance(value, dict):
        yield ctx.finding(f"body is JSON but a {type(value).__name__}, not an object", pointer="")


@rule(
    "sse.framing",
    severity=Severity.ERROR,
    rationale="Every SSE data payload of a chat stream is one JSON chunk (or [DONE]); clients json-decode each and raise on anything else.",
    citation=OPENAI_PY_SSE,
    applies="stream",
)
def sse_framing(ctx: CheckContext):
    events, decoder = ctx.sse
    for parsed in events:
        if parsed.error is not None:
            yield ctx.finding(
                "an SSE data payload is not JSON",
                event=parsed.event.index,
                evidence=f"{parsed.error}: {parsed.event.data[:200]!r}",
            )
    if decoder.truncated is not None:
        yield ctx.finding(
            "the stream ends inside an event (no blank line after its last field): clients drop that event",
            event=len(events),
            evidence=decoder.truncated.data[:200],
        )
    if decoder.note_counts.get("invalid-utf8"):
        yield ctx.finding(f"invalid UTF-8 in {decoder.note_counts['invalid-utf8']} line(s)")
    legal = {
        kind: count
        for kind, count in decoder.note_counts.items()
        if kind not in ("invalid-utf8", "truncated-event")
    }
    if legal:
        summary = ", ".join(f"{kind} ×{count}" for kind, count in sorted(legal.items()))
        yield ctx.finding(f"valid SSE variations: {summary}", severity=Severity.INFO)


@rule(
    "sse.done",
    severity=Severity.ERROR,
    rationale="A chat stream ends with data: [DONE]; without it a client cannot tell a finished stream from a cut one.",
    citation=OPENAI_STREAMING,
    applies="stream",
)
def sse_done_last(ctx: CheckContext):
    events, _ = ctx.sse
    done_at = [parsed.event.index for parsed in events if parsed.done]
    if not done_at:
        yield ctx.finding("the stream has no data: [DONE]", event=len(events))
    elif done_at[0] != len(events) - 1:
        yield ctx.finding(
            f"{len(events) - 1 - done_at[0]} event(s) follow data: [DONE]; clients stop reading at [DONE]",
            event=done_at[0] + 1,
        )


@rule(
    "error.body",
    severity=Severity.ERROR,
    rationale='An HTTP error carries {"error": {"message": ...}}; clients read error.message to tell the user what went wrong.',
    citation="OpenAI OpenAPI spec, ErrorResponse / Error; openai-python _client.py _make_status_error reads body['error']",
    applies="error",
)
def error_body_shape(ctx: CheckContext):
    value, error = ctx.body_json
    evidence = ctx.response.body[:300].decode("utf-8", "replace")
    if error is not None:
        yield ctx.finding(f"error body is not JSON ({ctx.response.content_type or 'no Content-Type'})", evidence=evidence)
        return
    if not isinstance(value, dict):
        yield ctx.finding(f"error body is a JSON {type(value).__name__}, not an object", pointer="", evidence=evidence)
        return
    inner = value.get("error")
    if not isinstance(inner, dict):
        yield ctx.finding('error body has no "error" object', pointer="/error", evidence=evidence)
    elif not isinstance(inner.get("message"), str):
        yield ctx.finding('"error.message" is missing or not a string', pointer="/error/message", evidence=evidence)
