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

Where a case's documented example went elsewhere (the seed's self-deployed REST samples use
`locations/global` and v1beta1, lines 151-251, while the Python samples of the same section use
the endpoint's own `{location}` and v1), the endpoint's configured location and API version win;
the example's apply only where the endpoint sets none (`EndpointKind.case_values`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._kind import EndpointKind
from .._model import API_VERSIONS

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_LOCATION", "VertexKind", "regional_host"]

# One URL path segment: anything that cannot end the segment or the path early.
_SEGMENT = re.compile(r"^[^/?#\s]+$")
_LOCATION = re.compile(r"^[a-z][a-z0-9-]*$")
_DIGITS = re.compile(r"^[0-9]+$")

# What an endpoint that configures neither uses, unless a case's documented example says otherwise.
DEFAULT_LOCATION = "us-central1"
DEFAULT_API_VERSION = "v1"


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
        values = {"location": _location(endpoint)}
        if endpoint.project:
            values["project"] = endpoint.project
        return values

    # -- the URL ------------------------------------------------------------------------------------

    def endpoint_segment(self, endpoint: Endpoint) -> str:
        """What follows `endpoints/` in the path: `openapi` for Gemini, the ID of a deployed model."""
        raise NotImplementedError

    def google_host(self, endpoint: Endpoint, location: str) -> str:
        """Google's host for the endpoint in `location` (the one a base_url stands in for)."""
        return regional_host(location)

    def build_url(self, endpoint: Endpoint, overrides: Mapping[str, str]) -> str:
        location, path = self.resource_path(endpoint, overrides, self.endpoint_segment(endpoint))
        host = self.google_host(endpoint, location)  # built even behind a base_url: it refuses a dedicated global endpoint
        if endpoint.base_url:
            return _origin(self, endpoint, endpoint.base_url) + path
        return f"https://{host}{path}"

    def resource_path(self, endpoint: Endpoint, overrides: Mapping[str, str], tail: str) -> tuple[str, str]:
        """(location, `/{version}/projects/{P}/locations/{L}/endpoints/{tail}/chat/completions`)."""
        location = overrides.get("location") or _location(endpoint)
        version = overrides.get("api_version") or _api_version(endpoint)
        if version not in API_VERSIONS:
            raise ValueError(f"unknown api_version {version!r} (valid: {', '.join(API_VERSIONS)})")
        for label, value in (("project", endpoint.project), ("location", location), ("endpoint_id", endpoint.endpoint_id)):
            if value is not None and not _SEGMENT.match(value):
                raise ValueError(f"endpoint {endpoint.name}: {label} {value!r} cannot be part of a URL path")
        if not endpoint.project:
            raise ValueError(f"endpoint {endpoint.name}: kind {self.name} needs project")
        return location, f"/{version}/projects/{endpoint.project}/locations/{location}/endpoints/{tail}/chat/completions"

    # -- a case's documented example versus where its requests go --------------------------------------

    def departures(self, endpoint: Endpoint, documented: Mapping[str, str], pinned: Collection[str] = ()) -> list[tuple[str, str, str]]:
        sent = self.for_case(endpoint, documented, pinned)
        used = {"location": _location(sent), "api_version": _api_version(sent)}
        found = [(name, documented[name], used[name]) for name in ("location", "api_version") if documented.get(name, used[name]) != used[name]]
        if "location" in documented:
            # The example's host is Google's shared host of its location; a base_url (a test server
            # standing in for Google) is not a departure from it, a dedicated host is.
            example_host, host = regional_host(documented["location"]), self.google_host(sent, used["location"])
            if example_host != host:
                found.append(("host", example_host, host))
        return found


def _location(endpoint: Endpoint) -> str:
    return endpoint.location or DEFAULT_LOCATION


def _api_version(endpoint: Endpoint) -> str:
    return endpoint.api_version or DEFAULT_API_VERSION


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
