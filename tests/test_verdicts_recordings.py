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
from typing import Any

import pytest

from harness.cases import Expect, Step
from harness.runner import verdict_for
from harness.importers import import_foreign
from harness.validators import judge_exchange
from harness.validators import Severity

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
    clients: tuple[tuple[str, str, str], ...] = ()
    """(client, outcome, words): what each real client does with the bytes; a client not named is ok
    (or not-run, for a request it refuses to send). `words` must be in the outcome's detail."""
    attached: tuple[tuple[str, str], ...] = ()
    """(client, rule): the finding a client's failure hangs on (one fact, one error)."""

    @property
    def verdict(self) -> str:
        if E in self.fire.values():
            return "fail"
        return "warn" if self.fire else "pass"


def want(fire: dict[str, str] | None = None, *, info=(), status: int = 200, streamed: bool | None = None, says=(), clients=(), attached=()) -> Want:
    return Want(dict(fire or {}), frozenset(info), status, streamed, tuple(says), tuple(clients), tuple(attached))


# -- the expectations --------------------------------------------------------------------------------

# Shape findings (schema.*, chunk.identity, chunk.object) are info when every client tolerates them
# and an error when one breaks on them; below, a shape finding not listed is a note every client
# tolerated (missing refusal/logprobs, no chunk id, nulls the spec does not allow). Client outcomes
# are what the four pinned clients do with these exact bytes, read against the lines cited.

# Gemini API (magentic, openai-python, stream + include_usage, named tool_choice): the whole answer is
# one chunk at line 8; the file is one text dump per case.
_NO_INDEX = (
    ("openai-python", "breaks", "TypeError"),  # line 8: ChatCompletionStreamState indexes tool_calls[None]
    ("openai-node", "breaks", "invalid tool call index: undefined"),  # line 8: finalChatCompletion refuses a call without index
)
_GEMINI_FORCED_TOOL = want(
    {
        "tool-calls.index": E,  # line 8: tool_calls[0] is {"function":…,"id":"","type":"function"}, no "index"
        "tool-calls.id": E,  # line 8: "id":"" — a tool result cannot reference this call
        "usage.stream": W,  # line 8: include_usage asked; usage rides on the chunk with choices, no usage-only chunk
    },
    # finish_reason "stop" with a tool call is what OpenAI itself does for a named tool_choice: not flagged.
    # arguments match the declared parameters; usage adds up (25+8=33, 8+4=12, 14+11=25). The AI SDK and
    # LangChain key calls by position when the index is missing: they assemble the one call right.
    clients=_NO_INDEX,
    attached=(("openai-python", "tool-calls.index"), ("openai-node", "tool-calls.index")),
)

_GEMINI_TEXT = want(
    {
        "delta.repeated-fields": W,  # every delta repeats "role":"assistant" (openai-python concatenates it)
        "usage.stream": W,  # usage on every chunk (choices non-empty), never a usage-only chunk
        # lines 8-12: every chunk carries usage, the first two {prompt 4, completion 0, total 4}, the last
        # {3, 11, 14}: openai-node keeps the first chunk's usage, LangChain adds them all up
        "client.openai-node": E,
        "client.langchain-openai": E,
    },
    info={"usage.stream"},  # usage on every chunk, not once
    clients=(
        ("openai-python", "mis-assembles", "/choices/0/message/role"),  # "assistantassistant…" (a warning: rarely read)
        ("openai-node", "mis-assembles", "/usage/prompt_tokens: got 4, meant 3"),
        ("langchain-openai", "mis-assembles", "/usage/prompt_tokens"),
    ),
    attached=(("openai-python", "delta.repeated-fields"), ("openai-node", "client.openai-node"), ("langchain-openai", "client.langchain-openai")),
    says=[("client.openai-node", E, "related: usage.stream")],
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
                    "usage.counts": E,  # lines 73-76: total_tokens 109 ≠ 35 + 12 (thinking tokens counted nowhere else)
                },
                info={"schema.response"},  # lines 54-68: no "content", no "refusal", no "logprobs": every client copes
                # The AI SDK computes its total as input + output (47), never reading the server's 109.
                clients=(("ai-sdk", "mis-assembles", "/usage/total_tokens: got 47, meant 109"),),
                attached=(("ai-sdk", "usage.counts"),),
            ),
            "interaction-1": want(
                {"usage.counts": E},  # lines 154-157: total_tokens 100 ≠ 66 + 6
                info={"schema.response"},  # lines 140-149: no "refusal", no "logprobs"
                clients=(("ai-sdk", "mis-assembles", "/usage/total_tokens: got 72, meant 100"),),
                attached=(("ai-sdk", "usage.counts"),),
            ),
        },
        # Ollama Cloud, non-streamed: only the nullable-required fields are missing, and no client minds.
        "ollama-cloud-pydantic-ai-prompted-output.yaml": {
            # lines 47-54: message without "refusal", choice without "logprobs"; json_object asked (line 33), content is
            # a JSON object (line 51); usage 172+88=260.
            "interaction-0": want(info={"schema.response"}),
        },
        "ollama-cloud-pydantic-ai-tool-output.yaml": {
            # lines 54-64: no "refusal", no "logprobs"; text answer with tool_choice auto is fine
            "interaction-0": want(info={"schema.response"}),
            # lines 151-169: tool call (id line 165) has a declared name, valid arguments, finish_reason tool_calls; 206+194=400
            "interaction-1": want(info={"schema.response"}),
        },
    }
)

# Ollama (llama3.1, magentic, stream + include_usage): tool call in the first chunk, "stop" in the second.
_OLLAMA_FORCED_TOOL = {
    "tool-calls.index": E,  # line 8: tool_calls[0] is {"id":"call_…","type":"function","function":…}, no "index"
    "delta.repeated-fields": W,  # lines 8, 10: "role":"assistant" sent again in the second delta
    "usage.stream": E,  # include_usage asked (line 5), no chunk has "usage": the parameter is ignored
}
_OLLAMA_TOOL_CLIENTS = dict(clients=_NO_INDEX, attached=(("openai-python", "tool-calls.index"), ("openai-node", "tool-calls.index")))
_OLLAMA_TEXT = want(
    {
        "delta.repeated-fields": W,  # every delta repeats "role":"assistant"
        "usage.stream": E,  # include_usage asked (line 5), no chunk has "usage"
    },
    # "created" moves (…924 -> …925 -> …926 / …915 -> …916 -> …917) within one stream: every client keeps one
    info={"chunk.identity"},
    clients=(("openai-python", "mis-assembles", "/choices/0/message/role"),),  # role accumulates as "assistantassistant…"
    attached=(("openai-python", "delta.repeated-fields"),),
)

EXPECTED.update(
    {
        "ollama-magentic-openai_chat_model_acomplete_ollama_Return-1-2-3-4-5-.txt": {
            # line 8: arguments {"value":"[1, 2, 3, 4, 5]"}: a string where the declared schema wants an array of
            # integers; the tool is not strict, so the model straying is a warning.
            "interaction-0": want({**_OLLAMA_FORCED_TOOL, "tool-calls.arguments": W}, **_OLLAMA_TOOL_CLIENTS),
        },
        "ollama-magentic-openai_chat_model_acomplete_ollama_Return-True-.txt": {
            "interaction-0": want(_OLLAMA_FORCED_TOOL, **_OLLAMA_TOOL_CLIENTS),  # arguments {"value":true} are valid
        },
        "ollama-magentic-openai_chat_model_acomplete_ollama_Say-hello-.txt": {"interaction-0": _OLLAMA_TEXT},
        "ollama-magentic-openai_chat_model_complete_ollama_Return-1-2-3-4-5-.txt": {
            "interaction-0": want({**_OLLAMA_FORCED_TOOL, "tool-calls.arguments": W}, **_OLLAMA_TOOL_CLIENTS),  # line 8: "value" is a string
        },
        "ollama-magentic-openai_chat_model_complete_ollama_Return-True-.txt": {
            "interaction-0": want(_OLLAMA_FORCED_TOOL, **_OLLAMA_TOOL_CLIENTS),
        },
        "ollama-magentic-openai_chat_model_complete_ollama_Say-hello-.txt": {"interaction-0": _OLLAMA_TEXT},
        "ollama-mirascope-gemma3-4b-nonstream.txt": {
            "interaction-0": want(info={"schema.response"}),  # line 8: no "refusal", no "logprobs"; usage 21+16=37
        },
        "ollama-pydantic-ai-native-output-json-schema.yaml": {
            # lines 48-55: no "refusal", no "logprobs"; the content (line 52) matches the json_schema (lines 24-38),
            # so openai-python's parse path is fine too
            "interaction-0": want(info={"schema.response"}),
        },
        # Real api.openai.com through envoy's recorder.
        "openai-envoy-chat-bad-request.yaml": {
            # lines 14-24: max_tokens on gpt-5-nano, temperature -0.5, content null: a 400 is the right answer, and
            # the body (lines 41-48) is the full error envelope {code, message, param, type}. The clients raise their
            # status errors (ok); the AI SDK refuses max_tokens 0 before sending anything (not-run).
            "interaction-0": want(status=400, info={"schema.request"}, clients=(("ai-sdk", "not-run", "maxOutputTokens must be >= 1"),)),
        },
        "openai-envoy-chat-streaming-detailed-usage.yaml": {
            # OpenAI itself (lines 46-52): service_tier, obfuscation, usage null then a usage-only chunk (12+100=112,
            # reasoning 100 inside completion); finish_reason "length" at max_completion_tokens 100, for which
            # openai-python raises LengthFinishReasonError by design (ok). "system_fingerprint": null in every chunk
            # is typed string in the published spec, and every client tolerates it: a note.
            "interaction-0": want(
                info={"schema.chunk"},
                says=[("schema.chunk", "info", "'system_fingerprint': null is not of type 'string'")],
                clients=(("openai-python", "ok", "LengthFinishReasonError"),),
            ),
        },
        "openai-envoy-chat-unknown-model.yaml": {
            # line 21: model gpt-4.1-nano-wrong; 404 with a full error envelope (lines 39-47): every client raises its
            # not-found error, as it should
            "interaction-0": want(status=404, clients=tuple((name, "ok", "404") for name in ("openai-python", "openai-node", "ai-sdk", "langchain-openai"))),
        },
        "openai-pydantic-ai-stream-tool-call-baseline.yaml": {
            "interaction-0": want(),  # lines 46-62: the reference tool-call stream (strict tool, index 0, id once)
            "interaction-1": want(),  # lines 139-161: the reference text stream; usage 78+9=87
        },
    }
)

_NOT_JSON = (  # a body that is not JSON and not served as JSON: what each client hands over
    ("openai-python", "breaks", "returned a str, not a ChatCompletion"),  # the body's text, not a completion
    ("ai-sdk", "breaks", "Invalid JSON response"),
    ("langchain-openai", "breaks", "Unexpected response type"),
)
_NOT_JSON_ATTACHED = tuple((name, "http.content-type") for name in ("openai-python", "ai-sdk", "langchain-openai"))

EXPECTED.update(
    {
        # Google's Vertex docs samples (profile vertex).
        "vertex-docs-image-generation-response.txt": {
            # lines 19-62: image in message.audio with extra_content.google.mime_type (a documented Vertex
            # extension); data is the placeholder <BASE64_BYTES> (info); usage 7+1120+251=1378. The AI SDK adds
            # input and output itself (1127): with Vertex's accounting that is a limitation of the client (info).
            "interaction-0": want(
                info={"output.media-data", "client.ai-sdk"},
                clients=(("ai-sdk", "mis-assembles", "/usage/total_tokens: got 1127, meant 1378"),),
                attached=(("ai-sdk", "client.ai-sdk"),),
                says=[("client.ai-sdk", "info", "spec-valid")],
            ),
        },
        "vertex-docs-llama-maas-examples.txt": {
            # A template, not server output. Lines 71-104: the "stream" is pretty-printed JSON after `data:`, so the
            # first event's data is just "{" (lines 72-84 are field-less lines) and the second event has no closing
            # blank line; line 77 is not JSON either. No [DONE].
            "interaction-0": want(
                {
                    "sse.framing": E,  # line 71: data "{" is not JSON; the stream ends inside the last event
                    "sse.done": E,  # no data: [DONE] anywhere
                },
                streamed=True,  # line 26: "stream": true (the request itself is a template, not JSON)
                # every client json-decodes "{" at event 0 and raises
                clients=(
                    ("openai-python", "breaks", "JSONDecodeError"),
                    ("openai-node", "breaks", "malformed server-sent event JSON"),
                    ("ai-sdk", "breaks", "JSONParseError"),
                    ("langchain-openai", "breaks", "JSONDecodeError"),
                ),
                attached=tuple((name, "sse.framing") for name in ("openai-python", "openai-node", "ai-sdk", "langchain-openai")),
            ),
            # Lines 192-211: line 200 `"refusal: "REFUSAL_REASON" #If using…` is not JSON; the docs show no headers and
            # the importer infers none for a body that is not JSON, so the answer has no Content-Type.
            "interaction-1": want(
                {"json.body": E, "http.content-type": E},
                streamed=False,  # line 147: "stream": false
                clients=_NOT_JSON,
                attached=_NOT_JSON_ATTACHED,
            ),
        },
        "vertex-docs-maas-thinking-examples.txt": {
            # The docs renderer hard-wraps long strings (a raw line break inside a JSON string is not JSON): those
            # bodies fail json.body, and without JSON the importer infers no Content-Type.
            "interaction-0": want({"json.body": E, "http.content-type": E}, clients=_NOT_JSON, attached=_NOT_JSON_ATTACHED),  # lines 36-58: DeepSeek R1
            "interaction-1": want({"json.body": E, "http.content-type": E}, clients=_NOT_JSON, attached=_NOT_JSON_ATTACHED),  # lines 107-113: DeepSeek v3.1
            # lines 167, 186: "tool_calls": null and "prompt_tokens_details": null (not nullable): every client copes
            "interaction-2": want(info={"schema.response"}),
            "interaction-3": want({"json.body": E, "http.content-type": E}, clients=_NOT_JSON, attached=_NOT_JSON_ATTACHED),  # lines 220-260: Kimi
            "interaction-4": want({"json.body": E, "http.content-type": E}, clients=_NOT_JSON, attached=_NOT_JSON_ATTACHED),  # lines 314-353: Qwen
            "interaction-5": want({"json.body": E, "http.content-type": E}, clients=_NOT_JSON, attached=_NOT_JSON_ATTACHED),  # lines 403-417: GPT OSS
            "interaction-6": want(info={"schema.response"}),  # line 471: "tool_calls": null (Minimax; 26+259=285)
            "interaction-7": want(info={"schema.response"}),  # lines 530, 549: tool_calls null, prompt_tokens_details null
            "interaction-8": want(info={"schema.response"}),  # lines 587, 606: tool_calls null, prompt_tokens_details null
            "interaction-9": want(info={"schema.response"}),  # line 647: "tool_calls": null (Gemma 4; 19+341=360)
        },
        "vertex-docs-multimodal-function-response.txt": {
            # lines 79-106: plain text answer, logprobs null, no refusal (Vertex profile), usage 1139+16=1155
            "interaction-0": want(),
        },
        "vertex-docs-stream-function-call-arguments.txt": {
            "interaction-0": want(
                {
                    # line 56: the first tool call starts at index 1, with no call 0 before it
                    "tool-calls.index": E,
                    # line 56: id c855… has index 1, lines 58-66: index 0; line 68: id df0d… index 0, lines 70-78: index 1
                    "tool-calls.index-stable": E,
                    # lines 56-78: every delta repeats "id" and "function.name" (error) and "role" (warning)
                    "delta.repeated-fields": E,
                    # line 80: `data: [DONE]` is the file's last line, with no blank line after it: a WHATWG parser
                    # (and openai-python's SSEDecoder) never dispatches that event, so the stream ends without [DONE]
                    "sse.done": E,
                    # line 78: usage on the last chunk although stream_options.include_usage was not sent (lines 14-53)
                    "usage.stream": W,
                },
                # the unterminated [DONE] is the same fact as sse.done, told once at error there
                info={"sse.framing"},
                says=[
                    ("tool-calls.index", E, "starts at index 1"),
                    ("tool-calls.index-stable", E, "index changes"),
                    ("tool-calls.index-stable", E, "two different call ids"),
                    ("delta.repeated-fields", E, "tool-call id"),
                    ("delta.repeated-fields", E, "tool-call function.name"),
                    ("delta.repeated-fields", W, "role"),
                    ("sse.done", E, "no blank line"),
                ],
                # finish_reason absent until line 78 and refusal absent are documented Vertex behaviour (profile);
                # arguments accumulate to valid JSON by id; usage 27+45+504=576 (Vertex accounting).
                clients=(
                    ("openai-python", "breaks", "IndexError"),  # line 56: a call at index 1 of an empty list
                    ("openai-node", "mis-assembles", "/choices/0/message/tool_calls/0/id"),  # both calls end up with one id
                    ("ai-sdk", "mis-assembles", "tool_calls: got 4, meant 2"),  # each id/name repeat starts a call
                    ("langchain-openai", "mis-assembles", "tool_calls: got 4, meant 2"),  # names concatenated by index
                ),
                attached=(
                    ("openai-python", "tool-calls.index"),
                    ("openai-node", "delta.repeated-fields"),
                    ("ai-sdk", "delta.repeated-fields"),
                    ("langchain-openai", "delta.repeated-fields"),
                ),
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


_JUDGED: dict[tuple[str, str], Any] = {}


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
    judgement = judge_exchange(exchange, step, request=request, profile=profile, clients=_clients())
    _JUDGED[key] = judgement
    return judgement


_PANEL: list = []


def _clients():
    """Every registered client, on one client layer for the module (installed by the test command)."""
    if not _PANEL:
        from harness.clients import ClientRunner, available_clients, drivers
        from harness.validators import ClientPanel

        missing = sorted(set(drivers()) - set(available_clients()))
        if missing:
            pytest.fail(f"clients not installed: {missing}; run `chat-conformance clients install`")
        _PANEL.append(ClientPanel(ClientRunner(), None))
    return _PANEL[0]


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
    findings = _judge(name, step).findings
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
def test_clients_do_as_read(name: str, step: str):
    reading = EXPECTED[name][step]
    judgement = _judge(name, step)
    outcomes = {o.name: o for o in judgement.clients}
    assert list(outcomes) == ["openai-python", "openai-node", "ai-sdk", "langchain-openai"]
    expected = {client: (outcome, words) for client, outcome, words in reading.clients}
    for client, outcome in outcomes.items():
        want_outcome, words = expected.get(client, ("ok", ""))
        assert str(outcome.outcome) == want_outcome, f"{name} {step}: {client} {outcome.outcome}: {outcome.detail}"
        assert words in outcome.detail, f"{name} {step}: {client}: {words!r} not in {outcome.detail!r}"
    hung = {note.name: f.rule for f in judgement.findings for note in f.clients}
    assert hung == dict(reading.attached), f"{name} {step}: client outcomes attached to {hung}"


@pytest.mark.parametrize(("name", "step"), _cases(), ids=[f"{n}::{s}" for n, s in _cases()])
def test_verdict_as_read(name: str, step: str):
    assert str(verdict_for(_judge(name, step).findings)) == EXPECTED[name][step].verdict
