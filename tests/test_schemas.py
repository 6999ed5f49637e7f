"""The generated JSON Schemas (scripts/build_schemas.py) and their compiled validators.

Real data is read at test time from the shared reference folder (recordings and the seed page),
never copied here, so the tests judge exactly what the servers and Google's docs show.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from functools import cache
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from harness.validators._schemas import MAX_ISSUES, PROFILES, SchemaIssue, profile_schemas

from .conftest import REPO, SEED, SHARED, read_reference

SCHEMAS = REPO / "schemas"
RECORDINGS = SHARED / "spec" / "recordings"
GENERATED = sorted(path for profile in PROFILES for path in (SCHEMAS / profile).glob("*.schema.json"))
MARKER = "x-usage-accounting"


@cache
def build_schemas():
    spec = importlib.util.spec_from_file_location("build_schemas", REPO / "scripts" / "build_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def messages(issues: list[SchemaIssue]) -> list[str]:
    return [str(issue) for issue in issues]


# -- reading the reference material ----------------------------------------------------------------
def sse_payloads(text: str) -> list[dict]:
    """The JSON payloads of the `data:` lines of an SSE body ([DONE] left out)."""
    return [json.loads(match) for match in re.findall(r"^\s*data: (\{.*\})\s*$", text, re.M)]


def recording(name: str) -> dict:
    """A VCR/go-vcr cassette from shared/spec/recordings (YAML after its comment header)."""
    return yaml.safe_load(read_reference(RECORDINGS / name))


@cache
def seed_lines() -> list[str]:
    return read_reference(SEED).splitlines()


def seed_from(*markers: str) -> str:
    """The seed page from the line after the last of `markers` (each searched after the previous)."""
    lines, at = seed_lines(), 0
    for marker in markers:
        at = lines.index(marker, at) + 1
    return "\n".join(lines[at:])


def first_json(text: str) -> Any:
    """The JSON value that starts at the first `{` of `text`, with curl's `\\` line continuations removed."""
    text = re.sub(r"\\\n", "\n", text)
    value, _ = json.JSONDecoder().raw_decode(text[text.index("{"):])
    return value


def seed_curl_body(*markers: str) -> dict:
    """The `-d '...'` body of the first curl command after the markers."""
    text = seed_from(*markers)
    return first_json(text[text.index("-d '"):])


# -- the build -------------------------------------------------------------------------------------
def test_committed_schemas_are_current():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_schemas.py"), "--check"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_reachability_gives_the_76_components_of_the_cut():
    module = build_schemas()
    folder = module.spec_dir(None)
    spec = module.load_yaml(folder / module.SPEC_FILE)
    expected = set(module.load_yaml(folder / module.SUBSET_FILE)["components"]["schemas"])
    from_roots, from_paths = module.chat_component_names(spec)
    assert len(expected) == 76
    assert from_roots | from_paths == expected
    # The five root schemas reach 73; the list, delete and messages operations of the
    # /chat/completions paths add the other three.
    assert expected - from_roots == {"ChatCompletionList", "ChatCompletionDeleted", "ChatCompletionMessageList"}
    assert set(load(SCHEMAS / "openai" / "chat-completions.schema.json")["$defs"]) == expected


def test_cross_check_fails_loudly():
    module = build_schemas()
    with pytest.raises(module.BuildError, match="only reached"):
        module.cross_check({"Error", "Extra"}, {"components": {"schemas": {"Error": {}}}})


def test_patch_operations():
    module = build_schemas()
    defs = {"A": {"type": "object", "properties": {"x": {"type": "string", "enum": ["a"]}}, "required": ["x"]}}

    def patch(**fields):
        module.apply_patch(defs, {"why": "w", "cite": "c", "def": "A", **fields}, "test")

    patch(op="any_of_add", pointer="/properties/x", value={"type": "integer"})
    assert defs["A"]["properties"]["x"] == {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "integer"}]}
    patch(op="any_of_add", pointer="/properties/x", value={"type": "null"})
    assert len(defs["A"]["properties"]["x"]["anyOf"]) == 3
    patch(op="add", pointer="/properties/x/anyOf/0/enum/-", value="b")
    assert defs["A"]["properties"]["x"]["anyOf"][0]["enum"] == ["a", "b"]
    patch(op="merge", pointer="/properties", value={"y": {"type": "boolean"}})
    assert set(defs["A"]["properties"]) == {"x", "y"}
    with pytest.raises(module.BuildError, match="already exists"):
        patch(op="add", pointer="/properties/y", value={})
    with pytest.raises(module.BuildError, match="the spec moved"):
        patch(op="replace", pointer="/required", expect=["z"], value=[])
    with pytest.raises(module.BuildError, match="would overwrite"):
        patch(op="merge", pointer="/properties", value={"y": 1})
    with pytest.raises(module.BuildError, match="no definition"):
        module.apply_patch(defs, {"def": "B", "op": "add", "pointer": "/x", "value": 1}, "test")
    with pytest.raises(module.BuildError, match="cited file"):
        module.check_cite("spec/nothing.txt:1-2 section", SHARED, "test")
    with pytest.raises(module.BuildError, match="outside"):
        module.check_cite("seed/INDEX.md:1-99999", SHARED, "test")


def test_converter_refuses_unknown_keywords():
    module = build_schemas()
    assert module.convert({"type": "string", "nullable": True, "x-foo": 1, "example": "a"}, "#") == {
        "anyOf": [{"type": "string", "examples": ["a"]}, {"type": "null"}]
    }
    with pytest.raises(module.BuildError, match="unknown keyword 'xml'"):
        module.convert({"type": "string", "xml": {"name": "a"}}, "#")
    with pytest.raises(module.BuildError, match="bare propertyName"):
        module.convert({"oneOf": [{}], "discriminator": {"propertyName": "t", "mapping": {}}}, "#")


@pytest.mark.parametrize("path", GENERATED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_generated_schema_is_valid_2020_12(path):
    Draft202012Validator.check_schema(load(path))


def test_all_profiles_generated():
    assert len(GENERATED) == 5 * len(PROFILES)


NAME_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
DATA = {"enum", "const", "default", "examples"}


def openapi_leftovers(node: Any, where: str = "#") -> list[str]:
    """OpenAPI-only keywords (and refs into components) anywhere a schema keyword can sit."""
    found = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found += openapi_leftovers(item, f"{where}/{index}")
    elif isinstance(node, dict):
        for key, value in node.items():
            at = f"{where}/{key}"
            if key in ("nullable", "discriminator", "example") or (key.startswith("x-") and at != f"#/{MARKER}"):
                found.append(at)
            if key == "$ref" and "#/components/" in value:
                found.append(f"{at} = {value}")
            if key in NAME_MAPS:
                for name, schema in value.items():
                    found += openapi_leftovers(schema, f"{at}/{name}")
            elif key not in DATA:
                found += openapi_leftovers(value, at)
    return found


@pytest.mark.parametrize("profile", PROFILES)
def test_no_openapi_leftovers(profile):
    document = load(SCHEMAS / profile / "chat-completions.schema.json")
    assert openapi_leftovers(document) == []
    assert "type" not in document  # no root type: the entries pick a definition
    for entry in ("request", "response", "chunk", "error"):
        assert load(SCHEMAS / profile / f"{entry}.schema.json")["$ref"].startswith("chat-completions.schema.json#/$defs/")


def test_conversion_rules():
    defs = load(SCHEMAS / "openai" / "chat-completions.schema.json")["$defs"]
    # nullable: true beside enum wraps the whole subschema
    finish = defs["CreateChatCompletionStreamResponse"]["properties"]["choices"]["items"]["properties"]["finish_reason"]
    assert finish["anyOf"][1] == {"type": "null"} and "enum" in finish["anyOf"][0]
    # nullable beside $ref
    usage = defs["CreateChatCompletionStreamResponse"]["properties"]["usage"]
    assert usage["anyOf"][0]["$ref"] == "#/$defs/CompletionUsage"
    # x-stainless-const → const; example → examples
    assert defs["CreateChatCompletionResponse"]["properties"]["object"]["const"] == "chat.completion"
    assert defs["ModelIdsShared"]["examples"] == ["gpt-5.4"]
    # discriminator dropped, oneOf kept
    assert "oneOf" in defs["ChatCompletionRequestMessage"] and "discriminator" not in defs["ChatCompletionRequestMessage"]


def test_usage_accounting_markers():
    assert load(SCHEMAS / "openai" / "chat-completions.schema.json")[MARKER] == "total = prompt + completion"
    assert load(SCHEMAS / "vertex" / "chat-completions.schema.json")[MARKER] == "total = prompt + completion + reasoning"
    assert profile_schemas("openai").usage_accounting == "total = prompt + completion"
    assert profile_schemas("vertex").usage_accounting == "total = prompt + completion + reasoning"


def test_vertex_only_adds_to_openai():
    """Every openai definition is still there; the new ones are the overlay's own."""
    openai = load(SCHEMAS / "openai" / "chat-completions.schema.json")["$defs"]
    vertex = load(SCHEMAS / "vertex" / "chat-completions.schema.json")["$defs"]
    assert set(openai) <= set(vertex)
    assert set(vertex) - set(openai) == {"VertexExtraBody", "VertexExtraContent"}
    overlay = yaml.safe_load((SCHEMAS / "profiles" / "vertex.yaml").read_text(encoding="utf-8"))
    for patch in overlay["patches"]:
        assert patch["why"].strip() and "\n" not in patch["why"].strip()
        assert (SHARED / patch["cite"].split(":")[0]).is_file()


# -- the validators --------------------------------------------------------------------------------
def test_unknown_profile():
    with pytest.raises(ValueError, match="openai, vertex"):
        profile_schemas("gemini")


def test_compiled_once():
    assert profile_schemas("vertex") is profile_schemas("vertex")


CHUNK = {
    "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
    "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
}


@pytest.mark.parametrize("profile", PROFILES)
def test_nullable_finish_reason(profile):
    schemas = profile_schemas(profile)
    assert schemas.chunk(CHUNK) == []
    empty = json.loads(json.dumps(CHUNK))
    empty["choices"][0]["finish_reason"] = ""
    issues = schemas.chunk(empty)
    assert [(issue.pointer, issue.keyword) for issue in issues] == [("/choices/0/finish_reason", "enum")]
    assert issues[0].message.startswith("'finish_reason': '' is not one of ['stop', 'length'")
    assert issues[0].schema_path.endswith("/properties/finish_reason/anyOf/0/enum")


def test_required_message_and_schema_path():
    response = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": "Hi"}}]}
    issues = profile_schemas("openai").response(response)
    assert issues == [SchemaIssue("/choices/0/message", "missing required property 'refusal'", "required",
                                  "#/$defs/ChatCompletionResponseMessage/required")]
    assert profile_schemas("vertex").response(response) == []


def test_one_of_reports_the_meant_branch():
    """The discriminator is gone, yet a bad part is judged as the shape its tag names."""
    request = {"model": "m", "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"detail": "low"}}]},
        {"role": "usr", "content": "x"},
    ]}
    assert messages(profile_schemas("openai").request(request)) == [
        "/messages/0/content/0/image_url: missing required property 'url'",
        "/messages/1/role: 'role': 'usr' is not one of ['developer', 'system', 'user', 'assistant', 'tool', 'function']",
    ]


def test_issues_are_sorted_and_capped():
    request = {"model": "m", "messages": [{"role": "user", "content": index} for index in range(80)]}
    issues = profile_schemas("openai").request(request)
    assert len(issues) == MAX_ISSUES
    assert [issue.pointer for issue in issues[:3]] == ["/messages/0/content", "/messages/1/content", "/messages/2/content"]
    assert issues[10].pointer == "/messages/10/content"
    assert issues[0].message == "'content': 0 is not of type 'string' or 'array'"


# -- real data: OpenAI ---------------------------------------------------------------------------
def test_openai_envoy_stream_validates_but_for_system_fingerprint_null():
    body = recording("openai-envoy-chat-streaming-detailed-usage.yaml")["interactions"][0]["response"]["body"]
    chunks = sse_payloads(body)
    assert len(chunks) == 3
    for chunk in chunks:
        # api.openai.com sends "system_fingerprint": null, the spec says type: string (not nullable).
        # Everything else (usage: null, refusal: null, obfuscation, choices: []) is as published.
        assert messages(profile_schemas("openai").chunk(chunk)) == [
            "/system_fingerprint: 'system_fingerprint': null is not of type 'string'"
        ]


@pytest.mark.parametrize("name", ["openai-envoy-chat-bad-request.yaml", "openai-envoy-chat-unknown-model.yaml"])
def test_openai_error_bodies_validate(name):
    body = json.loads(recording(name)["interactions"][0]["response"]["body"])
    for profile in PROFILES:
        assert profile_schemas(profile).error(body) == []
    assert profile_schemas("openai").error({"error": {"message": "x"}}) != []


def test_openai_pydantic_stream_and_requests_validate():
    interactions = recording("openai-pydantic-ai-stream-tool-call-baseline.yaml")["interactions"]
    assert interactions
    for interaction in interactions:
        assert profile_schemas("openai").request(interaction["request"]["parsed_body"]) == []
        chunks = sse_payloads(interaction["response"]["body"]["string"])
        assert chunks
        for chunk in chunks:
            assert profile_schemas("openai").chunk(chunk) == []


# -- real data: Vertex (the seed page) ------------------------------------------------------------------
def test_seed_image_generation_response():
    response = first_json(seed_from("Bildgenerierung", "Beispielantwort:"))
    assert response["choices"][0]["message"]["audio"]["extra_content"]["google"]["mime_type"] == "image/png"
    openai = messages(profile_schemas("openai").response(response))
    assert "/choices/0/message/audio: missing required property 'id'" in openai
    assert "/choices/0/message/audio: missing required property 'expires_at'" in openai
    assert "/choices/0/message/audio: missing required property 'transcript'" in openai
    assert profile_schemas("vertex").response(response) == []


def test_seed_multimodal_function_response():
    request = seed_curl_body("Multimodale Funktionsantworten")
    response = first_json(seed_from("Multimodale Funktionsantworten", "Beispielantwort:"))
    # Objects are open: extra_content on the tool call and the tool message validate under OpenAI too;
    # the vertex profile also checks their shape (parts is a list).
    assert profile_schemas("openai").request(request) == []
    assert profile_schemas("vertex").request(request) == []
    bad = json.loads(json.dumps(request))
    bad["messages"][2]["extra_content"]["google"]["parts"] = {"file_data": {}}
    assert [issue.pointer for issue in profile_schemas("vertex").request(bad)] == ["/messages/2/extra_content/google/parts"]
    assert messages(profile_schemas("openai").response(response)) == ["/choices/0/message: missing required property 'refusal'"]
    assert profile_schemas("vertex").response(response) == []


def test_seed_image_gcs_string_request():
    request = seed_curl_body("Multimodale Anfragen", "image_url verwenden, um Bilddaten zu übergeben")
    assert request["messages"][0]["content"][1]["image_url"].startswith("gs://")
    assert messages(profile_schemas("openai").request(request)) == [
        "/messages/0/content/1/image_url: 'image_url': 'gs://cloud-samples-data/generative-ai/image/scones.jpg' "
        "is not of type 'object'"
    ]
    assert profile_schemas("vertex").request(request) == []
    data_uri = json.loads(json.dumps(request))
    data_uri["messages"][0]["content"][1]["image_url"] = "data:image/jpeg;base64,/9j/4AAQ"
    assert profile_schemas("vertex").request(data_uri) == []


def test_seed_input_audio_mime_format():
    request = seed_curl_body("Multimodale Anfragen", "input_audio verwenden, um Audiodaten zu übergeben")
    assert request["messages"][0]["content"][1]["input_audio"]["format"] == "audio/mp3"
    issues = profile_schemas("openai").request(request)
    assert [(issue.pointer, issue.keyword) for issue in issues] == [("/messages/0/content/1/input_audio/format", "enum")]
    assert profile_schemas("vertex").request(request) == []


def test_seed_thinking_config_request_validates_under_both():
    request = seed_curl_body("thinking_config mit extra_body verwenden")
    assert request["extra_body"]["google"]["thinking_config"] == {"include_thoughts": True, "thinking_budget": 10000}
    # OpenAI's request object is open (no additionalProperties: false), so an unknown top-level
    # extra_body validates under the openai profile too; only vertex checks what is inside it.
    assert profile_schemas("openai").request(request) == []
    assert profile_schemas("vertex").request(request) == []
    bad = json.loads(json.dumps(request))
    bad["extra_body"]["google"]["thinking_config"]["thinking_budget"] = "high"
    assert profile_schemas("openai").request(bad) == []
    assert [issue.pointer for issue in profile_schemas("vertex").request(bad)] == [
        "/extra_body/google/thinking_config/thinking_budget"
    ]


def test_seed_stream_function_call_arguments():
    text = seed_from("stream_function_call_arguments verwenden", "Beispielantworten:")
    chunks = sse_payloads(text[: text.index("Bildgenerierung")])
    assert len(chunks) == 12
    for number, chunk in enumerate(chunks, start=1):
        assert profile_schemas("vertex").chunk(chunk) == []
        # Vertex leaves finish_reason out until the last chunk; OpenAI's schema requires it.
        expected = [] if number == 12 else ["/choices/0: missing required property 'finish_reason'"]
        assert messages(profile_schemas("openai").chunk(chunk)) == expected


@pytest.mark.parametrize(("field", "value"), [("tool_choice", "validated"), ("modalities", ["image"])])
def test_vertex_only_request_values(field, value):
    request = {"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": "Hi"}], field: value}
    assert profile_schemas("openai").request(request) != []
    assert profile_schemas("vertex").request(request) == []


def test_self_deployed_request_without_model():
    request = {"messages": [{"role": "user", "content": "Write a story about a magic backpack."}]}
    assert messages(profile_schemas("openai").request(request)) == ["/: missing required property 'model'"]
    assert profile_schemas("vertex").request(request) == []


# -- the shape cache never changes a verdict ------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_texts = st.sampled_from(["", "stop", "length", "tool_calls", "assistant", "user", "function", "chat.completion.chunk", "x", "é"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False), _texts)
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_texts, inner, max_size=3)), max_leaves=8)
_deltas = st.fixed_dictionaries({}, optional={"role": _scalars, "content": _scalars, "refusal": _scalars, "tool_calls": _values})
_chunks = st.fixed_dictionaries(
    {"choices": st.lists(st.fixed_dictionaries({"index": _scalars, "delta": _deltas}, optional={"finish_reason": _scalars, "logprobs": _scalars}), max_size=2)},
    optional={"id": _scalars, "object": _scalars, "created": _scalars, "model": _scalars, "usage": _values, "system_fingerprint": _scalars, "service_tier": _scalars},
)


@settings(max_examples=300, deadline=None)
@given(chunk=_chunks, kind=st.sampled_from(["chunk", "response"]), profile=st.sampled_from(["openai", "vertex"]))
def test_shape_cache_gives_the_uncached_verdict(chunk, kind, profile):
    schemas = profile_schemas(profile)
    assert schemas.issues(kind, chunk) == schemas._issues(kind, chunk)
