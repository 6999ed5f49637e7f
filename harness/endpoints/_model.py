"""What an endpoint under test is: where its Chat Completions URL lives and how to authenticate.

One `Endpoint` describes a target whether it came from a config file, from command-line flags
or from the bundled recordings; everything downstream (URL building, auth, case placeholders)
reads only this model, so the three sources cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal, get_args

from ._kind import COMMON_FIELDS, EndpointKind, get_kind

__all__ = [
    "API_VERSIONS",
    "AUTH_TYPES",
    "CLOUD_PLATFORM_SCOPE",
    "ENDPOINT_FIELDS",
    "ENDPOINT_ORIGINS",
    "ApiVersion",
    "AuthSpec",
    "AuthType",
    "Endpoint",
    "EndpointOrigin",
]

AuthType = Literal["google", "bearer", "none"]
AUTH_TYPES: tuple[str, ...] = get_args(AuthType)

ApiVersion = Literal["v1", "v1beta1"]
API_VERSIONS: tuple[str, ...] = get_args(ApiVersion)

EndpointOrigin = Literal["live", "documentation"]
ENDPOINT_ORIGINS: tuple[str, ...] = get_args(EndpointOrigin)

# The scope every Vertex sample in the docs requests (seed file, e.g. line 38).
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


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


SELF_DEPLOYED_KIND = "vertex-endpoint"
"""The kind whose cases a `self_deployed` endpoint runs as well."""


@dataclass(frozen=True)
class Endpoint:
    """One target of a conformance run.

    `kind` names a registered `EndpointKind` (`kind_spec` is the object): it decides which fields
    the endpoint needs, its URL, its default auth and schema profile. The fields after `auth` that
    are not in `COMMON_FIELDS` belong to the Vertex kinds; a kind's own fields live in `settings`.

    `model` fills the `{model}` placeholder of cases; `models` maps a role to a different model
    for `{model.ROLE}` (e.g. `image: google/gemini-3-pro-image-preview`); the case renderer
    falls back to `model` for a role that is not listed.

    `base_url` is the prefix before `/chat/completions` for `openai-compatible`. For the Vertex
    kinds it replaces only `scheme://host:port`: the documented path is still built from
    project, location and endpoint id, so tests can aim a Vertex-shaped request at 127.0.0.1.

    `location` and `api_version` are None when not configured: the Vertex kinds then use what a
    case's documentation shows (its `vertex:` section), else us-central1 and v1. A value that is
    configured wins over the case's, because the endpoint lives there (see `EndpointKind.case_values`).

    `project_number` and `dedicated` matter only for `vertex-endpoint`: a dedicated endpoint is
    reached on its own host `{endpoint_id}.{location}-{project_number}.prediction.vertexai.goog`.
    """

    name: str
    kind: str
    auth: AuthSpec
    model: str | None = None
    models: Mapping[str, str] = field(default_factory=lambda: _frozen({}), hash=False)
    base_url: str | None = None
    project: str | None = None
    project_number: str | None = None
    location: str | None = None
    api_version: ApiVersion | None = None
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
    Vertex documents). Default: the kind's `default_profile`."""
    origin: EndpointOrigin = "live"
    """`documentation`: the endpoint's recordings are sample answers from its provider's docs
    (the bundled vertex-docs); nothing can be sent to it, and a case the docs have no sample for
    is `skip (not-documented)` rather than a recording still to be made."""
    settings: Mapping[str, str] = field(default_factory=lambda: _frozen({}), hash=False)
    """The settings of the kind's own (`EndpointKind.settings`), e.g. an Azure deployment name."""
    self_deployed: bool = False
    """openai-compatible: the server is the engine a self-deployed Vertex endpoint runs (the vLLM
    container of a Model Garden deployment), so the self-deployed cases, which send no `model`,
    run against it too, at its own URL."""

    reasoning_parser: str | None = None
    """openai-compatible: the server separates the model's thoughts from its answer with this
    parser (vLLM's --reasoning-parser, e.g. qwen3 or deepseek_r1): thoughts must then never reach
    `content` (rule reasoning.separated)."""

    @property
    def traits(self) -> dict[str, Any]:
        """What the configuration says about how the endpoint answers, for the rules that depend on it."""
        return {"reasoning_parser": self.reasoning_parser} if self.reasoning_parser else {}

    def runs(self, applies_to: Sequence[str]) -> bool:
        """Whether a case written for the endpoint kinds `applies_to` runs against this endpoint."""
        return self.kind in applies_to or (self.self_deployed and SELF_DEPLOYED_KIND in applies_to)

    @property
    def kind_spec(self) -> EndpointKind:
        return get_kind(self.kind)

    @property
    def recordable(self) -> bool:
        return self.origin == "live"

    @property
    def effective_profile(self) -> str:
        return self.profile if self.profile is not None else self.kind_spec.default_profile

    def value(self, name: str) -> Any:
        """A field of the endpoint, or a setting of its kind's own (None when not set)."""
        return getattr(self, name) if name in ENDPOINT_FIELDS else self.settings.get(name)

    def given(self) -> dict[str, Any]:
        """Every field and setting set to something other than its default."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _DEFAULTS and getattr(self, f.name) != _DEFAULTS[f.name]}
        return {**values, **self.settings}

    def __post_init__(self) -> None:
        # A frozen dataclass still holds whatever dict the caller passed; copy it behind a
        # read-only view so nobody can change an endpoint after it was validated.
        object.__setattr__(self, "models", _frozen(self.models))
        object.__setattr__(self, "headers", _frozen(self.headers))
        object.__setattr__(self, "settings", _frozen(self.settings))
        kind = get_kind(self.kind)  # ValueError naming the kinds there are
        if self.origin not in ENDPOINT_ORIGINS:
            raise ValueError(f"unknown origin {self.origin!r} (valid: {', '.join(ENDPOINT_ORIGINS)})")
        if self.api_version is not None and self.api_version not in API_VERSIONS:
            raise ValueError(f"unknown api_version {self.api_version!r} (valid: {', '.join(API_VERSIONS)})")
        for name in self.given():
            if name not in kind.applicable_fields:
                from ._kind import endpoint_kinds

                owners = [k.name for k in endpoint_kinds().values() if name in k.applicable_fields]
                raise ValueError(f"{name} only applies to kind {' and '.join(owners) or 'none'}, not {self.kind}")
        kind.validate(self)

    def placeholder_values(self) -> dict[str, str]:
        """Values for the `{name}` placeholders of case bodies, only those this endpoint has.

        Beyond the models, the kind decides: `location` and `project` are Vertex notions, so an
        OpenAI-compatible server has neither, and a case that needs them reports a missing
        placeholder instead of sending a made-up value.
        """
        values: dict[str, str] = {}
        if self.model:
            values["model"] = self.model
        for role, model in self.models.items():
            values[f"model.{role}"] = model
        return {**values, **self.kind_spec.placeholder_values(self)}


ENDPOINT_FIELDS: frozenset[str] = frozenset(f.name for f in fields(Endpoint)) - {"name", "settings"}
# Defaults of the fields a kind may or may not use; `given()` reports the others set to anything else.
_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {f.name: f.default for f in fields(Endpoint) if f.name not in COMMON_FIELDS and f.name in ENDPOINT_FIELDS}
)
