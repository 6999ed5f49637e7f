"""The recorded request, as the drivers translate it into each client's API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


def sent_differences(recorded: Mapping[str, Any], sent: Any) -> str | None:
    """Which top-level fields of what the client sent differ from the recorded request (a note:
    what the translation could not express, or what the client adds on its own)."""
    if not isinstance(sent, Mapping):
        return None
    changed = sorted(k for k in set(recorded) | set(sent) if canonical_json(recorded.get(k)) != canonical_json(sent.get(k)))
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
