"""The Chat Completions URL of an endpoint, built exactly as Google documents it.

Sources (all under the spec folder `vertex-docs/` or the seed page):
- Gemini via the OpenAI-compatible endpoint: `https://{LOCATION}-aiplatform.googleapis.com/{v}/
  projects/{P}/locations/{LOCATION}/endpoints/openapi/chat/completions`
  (seed `vertex-openai-chat-completions-examples.de.txt`:12); the global location has no region
  prefix on the host: `https://aiplatform.googleapis.com/...` (same file, lines 351 and 651).
- A self-deployed model on the shared host: `.../endpoints/{ENDPOINT}/chat/completions`
  (same file, line 160).
- A dedicated endpoint: its own host, the same path
  (`vertex-self-deployed-custom-weights-chat-completions.txt`:4, quoting use-multihost-gpu.md:
  `https://${ENDPOINT_ID}.${REGION}-${PROJECT_NUMBER}.prediction.vertexai.goog/v1/projects/
  ${PROJECT_NUMBER}/locations/${REGION}/endpoints/${ENDPOINT_ID}/chat/completions`; line 507 of
  that file shows the same path with `projects/${PROJECT_ID}` behind the dedicated host).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ._model import API_VERSIONS, VERTEX_KINDS, Endpoint

__all__ = ["chat_completions_url"]

# One URL path segment: anything that cannot end the segment or the path early.
_SEGMENT = re.compile(r"^[^/?#\s]+$")


def chat_completions_url(endpoint: Endpoint, *, location: str | None = None, api_version: str | None = None) -> str:
    """The URL to POST a Chat Completions request to.

    `location` and `api_version` override the endpoint's own values for one request, so a case
    can demand e.g. the global location or `v1beta1` (the seed page uses both). They only exist
    for the Vertex kinds; an OpenAI-compatible server has neither, so passing one is an error.
    """
    if endpoint.kind not in VERTEX_KINDS:
        if location is not None or api_version is not None:
            raise ValueError(f"endpoint {endpoint.name}: location and api_version only apply to the Vertex kinds")
        if not endpoint.base_url:
            raise ValueError(f"endpoint {endpoint.name}: kind {endpoint.kind} needs base_url")
        return endpoint.base_url.rstrip("/") + "/chat/completions"

    location = endpoint.location if location is None else location
    version = endpoint.api_version if api_version is None else api_version
    if version not in API_VERSIONS:
        raise ValueError(f"unknown api_version {version!r} (valid: {', '.join(API_VERSIONS)})")
    for label, value in (("project", endpoint.project), ("location", location), ("endpoint_id", endpoint.endpoint_id)):
        if value is not None and not _SEGMENT.match(value):
            raise ValueError(f"endpoint {endpoint.name}: {label} {value!r} cannot be part of a URL path")
    if not endpoint.project:
        raise ValueError(f"endpoint {endpoint.name}: kind {endpoint.kind} needs project")

    resource = f"projects/{endpoint.project}/locations/{location}"
    if endpoint.kind == "vertex":
        path = f"/{version}/{resource}/endpoints/openapi/chat/completions"
        host = _regional_host(location)
    else:
        if not endpoint.endpoint_id:
            raise ValueError(f"endpoint {endpoint.name}: kind vertex-endpoint needs endpoint_id")
        path = f"/{version}/{resource}/endpoints/{endpoint.endpoint_id}/chat/completions"
        if endpoint.dedicated:
            if location == "global":
                raise ValueError(f"endpoint {endpoint.name}: a dedicated endpoint is regional, it has no global host")
            if not endpoint.project_number:
                raise ValueError(f"endpoint {endpoint.name}: a dedicated endpoint needs project_number")
            host = f"{endpoint.endpoint_id}.{location}-{endpoint.project_number}.prediction.vertexai.goog"
        else:
            host = _regional_host(location)

    if endpoint.base_url:
        return _origin(endpoint, endpoint.base_url) + path
    return f"https://{host}{path}"


def _regional_host(location: str) -> str:
    # "global" is served by the bare host; `global-aiplatform.googleapis.com` does not exist.
    return "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"


def _origin(endpoint: Endpoint, base_url: str) -> str:
    """`scheme://host:port` of a Vertex endpoint's base_url, which may carry nothing else.

    A path there would be silently dropped (the Vertex path is always built), so it is refused.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"endpoint {endpoint.name}: base_url {base_url!r} is not an http(s) URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"endpoint {endpoint.name}: base_url of a {endpoint.kind} endpoint may only hold "
            f"scheme://host[:port] (got {base_url!r}); the Vertex path is built from project and location"
        )
    return f"{parts.scheme}://{parts.netloc}"
