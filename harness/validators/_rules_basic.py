"""Framing rules: status, content type, JSON bodies, SSE framing, `[DONE]`, error bodies.

Citations name where each expectation comes from: the OpenAI OpenAPI spec
(shared/spec/openai-openapi.yaml), the WHATWG SSE standard, Vertex's docs, or what openai-python
(the reference client) does with the bytes.
"""

from __future__ import annotations

from ._context import ParsedEvent, RuleContext
from ._findings import Effect, Severity
from ._registry import kind, rule, stream_rule

ERROR_BODY = "error.body"

OPENAI_STREAMING = "OpenAI API reference, Create chat completion: stream ('data-only server-sent events … terminated by a data: [DONE] message')"
OPENAI_PY_SSE = "openai-python _streaming.py: Stream.__stream__ json-decodes every data payload and stops at [DONE]"


def _text(data: bytes, limit: int = 300) -> str:
    return data[:limit].decode("utf-8", "replace")


@rule(
    "http.status",
    findings={
        "unexpected": kind(Severity.ERROR, "the status is not the one the case expects"),
        "rejected": kind(Severity.INFO, "a clean 4xx with an OpenAI error body for a request the endpoint does not support", effect=Effect.REJECTED),
    },
    rationale="The status must be what the case expects: 200 for a supported request, a 4xx for an invalid one.",
    citation="OpenAI OpenAPI spec, POST /chat/completions responses; the case's expect.status",
)
def status_as_expected(ctx: RuleContext):
    response = ctx.response
    expect = ctx.step.expect
    if expect.status_matches(response.status):
        return
    value, error = ctx.body_json
    clean_rejection = 400 <= response.status < 500 and error is None and isinstance(value, dict) and isinstance(value.get("error"), dict)
    if expect.accept_rejection and clean_rejection:
        message = value["error"].get("message")
        yield ctx.finding(
            f"rejected with HTTP {response.status}: the endpoint does not support this (not a failure)",
            code="rejected",
            evidence=message if isinstance(message, str) else _text(response.body),
        )
        return
    hint = ""
    if 300 <= response.status < 400:
        hint = f" (redirects are not followed: Location {response.header('location')!r}; point the endpoint at the final URL)"
    elif response.status in (401, 403):
        hint = (
            " (credentials refused: for Google auth run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS, and check the project and the aiplatform.endpoints.predict permission; "
            "for bearer auth check the token variable)"
        )
    yield ctx.finding(f"expected HTTP {expect.status}, got {response.status}{hint}", evidence=_text(response.body))


@rule(
    "http.server-error",
    findings={
        "server-error": kind(Severity.ERROR, "an attempt got HTTP 5xx", effect=Effect.SERVER_FAILURE),
        "back-pressure": kind(Severity.INFO, "a 503 with Retry-After, cured by the retry it asked for: the server shedding load, not failing"),
    },
    rationale=(
        "A 5xx is the server failing, even when a retry later succeeded: clients without retries see it. A 503 that says "
        "when to come back (Retry-After) and is answered on that retry is back-pressure, which clients honour."
    ),
    citation="RFC 9110 §15.6 (5xx: the server failed to fulfil a valid request), §10.2.3 (Retry-After with 503); openai-python retries 503 honouring Retry-After",
)
def no_server_error(ctx: RuleContext):
    attempts = ctx.exchange.attempts
    for number, attempt in enumerate(attempts, start=1):
        response = attempt.response
        if response is None or response.status < 500:
            continue
        cured = number < len(attempts) and attempts[-1].response is not None and attempts[-1].response.status < 500
        if response.status == 503 and response.header("retry-after") and cured:
            yield ctx.finding(f"attempt {number} got HTTP 503 with Retry-After {response.header('retry-after')!r}; the retry was answered", code="back-pressure")
            continue
        suffix = " (a retry then succeeded)" if number < len(attempts) else ""
        yield ctx.finding(f"attempt {number} got HTTP {response.status}{suffix}", evidence=_text(response.body))


@rule(
    "http.streamed",
    findings={
        "not-streamed": kind(Severity.ERROR, "stream: true was asked, the answer is not text/event-stream"),
        "streamed-unasked": kind(Severity.ERROR, "no stream was asked, the answer is text/event-stream"),
    },
    rationale="A request with stream: true must be answered with an SSE stream, and one without it with a single JSON body.",
    citation=OPENAI_STREAMING,
)
def streamed_as_requested(ctx: RuleContext):
    response = ctx.response
    if response.status >= 300:
        return
    is_sse = response.content_type == "text/event-stream"
    if ctx.step.expects_stream and not is_sse:
        yield ctx.finding(
            f"stream requested, but the answer is {response.content_type or 'untyped'}, not text/event-stream",
            evidence=_text(response.body, 200),
        )
    elif not ctx.step.expects_stream and is_sse:
        yield ctx.finding("no stream requested, but the answer is text/event-stream", code="streamed-unasked")


@rule(
    "http.content-type",
    findings={"not-json": kind(Severity.ERROR, "a JSON answer served with another Content-Type")},
    rationale="openai-python only parses a body as JSON when its Content-Type says JSON; otherwise the caller gets a str, not a completion.",
    citation="openai-python _response.py: BaseAPIResponse._parse returns response.text for a non-JSON content type",
    applies="json",
)
def json_content_type(ctx: RuleContext):
    content_type = ctx.response.content_type
    if content_type != "application/json" and not content_type.endswith("+json"):
        yield ctx.finding(f"JSON answer served as {content_type or 'no Content-Type'}, not application/json")


@rule(
    "json.body",
    findings={
        "not-json": kind(Severity.ERROR, "the body is not JSON"),
        "not-object": kind(Severity.ERROR, "the body is JSON but not an object"),
        "error-as-success": kind(Severity.ERROR, "a 2xx whose body is an error object"),
    },
    rationale="A non-streamed completion is one JSON object.",
    citation="OpenAI OpenAPI spec, CreateChatCompletionResponse (type: object)",
    applies="json",
)
def body_is_json_object(ctx: RuleContext):
    value, error = ctx.body_json
    if error is not None:
        yield ctx.finding(f"body is not JSON: {error}", evidence=_text(ctx.response.body))
    elif not isinstance(value, dict):
        yield ctx.finding(f"body is JSON but a {type(value).__name__}, not an object", code="not-object", pointer="")
    elif "error" in value and "choices" not in value:
        yield ctx.finding("HTTP 2xx whose body is an error object: an error disguised as success", code="error-as-success", evidence=_text(ctx.response.body))


@stream_rule(
    "sse.framing",
    findings={
        "not-json": kind(Severity.ERROR, "an SSE data payload is not JSON"),
        "unterminated-event": kind(Severity.ERROR, "the stream ends inside an event, which clients drop"),
        "invalid-utf8": kind(Severity.ERROR, "invalid UTF-8 in the stream"),
        "unterminated-done": kind(Severity.INFO, "data: [DONE] without its blank line (sse.done reports the lost [DONE])"),
        "valid-variations": kind(Severity.INFO, "valid SSE variations: comments, CRLF, event/id fields"),
    },
    steady_state_safe=True,
    rationale="Every SSE data payload of a chat stream is one JSON chunk (or [DONE]); clients json-decode each and raise on anything else.",
    citation=OPENAI_PY_SSE + "; WHATWG HTML §9.2.6 (event stream interpretation)",
)
class SSEFraming:
    """Real deviations are errors; valid variations of SSE (comments, CRLF, event/id fields) are info, and so
    is a final `data: [DONE]` without its blank line (no chunk is lost; sse.done reports the missing [DONE])."""

    NOT_LEGAL = ("invalid-utf8", "truncated-event")

    def __init__(self, ctx: RuleContext):
        self.ctx = ctx

    def on_event(self, event: ParsedEvent):
        if event.error is not None:
            yield self.ctx.finding("an SSE data payload is not JSON", event=event.index, evidence=f"{event.error}: {event.data[:200]!r}")

    def finish(self):
        decoder = self.ctx.facts.sse
        if decoder.truncated is not None and decoder.truncated.data == "[DONE]":
            # No chunk is lost (openai-python's SSEDecoder yields every chunk, then the stream just ends):
            # what is lost is the [DONE] itself, which sse.done judges. One fact, one error.
            yield self.ctx.finding(
                "the stream ends inside its last event, data: [DONE] (no blank line after it): parsers drop it; see sse.done",
                code="unterminated-done",
                event=self.ctx.facts.chunk_count,
            )
        elif decoder.truncated is not None:
            yield self.ctx.finding(
                "the stream ends inside an event (no blank line after its last field): clients drop that event",
                code="unterminated-event",
                event=self.ctx.facts.chunk_count,
                evidence=decoder.truncated.data[:200],
            )
        if decoder.note_counts.get("invalid-utf8"):
            yield self.ctx.finding(f"invalid UTF-8 in {decoder.note_counts['invalid-utf8']} line(s)", code="invalid-utf8")
        legal = {kind: count for kind, count in decoder.note_counts.items() if kind not in self.NOT_LEGAL}
        if legal:
            summary = ", ".join(f"{kind} ×{count}" for kind, count in sorted(legal.items()))
            yield self.ctx.finding(f"valid SSE variations: {summary}", code="valid-variations")


@stream_rule(
    "sse.done",
    findings={
        "missing": kind(Severity.ERROR, "the stream has no data: [DONE]"),
        "unterminated": kind(Severity.ERROR, "data: [DONE] is the last line with no blank line after it, so it is never dispatched"),
        "events-after": kind(Severity.ERROR, "events follow data: [DONE]"),
    },
    steady_state_safe=True,
    rationale="A chat stream ends with data: [DONE]; without it a client cannot tell a finished stream from a cut one.",
    citation=OPENAI_STREAMING,
)
class SSEDone:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx
        self.done_at: int | None = None
        self.after = 0

    def on_event(self, event: ParsedEvent):
        if self.done_at is not None:
            self.after += 1
        elif event.done:
            self.done_at = event.index

    def finish(self):
        truncated = self.ctx.facts.sse.truncated if self.ctx.facts.sse is not None else None
        if self.done_at is None and truncated is not None and truncated.data == "[DONE]":
            yield self.ctx.finding(
                "data: [DONE] is the last line but no blank line follows it: SSE parsers (WHATWG; openai-python's "
                "SSEDecoder) never dispatch that event, so the stream ends without [DONE]",
                code="unterminated",
                event=self.ctx.facts.chunk_count,
            )
        elif self.done_at is None:
            yield self.ctx.finding("the stream has no data: [DONE]", event=self.ctx.facts.chunk_count)
        elif self.after:
            yield self.ctx.finding(f"{self.after} event(s) follow data: [DONE]; clients stop reading at [DONE]", code="events-after", event=self.done_at + 1)


@stream_rule(
    "sse.error-event",
    findings={"error-in-stream": kind(Severity.ERROR, "an error object inside an HTTP 200 stream")},
    steady_state_safe=True,
    rationale="An error sent inside an HTTP 200 stream is a failure disguised as success; openai-python raises APIError on it.",
    citation='openai-python _streaming.py: Stream.__stream__ raises APIError when a chunk has an "error" key',
)
class ErrorInsideStream:
    def __init__(self, ctx: RuleContext):
        self.ctx = ctx

    def on_event(self, event: ParsedEvent):
        payload = event.payload
        if isinstance(payload, dict) and payload.get("error") is not None:
            yield self.ctx.finding("an error object inside an HTTP 200 stream", event=event.index, pointer="/error", evidence=event.data[:300])

    def finish(self):
        return ()


@rule(
    ERROR_BODY,
    findings={
        "not-json": kind(Severity.ERROR, "the error body is not JSON"),
        "not-object": kind(Severity.ERROR, "the error body is JSON but not an object"),
        "no-error-object": kind(Severity.ERROR, 'the error body has no "error" object'),
        "no-message": kind(Severity.ERROR, '"error.message" is missing or not a string'),
    },
    rationale='An HTTP error carries {"error": {"message": ...}}; clients read error.message to tell the user what went wrong.',
    citation="OpenAI OpenAPI spec, ErrorResponse / Error; openai-python _client.py _make_status_error reads body['error']",
    applies="error",
)
def error_body_shape(ctx: RuleContext):
    value, error = ctx.body_json
    evidence = _text(ctx.response.body)
    if error is not None:
        yield ctx.finding(f"error body is not JSON ({ctx.response.content_type or 'no Content-Type'})", evidence=evidence)
        return
    if not isinstance(value, dict):
        yield ctx.finding(f"error body is a JSON {type(value).__name__}, not an object", code="not-object", pointer="", evidence=evidence)
        return
    inner = value.get("error")
    if not isinstance(inner, dict):
        yield ctx.finding('error body has no "error" object', code="no-error-object", pointer="/error", evidence=evidence)
    elif not isinstance(inner.get("message"), str):
        yield ctx.finding('"error.message" is missing or not a string', code="no-message", pointer="/error/message", evidence=evidence)
