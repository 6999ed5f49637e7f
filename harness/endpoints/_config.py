"""Endpoints from a YAML config file, from command-line flags, or from the bundled recordings.

A config file names endpoints once so a run can say `--endpoint my-gemini` instead of repeating
five flags; secrets never go in it: `${VAR}` pulls values from the environment and bearer
tokens are named by their environment variable. Every mistake is reported as
`path:line: what is wrong and what would fix it`, because a conformance run that starts against
the wrong URL wastes far more time than a strict loader costs.

    endpoints:
      my-gemini:
        kind: vertex
        project: ${GOOGLE_CLOUD_PROJECT}
        location: us-central1
        model: google/gemini-2.0-flash-001
        models: {image: google/gemini-3-pro-image-preview}
        auth: google            # or none, bearer:MY_TOKEN, {type: bearer, token_env: MY_TOKEN}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, cast

from .._resources import bundled_dir
from .._yamlio import Lines, load_yaml_file
from ..errors import ConfigError, UsageError, did_you_mean
from ._kind import BASE_URL_EXAMPLE, EndpointKind, endpoint_kinds, get_kind, unknown_kind_message
from ._model import AUTH_TYPES, CLOUD_PLATFORM_SCOPE, ENDPOINT_ORIGINS, AuthSpec, AuthType, Endpoint

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_TOKEN_ENV",
    "adhoc_endpoint",
    "bundled_endpoints",
    "find_config",
    "load_config",
    "parse_auth",
]

CONFIG_FILENAME = "chat-conformance.yaml"
PROFILES = ("openai", "vertex")
# Where `--auth bearer` (without `:VAR`) looks for the token.
DEFAULT_TOKEN_ENV = "CHAT_CONFORMANCE_TOKEN"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Matches the `{model.ROLE}` placeholders the case renderer accepts.
_ROLE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The string fields of Endpoint whose values the kind checks (the Vertex kinds most of them).
_TEXT_FIELDS = ("base_url", "project", "project_number", "location", "api_version", "endpoint_id")
# Ids that YAML reads as integers when unquoted (`endpoint_id: 1234567890`) but a URL needs as text.
_NUMERIC_FIELDS = frozenset({"project", "project_number", "endpoint_id"})
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# `$${` is a literal `${`; `${VAR}` and `${VAR:-default}` read the environment; any other
# `${` is malformed (caught by the last alternative so it cannot pass through unnoticed).
_INTERPOLATION = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{")

# Shown in messages as "e.g. `key: value`", so a fix can be copied.
_EXAMPLES: Mapping[str, str] = {
    "kind": "vertex",
    "auth": "google",
    "model": "google/gemini-2.0-flash-001",
    "models": "{image: google/gemini-3-pro-image-preview}",
    "base_url": BASE_URL_EXAMPLE,
    "headers": "{X-Request-Source: conformance}",
    "project": "my-project",
    "project_number": "123456789012",
    "location": "us-central1",
    "api_version": "v1",
    "endpoint_id": "1234567890",
    "dedicated": "true",
    "profile": "vertex",
    "redact_project": "true",
    "self_deployed": "true",
    "reasoning_parser": "qwen3",
    "max_concurrency": "4",
    "requests_per_second": "2",
    "origin": "documentation",
}

_FLAGS: Mapping[str, str] = {
    "kind": "--kind",
    "auth": "--auth",
    "model": "--model",
    "base_url": "--base-url",
    "project": "--project",
    "project_number": "--project-number",
    "location": "--location",
    "api_version": "--api-version",
    "endpoint_id": "--endpoint-id",
}


def find_config(cwd: Path) -> Path | None:
    """`chat-conformance.yaml` in the working directory, if there is one."""
    candidate = cwd / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def bundled_endpoints() -> dict[str, Endpoint]:
    """The endpoints the bundled recordings were made against (read without the environment)."""
    return load_config(bundled_dir("cases") / "recordings" / "endpoints.yaml", environ={})


def load_config(path: Path, *, environ: Mapping[str, str] | None = None) -> dict[str, Endpoint]:
    """Every endpoint of a config file, in file order. Raises `ConfigError` naming `path:line`."""
    env = os.environ if environ is None else environ
    data, lines = load_yaml_file(path, error_cls=ConfigError)

    def fail(message: str) -> NoReturn:
        raise ConfigError(message, path=path, line=lines.line_of([]) or 1)

    if data is None:
        fail("the file is empty; it needs an `endpoints:` mapping with at least one endpoint")
    if not isinstance(data, dict):
        fail(f"the top level must be a mapping with an `endpoints:` key, got {_describe(data)}")
    for key in data:
        if key != "endpoints":
            raise ConfigError(
                f"unknown top-level key {key!r}; the only valid key is `endpoints`",
                path=path,
                line=lines.line_of([key]),
            )
    if "endpoints" not in data:
        fail("missing `endpoints:`; add a mapping from endpoint names to their settings")
    entries = data["endpoints"]
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(
            f"`endpoints` must be a mapping with at least one endpoint, got {_describe(entries)}",
            path=path,
            line=lines.line_of(["endpoints"]),
        )
    return {name: _EndpointReader(path, lines, name, env).read(raw) for name, raw in entries.items()}


def parse_auth(text: str) -> AuthSpec:
    """`google`, `none`, `bearer` or `bearer:VAR`, the short form shared by config and flags.

    Plain `bearer` reads the token from `CHAT_CONFORMANCE_TOKEN`. Raises `ValueError`.
    """
    kind, sep, env_name = text.partition(":")
    if kind == "bearer":
        env_name = env_name if sep else DEFAULT_TOKEN_ENV
        _check_env_name(env_name)
        return AuthSpec(type="bearer", token_env=env_name)
    if kind in AUTH_TYPES and not sep:
        return AuthSpec(type=cast(AuthType, kind))
    raise ValueError(f"unknown auth {text!r}; use google, none, bearer or bearer:ENV_VAR")


def adhoc_endpoint(
    *,
    kind: str | None,
    base_url: str | None,
    model: str | None,
    auth: str | None,
    name: str = "adhoc",
    project: str | None = None,
    location: str | None = None,
    api_version: str | None = None,
    endpoint_id: str | None = None,
    project_number: str | None = None,
    settings: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Endpoint:
    """An endpoint from command-line flags (`--kind --base-url --model --auth ... --setting K=V`).

    A field the kind takes from the environment (the Vertex kinds: `--project` from
    `GOOGLE_CLOUD_PROJECT`, the variable gcloud and Google's client libraries use) falls back to
    it; `settings` are the kind's own settings. Raises `UsageError`.
    """
    env = os.environ if environ is None else environ
    names = ", ".join(endpoint_kinds())
    if kind is None:
        raise UsageError(f"--kind is required for an ad-hoc endpoint (one of {names})")
    try:
        spec = get_kind(kind)
    except ValueError as exc:
        raise UsageError(f"--kind: {exc}") from None
    given: dict[str, Any] = {
        "base_url": base_url,
        "model": model,
        "project": project,
        "location": location,
        "api_version": api_version,
        "endpoint_id": endpoint_id,
        "project_number": project_number,
    }
    for field_name, value in given.items():
        if value is not None and field_name not in spec.applicable_fields:
            raise UsageError(f"{_FLAGS[field_name]} does not apply to --kind {kind}; remove it")
    own = dict(settings or {})
    for key in own:
        if key not in spec.settings:
            known = f"its settings: {', '.join(spec.settings)}" if spec.settings else "it has none"
            raise UsageError(f"--setting {key}: kind {kind} has no setting {key!r}{did_you_mean(key, spec.settings)}; {known}")
    for field_name, variable in spec.environment.items():
        if given.get(field_name) is None:
            given[field_name] = env.get(variable) or None
    given = spec.from_flags(given)
    present = {key: value for key, value in {**given, **own}.items() if value is not None}
    missing = [field_name for field_name in spec.required_fields(present) if not present.get(field_name)]
    if missing:
        raise UsageError(f"--kind {kind} needs {' and '.join(_flag_for(spec, f) for f in missing)}")
    if not _NAME.match(name):
        raise UsageError(f"endpoint name {name!r} must match {_NAME.pattern}")

    try:
        auth_spec = parse_auth(spec.default_auth if auth is None else auth)
    except ValueError as exc:
        raise UsageError(f"--auth: {exc}") from None
    fields: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    for field_name in _TEXT_FIELDS:
        if field_name in fields:
            try:
                spec.check_value(field_name, fields[field_name])
            except ValueError as exc:
                raise UsageError(f"{_FLAGS[field_name]}: {exc}") from None
    for key, value in own.items():
        try:
            spec.check_value(key, value)
        except ValueError as exc:
            raise UsageError(f"--setting {key}: {exc}") from None
    try:
        return Endpoint(name=name, kind=kind, auth=auth_spec, settings=own, **fields)
    except ValueError as exc:
        raise UsageError(f"ad-hoc endpoint: {exc}") from None


def _flag_for(kind: EndpointKind, field_name: str) -> str:
    """The flag that sets a field, as a message names it."""
    if field_name in kind.settings:
        return f"--setting {field_name}=VALUE"
    variable = kind.environment.get(field_name)
    return f"{_FLAGS[field_name]} (or set {variable})" if variable else _FLAGS[field_name]


class _EndpointReader:
    """Validates one `endpoints.NAME` entry; every failure points at the offending line."""

    def __init__(self, source: Path, lines: Lines, name: str, environ: Mapping[str, str]):
        self.source = source
        self.lines = lines
        self.name = name
        self.environ = environ
        self.kind: EndpointKind | None = None

    def fail(self, message: str, *keys: str) -> NoReturn:
        raise ConfigError(message, path=self.source, line=self.lines.line_of(["endpoints", self.name, *keys]))

    def dotted(self, *keys: str) -> str:
        return ".".join(["endpoints", self.name, *keys])

    def read(self, raw: Any) -> Endpoint:
        if not _NAME.match(self.name):
            self.fail(
                f"endpoint name {self.name!r} is not allowed; use letters, digits, '.', '_' and '-', "
                "starting with a letter or digit"
            )
        if not isinstance(raw, dict):
            self.fail(f"{self.dotted()} must be a mapping of settings (kind, model, auth, ...), got {_describe(raw)}")
        if "kind" not in raw:
            names = ", ".join(endpoint_kinds())
            self.fail(f"{self.dotted()} has no `kind`; add e.g. `kind: {_EXAMPLES['kind']}` (one of {names})")
        kind_name = self.text(raw["kind"], "kind")
        try:
            kind = get_kind(kind_name)
        except ValueError:
            self.fail(f"{self.dotted('kind')}: {unknown_kind_message(kind_name)}", "kind")
        self.kind = kind
        self.check_keys(raw, kind)

        dedicated = self.flag(raw, "dedicated")
        missing = [f for f in kind.required_fields(raw) if f not in raw]
        if missing:
            needs = " and ".join(f"`{f}`" for f in missing)
            examples = ", ".join(f"`{f}: {self.example(f)}`" for f in missing)
            reasons = "; ".join(filter(None, (kind.why_required(f) for f in missing)))
            self.fail(f"{self.dotted()}: kind {kind.name} needs {needs}{f' ({reasons})' if reasons else ''}; add e.g. {examples}")
        for key, fix in kind.unused_settings(raw).items():
            self.fail(f"{self.dotted(key)} {fix}", key)

        settings: dict[str, Any] = {}
        for key in _TEXT_FIELDS:
            if key in raw:
                settings[key] = self.checked(raw, key)
        own = {key: self.checked(raw, key) for key in kind.settings if key in raw}
        if own:
            settings["settings"] = own
        if "model" in raw:
            settings["model"] = self.text(raw["model"], "model")
        if "origin" in raw:
            settings["origin"] = self.text(raw["origin"], "origin")
            if settings["origin"] not in ENDPOINT_ORIGINS:
                self.fail(f"{self.dotted('origin')}: unknown origin {settings['origin']!r}; use one of {', '.join(ENDPOINT_ORIGINS)}", "origin")
        if "profile" in raw:
            settings["profile"] = self.text(raw["profile"], "profile")
            if settings["profile"] not in PROFILES:
                self.fail(f"{self.dotted('profile')}: unknown profile {settings['profile']!r}; use one of {', '.join(PROFILES)}", "profile")
        if dedicated:
            settings["dedicated"] = True
        if self.flag(raw, "redact_project"):
            settings["redact_project"] = True
        if self.flag(raw, "self_deployed"):
            settings["self_deployed"] = True
        if "reasoning_parser" in raw:
            settings["reasoning_parser"] = self.text(raw["reasoning_parser"], "reasoning_parser")
        for key, kind_of, smallest in (("max_concurrency", int, 1), ("requests_per_second", (int, float), 0.001)):
            if key in raw:
                value = raw[key]
                if not isinstance(value, kind_of) or isinstance(value, bool) or value < smallest:
                    self.fail(f"{self.dotted(key)} must be a positive number, got {_describe(value)}", key)
                settings[key] = value
        settings["models"] = self.string_map(raw, "models", _ROLE, "role", "lowercase letters, digits, '_' and '-'")
        settings["headers"] = self.string_map(raw, "headers", _HEADER_NAME, "header name", "an HTTP token")
        for header in settings["headers"]:
            if header.lower() == "authorization":
                self.fail(
                    f"{self.dotted('headers', header)}: do not put credentials in headers (they would not be "
                    "redacted from recordings); use `auth: bearer:ENV_VAR` instead",
                    "headers",
                    header,
                )
        auth = self.auth(raw["auth"]) if "auth" in raw else parse_auth(kind.default_auth)
        try:
            return Endpoint(name=self.name, kind=kind.name, auth=auth, **settings)
        except ValueError as exc:
            self.fail(f"{self.dotted()}: {exc}")

    def check_keys(self, raw: Mapping[str, Any], kind: EndpointKind) -> None:
        valid = kind.applicable_fields
        for key in raw:
            if key in valid:
                continue
            owners = [k.name for k in endpoint_kinds().values() if key in k.applicable_fields]
            if owners:
                self.fail(
                    f"{self.dotted()}: key {key!r} only applies to kind {' and '.join(owners)}, not {kind.name}; "
                    "remove it or change `kind`",
                    key,
                )
            self.fail(f"{self.dotted()}: unknown key {key!r}; valid keys for kind {kind.name}: {', '.join(sorted(valid))}", key)

    def checked(self, raw: Mapping[str, Any], key: str) -> str:
        """A string field or setting, checked by the kind (which knows what its values look like)."""
        value = self.text(raw[key], key, numbers=key in _NUMERIC_FIELDS or key in self.kind.settings)
        try:
            self.kind.check_value(key, value)
        except ValueError as exc:
            self.fail(f"{self.dotted(key)}: {exc}", key)
        return value

    def example(self, key: str) -> str | None:
        setting = self.kind.settings.get(key) if self.kind is not None else None
        return setting.example if setting is not None else _EXAMPLES.get(key)

    def text(self, value: Any, *keys: str, numbers: bool = False) -> str:
        """A non-empty string setting, `${VAR}` filled in; `numbers` also takes a YAML integer."""
        field_name = keys[0]
        example = self.example(field_name)
        hint = f"; write e.g. `{field_name}: {example}`" if example and len(keys) == 1 else ""
        if value is None:
            self.fail(f"{self.dotted(*keys)} is empty; give it a value or remove the key{hint}", *keys)
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.fail(f"{self.dotted(*keys)} must be a string, got {_describe(value)}{hint}", *keys)
        text = self.interpolate(value, *keys)
        if not text:
            self.fail(f"{self.dotted(*keys)} is empty; give it a value or remove the key{hint}", *keys)
        return text

    def flag(self, raw: Mapping[str, Any], key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{self.dotted(key)} must be true or false, got {_describe(value)}", key)
        return value

    def interpolate(self, value: str, *keys: str) -> str:
        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            var, default = match.group(1), match.group(2)
            if var is None:
                self.fail(
                    f"{self.dotted(*keys)}: malformed `${{` in {value!r}; write `${{VAR}}` or `${{VAR:-default}}`, "
                    "or `$${` for a literal `${`",
                    *keys,
                )
            current = self.environ.get(var)
            # Like the shell's `${VAR:-default}`: an empty variable takes the default too.
            if default is not None and not current:
                return default
            if current is not None:
                return current
            self.fail(
                f"environment variable {var} is not set (used by {self.dotted(*keys)}); "
                f"export it or write `${{{var}:-default}}`",
                *keys,
            )

        return _INTERPOLATION.sub(substitute, value)

    def string_map(self, raw: Mapping[str, Any], key: str, key_pattern: re.Pattern[str], what: str,
                   allowed: str) -> dict[str, str]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.fail(f"{self.dotted(key)} must be a mapping, got {_describe(value)}, e.g. `{key}: {_EXAMPLES[key]}`", key)
        result: dict[str, str] = {}
        for item_key, item in value.items():
            if not key_pattern.match(item_key):
                self.fail(f"{self.dotted(key)}: {what} {item_key!r} is not allowed; use {allowed}", key, item_key)
            result[item_key] = self.text(item, key, item_key)
        return result

    def auth(self, value: Any) -> AuthSpec:
        if isinstance(value, str) or value is None:
            text = self.text(value, "auth")
            try:
                return parse_auth(text)
            except ValueError as exc:
                self.fail(f"{self.dotted('auth')}: {exc}", "auth")
        if not isinstance(value, dict):
            self.fail(f"{self.dotted('auth')} must be a string or a mapping, got {_describe(value)}; e.g. `auth: google`", "auth")
        if "type" not in value:
            self.fail(f"{self.dotted('auth')} has no `type`; add `type:` with one of {', '.join(AUTH_TYPES)}", "auth")
        auth_type = self.text(value["type"], "auth", "type")
        valid_keys = {"google": ("type", "scopes"), "bearer": ("type", "token_env"), "none": ("type",)}.get(auth_type)
        if valid_keys is None:
            self.fail(f"{self.dotted('auth', 'type')}: unknown auth type {auth_type!r}; use one of {', '.join(AUTH_TYPES)}",
                      "auth", "type")
        for key in value:
            if key not in valid_keys:
                self.fail(
                    f"{self.dotted('auth')}: unknown key {key!r} for auth type {auth_type}; valid keys: {', '.join(valid_keys)}",
                    "auth",
                    key,
                )
        if auth_type == "bearer":
            token_env = self.text(value["token_env"], "auth", "token_env") if "token_env" in value else DEFAULT_TOKEN_ENV
            try:
                _check_env_name(token_env)
            except ValueError as exc:
                self.fail(f"{self.dotted('auth', 'token_env')}: {exc}", "auth", "token_env")
            return AuthSpec(type="bearer", token_env=token_env)
        if auth_type == "google" and "scopes" in value:
            scopes = value["scopes"]
            if not isinstance(scopes, list) or not scopes:
                self.fail(
                    f"{self.dotted('auth', 'scopes')} must be a non-empty list of OAuth scopes, got {_describe(scopes)}; "
                    f"e.g. `scopes: [{CLOUD_PLATFORM_SCOPE}]`",
                    "auth",
                    "scopes",
                )
            return AuthSpec(type="google", scopes=tuple(self.text(s, "auth", "scopes", str(i)) for i, s in enumerate(scopes)))
        return AuthSpec(type=cast(AuthType, auth_type))


def _check_env_name(name: str) -> None:
    if not _ENV_NAME.match(name):
        raise ValueError(f"{name!r} is not an environment variable name (letters, digits and '_', not starting with a digit)")


def _describe(value: Any) -> str:
    """A value's YAML type in words, for 'must be X, got Y' messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
