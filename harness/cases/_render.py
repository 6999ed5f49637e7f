"""Turning a step's body template into the JSON that is sent.

Two substitutions, both checked when the case is loaded so a typo fails before any request:
- `{name}` inside a string becomes an endpoint value (`{model}`, `{model.image}`, `{project}`,
  `{location}`, `{endpoint_id}`); `{{name}}` stays a literal `{name}`.
- a mapping `{$from: STEP, pointer: /choices/0/message, pick: [...]}` becomes that part of an
  earlier step's response, which is how a tool round trip echoes the assistant message (with its
  `thought_signature`) back to the model.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "PLACEHOLDER_NAMES",
    "DependencyMissing",
    "PlaceholderMissing",
    "iter_placeholders",
    "iter_step_refs",
    "is_known_placeholder",
    "render_body",
    "resolve_pointer",
]

PLACEHOLDER_NAMES = ("model", "project", "location", "endpoint_id")
_MODEL_ROLE = re.compile(r"^model\.[a-z0-9][a-z0-9_-]*$")
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][\w.-]*)\}\}|\{([A-Za-z_][\w.-]*)\}")


class DependencyMissing(Exception):
    """An earlier step's response does not hold what a later step embeds (a finding, not a crash)."""


class PlaceholderMissing(Exception):
    """The endpoint has no value for a placeholder the case uses."""


def is_known_placeholder(name: str) -> bool:
    return name in PLACEHOLDER_NAMES or bool(_MODEL_ROLE.match(name))


def _walk(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def iter_placeholders(body: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every `{name}` used in a body template, with the path of the string holding it."""
    for path, value in _walk(body):
        if isinstance(value, str):
            for match in _PLACEHOLDER.finditer(value):
                if match.group(2) is not None:
                    yield path, match.group(2)


def iter_step_refs(body: Any) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    """Every `{$from: ...}` mapping in a body template, with its path."""
    for path, value in _walk(body):
        if isinstance(value, Mapping) and "$from" in value:
            yield path, value


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 lookup; raises KeyError naming the first part that is missing."""
    if pointer == "":
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, list):
            if not part.isdigit() or int(part) >= len(current):
                raise KeyError(part)
            current = current[int(part)]
        elif isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            raise KeyError(part)
    return current


def render_body(
    template: Mapping[str, Any],
    values: Mapping[str, str],
    responses: Mapping[str, Any],
    *,
    preview: bool = False,
) -> dict[str, Any]:
    """The body to send: placeholders filled from `values`, `$from` refs from `responses`.

    With `preview`, a `$from` whose step has not run yet is shown as a marker string instead of
    raising, for `chat-conformance show`.
    """

    def fill(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "{" + match.group(1) + "}"
        name = match.group(2)
        if name in values:
            return values[name]
        if name.startswith("model.") and "model" in values:
            return values["model"]
        raise PlaceholderMissing(name)

    def render(value: Any) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER.sub(fill, value)
        if isinstance(value, Mapping):
            if "$from" in value:
                if preview and value["$from"] not in responses:
                    return f"<{value['pointer'] or '/'} of step {value['$from']}'s response>"
                return _embed(value, responses)
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, list):
            return [render(item) for item in value]
        return value

    return render(template)


def _embed(ref: Mapping[str, Any], responses: Mapping[str, Any]) -> Any:
    step, pointer = ref["$from"], ref["pointer"]
    if responses.get(step) is None:
        raise DependencyMissing(f"step {step!r} gave no usable response to take {pointer} from")
    try:
        part = resolve_pointer(responses[step], pointer)
    except KeyError as missing:
        raise DependencyMissing(f"step {step!r}'s response has no {pointer} (no {missing.args[0]!r})") from None
    part = copy.deepcopy(part)
    pick = ref.get("pick")
    if pick is not None and isinstance(part, Mapping):
        part = {key: part[key] for key in pick if key in part}
    return part

