"""The recorded request, as the drivers translate it into each client's API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._compare import json_equal

__all__ = ["PLACEHOLDER_BASE_URL", "base_url", "canonical_json", "fallback_request", "sent_differences", "strict_tools", "wants_json_schema"]

PLACEHOLDER_BASE_URL = "http://127.0.0.1:9/v1"
"""Never connected to: the recorded transport answers. Used when the recorded URL is unknown."""
_SUFFIX = "/chat/completions"


def base_url(url: str | None) -> str:
    """The client's base URL: the recorded request URL without `/chat/completions` (so a client
    that behaves differently for api.openai.com, like LangChain's default usage streaming, sees
    the host the answer came from). The query string is dropped: no client takes it there."""
    if not url:
        return PLACEHOLDER_BASE_URL
    parts = urlsplit(url)
    path = parts.path[: -len(_SUFFIX)] if parts.path.endswith(_SUFFIX) else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def fallback_request(request: Mapping[str, Any] | None, stream: bool) -> dict[str, Any]:
    """The request to give a client: the recorded body, or the least one when it is unknown."""
    if isinstance(request, Mapping):
        return dict(request)
    body: dict[str, Any] = {"model": "unknown", "messages": [{"role": "user", "content": ""}]}
    if stream:
        body["stream"] = True
    return body


def strict_tools(request: Mapping[str, Any]) -> list[str]:
    return [
        tool["function"].get("name")
        for tool in request.get("tools") or ()
        if isinstance(tool, Mapping) and tool.get("type") == "function" and isinstance(tool.get("function"), Mapping) and tool["function"].get("strict") is True
    ]


def wants_json_schema(request: Mapping[str, Any]) -> bool:
    response_format = request.get("response_format")
    return isinstance(response_format, Mapping) and response_format.get("type") == "json_schema"


def canonical_json(value: Any) -> str:
    """One spelling per value (keys sorted), to compare values or key on them."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


_ABSENT_MEANS: dict[str, Any] = {"stream": False, "n": 1, "logprobs": False}
"""Fields whose absence means the same value to every server (the OpenAI spec's default, which
vLLM, llama.cpp and Vertex follow): a client that sends one explicitly sends the same request
(LangChain's invoke and openai-python's parse send `stream: false`). Sampling defaults such as
temperature 1 are not here: servers fill those from the model's own generation config, so a
client that sends them changes what is asked. A null counts as absent, as the spec reads it."""


def _field(request: Mapping[str, Any], key: str) -> Any:
    """A top-level field as the server reads it: absent or null is the value absence means."""
    value = request.get(key)
    return _ABSENT_MEANS.get(key) if value is None else value


def sent_differences(recorded: Mapping[str, Any], sent: Any) -> str | None:
    """Which top-level fields of what the client sent differ from the recorded request (a note:
    what the translation could not express, or what the client adds on its own). Values compare
    as JSON (`0` is `0.0`), and a field sent with the value its absence means is no difference."""
    if not isinstance(sent, Mapping):
        return None
    changed = sorted(k for k in set(recorded) | set(sent) if not json_equal(_field(recorded, k), _field(sent, k)))
    if not changed:
        return None
    parts = []
    for key in changed:
        if key not in sent:
            parts.append(f"-{key}")
        elif key not in recorded:
            parts.append(f"+{key}")
        else:
            parts.append(f"~{key}")
    return "request sent differs from the recorded one: " + " ".join(parts)
