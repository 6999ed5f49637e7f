"""The words for a request that got no HTTP answer, the same in every command's output.

A refused connection, a reset, a timeout before the status line: no answer came, so it is neither
a server error nor an answer, and `fuzz`, `load` and `run` say "no answer (connection refused)"
and count it apart from the answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._exchange import Attempt, TransportFailure

__all__ = ["NOT_REACHED", "failure_words", "no_answer", "no_answer_count", "no_answer_reason", "no_answer_text", "no_answer_why"]

NOT_REACHED = frozenset({"connect", "tls", "timeout-connect", "auth"})
"""Failure kinds that end an attempt before its request reaches the server: they say nothing
about how the server handles a request, only that it could not be reached."""

_WORDS = {
    "tls": "TLS failed",
    "timeout-connect": "timed out connecting",
    "timeout-read": "timed out",
    "timeout-write": "timed out sending",
    "timeout-total": "timed out",
    "reset": "connection reset",
    "too-large": "answer too large",
    "auth": "not sent: auth failed",
    "redirect": "too many redirects",
    "decoding": "undecodable body",
}
_HOST_NOT_FOUND = ("name or service not known", "name resolution", "nodename nor servname", "getaddrinfo", "no address associated")


def failure_words(failure: TransportFailure) -> str:
    """What went wrong in a few plain words: `connection refused`, `timed out`, `connection reset`.

    The kind alone does not tell a refused connection from an unknown host (both are `connect`),
    so the message is read too; it is the operating system's text, the same in a replayed failure."""
    text = failure.message.lower()
    if failure.kind == "connect":
        if "refused" in text:
            return "connection refused"
        if any(marker in text for marker in _HOST_NOT_FOUND):
            return "host not found"
        return "could not connect"
    if failure.kind == "protocol":
        return "connection closed" if "closed" in text or "disconnected" in text else "not HTTP"
    return _WORDS.get(failure.kind, "transport error")


def no_answer(attempt: Attempt) -> str | None:
    """`failure_words` for an attempt that got no HTTP answer (not even a status line), else None.
    An answer cut short (headers came, then a timeout) is an answer, and gives None."""
    if attempt.response is not None or attempt.failure is None:
        return None
    return failure_words(attempt.failure)


def no_answer_text(words: str) -> str:
    """`no answer (connection refused)`: how a request without an answer is named everywhere."""
    return f"no answer ({words})"


def no_answer_reason(text: str | None) -> str | None:
    """The words back out of a `no_answer_text` (a finding's evidence, read from a report), or None."""
    match = re.fullmatch(r"no answer \((.+)\)", text or "")
    return match.group(1) if match else None


def no_answer_why(reasons: Mapping[str, int]) -> str:
    """`(connection refused)` for one reason, `(2 timed out, 1 connection reset)` for several."""
    if len(reasons) == 1:
        return f"({next(iter(reasons))})"
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return "(" + ", ".join(f"{count} {words}" for words, count in ordered) + ")"


def no_answer_count(reasons: Mapping[str, int]) -> str:
    """`5 no answer (connection refused)`, or `3 no answer (2 timed out, 1 connection reset)`."""
    total = sum(reasons.values())
    return f"{total} no answer {no_answer_why(reasons)}" if total else "0 no answer"
