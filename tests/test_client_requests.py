"""The note on what a client sent: a real difference from the recorded request is named, a field
sent with the value its absence means (LangChain's `stream: false`) is not."""

from __future__ import annotations

import json

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
