"""What every foreign-format reader shares: the error, one interaction as read, the JSON test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import RecordingError

__all__ = ["ForeignFormatError", "Item", "is_json"]


class ForeignFormatError(RecordingError):
    """A file that none of the foreign-format readers accepts, or that one of them finds malformed."""


@dataclass
class Item:
    """One interaction as read from a foreign file, before it becomes an `Exchange`.

    A reader starts with the request line and fills in what its format holds; the rest keeps
    these empty defaults (`status` None: not recorded)."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: bytes = b""
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    http_version: str = "HTTP/1.1"
    content_encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
