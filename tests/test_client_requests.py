"""The note on what a client sent: a real difference from the recorded request is named, a field
sent with the value its absence means (LangChain's `stream: false`) is not."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness.clients import ClientRunner, Outcome
from harness.clients._request import sent_differences

from .clients_support import call, reference
from .conftest import REPO
from .servers_local import cache_dir


def test_a_default_sent_explicitly_is_no_difference():
    recorded = {"model": "m", "messages": [], "temperature": 0}
    assert sent_differences(recorded, {**recorded, "stream": False}) is None  # LangChain's invoke
    assert sent_differences(recorded, {**recorded, "n": 1, "logprobs": False, "stop": None}) is None
    assert sent_differences(recorded, {**recorded, "temperature": 0.0}) is None  # the same JSON number


@pytest.mark.parametrize(
    ("sent", "note"),
    [
        ({"stream": True}, "+stream"),
        ({"n": 2}, "+n"),
        ({"temperature": 1}, "+temperature"),  # a sampling default: the server's own may differ
        ({"stream": False, "seed": 7}, "+seed"),
        ({"temperature": True}, "+temperature"),  # `true` is not `1`
    ],
)
def test_a_real_difference_is_still_named(sent, note):
    recorded = {"model": "m", "messages": []}
    assert sent_differences(recorded, {**recorded, **sent}) == f"request sent differs from the recorded one: {note}"


def test_a_recorded_field_the_client_changed_or_dropped_is_named():
    recorded = {"model": "m", "messages": [], "stream": True, "temperature": 0}
    assert sent_differences(recorded, {"model": "m", "messages": [], "temperature": 0.5}) == "request sent differs from the recorded one: -stream ~temperature"


def test_the_values_absence_means_are_the_specs_defaults():
    """Each default here is the one OpenAI's spec (the bundled openai profile) documents."""
    from harness.clients._request import _ABSENT_MEANS

    schema = json.loads((REPO / "schemas" / "openai" / "chat-completions.schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]

    def resolved(node: dict) -> dict:
        return resolved(defs[node["$ref"].rsplit("/", 1)[1]]) if "$ref" in node else node

    def properties(node: dict) -> dict:
        node = resolved(node)
        found = {}
        for part in node.get("allOf", ()):
            found.update(properties(part))
        return {**found, **node.get("properties", {})}

    request = properties(defs["CreateChatCompletionRequest"])
    for field, value in _ABSENT_MEANS.items():
        options = [resolved(request[field]), *(resolved(o) for o in request[field].get("anyOf", ()))]
        assert value in [option["default"] for option in options if "default" in option], field


def test_langchain_on_a_bundled_non_stream_recording_sends_what_was_recorded():
    """llama-server's gemini-chat (no `stream` in the recorded request): LangChain's invoke sends
    `stream: false`, which is what the recorded request means, so its outcome has no note."""
    c = call("llama-server", "gemini-chat", "chat")
    assert "stream" not in c.request
    with ClientRunner(cache_dir=cache_dir(), use_cache=False) as runner:
        (outcome,) = runner.run(c.answer, c.request, reference(c.answer), stream=False, url=c.url, names=["langchain-openai"])
    assert outcome.outcome is Outcome.OK, outcome.detail
    assert "request sent differs" not in outcome.detail and not any("request sent differs" in note for note in outcome.notes), outcome
    # What LangChain really sends otherwise is still named: it spells max_tokens its own way.
    c = call("llama-server", "param-max-tokens", "chat")
    assert "max_tokens" in c.request and "stream" not in c.request
    with ClientRunner(cache_dir=cache_dir(), use_cache=False) as runner:
        (outcome,) = runner.run(c.answer, c.request, reference(c.answer), stream=False, url=c.url, names=["langchain-openai"])
    assert "(request sent differs from the recorded one: +max_completion_tokens -max_tokens)" in outcome.detail, outcome.detail


def test_the_javascript_drivers_note_the_same_differences():
    """openai-node and the AI SDK write the note in JavaScript (drivers/_common.mjs): on the same
    pairs it must say what the Python drivers say."""
    from harness.clients._install import find_js_runtime
    from harness.clients._pins import JS_DIR

    from .clients_support import ensure_js_clients

    ensure_js_clients()
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    pairs = [
        (base, {**base, "stream": False}),
        (base, {**base, "n": 1, "logprobs": False, "stop": None}),
        ({**base, "temperature": 0}, {**base, "temperature": 0.0}),
        (base, {**base, "stream": True}),
        (base, {**base, "temperature": 1}),
        ({**base, "max_tokens": 5}, {**base, "max_completion_tokens": 5}),
        ({**base, "stream": True}, base),
        (base, {**base, "constructor": 1}),
    ]
    script = (
        f"import {{ sentDifferences }} from {json.dumps((JS_DIR / 'drivers' / '_common.mjs').as_uri())};\n"
        f"const pairs = {json.dumps(pairs)};\n"
        "console.log(JSON.stringify(pairs.map(([recorded, sent]) => sentDifferences(recorded, sent))));\n"
    )
    done = subprocess.run([str(find_js_runtime(cache_dir()).node), "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [sent_differences(recorded, sent) for recorded, sent in pairs]
