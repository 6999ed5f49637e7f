"""Endpoint kinds: one registered object per kind of server, holding everything that differs by kind.

A kind is a subclass of `EndpointKind` that sets `name`. Defining the class registers one
instance of it, the way respx registers its patterns; a second kind with the same name fails at
import. Config files, the `--kind` flag, the `applies_to` of cases, report headers and the URL
of every request read the registry through `endpoint_kinds()` (a read-only view, built-in kinds
first) and `get_kind(name)`. So adding a kind takes one file:

    class AzureOpenAI(EndpointKind):
        name = "azure-openai"
        description = "Azure OpenAI: a deployment on {resource}.openai.azure.com"
        settings = {"deployment": KindSetting("the deployment's name", example="gpt-4o-mini")}
        required = ("base_url", "deployment")

        def build_url(self, endpoint, overrides):
            return f"{endpoint.base_url}/openai/deployments/{endpoint.settings['deployment']}/chat/completions"

What a kind declares:
- `name`, `description` (one line for `--help` and `chat-conformance list kinds`);
- `required`: the fields an endpoint of this kind must set (`required_fields` may add more);
- `endpoint_fields`: the fields of `Endpoint` beyond `COMMON_FIELDS` it uses (the Vertex kinds:
  project, location, ...), and `settings`: fields of its own, kept in `Endpoint.settings`;
- `default_auth` (the short form of `auth:`: google, none, bearer or bearer:ENV_VAR) and
  `default_profile` (the schema profile answers are judged by: openai or vertex);
- `environment`: fields that ad-hoc flags take from an environment variable when not given;
- `url_overrides`: the fields a case file's `vertex:` section may give for its requests (where
  the documented example sent it); they apply only where the endpoint sets none of its own, except
  the `pinnable` ones a case pins because they are its point (`case_values`, `for_case`);
  `departures` says where the example was sent elsewhere; and `build_url`, the Chat Completions
  URL itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from ..errors import did_you_mean

if TYPE_CHECKING:
    from ._model import Endpoint

__all__ = [
    "BASE_URL_EXAMPLE",
    "COMMON_FIELDS",
    "EndpointKind",
    "KindSetting",
    "endpoint_kinds",
    "get_kind",
    "kind_names",
    "unknown_kind_message",
    "unregister_kind",
]

# The fields every kind has; the others of `Endpoint` mean something only to the kinds that list
# them in `endpoint_fields`, and setting one on another kind is a mistake worth reporting.
COMMON_FIELDS: frozenset[str] = frozenset(
    {"kind", "auth", "model", "models", "base_url", "headers", "profile", "max_concurrency", "requests_per_second", "origin"}
)
BASE_URL_EXAMPLE = "http://127.0.0.1:8000/v1"

# Kind names appear in config files, case files and on the command line; keep them plain.
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SETTING = re.compile(r"^[a-z][a-z0-9_]*$")

_KINDS: dict[str, EndpointKind] = {}


@dataclass(frozen=True)
class KindSetting:
    """A setting only one kind has (e.g. an Azure deployment name), kept in `Endpoint.settings`.

    Its value is a string, from the config file (`deployment: gpt-4o-mini`) or from the
    `--setting NAME=VALUE` flag of an ad-hoc endpoint.
    """

    description: str
    example: str
    """Shown in messages as "add e.g. `name: example`", so a fix can be copied."""
    check: Callable[[str], None] | None = None
    """Raises ValueError saying what is wrong with a value."""


class EndpointKind:
    """One kind of server. Subclass it and set `name` to register the kind (see the module doc)."""

    name: ClassVar[str]
    description: ClassVar[str]
    required: ClassVar[tuple[str, ...]] = ()
    endpoint_fields: ClassVar[frozenset[str]] = frozenset()
    settings: ClassVar[Mapping[str, KindSetting]] = MappingProxyType({})
    default_auth: ClassVar[str] = "none"
    default_profile: ClassVar[str] = "openai"
    environment: ClassVar[Mapping[str, str]] = MappingProxyType({})
    url_overrides: ClassVar[frozenset[str]] = frozenset()
    pinnable: ClassVar[frozenset[str]] = frozenset()
    """Of `url_overrides`, those a case may pin (win over the endpoint's own value) because the
    case is about that value; an endpoint that exists in one place only has none."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A class without a name of its own is a shared base (the two Vertex kinds have one).
        if "name" in cls.__dict__:
            _register(cls())

    # -- fields -----------------------------------------------------------------------------------

    @property
    def applicable_fields(self) -> frozenset[str]:
        """Every key a config entry of this kind may hold."""
        return COMMON_FIELDS | self.endpoint_fields | frozenset(self.settings)

    def required_fields(self, given: Mapping[str, Any]) -> tuple[str, ...]:
        """The fields an endpoint must set, given the settings it has (a kind may need more for some)."""
        return self.required

    def why_required(self, field: str) -> str:
        """Why `field` is required, when that is not obvious; shown after "needs `field`"."""
        return ""

    def unused_settings(self, given: Mapping[str, Any]) -> dict[str, str]:
        """Settings that are given but do nothing with the others, each with how to fix it."""
        return {}

    def from_flags(self, given: dict[str, Any]) -> dict[str, Any]:
        """The settings flags give, plus what a flag implies (e.g. `--project-number` a dedicated host)."""
        return given

    def check_value(self, field: str, value: str) -> None:
        """Raises ValueError saying what is wrong with one value (from a config file or a flag)."""
        if field == "base_url":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{value!r} is not an http(s) URL; e.g. {BASE_URL_EXAMPLE}")
            if parts.query or parts.fragment:
                raise ValueError(f"{value!r} may not have a query or fragment")
        setting = self.settings.get(field)
        if setting is not None and setting.check is not None:
            setting.check(value)

    def validate(self, endpoint: Endpoint) -> None:
        """Cross-field rules, run on every `Endpoint` of this kind; raises ValueError."""
        missing = [name for name in self.required_fields(endpoint.given()) if not endpoint.value(name)]
        if missing:
            raise ValueError(f"kind {self.name} needs {', '.join(missing)}")

    # -- what requests need -------------------------------------------------------------------------

    def placeholder_values(self, endpoint: Endpoint) -> dict[str, str]:
        """Values for case placeholders beyond `{model}` and `{model.ROLE}`, only those it has."""
        return {}

    def build_url(self, endpoint: Endpoint, overrides: Mapping[str, str]) -> str:
        """The Chat Completions URL; `overrides` holds only names from `url_overrides`."""
        raise NotImplementedError(f"kind {self.name} does not build a URL")

    def url(self, endpoint: Endpoint, overrides: Mapping[str, str] | None = None) -> str:
        """The URL to POST to; an override this kind does not take is an error, not silently dropped."""
        overrides = dict(overrides or {})
        refused = sorted(set(overrides) - self.url_overrides)
        if refused:
            takers = [k.name for k in _KINDS.values() if set(refused) <= k.url_overrides]
            raise ValueError(
                f"endpoint {endpoint.name}: kind {self.name} takes no per-request {' or '.join(refused)}: "
                f"a case's Vertex settings only apply to kinds {', '.join(takers) or 'none'}"
            )
        return self.build_url(endpoint, overrides)

    def case_values(self, endpoint: Endpoint, documented: Mapping[str, str], pinned: Collection[str] = ()) -> dict[str, str]:
        """Of a case's documented values (where its example sent the request), those that replace
        the endpoint's own: the pinned ones, and the others only where the endpoint sets none and
        nothing else fixes them. A value the endpoint is configured with wins, because the
        endpoint lives there (a self-deployed endpoint's ID exists in its own region only).
        Values this kind does not take mean nothing to it."""
        fixed = self.fixed_fields(endpoint)
        return {
            name: value
            for name, value in documented.items()
            if name in self.url_overrides and (name in pinned or (endpoint.value(name) is None and name not in fixed))
        }

    def fixed_fields(self, endpoint: Endpoint) -> frozenset[str]:
        """Fields a case's documented value may not change even when the endpoint leaves them unset
        (a dedicated endpoint's host names its region, so its location is that region)."""
        return frozenset()

    def departures(self, endpoint: Endpoint, documented: Mapping[str, str], pinned: Collection[str] = ()) -> list[tuple[str, str, str]]:
        """(what, documented, used) for every part of the URL where the case's request goes
        elsewhere than its documented example: `[("location", "global", "us-central1")]`."""
        return []

    def for_case(self, endpoint: Endpoint, documented: Mapping[str, str], pinned: Collection[str] = ()) -> Endpoint:
        """The endpoint as one case's requests see it: with the documented values that apply
        (`case_values`), so its URL and its placeholders (`{location}`) agree."""
        values = self.case_values(endpoint, documented, pinned)
        return replace(endpoint, **values) if values else endpoint

    def __repr__(self) -> str:
        return f"<endpoint kind {self.name}>"


def _register(kind: EndpointKind) -> None:
    cls = type(kind)
    for attribute in ("name", "description"):
        if not isinstance(getattr(cls, attribute, None), str):
            raise TypeError(f"endpoint kind {cls.__qualname__} needs a string `{attribute}`")
    if not _NAME.match(kind.name):
        raise ValueError(f"endpoint kind name {kind.name!r} must match {_NAME.pattern}")
    if kind.name in _KINDS:
        other = type(_KINDS[kind.name])
        raise ValueError(
            f"endpoint kind {kind.name!r} registered twice ({other.__module__}.{other.__qualname__} "
            f"and {cls.__module__}.{cls.__qualname__})"
        )
    from ._config import PROFILES, parse_auth
    from ._model import ENDPOINT_FIELDS

    try:
        parse_auth(kind.default_auth)
    except ValueError as exc:
        raise ValueError(f"endpoint kind {kind.name}: default_auth: {exc}") from None
    if kind.default_profile not in PROFILES:
        raise ValueError(f"endpoint kind {kind.name}: default_profile {kind.default_profile!r} is not one of {', '.join(PROFILES)}")
    for setting in kind.settings:
        # A setting named like a field of Endpoint would be read from two places.
        if setting in ENDPOINT_FIELDS or not _SETTING.match(setting):
            raise ValueError(f"endpoint kind {kind.name}: setting {setting!r} must match {_SETTING.pattern} and not be a field of Endpoint")
    unknown = (kind.endpoint_fields | kind.url_overrides) - ENDPOINT_FIELDS
    if not kind.pinnable <= kind.url_overrides:
        raise ValueError(f"endpoint kind {kind.name}: pinnable {', '.join(sorted(kind.pinnable - kind.url_overrides))} is not in url_overrides")
    if unknown:
        raise ValueError(f"endpoint kind {kind.name}: {', '.join(sorted(unknown))} is not a field of Endpoint; declare it in `settings`")
    _KINDS[kind.name] = kind


def endpoint_kinds() -> Mapping[str, EndpointKind]:
    """Every registered kind by name, built-in kinds first (a read-only view)."""
    return MappingProxyType(_KINDS)


def kind_names() -> tuple[str, ...]:
    return tuple(_KINDS)


def unknown_kind_message(name: str) -> str:
    """`unknown kind 'vertx' (did you mean vertex?); use one of ...`, for every place a kind is named."""
    return f"unknown kind {name!r}{did_you_mean(name, _KINDS)}; use one of {', '.join(_KINDS)}"


def get_kind(name: str) -> EndpointKind:
    """The registered kind called `name`; ValueError (with a close match, if any) when there is none."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(unknown_kind_message(name)) from None


def unregister_kind(name: str) -> None:
    """Remove a kind: for tests that add one, and for a plugin that replaces a built-in kind."""
    get_kind(name)
    del _KINDS[name]
