"""What the harness must say about every reference recording (`shared/spec/recordings/`).

The expectations below were written by reading each file's bytes, not by copying harness output.
Per file and exchange: the rules that must fire at warning or error, with their worst severity
(`fire`; the set of rules above info must equal it exactly), and where it matters info findings
that must be there too (`info`). Each line says what in the file makes it so; line numbers are
the file's own.

Severity follows consequence (the issue's policy): error when a documented contract or a real
client breaks (openai-python raises or accumulates wrong data, the content is not what was asked
for, the stream cannot be parsed or ends without [DONE]); warning for spec departures mainstream
clients tolerate (nullable fields left out, usage unasked, role repeated); info for vendor
extensions and valid SSE variations.

Profiles: `vertex` for Google's Vertex docs samples (`vertex-docs-*`), `openai` for everything
else (Gemini API's compatibility layer, Ollama, vLLM and OpenAI itself all claim the OpenAI API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from harness.cases import Expect, Step
from harness.runner._results import verdict_for
from harness.importers import import_foreign
from harness.validators import judge_exchange
from harness.validators._findings import Severity

from .conftest import RECORDINGS, recording_files, require_recordings


E, W = "error", "warning"


@dataclass(frozen=True)
class Want:
    """My reading of one exchange."""

    fire: dict[str, str]
    """rule id -> worst severity ("error"/"warning"); no other rule may fire above info."""
    info: frozenset[str] = frozenset()
    """Rules that must (also) fire at info, where that matters."""
    status: int = 200
    """The status that is correct for the recorded request."""
    streamed: bool | None = None
    """Only where the request is not JSON (a docs template): whether it asked for a stream."""
    says: tuple[tuple[str, str, str], ...] = ()
    """(rule, severity, words) findings that must be there, where the reason matters, not just the rule."""

    @property
    def verdict(self) -> str:
        if E in self.fire.values():
            return "fail"
        return "warn" if self.fire else "pass"


def want(fire: dict[str, str] | None = None, *, info=(), status: int = 200, streamed: bool | None = None, says=()) -> Want:
    return Want(dict(fire or {}), frozenset(info), status, streamed, tuple(says))


# -- the expectations --------------------------------------------------------------------------------

# Gemini API (magentic, openai-python, stream + include_usage, named tool_choice): the whole answer is
# one chunk at line 8; the file is one text dump per case.
_GEMINI_FORCED_TOOL = want(
    {
        "chunk.identity": W,  # line 8: the chunk has no "id" at all (created/model present)
        "schema.chunk": W,  # line 8: "id" missing and tool_calls[0] has no "index" (both required by the spec)
        "tool-calls.index": E,  # line 8: tool_calls[0] is {"function":…,"id":"","type":"function"}, no "index"
        "tool-calls.id": E,  # line 8: "id":"" — a tool result cannot reference this call
        "usage.stream": W,  # line 8: include_usage asked; usage rides on the chunk with choices, no usage-only chunk
        "client.openai-python.stream": E,  # line 8: _build_events indexes tool_calls[None] -> TypeError
    },
    # finish_reason "stop" with a tool call is what OpenAI itself does for a named tool_choice: not flagged.
    # arguments match the declared parameters; usage adds up (25+8=33, 8+4=12, 14+11=25).
    says=[("client.openai-python.stream", E, "TypeError")],
)

_GEMINI_TEXT = want(
    {
        "chunk.identity": W,  # every chunk (line 8 on): no "id"
        "schema.chunk": W,  # every chunk: "id" missing; "finish_reason" absent (not null) before the last chunk
        "delta.repeated-fields": W,  # every delta repeats "role":"assistant" (openai-python concatenates it)
        "usage.stream": W,  # usage on every chunk (choices non-empty), never a usage-only chunk
        "client.openai-python.stream": W,  # role accumulates as "assistantassistant…"; content/finish_reason right
    },
    info={"usage.stream"},  # usage on every chunk, not once
    says=[("client.openai-python.stream", W, "role")],
    # usage of the last chunk adds up (3+11=14); [DONE] and blank lines are there.
)

EXPECTED: dict[str, dict[str, Want]] = {}
EXPECTED.update(
    {
        "gemini-api-magentic-openai_chat_model_gemini_acomplete_Return-1-2-3-4-5-.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_acomplete_Return-True-.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_acomplete_Return-a-list-of-fruit.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_acomplete_Say-hello-.txt": {"interaction-0": _GEMINI_TEXT},
        "gemini-api-magentic-openai_chat_model_gemini_complete_Return-1-2-3-4-5-.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_complete_Return-True-.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_complete_Return-a-list-of-fruit.txt": {"interaction-0": _GEMINI_FORCED_TOOL},
        "gemini-api-magentic-openai_chat_model_gemini_complete_Say-hello-.txt": {"interaction-0": _GEMINI_TEXT},
        # Gemini API, non-streamed, pydantic-ai (parsed_body re-serialized).
        "gemini-api-pydantic-ai-tool-calls-without-id.yaml": {
            "interaction-0": want(
                {
                    "tool-calls.id": E,  # line 67: tool_calls[0].id is '' (pydantic-ai has to invent pyd_ai_… ids, line 104)
                    "schema.response": W,  # lines 54-68: message has no "content" and no "refusal"; choice has no "logprobs"
                    "usage.counts": E,  # lines 73-76: total_tokens 109 ≠ 35 + 12 (thinking tokens counted nowhere else)
                }
            ),
            "interaction-1": want(
                {
                    "schema.response": W,  # lines 140-149: no "refusal", no "logprobs"
                    "usage.counts": E,  # lines 154-157: total_tokens 100 ≠ 66 + 6
                }
            ),
        },
        # Ollama Cloud, non-streamed: only the nullable-required fields are missing.
        "ollama-cloud-pydantic-ai-prompted-output.yaml": {
            "interaction-0": want(
                {"schema.response": W},  # lines 47-54: message without "refusal", choice without "logprobs"
                # json_object asked (line 33), content is a JSON object (line 51); usage 172+88=260.
            ),
        },
        "ollama-cloud-pydantic-ai-tool-output.yaml": {
            "interaction-0": want(
                {"schema.response": W},  # lines 54-64: no "refusal", no "logprobs"; text answer with tool_choice auto is fine
            ),
            "interaction-1": want(
                {"schema.response": W},  # lines 151-169: no "refusal", no "logprobs"
                # tool call (id line 165) has a declared name, valid arguments, finish_reason tool_calls; usage 206+194=400.
            ),
        },
    }
)

# Ollama (llama3.1, magentic, stream + include_usage): tool call in the first chunk, "stop" in the second.
_TYPE_ERROR = [("client.openai-python.stream", E, "TypeError")]
_OLLAMA_FORCED_TOOL = {
    "tool-calls.index": E,  # line 8: tool_calls[0] is {"id":"call_…","type":"function","function":…}, no "index"
    "schema.chunk": W,  # line 8: the tool-call chunk lacks its required "index"
    "delta.repeated-fields": W,  # lines 8, 10: "role":"assistant" sent again in the second delta
    "usage.stream": E,  # include_usage asked (line 5), no chunk has "usage": the parameter is ignored
    "client.openai-python.stream": E,  # line 8: _build_events indexes tool_calls[None] -> TypeError
}
_OLLAMA_TEXT = want(
    {
        "chunk.identity": W,  # "created" moves (…924 -> …925 -> …926 / …915 -> …916 -> …917) within one stream
        "delta.repeated-fields": W,  # every delta repeats "role":"assistant"
        "usage.stream": E,  # include_usage asked (line 5), no chunk has "usage"
        "client.openai-python.stream": W,  # role accumulates as "assistantassistant…"; content/finish_reason right
    },
    says=[("client.openai-python.stream", W, "role")],
)

EXPECTED.update(
    {
        "ollama-magentic-openai_chat_model_acomplete_ollama_Return-1-2-3-4-5-.txt": {
            # line 8: arguments {"value":"[1, 2, 3, 4, 5]"}: a string where the declared schema wants an array of
            # integers; the tool is not strict, so the model straying is a warning.
            "interaction-0": want({**_OLLAMA_FORCED_TOOL, "tool-calls.arguments": W}, says=_TYPE_ERROR),
        },
        "ollama-magentic-openai_chat_model_acomplete_ollama_Return-True-.txt": {
            "interaction-0": want(_OLLAMA_FORCED_TOOL, says=_TYPE_ERROR),  # arguments {"value":true} are valid
        },
        "ollama-magentic-openai_chat_model_acomplete_ollama_Say-hello-.txt": {"interaction-0": _OLLAMA_TEXT},
        "ollama-magentic-openai_chat_model_complete_ollama_Return-1-2-3-4-5-.txt": {
            "interaction-0": want({**_OLLAMA_FORCED_TOOL, "tool-calls.arguments": W}, says=_TYPE_ERROR),  # line 8: "value" is a string
        },
        "ollama-magentic-openai_chat_model_complete_ollama_Return-True-.txt": {
            "interaction-0": want(_OLLAMA_FORCED_TOOL, says=_TYPE_ERROR),
        },
        "ollama-magentic-openai_chat_model_complete_ollama_Say-hello-.txt": {"interaction-0": _OLLAMA_TEXT},
        "ollama-mirascope-gemma3-4b-nonstream.txt": {
            "interaction-0": want({"schema.response": W}),  # line 8: no "refusal", no "logprobs"; usage 21+16=37
        },
        "ollama-pydantic-ai-native-output-json-schema.yaml": {
            # lines 48-55: no "refusal", no "logprobs"; the content (line 52) matches the json_schema (lines 24-38)
            "interaction-0": want({"schema.response": W}),
        },
        # Real api.openai.com through envoy's recorder.
        "openai-envoy-chat-bad-request.yaml": {
            # lines 14-24: max_tokens on gpt-5-nano, temperature -0.5, content null: a 400 is the right answer, and
            # the body (lines 41-48) is the full error envelope {code, message, param, type}.
            "interaction-0": want(status=400, info={"schema.request"}),
        },
        "openai-envoy-chat-streaming-detailed-usage.yaml": {
            # OpenAI itself (lines 46-52): service_tier, obfuscation, usage null then a usage-only chunk (12+100=112,
            # reasoning 100 inside completion); finish_reason "length" at max_completion_tokens 100, for which
            # openai-python raises LengthFinishReasonError by design (info). "system_fingerprint": null in every chunk
            # is typed string in the published spec: the policy names exactly this a warning (clients tolerate it).
            "interaction-0": want({"schema.chunk": W}, info={"client.openai-python.stream"}, says=[("schema.chunk", W, "'system_fingerprint': null is not of type 'string'")]),
        },
        "openai-envoy-chat-unknown-model.yaml": {
            # line 21: model gpt-4.1-nano-wrong; 404 with a full error envelope (lines 39-47)
            "interaction-0": want(status=404),
        },
        "openai-pydantic-ai-stream-tool-call-baseline.yaml": {
            "interaction-0": want(),  # lines 46-62: the reference tool-call stream (strict tool, index 0, id once)
            "interaction-1": want(),  # lines 139-161: the reference text stream; usage 78+9=87
        },
    }
)

EXPECTED.update(
    {
        # Google's Vertex docs samples (profile vertex).
        "vertex-docs-image-generation-response.txt": {
            # lines 19-62: image in message.audio with extra_content.google.mime_type (a documented Vertex
            # extension); data is the placeholder <BASE64_BYTES> (info); usage 7+1120+251=1378.
            "interaction-0": want(info={"output.media-data"}),
        },
        "vertex-docs-llama-maas-examples.txt": {
            # A template, not server output. Lines 71-104: the "stream" is pretty-printed JSON after `data:`, so the
            # first event's data is just "{" (lines 72-84 are field-less lines) and the second event has no closing
            # blank line; line 77 is not JSON either. No [DONE].
            "interaction-0": want(
                {
                    "sse.framing": E,  # line 71: data "{" is not JSON; the stream ends inside the last event
                    "sse.done": E,  # no data: [DONE] anywhere
                    "client.openai-python.stream": E,  # openai-python json-decodes "{" and raises
                },
                streamed=True,  # line 26: "stream": true (the request itself is a template, not JSON)
            ),
            # Lines 192-211: line 200 `"refusal: "REFUSAL_REASON" #If using…` is not JSON; the docs show no headers and
            # the importer infers none for a body that is not JSON, so the answer has no Content-Type.
            "interaction-1": want(
                {"json.body": E, "http.content-type": E},
                streamed=False,  # line 147: "stream": false
            ),
        },
        "vertex-docs-maas-thinking-examples.txt": {
            # The docs renderer hard-wraps long strings (a raw line break inside a JSON string is not JSON): those
            # bodies fail json.body, and without JSON the importer infers no Content-Type.
            "interaction-0": want({"json.body": E, "http.content-type": E}),  # lines 36-58: DeepSeek R1 content wrapped
            "interaction-1": want({"json.body": E, "http.content-type": E}),  # lines 107-113: DeepSeek v3.1 content wrapped
            "interaction-2": want(
                {"schema.response": W},  # lines 167, 186: "tool_calls": null and "prompt_tokens_details": null (not nullable)
            ),
            "interaction-3": want({"json.body": E, "http.content-type": E}),  # lines 220-260: Kimi reasoning_content wrapped
            "interaction-4": want({"json.body": E, "http.content-type": E}),  # lines 314-353: Qwen content wrapped
            "interaction-5": want({"json.body": E, "http.content-type": E}),  # lines 403-417: GPT OSS content wrapped
            "interaction-6": want({"schema.response": W}),  # line 471: "tool_calls": null (Minimax; 26+259=285)
            "interaction-7": want({"schema.response": W}),  # lines 530, 549: tool_calls null, prompt_tokens_details null
            "interaction-8": want({"schema.response": W}),  # lines 587, 606: tool_calls null, prompt_tokens_details null
            "interaction-9": want({"schema.response": W}),  # line 647: "tool_calls": null (Gemma 4; 19+341=360)
        },
        "vertex-docs-multimodal-function-response.txt": {
            # lines 79-106: plain text answer, logprobs null, no refusal (Vertex profile), usage 1139+16=1155
            "interaction-0": want(),
        },
        "vertex-docs-stream-function-call-arguments.txt": {
            "interaction-0": want(
                {
                    # line 56: id c855… has index 1, lines 58-66: index 0; line 68: id df0d… index 0, lines 70-78: index 1
                    "tool-calls.index-stable": E,
                    # lines 56-78: every delta repeats "id" and "function.name" (error) and "role" (warning)
                    "delta.repeated-fields": E,
                    # line 56 then 58: openai-python inserts the index-1 call at position 0, then indexes tool_calls[1]
                    "client.openai-python.stream": E,
                    # line 80: `data: [DONE]` is the file's last line, with no blank line after it: a WHATWG parser
                    # (and openai-python's SSEDecoder) never dispatches that event, so the stream ends without [DONE]
                    "sse.done": E,
                    # line 78: usage on the last chunk although stream_options.include_usage was not sent (lines 14-53)
                    "usage.stream": W,
                },
                # the unterminated [DONE] is the same fact as sse.done, told once at error there
                info={"sse.framing"},
                says=[
                    ("tool-calls.index-stable", E, "index changes"),
                    ("tool-calls.index-stable", E, "two different call ids"),
                    ("delta.repeated-fields", E, "tool-call id"),
                    ("delta.repeated-fields", E, "tool-call function.name"),
                    ("delta.repeated-fields", W, "role"),
                    ("client.openai-python.stream", E, "IndexError"),
                    ("sse.done", E, "no blank line"),
                ],
                # finish_reason absent until line 78 and refusal absent are documented Vertex behaviour (profile);
                # arguments accumulate to valid JSON by id; usage 27+45+504=576 (Vertex accounting).
            ),
        },
        "vllm-crusoe-pydantic-ai-streaming.yaml": {
            # lines 31-63: vLLM extras (prompt_token_ids, token_ids, stop_reason), system_fingerprint only on the final
            # usage-only chunk (choices []), include_usage honoured, 46+14=60: a clean stream
            "interaction-0": want(),
        },
    }
)


# Findings that contradict the reading above because a schema file (owned elsewhere) is wrong, not the
# server: tolerated here only while they still fire, so fixing the schema makes the test say so.


# -- judging -------------------------------------------------------------------------------------------




def _cases() -> list[tuple[str, str]]:
    return [(name, step) for name, steps in EXPECTED.items() for step in steps]


_JUDGED: dict[tuple[str, str], list] = {}


def _judge(name: str, step_name: str):
    key = (name, step_name)
    if key in _JUDGED:
        return _JUDGED[key]
    require_recordings()
    path = RECORDINGS / name
    if not path.is_file():
        pytest.fail(f"reference recording {name} missing from {RECORDINGS}")
    cassette = import_foreign(path)
    exchange = next((e for e in cassette.exchanges if e.step == step_name), None)
    if exchange is None:
        pytest.fail(f"{name} has no exchange {step_name}")
    try:
        request = json.loads(exchange.request.body) if exchange.request.body else None
    except ValueError:
        request = None  # a docs template with placeholders
    if not isinstance(request, dict):
        request = None
    reading = EXPECTED[name][step_name]
    step = Step(
        name=step_name,
        body=request or {},
        expect=Expect(status=reading.status, streamed=reading.streamed),
    )
    profile = "vertex" if name.startswith("vertex-docs-") else "openai"
    findings = judge_exchange(exchange, step, request=request, profile=profile).findings
    _JUDGED[key] = findings
    return findings


def _describe(findings) -> str:
    return "\n".join(f"  {f.severity}: {f.rule}: {f.message}" for f in findings)


def test_every_recording_and_exchange_has_an_expectation():
    require_recordings()
    on_disk = {p.name: [e.step for e in import_foreign(p).exchanges] for p in recording_files()}
    assert sorted(on_disk) == sorted(EXPECTED), "a recording was added or removed: read it and write its expectation"
    for name, steps in on_disk.items():
        assert steps == list(EXPECTED[name]), f"{name}: exchanges {steps}, expectations for {list(EXPECTED[name])}"


@pytest.mark.parametrize(("name", "step"), _cases(), ids=[f"{n}::{s}" for n, s in _cases()])
def test_rules_fire_as_read(name: str, step: str):
    reading = EXPECTED[name][step]
    findings = _judge(name, step)
    worst: dict[str, Severity] = {}
    for finding in findings:
        worst[finding.rule] = max(worst.get(finding.rule, finding.severity), finding.severity)
    above_info = {rule: str(severity) for rule, severity in worst.items() if severity > Severity.INFO}
    assert above_info == reading.fire, f"{name} {step}: harness says\n{_describe(findings)}"
    at_info = {f.rule for f in findings if f.severity is Severity.INFO}
    missing = reading.info - at_info
    assert not missing, f"{name} {step}: expected info findings of {sorted(missing)}; harness says\n{_describe(findings)}"
    for rule, severity, words in reading.says:
        assert any(f.rule == rule and str(f.severity) == severity and words in f.message for f in findings), (
            f"{name} {step}: expected a {severity} {rule} finding about {words!r}; harness says\n{_describe(findings)}"
        )


@pytest.mark.parametrize(("name", "step"), _cases(), ids=[f"{n}::{s}" for n, s in _cases()])
def test_verdict_as_read(name: str, step: str):
    assert str(verdict_for(_judge(name, step))) == EXPECTED[name][step].verdict
