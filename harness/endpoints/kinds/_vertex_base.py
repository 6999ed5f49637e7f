"""What the two Vertex AI kinds share: Google auth, the project/location path, the regional host.

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
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._kind import EndpointKind
from .._model import API_VERSIONS

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["VertexKind", "regional_host"]

# One URL path segment: anything that cannot end the segment or the path early.
_SEGMENT = re.compile(r"^[^/?#\s]+$")
_LOCATION = re.compile(r"^[a-z][a-z0-9-]*$")
_DIGITS = re.compile(r"^[0-9]+$")


class VertexKind(EndpointKind):
    """The shared base of `vertex` and `vertex-endpoint` (it has no name, so it is not a kind)."""

    endpoint_fields = frozenset({"project", "location", "api_version", "redact_project"})
    default_auth = "google"
    default_profile = "vertex"
    # The variable gcloud and Google's client libraries use.
    environment = MappingProxyType({"project": "GOOGLE_CLOUD_PROJECT"})
    # A case's `vertex:` section: the seed page sends some examples to the global location or v1beta1.
    url_overrides = frozenset({"location", "api_version"})

    def check_value(self, field: str, value: str) -> None:
        super().check_value(field, value)
        if field == "base_url" and urlsplit(value).path not in ("", "/"):
            raise ValueError(
                f"for kind {self.name} base_url replaces only scheme://host[:port] and the documented path is kept, "
                f"so {value!r} may not have a path; e.g. http://127.0.0.1:8080"
            )
        if field in ("project", "endpoint_id") and not _SEGMENT.match(value):
            raise ValueError(f"{value!r} cannot be part of a URL path (no '/', '?', '#' or whitespace)")
        if field == "location" and not _LOCATION.match(value):
            raise ValueError(f"{value!r} is not a Google Cloud location; e.g. us-central1, europe-west4 or global")
        if field == "project_number" and not _DIGITS.match(value):
            raise ValueError(
                f"{value!r} is not a project number; it is all digits: "
                "gcloud projects describe PROJECT_ID --format='value(projectNumber)'"
            )
        if field == "api_version" and value not in API_VERSIONS:
            raise ValueError(f"unknown api_version {value!r}; use one of {', '.join(API_VERSIONS)}")

    def placeholder_values(self, endpoint: Endpoint) -> dict[str, str]:
        values = {"location": endpoint.location}
        if endpoint.project:
            values["project"] = endpoint.project
        return values

    def resource_path(self, endpoint: Endpoint, overrides: Mapping[str, str], tail: str) -> tuple[str, str]:
        """(location, `/{version}/projects/{P}/locations/{L}/endpoints/{tail}/chat/completions`)."""
        location = overrides.get("location", endpoint.location)
        version = overrides.get("api_version", endpoint.api_version)
        if version not in API_VERSIONS:
            raise ValueError(f"unknown api_version {version!r} (valid: {', '.join(API_VERSIONS)})")
        for label, value in (("project", endpoint.project), ("location", location), ("endpoint_id", endpoint.endpoint_id)):
            if value is not None and not _SEGMENT.match(value):
                raise ValueError(f"endpoint {endpoint.name}: {label} {value!r} cannot be part of a URL path")
        if not endpoint.project:
            raise ValueError(f"endpoint {endpoint.name}: kind {self.name} needs project")
        return location, f"/{version}/projects/{endpoint.project}/locations/{location}/endpoints/{tail}/chat/completions"

    def at_host(self, endpoint: Endpoint, host: str, path: str) -> str:
        """`https://host/path`, or the base_url's `scheme://host:port` in front of the path."""
        if endpoint.base_url:
            return _origin(self, endpoint, endpoint.base_url) + path
        return f"https://{host}{path}"


def regional_host(location: str) -> str:
    # "global" is served by the bare host; `global-aiplatform.googleapis.com` does not exist.
    return "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"


def _origin(kind: EndpointKind, endpoint: Endpoint, base_url: str) -> str:
    """`scheme://host:port` of a Vertex endpoint's base_url, which may carry nothing else.

    A path there would be silently dropped (the Vertex path is always built), so it is refused.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"endpoint {endpoint.name}: base_url {base_url!r} is not an http(s) URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"endpoint {endpoint.name}: base_url of a {kind.name} endpoint may only hold "
            f"scheme://host[:port] (got {base_url!r}); the Vertex path is built from project and location"
        )
    return f"{parts.scheme}://{parts.netloc}"
