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
    """One interaction as read from a foreign file, before it becomes an `Exchange`."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    http_version: str = "HTTP/1.1"
    content_encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
