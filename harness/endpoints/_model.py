"""What an endpoint under test is: where its Chat Completions URL lives and how to authenticate.

One `Endpoint` describes a target whether it came from a config file, from command-line flags
or from the bundled recordings; everything downstream (URL building, auth, case placeholders)
reads only this model, so the three sources cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "API_VERSIONS",
    "AUTH_TYPES",
    "CLOUD_PLATFORM_SCOPE",
    "ENDPOINT_KINDS",
    "ENDPOINT_ORIGINS",
    "ApiVersion",
    "AuthSpec",
    "AuthType",
    "Endpoint",
    "EndpointKind",
    "EndpointOrigin",
]

EndpointKind = Literal["vertex", "vertex-endpoint", "openai-compatible"]
ENDPOINT_KINDS: tuple[str, ...] = get_args(EndpointKind)

AuthType = Literal["google", "bearer", "none"]
AUTH_TYPES: tuple[str, ...] = get_args(AuthType)

ApiVersion = Literal["v1", "v1beta1"]
API_VERSIONS: tuple[str, ...] = get_args(ApiVersion)

EndpointOrigin = Literal["live", "documentation"]
ENDPOINT_ORIGINS: tuple[str, ...] = get_args(EndpointOrigin)

# The scope every Vertex sample in the docs requests (seed file, e.g. line 38).
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

VERTEX_KINDS: frozenset[str] = frozenset({"vertex", "vertex-endpoint"})

# Fields a kind cannot do without. `project_number` joins them for a dedicated vertex-endpoint,
# whose host name embeds it. Config loading and CLI flags phrase their own messages from these.
REQUIRED_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "vertex": ("project", "model"),
        "vertex-endpoint": ("project", "endpoint_id"),
        "openai-compatible": ("base_url",),
    }
)

# Fields that mean something for a kind; setting any other one is a mistake worth reporting.
APPLICABLE_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "vertex": frozenset(
            {"kind", "auth", "model", "models", "base_url", "headers", "profile", "project", "location", "api_version", "redact_project", "max_concurrency", "requests_per_second", "origin"}
        ),
        "vertex-endpoint": frozenset(
            {
                "kind", "auth", "model", "models", "base_url", "headers", "profile", "project", "location",
                "api_version", "endpoint_id", "dedicated", "project_number", "redact_project", "max_concurrency",
                "requests_per_second", "origin",
            }
        ),
        "openai-compatible": frozenset({"kind", "auth", "model", "models", "base_url", "headers", "profile", "max_concurrency", "requests_per_second", "origin"}),
    }
)


def required_fields(kind: str, *, dedicated: bool = False) -> tuple[str, ...]:
    """The fields an endpoint of `kind` must set (a dedicated host also needs the project number)."""
    required = REQUIRED_FIELDS[kind]
    return (*required, "project_number") if dedicated else required


def default_auth_type(kind: str) -> AuthType:
    """Vertex always wants an OAuth token; a local OpenAI-compatible server usually wants none."""
    return "google" if kind in VERTEX_KINDS else "none"


@dataclass(frozen=True)
class AuthSpec:
    """How requests to an endpoint authenticate; `harness.endpoints.make_auth` turns it into headers.

    `token_env` names the environment variable holding a bearer token (the token itself never
    sits in a config file). `scopes` are the OAuth scopes requested from Google's Application
    Default Credentials.
    """

    type: AuthType
    token_env: str | None = None
    scopes: tuple[str, ...] = (CLOUD_PLATFORM_SCOPE,)

    def __post_init__(self) -> None:
        if self.type not in AUTH_TYPES:
            raise ValueError(f"unknown auth type {self.type!r} (valid: {', '.join(AUTH_TYPES)})")
        if self.type == "bearer" and not self.token_env:
            raise ValueError("bearer auth needs token_env, the environment variable holding the token")
        if self.type != "bearer" and self.token_env is not None:
            raise ValueError(f"token_env only applies to bearer auth, not {self.type}")
        if self.type == "google" and not self.scopes:
            raise ValueError("google auth needs at least one OAuth scope")


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Endpoint:
    """One target of a conformance run.

    `model` fills the `{model}` placeholder of cases; `models` maps a role to a different model
    for `{model.ROLE}` (e.g. `image: google/gemini-3-pro-image-preview`); the case renderer
    falls back to `model` for a role that is not listed.

    `base_url` is the prefix before `/chat/completions` for `openai-compatible`. For the Vertex
    kinds it replaces only `scheme://host:port`: the documented path is still built from
    project, location and endpoint id, so tests can aim a Vertex-shaped request at 127.0.0.1.

    `project_number` and `dedicated` matter only for `vertex-endpoint`: a dedicated endpoint is
    reached on its own host `{endpoint_id}.{location}-{project_number}.prediction.vertexai.goog`.
    """

    name: str
    kind: EndpointKind
    auth: AuthSpec
    model: str | None = None
    models: Mapping[str, str] = field(default_factory=lambda: _frozen({}), hash=False)
    base_url: str | None = None
    project: str | None = None
    project_number: str | None = None
    location: str = "us-central1"
    api_version: ApiVersion = "v1"
    endpoint_id: str | None = None
    dedicated: bool = False
    headers: Mapping[str, str] = field(default_factory=lambda: _frozen({}), hash=False)
    max_concurrency: int | None = None
    """At most this many cases in flight against this endpoint, whatever --concurrency says."""
    requests_per_second: float | None = None
    """At most this many requests started per second (retries included)."""
    redact_project: bool = False
    """Vertex kinds: replace the project id and number by <redacted> in everything written
    (recordings, reports), URL paths and host names included."""
    profile: str | None = None
    """Schema profile answers are judged by: `openai` (the published spec) or `vertex` (plus what
    Vertex documents). Default: vertex for the Vertex kinds, openai otherwise."""
    origin: EndpointOrigin = "live"
    """`documentation`: the endpoint's recordings are sample answers from its provider's docs
    (the bundled vertex-docs); nothing can be sent to it, and a case the docs have no sample for
    is `skip (not-documented)` rather than a recording still to be made."""

    @property
    def recordable(self) -> bool:
        return self.origin == "live"

    @property
    def effective_profile(self) -> str:
        if self.profile is not None:
            return self.profile
        return "vertex" if self.kind in VERTEX_KINDS else "openai"

    def __post_init__(self) -> None:
        # A frozen dataclass still holds whatever dict the caller passed; copy it behind a
        # read-only view so nobody can change an endpoint after it was validated.
        object.__setattr__(self, "models", _frozen(self.models))
        object.__setattr__(self, "headers", _frozen(self.headers))
        if self.kind not in ENDPOINT_KINDS:
            raise ValueError(f"unknown kind {self.kind!r} (valid: {', '.join(ENDPOINT_KINDS)})")
        if self.origin not in ENDPOINT_ORIGINS:
            raise ValueError(f"unknown origin {self.origin!r} (valid: {', '.join(ENDPOINT_ORIGINS)})")
        if self.api_version not in API_VERSIONS:
            raise ValueError(f"unknown api_version {self.api_version!r} (valid: {', '.join(API_VERSIONS)})")
        if self.dedicated and self.kind != "vertex-endpoint":
            raise ValueError("dedicated only applies to kind vertex-endpoint")
        missing = [name for name in required_fields(self.kind, dedicated=self.dedicated) if not getattr(self, name)]
        if missing:
            raise ValueError(f"kind {self.kind} needs {', '.join(missing)}")
        if self.dedicated and self.location == "global":
            raise ValueError("a dedicated endpoint is regional: set location to its region, not global")

    def placeholder_values(self) -> dict[str, str]:
        """Values for the `{name}` placeholders of case bodies, only those this endpoint has.

        `location` and `project` are Vertex notions; an OpenAI-compatible server has neither, so
        a case that needs them reports a missing placeholder instead of sending a made-up value.
        """
        values: dict[str, str] = {}
        if self.model:
            values["model"] = self.model
        for role, model in self.models.items():
            values[f"model.{role}"] = model
        if self.kind in VERTEX_KINDS:
            if self.project:
                values["project"] = self.project
            values["location"] = self.location
        if self.endpoint_id:
            values["endpoint_id"] = self.endpoint_id
        return values
