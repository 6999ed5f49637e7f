"""Named request matchers for replay, as vcrpy has: does the request a case sends now match the one
that was recorded?

A matcher is a function `(recorded, sent) -> str | None` saying how the two differ, or None. The
host and port are not compared: they belong to the endpoint's configuration (a local server gets
a new free port every time), not to the case. What the case decides is: the method, the path
(Vertex's project, location, endpoint and API version live there), the query and the body.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ._exchange import HTTPRequest

__all__ = ["Matcher", "MATCHERS", "DEFAULT_MATCH_ON", "RecordingMismatch", "first_difference"]

Matcher = Callable[[HTTPRequest, HTTPRequest], "str | None"]


class RecordingMismatch(Exception):
    """The recording does not hold the exchange this request needs: it is stale for the case."""

    def __init__(self, step: str | None, why: str):
        super().__init__(why)
        self.step = step
        self.why = why


def first_difference(old: Any, new: Any, path: str = "") -> str | None:
    """JSON pointer of the first place two JSON values differ, or None when equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                return f"{path}/{key}"
            found = first_difference(old[key], new[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list):
        for index, (a, b) in enumerate(zip(old, new)):
            found = first_difference(a, b, f"{path}/{index}")
            if found is not None:
                return found
        return None if len(old) == len(new) else f"{path}/{min(len(old), len(new))}"
    return None if old == new and type(old) is type(new) else (path or "/")


def method(recorded: HTTPRequest, sent: HTTPRequest) -> str | None:
    return None if recorded.method == sent.method else f"method {recorded.method} was recorded, {sent.method} is sent now"


def path(recorded: HTTPRequest, sent: HTTPRequest) -> str | None:
    old, new = urllib.parse.urlsplit(recorded.url).path, urllib.parse.urlsplit(sent.url).path
    return None if old == new else f"URL path {old} was recorded, {new} is sent now"


def query(recorded: HTTPRequest, sent: HTTPRequest) -> str | None:
    old, new = urllib.parse.urlsplit(recorded.url).query, urllib.parse.urlsplit(sent.url).query
    return None if old == new else f"URL query {old!r} was recorded, {new!r} is sent now"


def body(recorded: HTTPRequest, sent: HTTPRequest) -> str | None:
    old, new = recorded.json(), sent.json()
    if old is None and new is None:
        return None if recorded.body == sent.body else "the request body differs"
    where = first_difference(old, new)
    return None if where is None else f"the request body differs at {where or '/'}"


MATCHERS: Mapping[str, Matcher] = MappingProxyType({"method": method, "path": path, "query": query, "body": body})
DEFAULT_MATCH_ON: tuple[str, ...] = tuple(MATCHERS)
