"""Where what a client assembled differs from what the server meant: plain dicts in, `Difference`s out.

Both sides are chat.completion-shaped dicts. The reference is the caller's (for a stream the
harness's faithful accumulation, for JSON the body); the client side is each driver's reading of
what its library handed the user, put in the same shape. `Aspects` says what a client's API can
show at all (the AI SDK has one choice and no null content, for instance), so that the absence of
something a client cannot express is not reported as a mistake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._model import Difference

__all__ = ["Aspects", "FULL", "compare_chunks", "compare_completion", "json_equal", "parse_arguments"]

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
_MAX_CHUNK_DIFFERENCES = 5


def _same_reason(meant: Any, message: Mapping[str, Any]) -> Any:
    return meant


@dataclass(frozen=True)
class Aspects:
    """What a client's API shows, hence what is compared."""

    all_choices: bool = True
    """Every choice and their number; otherwise choice 0 only (the API has one)."""
    role: bool = True
    null_content_is_empty: bool = False
    """The API has no null content (an empty string stands for none)."""
    finish_reason: Callable[[Any, Mapping[str, Any]], Any] | None = _same_reason
    """Maps the reference's finish_reason (and its message) to the OpenAI reason the client should
    report; None when the client exposes no finish reason."""
    usage: tuple[str, ...] = USAGE_KEYS


FULL = Aspects()


def parse_arguments(value: Any) -> Any:
    """Arguments as parsed JSON when they parse, else as they are (a client that passes on text
    that is not JSON passes it on faithfully)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def json_equal(a: Any, b: Any, *, null_is_absent: bool = False) -> bool:
    """JSON equality: `true` is not `1`, `1` is `1.0`. With `null_is_absent`, an object member
    that is null equals one that is missing (a client that fills in `finish_reason: null` hands
    the user the same chunk)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if null_is_absent:
            keys = {k for k in a if a[k] is not None} | {k for k in b if b[k] is not None}
            return all(json_equal(a.get(k), b.get(k), null_is_absent=True) for k in keys)
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y, null_is_absent=null_is_absent) for x, y in zip(a, b))
    if _number(a) and _number(b):
        return a == b
    return type(a) is type(b) and a == b


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _call_summary(call: Any) -> dict[str, Any]:
    function = _get(call, "function")
    return {"id": _get(call, "id"), "name": _get(function, "name"), "arguments": parse_arguments(_get(function, "arguments"))}


class _Differences:
    def __init__(self) -> None:
        self.items: list[Difference] = []

    def check(self, path: str, aspect: str, got: Any, meant: Any) -> None:
        if not json_equal(got, meant):
            self.items.append(Difference(path, got, meant, aspect))


def _compare_calls(out: _Differences, base: str, got_calls: list[Any], meant_calls: list[Any]) -> None:
    path = f"{base}/message/tool_calls"
    out.check(path, "count", len(got_calls), len(meant_calls))
    for j, (got, meant) in enumerate(zip(got_calls, meant_calls)):
        at = f"{path}/{j}"
        meant_id = _get(meant, "id")
        if meant_id:  # a client may invent an id the server left out: that is no mistake
            out.check(f"{at}/id", "id", _get(got, "id"), meant_id)
        got_fn, meant_fn = _get(got, "function"), _get(meant, "function")
        out.check(f"{at}/function/name", "name", _get(got_fn, "name"), _get(meant_fn, "name"))
        got_args = parse_arguments(_get(got_fn, "arguments"))
        meant_args = parse_arguments(_get(meant_fn, "arguments"))
        out.check(f"{at}/function/arguments", "arguments", got_args, meant_args)
    for j in range(len(meant_calls), len(got_calls)):
        out.items.append(Difference(f"{path}/{j}", _call_summary(got_calls[j]), None, "tool_call"))
    for j in range(len(got_calls), len(meant_calls)):
        out.items.append(Difference(f"{path}/{j}", None, _call_summary(meant_calls[j]), "tool_call"))


def compare_completion(got: Mapping[str, Any], meant: Mapping[str, Any], aspects: Aspects = FULL) -> list[Difference]:
    """Differences over choices, role, content, finish reason, tool calls (count, ids, names,
    arguments as parsed JSON) and usage."""
    out = _Differences()
    got_choices, meant_choices = _list(_get(got, "choices")), _list(_get(meant, "choices"))
    if aspects.all_choices:
        out.check("/choices", "choices", len(got_choices), len(meant_choices))
    else:
        got_choices, meant_choices = got_choices[:1], meant_choices[:1]
        if meant_choices and not got_choices:
            out.check("/choices", "choices", 0, 1)
    for i, (gc, mc) in enumerate(zip(got_choices, meant_choices)):
        base = f"/choices/{i}"
        gm, mm = _get(gc, "message") or {}, _get(mc, "message") or {}
        if aspects.role and "role" in mm:
            out.check(f"{base}/message/role", "role", _get(gm, "role"), mm["role"])
        if "content" in mm:
            got_content, meant_content = _get(gm, "content"), mm["content"]
            if aspects.null_content_is_empty:
                got_content, meant_content = got_content or "", meant_content or ""
            out.check(f"{base}/message/content", "content", got_content, meant_content)
        if aspects.finish_reason is not None and isinstance(mc, Mapping) and "finish_reason" in mc:
            out.check(f"{base}/finish_reason", "finish_reason", _get(gc, "finish_reason"), aspects.finish_reason(mc["finish_reason"], mm))
        got_calls, meant_calls = _list(_get(gm, "tool_calls")), _list(_get(mm, "tool_calls"))
        if got_calls or meant_calls:
            _compare_calls(out, base, got_calls, meant_calls)
    meant_usage = _get(meant, "usage")
    if isinstance(meant_usage, Mapping):
        got_usage = _get(got, "usage")
        for key in aspects.usage:
            if meant_usage.get(key) is not None:
                out.check(f"/usage/{key}", "usage", _get(got_usage, key), meant_usage[key])
    return out.items


def compare_chunks(got: Sequence[Any], meant: Sequence[Any]) -> list[Difference]:
    """A plain iteration must hand over every chunk, each as the server sent it (a member filled
    in as null counts as absent; the first few differences are listed, then their number)."""
    out = _Differences()
    out.check("/chunks", "count", len(got), len(meant))
    differing = [j for j, (g, m) in enumerate(zip(got, meant)) if not json_equal(g, m, null_is_absent=True)]
    for j in differing[:_MAX_CHUNK_DIFFERENCES]:
        out.items.append(Difference(f"/chunks/{j}", got[j], meant[j], "chunk"))
    if len(differing) > _MAX_CHUNK_DIFFERENCES:
        out.items.append(Difference("/chunks", f"{len(differing)} chunks differ", "every chunk as sent", "chunk"))
    return out.items
