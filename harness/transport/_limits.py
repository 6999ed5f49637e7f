"""Bounds on one run's traffic."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds on one run's traffic. Defaults suit real LLM endpoints (long streams, slow first tokens)."""

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    """Longest silence between two reads."""
    total_timeout: float = 600.0
    """Longest a whole response (headers and body) may take."""
    max_response_bytes: int = 512 * 1024 * 1024
    retries: int = 2
    """Further attempts after a 429 or 503 (never after a stream has started)."""
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    """Longest wait before a retry, also when Retry-After asks for more."""
