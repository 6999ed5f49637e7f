"""Importing the reference recordings (`shared/spec/recordings/`, several foreign formats) as cassettes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.errors import RecordingError
from harness.transport import Cassette, read_cassette, write_cassette
from harness.importers import FOREIGN_FORMATS, ForeignFormatError, import_foreign

from .conftest import RECORDINGS, recording_files, require_recordings





def _load(name: str) -> Cassette:
    require_recordings()
    path = RECORDINGS / name
    if not path.is_file():
        pytest.fail(f"reference recording {name} missing from {RECORDINGS}")
    return import_foreign(path)


def _data_lines(body: bytes) -> list[str]:
    return [line for line in body.decode("utf-8").splitlines() if line.startswith("data:")]


# -- every file ----------------------------------------------------------------------------------------


def test_recordings_folder_is_there():
    require_recordings()
    assert len(recording_files()) >= 29


@pytest.mark.parametrize("path", recording_files() or [None], ids=lambda p: p.name if p else "missing")
def test_every_recording_imports(path: Path | None, tmp_path: Path):
    if path is None:
        require_recordings()
    cassette = import_foreign(path)

    assert cassette.case == path.stem
    assert path.stem.startswith(cassette.endpoint + "-")
    assert cassette.origin == ("documentation" if path.name.startswith("vertex-docs-") else "live")
    assert cassette.server
    header = [line[2:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# SOURCE:")]
    assert header and header[0] in cassette.note
    assert cassette.exchanges, "at least one exchange"

    for number, exchange in enumerate(cassette.exchanges):
        assert exchange.step == f"interaction-{number}"
        assert len(exchange.attempts) == 1
        request, response = exchange.request, exchange.response
        assert request.method == "POST"
        assert request.url.startswith(("http://", "https://"))
        assert all(name == name.lower() for name in request.headers)
        assert response is not None
        assert isinstance(response.status, int) and 100 <= response.status <= 599
        assert len(response.chunks) == 1 and list(response.offsets) == [0.0]
        assert response.body
        if response.content_type == "text/event-stream":
            assert _data_lines(response.body), "an event stream needs data: lines"
        if response.content_type == "application/json":
            json.loads(response.body)

    # Our own format holds the imported bodies byte for byte.
    target = tmp_path / "imported.yaml"
    write_cassette(target, cassette)
    again = read_cassette(target)
    assert [e.response.body for e in again.exchanges] == [e.response.body for e in cassette.exchanges]
    assert [e.response.status for e in again.exchanges] == [e.response.status for e in cassette.exchanges]
    assert again.origin == cassette.origin and again.note == cassette.note


# -- text dumps (magentic, mirascope) ----------------------------------------------------------------------


def test_text_dump_gemini_stream():
    cassette = _load("gemini-api-magentic-openai_chat_model_gemini_complete_Say-hello-.txt")
    assert cassette.endpoint == "gemini-api" and cassette.server == "generativelanguage.googleapis.com"
    assert len(cassette.exchanges) == 1
    response = cassette.exchanges[0].response
    assert (response.status, response.reason) == (200, "OK")
    assert response.headers == [("content-type", "text/event-stream")]
    assert response.body.startswith(b'data: {"choices":[{"delta":{"content":"Hello","role":"assistant"},"index":0}]')
    # The dump adds one line break after the body; the stream itself ends with one blank line.
    assert response.body.endswith(b"\n\ndata: [DONE]\n\n")
    assert len(_data_lines(response.body)) == 3
    assert cassette.exchanges[0].request.json()["model"] == "gemini-2.0-flash"


def test_text_dump_ollama_stream():
    cassette = _load("ollama-magentic-openai_chat_model_acomplete_ollama_Say-hello-.txt")
    assert (cassette.endpoint, cassette.server) == ("ollama", "localhost:11434")
    request = cassette.exchanges[0].request
    assert request.url == "http://localhost:11434/v1/chat/completions"
    assert request.body == b'{"messages": [{"role": "user", "content": "Say hello!"}], "model": "llama3.1", "stream": true, "stream_options": {"include_usage": true}}'
    body = cassette.exchanges[0].response.body
    assert len(_data_lines(body)) == 25 and body.endswith(b"data: [DONE]\n\n")


def test_text_dump_mirascope_non_stream():
    cassette = _load("ollama-mirascope-gemma3-4b-nonstream.txt")
    response = cassette.exchanges[0].response
    assert response.status == 200 and response.content_type == "application/json"
    # 302 bytes is the Content-Length in the original Mirascope cassette: the dump's extra line break is gone.
    assert len(response.body) == 302 and response.body.endswith(b'"total_tokens":37}}\n')
    assert json.loads(response.body)["choices"][0]["message"]["content"] == "4200 + 42 = 4242\n"


# -- vcrpy (pydantic-ai) ------------------------------------------------------------------------------


def test_vcrpy_parsed_body_gemini_tool_calls():
    cassette = _load("gemini-api-pydantic-ai-tool-calls-without-id.yaml")
    assert cassette.server == "generativelanguage.googleapis.com"
    assert [e.response.status for e in cassette.exchanges] == [200, 200]
    first = cassette.exchanges[0]
    assert first.request.headers["host"] == "generativelanguage.googleapis.com"
    assert first.request.json()["model"] == "gemini-2.5-pro-preview-05-06"
    assert first.response.header("content-type") == "application/json"
    # parsed_body comes back the way pydantic-ai replays it: json.dumps of the parsed value.
    assert first.response.body.startswith(b'{"choices": [{"finish_reason": "tool_calls", "index": 0,')
    assert json.loads(first.response.body)["choices"][0]["message"]["tool_calls"][0]["id"] == ""
    assert "parsed_body" in cassette.note


def test_vcrpy_ollama_cloud_two_turns():
    cassette = _load("ollama-cloud-pydantic-ai-tool-output.yaml")
    assert (cassette.endpoint, cassette.server) == ("ollama-cloud", "ollama.com")
    assert [e.response.status for e in cassette.exchanges] == [200, 200]
    finishes = [json.loads(e.response.body)["choices"][0]["finish_reason"] for e in cassette.exchanges]
    assert finishes == ["stop", "tool_calls"]
    assert _load("ollama-cloud-pydantic-ai-prompted-output.yaml").exchanges[0].request.json()["response_format"] == {
        "type": "json_object"
    }
    assert _load("ollama-pydantic-ai-native-output-json-schema.yaml").server == "localhost:11434"


def test_vcrpy_body_string_is_kept_byte_for_byte():
    path = RECORDINGS / "vllm-crusoe-pydantic-ai-streaming.yaml"
    cassette = _load(path.name)
    assert (cassette.endpoint, cassette.server) == ("vllm-crusoe", "api.inference.crusoecloud.com")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"][0]["response"]["body"]["string"]
    response = cassette.exchanges[0].response
    assert response.body == raw.encode("utf-8")
    assert response.header("content-type") == "text/event-stream; charset=utf-8"
    assert len(_data_lines(response.body)) == 17 and response.body.endswith(b"data: [DONE]\n\n")


def test_vcrpy_openai_stream_baseline():
    cassette = _load("openai-pydantic-ai-stream-tool-call-baseline.yaml")
    assert (cassette.endpoint, cassette.server) == ("openai", "api.openai.com")
    assert [e.response.status for e in cassette.exchanges] == [200, 200]
    assert {e.response.content_type for e in cassette.exchanges} == {"text/event-stream"}
    assert [len(_data_lines(e.response.body)) for e in cassette.exchanges] == [9, 12]


# -- go-vcr (envoy ai-gateway) --------------------------------------------------------------------------


def test_go_vcr_unknown_model():
    cassette = _load("openai-envoy-chat-unknown-model.yaml")
    assert (cassette.endpoint, cassette.server, cassette.origin) == ("openai", "api.openai.com", "live")
    assert len(cassette.exchanges) == 1
    response = cassette.exchanges[0].response
    assert (response.status, response.reason, response.http_version) == (404, "Not Found", "HTTP/2.0")
    assert response.header("content-type") == "application/json; charset=utf-8"
    # Kept verbatim (the recorder skipped it: its Content-Type is not exactly application/json).
    assert len(response.body) == 224
    assert response.body.startswith(b'{\n    "error": {\n        "message": "The model `gpt-4.1-nano-wrong`')
    assert json.loads(response.body)["error"]["code"] == "model_not_found"
    assert cassette.recorded_at == "2025-08-14T01:11:00Z"


def test_go_vcr_bad_request_was_pretty_printed_by_the_recorder():
    cassette = _load("openai-envoy-chat-bad-request.yaml")
    exchange = cassette.exchanges[0]
    assert (exchange.response.status, exchange.response.reason) == (400, "Bad Request")
    assert len(exchange.response.body) == 245 and exchange.response.body.startswith(b'{\n  "error": {\n    "code": ')
    assert len(exchange.request.body) == 146
    assert exchange.request.headers["content-type"] == "application/json"
    assert json.loads(exchange.response.body)["error"]["param"] == "max_tokens"
    assert "pretty-printed by the recorder" in cassette.note


def test_go_vcr_stream():
    cassette = _load("openai-envoy-chat-streaming-detailed-usage.yaml")
    response = cassette.exchanges[0].response
    assert response.status == 200 and response.content_type == "text/event-stream"
    assert len(response.body) == 1129
    assert len(_data_lines(response.body)) == 4 and response.body.endswith(b"data: [DONE]\n\n")


# -- Vertex documentation examples -------------------------------------------------------------------------


def test_docs_stream_function_call_arguments():
    path = RECORDINGS / "vertex-docs-stream-function-call-arguments.txt"
    cassette = _load(path.name)
    assert (cassette.endpoint, cassette.origin, cassette.server) == ("vertex-docs", "documentation", "aiplatform.googleapis.com")
    exchange = cassette.exchanges[0]
    request = exchange.request
    assert request.url == "https://aiplatform.googleapis.com/v1/projects/${PROJECT_ID}/locations/global/endpoints/openapi/chat/completions"
    assert request.headers["content-type"] == "application/json"
    # The curl JSON has `\`-newline continuations inside single quotes; they are removed.
    assert request.json()["extra_body"] == {"google": {"stream_function_call_arguments": True}}
    response = exchange.response
    assert response.status == 200 and response.headers == [("content-type", "text/event-stream")]
    assert response.body == path.read_text(encoding="utf-8").split("## RESPONSE (SSE)\n", 1)[1].encode("utf-8")
    assert len(_data_lines(response.body)) == 13 and response.body.endswith(b"data: [DONE]\n")
    assert "assumed 200" in cassette.note and "inferred text/event-stream" in cassette.note


def test_docs_multimodal_request_with_quotes_inside_the_single_quoted_json():
    cassette = _load("vertex-docs-multimodal-function-response.txt")
    request = cassette.exchanges[0].request.json()
    assert request["model"] == "google/gemini-3.1-pro-preview"
    description = request["tools"][0]["function"]["parameters"]["properties"]["item_name"]["description"]
    assert description.endswith("(e.g., 'green shirt').")
    response = cassette.exchanges[0].response
    assert response.content_type == "application/json"
    assert json.loads(response.body)["usage"]["total_tokens"] == 1155


def test_docs_image_generation():
    cassette = _load("vertex-docs-image-generation-response.txt")
    assert len(cassette.exchanges) == 1
    message = json.loads(cassette.exchanges[0].response.body)["choices"][0]["message"]
    assert message["audio"]["extra_content"]["google"]["mime_type"] == "image/png"
    assert cassette.exchanges[0].request.json()["modalities"] == ["image"]


def test_docs_maas_thinking_one_exchange_per_example():
    cassette = _load("vertex-docs-maas-thinking-examples.txt")
    models = [e.request.json()["model"] for e in cassette.exchanges]
    assert models == [
        "deepseek-ai/deepseek-r1-0528-maas",
        "deepseek-ai/deepseek-v3.1-maas",
        "deepseek-ai/deepseek-v3.2-maas",
        "moonshot-ai/kimi-k2-32k-maas",
        "qwen/qwen3-next-80b-a3b-thinking-maas",
        "openai/gpt-oss-120b-maas",
        "minimaxai/minimax-m2-maas",
        "zai-org/glm-4.7-maas",
        "zai-org/glm-5-maas",
        "google/gemma-4-26b-a4b-it-maas",
    ]
    assert {e.response.status for e in cassette.exchanges} == {200}
    assert cassette.exchanges[1].request.url.startswith("https://us-west2-aiplatform.googleapis.com/v1/projects/test-project/")
    assert cassette.server == "us-central1-aiplatform.googleapis.com, us-west2-aiplatform.googleapis.com, aiplatform.googleapis.com"
    # Hard-wrapped strings are kept as printed: those bodies are not JSON, so no content type is invented.
    assert [e.response.content_type for e in cassette.exchanges] == [
        "", "", "application/json", "", "", "", "application/json", "application/json", "application/json", "application/json"
    ]
    assert json.loads(cassette.exchanges[2].response.body)["model"] == "deepseek-ai/deepseek-v3.2-maas"
    assert cassette.exchanges[0].response.body.startswith(b'{\n  "choices": [\n')  # code-block indent removed


def test_docs_llama_templates():
    cassette = _load("vertex-docs-llama-maas-examples.txt")
    assert len(cassette.exchanges) == 2
    assert cassette.server == "LOCATION-aiplatform.googleapis.com"
    stream, unary = cassette.exchanges
    for exchange in cassette.exchanges:
        assert exchange.request.headers["content-type"] == "application/json; charset=utf-8"
        assert exchange.request.json() is None  # MAX_OUTPUT_TOKENS / ENABLE_LLAMA_GUARD placeholders: raw text
        assert b'"max_tokens": MAX_OUTPUT_TOKENS,' in exchange.request.body
    assert b'"stream": true' in stream.request.body and b'"stream": false' in unary.request.body
    assert stream.response.content_type == "text/event-stream" and len(_data_lines(stream.response.body)) == 2
    assert unary.response.content_type == ""  # `"refusal: "REFUSAL_REASON" #...`: not JSON as printed
    assert "SSE framing broken" in cassette.note


# -- what is not a recording -------------------------------------------------------------------------------


def test_formats_are_named():
    assert set(FOREIGN_FORMATS) == {"text-dump", "vcrpy", "go-vcr", "vertex-docs"}
    assert issubclass(ForeignFormatError, RecordingError)


@pytest.mark.parametrize(
    "content",
    [
        "just some text\nthat is no recording\n",
        "",
        "# SOURCE: nowhere\nkey: value\nlist: [1, 2]\n",
        "version: 1\ncase: basic\nendpoint: x\nexchanges: []\n",
        "\x00\xff binary",
    ],
    ids=["prose", "empty", "yaml-mapping", "own-cassette", "binary"],
)
def test_not_a_foreign_recording(tmp_path: Path, content: str):
    path = tmp_path / "mystery.txt"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(ForeignFormatError) as caught:
        import_foreign(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


def test_malformed_dump_names_the_line(tmp_path: Path):
    path = tmp_path / "ollama-broken.txt"
    path.write_text(
        "# SOURCE: test\n=== interaction 0: POST http://localhost:11434/v1/chat/completions\n--- request body:\n{}\n",
        encoding="utf-8",
    )
    with pytest.raises(ForeignFormatError) as caught:
        import_foreign(path)
    assert caught.value.line == 2 and "response status" in str(caught.value)


def test_vcrpy_interaction_without_status_names_the_line(tmp_path: Path):
    path = tmp_path / "openai-broken.yaml"
    path.write_text(
        "interactions:\n- request:\n    uri: https://api.openai.com/v1/chat/completions\n    method: POST\n"
        "  response:\n    body: {string: '{}'}\nversion: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ForeignFormatError) as caught:
        import_foreign(path)
    assert caught.value.line == 2 and "status" in str(caught.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(ForeignFormatError, match="file not found"):
        import_foreign(tmp_path / "nope.txt")


def test_gzip_stored_vcrpy_body_is_decoded(tmp_path: Path):
    """vcrpy keeps a gzip-encoded body as the server sent it (YAML !!binary): the import decodes it
    and keeps the encoding on the response, as a live exchange would."""
    import base64
    import gzip

    answer = b'{"id": "c", "object": "chat.completion", "choices": []}'
    encoded = base64.b64encode(gzip.compress(answer)).decode()
    path = tmp_path / "openai-gzip.yaml"
    path.write_text(
        "interactions:\n- request:\n    uri: https://api.openai.com/v1/chat/completions\n    method: POST\n    body: '{}'\n"
        "  response:\n    status: {code: 200, message: OK}\n"
        "    headers: {Content-Type: [application/json], Content-Encoding: [gzip]}\n"
        f"    body:\n      string: !!binary |\n        {encoded}\nversion: 1\n",
        encoding="utf-8",
    )
    cassette = import_foreign(path)
    response = cassette.exchanges[0].response
    assert response.body == answer
    assert response.content_encoding == "gzip"
    assert "stored gzip-encoded; decoded" in cassette.note
