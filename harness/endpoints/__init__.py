"""Endpoints under test: the model, the config file, URL building and authentication."""

from ._auth import REFRESH_MARGIN, Auth, AuthError, make_auth
from ._config import (
    CONFIG_FILENAME,
    DEFAULT_TOKEN_ENV,
    adhoc_endpoint,
    bundled_endpoints,
    find_config,
    load_config,
    parse_auth,
)
from ._model import (
    API_VERSIONS,
    AUTH_TYPES,
    CLOUD_PLATFORM_SCOPE,
    ENDPOINT_KINDS,
    ApiVersion,
    AuthSpec,
    AuthType,
    Endpoint,
    EndpointKind,
)
from ._urls import chat_completions_url

__all__ = [
    "API_VERSIONS",
    "AUTH_TYPES",
    "CLOUD_PLATFORM_SCOPE",
    "CONFIG_FILENAME",
    "DEFAULT_TOKEN_ENV",
    "ENDPOINT_KINDS",
    "REFRESH_MARGIN",
    "ApiVersion",
    "Auth",
    "AuthError",
    "AuthSpec",
    "AuthType",
    "Endpoint",
    "EndpointKind",
    "adhoc_endpoint",
    "bundled_endpoints",
    "chat_completions_url",
    "find_config",
    "load_config",
    "make_auth",
    "parse_auth",
]
