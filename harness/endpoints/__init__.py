"""Endpoints under test: the model, the kinds and their registry, the config file, URLs and auth."""

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
from ._kind import (
    COMMON_FIELDS,
    EndpointKind,
    KindSetting,
    endpoint_kinds,
    get_kind,
    kind_names,
    unknown_kind_message,
    unregister_kind,
)
from ._model import (
    API_VERSIONS,
    AUTH_TYPES,
    CLOUD_PLATFORM_SCOPE,
    ENDPOINT_FIELDS,
    ApiVersion,
    AuthSpec,
    AuthType,
    Endpoint,
)
from ._urls import chat_completions_url
from .kinds import OpenAICompatible, Vertex, VertexEndpoint  # importing them registers the built-in kinds

__all__ = [
    "API_VERSIONS",
    "AUTH_TYPES",
    "CLOUD_PLATFORM_SCOPE",
    "COMMON_FIELDS",
    "CONFIG_FILENAME",
    "DEFAULT_TOKEN_ENV",
    "ENDPOINT_FIELDS",
    "REFRESH_MARGIN",
    "ApiVersion",
    "Auth",
    "AuthError",
    "AuthSpec",
    "AuthType",
    "Endpoint",
    "EndpointKind",
    "KindSetting",
    "OpenAICompatible",
    "Vertex",
    "VertexEndpoint",
    "adhoc_endpoint",
    "bundled_endpoints",
    "chat_completions_url",
    "endpoint_kinds",
    "find_config",
    "get_kind",
    "kind_names",
    "load_config",
    "make_auth",
    "parse_auth",
    "unknown_kind_message",
    "unregister_kind",
]
