"""From a case step and an endpoint to the exact HTTP request, and back to a curl command."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from ..cases import Case, Step, render_body
from ..endpoints import Endpoint, chat_completions_url
from ..transport import HTTPRequest

__all__ = ["build_request", "case_endpoint", "curl_command", "documented_target_note", "endpoint_request", "request_url"]


def case_endpoint(case: Case, endpoint: Endpoint) -> Endpoint:
    """The endpoint as the case's requests see it: with the case's documented location and API
    version where the endpoint sets none of its own (or where the case pins them)."""
    return endpoint.kind_spec.for_case(endpoint, case.documented_target, case.pinned)


def request_url(case: Case, endpoint: Endpoint) -> str:
    """Where the case's requests go: the endpoint's own URL, with what `case_endpoint` takes from the case."""
    return chat_completions_url(case_endpoint(case, endpoint))


def documented_target_note(case: Case, endpoint: Endpoint) -> str | None:
    """A sentence on where the case's documented example sends its request, when the endpoint's
    configuration sends it elsewhere (None when it goes where the example does)."""
    departures = endpoint.kind_spec.departures(endpoint, case.documented_target, case.pinned)
    if not departures:
        return None
    where = f"{case.source.document}:{case.source.lines}" if case.source.lines else case.source.document
    changes = ", ".join(f"{what} {documented} → {used}" for what, documented, used in departures)
    return (
        f"sent where the endpoint is configured, not where the documented example ({where}) sends it: {changes}; "
        "the example's values apply only to an endpoint that sets none of its own"
    )


def endpoint_request(
    endpoint: Endpoint, body: Mapping[str, Any], *, stream: bool, url: str | None = None, headers: Mapping[str, str] | None = None
) -> HTTPRequest:
    """`body` POSTed to the endpoint with the headers every request to it carries: JSON in, an
    event stream or JSON out, the endpoint's configured headers, then `headers` (a step's own).

    `run` (through `build_request`) and `fuzz` both send these, so an endpoint's headers reach
    the server the same way from either; auth is added by the transport.
    """
    merged = {
        "content-type": "application/json",
        "accept": "text/event-stream" if stream else "application/json",
        **{k.lower(): v for k, v in endpoint.headers.items()},
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    target = url if url is not None else chat_completions_url(endpoint)
    return HTTPRequest("POST", target, merged, json.dumps(body, ensure_ascii=False).encode())


def build_request(
    case: Case, step: Step, endpoint: Endpoint, responses: Mapping[str, Any], *, preview: bool = False
) -> HTTPRequest:
    """Raises PlaceholderMissing / DependencyMissing (from harness.cases) when it cannot be built."""
    target = case_endpoint(case, endpoint)
    body = render_body(step.body, target.placeholder_values(), responses, preview=preview)
    return endpoint_request(target, body, stream=step.stream, url=chat_completions_url(target), headers=step.headers)


def curl_command(request: HTTPRequest, *, token_placeholder: str | None) -> str:
    """A copy-pasteable curl command; the token is left as a shell placeholder, never filled in."""
    parts = ["curl", "-sS", "-X", request.method]
    if request.headers.get("accept") == "text/event-stream":
        parts.append("-N")  # print stream events as they arrive
    if token_placeholder:
        parts += ["-H", f"Authorization: Bearer {token_placeholder}"]
    for name, value in request.headers.items():
        if name != "accept":
            parts += ["-H", f"{name}: {value}"]
    body = json.dumps(json.loads(request.body), indent=2, ensure_ascii=False)
    quoted = [shlex.quote(p) for p in parts]
    # Double quotes let the shell expand the token placeholder, e.g. $(gcloud auth print-access-token).
    if token_placeholder:
        index = quoted.index(shlex.quote(f"Authorization: Bearer {token_placeholder}"))
        quoted[index] = f'"Authorization: Bearer {token_placeholder}"'
    return " ".join(quoted) + " \\\n  " + shlex.quote(request.url) + " \\\n  -d " + shlex.quote(body)
