"""The Chat Completions URL of an endpoint: its kind builds it (see `harness.endpoints.kinds`)."""

from __future__ import annotations

from ._model import Endpoint

__all__ = ["chat_completions_url"]


def chat_completions_url(endpoint: Endpoint, **overrides: str | None) -> str:
    """The URL to POST a Chat Completions request to.

    `overrides` (e.g. `location="global"`, `api_version="v1beta1"`, as a case may demand) replace
    the endpoint's own values for one request; a kind that has no such value refuses them.
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    return endpoint.kind_spec.url(endpoint, given)
