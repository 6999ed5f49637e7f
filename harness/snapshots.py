"""The shape of an exchange, for snapshot tests: what a change of the API's structure changes.

`normalize_exchange` keeps the structure of one exchange (which keys the request had, how the
answer came, which keys and JSON types the completion has, which tools were called with which
argument keys) and drops everything that differs from one call to the next: ids, timestamps,
token counts and generated text become the name of their JSON type. Two recordings of the same
behaviour normalize to the same value; a renamed field, a missing `usage`, a call that turned
into text or a stream that turned into one JSON body do not.

The pytest plugin (`--cc-snapshot`, through `harness.pytest_snapshots`) compares a list of these,
one per exchange of a case, against a syrupy snapshot. Nothing here needs pytest or syrupy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .cases import Step
from .transport import Exchange
from .validators import judge_exchange

__all__ = ["json_type", "shape", "normalize_exchange", "normalize_exchanges", "completion_of"]

# Top-level completion fields whose value is a protocol constant, kept as is.
_CONSTANT_FIELDS = frozenset({"object"})


def json_type(value: Any) -> str:
    """The JSON type name of a decoded JSON value (integer and number told apart)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def shape(value: Any) -> Any:
    """Objects keep their keys (sorted), arrays their length; every scalar becomes its type name."""
    if isinstance(value, Mapping):
        return {str(key): shape(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [shape(item) for item in value]
    return json_type(value)


def _sorted_dict(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


def _sorted_deep(value: Any) -> Any:
    """Every mapping's keys in sorted order, all the way down (list order is kept: it means something)."""
    if isinstance(value, Mapping):
        return {str(key): _sorted_deep(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted_deep(item) for item in value]
    return value


def _request_shape(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        return {"body": json_type(body)}
    out: dict[str, Any] = {"keys": sorted(body)}
    messages = body.get("messages")
    if isinstance(messages, list):
        out["messages"] = [m.get("role") if isinstance(m, Mapping) else json_type(m) for m in messages]
    tools = body.get("tools")
    if isinstance(tools, list):
        names = []
        for tool in tools:
            function = tool.get("function") if isinstance(tool, Mapping) else None
            names.append(function.get("name") if isinstance(function, Mapping) else json_type(tool))
        out["tools"] = names
    out["stream"] = body.get("stream") is True
    return _sorted_dict(out)


def _argument_keys(arguments: Any) -> Any:
    """Sorted keys of a tool call's arguments; the type name when they are not a JSON object."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return "unparseable"
    return sorted(arguments) if isinstance(arguments, Mapping) else json_type(arguments)


def _tool_call_shape(call: Any) -> Any:
    if not isinstance(call, Mapping):
        return json_type(call)
    function = call.get("function")
    function = function if isinstance(function, Mapping) else {}
    out: dict[str, Any] = {
        "keys": shape({key: value for key, value in call.items() if key != "function"}),
        "type": call.get("type"),
        "name": function.get("name"),
        "argument_keys": _argument_keys(function.get("arguments")),
        "function_keys": sorted(function),
    }
    return _sorted_dict(out)


def _message_shape(message: Any) -> Any:
    if not isinstance(message, Mapping):
        return json_type(message)
    out: dict[str, Any] = {"keys": shape({key: value for key, value in message.items() if key != "tool_calls"})}
    if isinstance(message.get("role"), str):
        out["role"] = message["role"]
    calls = message.get("tool_calls")
    if calls is not None:
        out["tool_calls"] = [_tool_call_shape(call) for call in calls] if isinstance(calls, list) else json_type(calls)
    return _sorted_dict(out)


def _usage_shape(usage: Any) -> Any:
    if not isinstance(usage, Mapping):
        return json_type(usage)
    out: dict[str, Any] = {"keys": {key: json_type(usage[key]) for key in sorted(usage)}}
    for key in sorted(usage):
        if key.endswith("_details") and isinstance(usage[key], Mapping):
            out[key] = sorted(usage[key])
    return out


def _completion_shape(completion: Any) -> Any:
    if not isinstance(completion, Mapping):
        return json_type(completion)
    head = {
        key: (value if key in _CONSTANT_FIELDS and isinstance(value, str) else json_type(value))
        for key, value in completion.items()
        if key not in ("choices", "usage")
    }
    out: dict[str, Any] = {"keys": _sorted_dict(head)}
    choices = completion.get("choices")
    if isinstance(choices, list):
        out["choices"] = len(choices)
        out["finish_reasons"] = [c.get("finish_reason") if isinstance(c, Mapping) else None for c in choices]
        out["choice_keys"] = [sorted(c) if isinstance(c, Mapping) else json_type(c) for c in choices]
        out["messages"] = [_message_shape(c.get("message")) if isinstance(c, Mapping) else json_type(c) for c in choices]
    else:
        out["choices"] = json_type(choices)
    if "usage" in completion:
        out["usage"] = _usage_shape(completion["usage"])
    return _sorted_dict(out)


def completion_of(exchange: Exchange, step: Step | None = None) -> Any:
    """The completion an exchange stands for, accumulated exactly as the runner does it.

    `step` is the case step the exchange answers (it decides whether a body is read as a stream
    when the content type does not say); without it the request body stands in for the step.
    """
    if step is None:
        body = exchange.request.json()
        step = Step(name=exchange.step, body=body if isinstance(body, Mapping) else {})
    return judge_exchange(exchange, step, request=exchange.request.json(), selected=()).completion


def normalize_exchange(exchange: Exchange, completion: Any) -> dict[str, Any]:
    """The structure of one exchange, with every volatile value replaced by its JSON type.

    `completion` is what the answer stands for: `judge_exchange(...).completion` (or
    `completion_of(exchange)`), None when there was no usable 2xx answer.
    """
    request = exchange.request
    out: dict[str, Any] = {
        "step": exchange.step,
        "request": {"method": request.method, **_request_shape(request.json())},
        "attempts": len(exchange.attempts),
    }
    failure = exchange.final.failure
    if failure is not None:
        out["failure"] = failure.kind
    response = exchange.response
    if response is None:
        out["response"] = None
        return _sorted_deep(out)
    streamed = response.content_type == "text/event-stream"
    answer: dict[str, Any] = {
        "status": response.status,
        "content_type": response.content_type or None,
        "streamed": streamed,
    }
    # No event count: a re-recorded stream is cut into other chunks while its shape stays the same.
    if response.status >= 300 or completion is None:
        # An error (or an unusable answer): the shape of its body, if it is JSON.
        try:
            answer["body"] = shape(json.loads(response.body)) if response.body else None
        except ValueError:
            answer["body"] = "not JSON"
    out["response"] = _sorted_dict(answer)
    out["completion"] = _completion_shape(completion) if completion is not None else None
    return _sorted_deep(out)


def normalize_exchanges(exchanges: list[Exchange], steps: Mapping[str, Step] | None = None) -> list[dict[str, Any]]:
    """`normalize_exchange` for each exchange of a result, completions recomputed as the runner does.

    `steps` maps step names to the case's steps; a differential variant (`name~json`,
    `name~stream`) is read from its own request body.
    """
    steps = steps or {}
    return [normalize_exchange(e, completion_of(e, steps.get(e.step))) for e in exchanges]
