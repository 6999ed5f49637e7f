"""Endpoint config files, ad-hoc endpoints from flags, and the bundled endpoint."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from harness.endpoints import (
    CONFIG_FILENAME,
    AuthSpec,
    Endpoint,
    adhoc_endpoint,
    bundled_endpoints,
    chat_completions_url,
    find_config,
    load_config,
)
from harness.errors import ConfigError, UsageError

EXAMPLE = """\
endpoints:
  my-gemini:
    kind: vertex
    project: ${GOOGLE_CLOUD_PROJECT}
    location: us-central1
    api_version: v1
    model: google/gemini-2.0-flash-001
    models: {image: google/gemini-3-pro-image-preview}
    auth: google
  local-vllm:
    kind: openai-compatible
    base_url: http://127.0.0.1:8000/v1
    model: Qwen/Qwen2.5-0.5B-Instruct
    auth: none
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / CONFIG_FILENAME
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _one(tmp_path: Path, body: str, environ: dict[str, str] | None = None) -> Endpoint:
    """The single endpoint `e` of a config whose settings are `body` (indented by the helper)."""
    text = "endpoints:\n  e:\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return load_config(_write(tmp_path, text), environ=environ or {})["e"]


def test_example_config_round_trip(tmp_path: Path) -> None:
    endpoints = load_config(_write(tmp_path, EXAMPLE), environ={"GOOGLE_CLOUD_PROJECT": "proj-1"})
    assert list(endpoints) == ["my-gemini", "local-vllm"]
    assert endpoints["my-gemini"] == Endpoint(
        name="my-gemini",
        kind="vertex",
        auth=AuthSpec(type="google"),
        model="google/gemini-2.0-flash-001",
        models={"image": "google/gemini-3-pro-image-preview"},
        project="proj-1",
        location="us-central1",
        api_version="v1",
    )
    assert endpoints["local-vllm"] == Endpoint(
        name="local-vllm",
        kind="openai-compatible",
        auth=AuthSpec(type="none"),
        model="Qwen/Qwen2.5-0.5B-Instruct",
        base_url="http://127.0.0.1:8000/v1",
    )
    assert chat_completions_url(endpoints["local-vllm"]) == "http://127.0.0.1:8000/v1/chat/completions"
    assert endpoints["my-gemini"].placeholder_values() == {
        "model": "google/gemini-2.0-flash-001",
        "model.image": "google/gemini-3-pro-image-preview",
        "project": "proj-1",
        "location": "us-central1",
    }
    # Vertex notions do not leak into an OpenAI-compatible endpoint's placeholders.
    assert endpoints["local-vllm"].placeholder_values() == {"model": "Qwen/Qwen2.5-0.5B-Instruct"}


def test_endpoints_are_immutable(tmp_path: Path) -> None:
    endpoint = load_config(_write(tmp_path, EXAMPLE), environ={"GOOGLE_CLOUD_PROJECT": "p"})["my-gemini"]
    with pytest.raises(TypeError):
        endpoint.models["image"] = "other"  # type: ignore[index]
    assert hash(endpoint) == hash(endpoint)


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [
        ("${P}", {"P": "from-env"}, "from-env"),
        ("pre-${P}-post", {"P": "x"}, "pre-x-post"),
        ("${P:-fallback}", {}, "fallback"),
        ("${P:-fallback}", {"P": ""}, "fallback"),
        ("${P:-fallback}", {"P": "set"}, "set"),
        ("${P:-}x", {}, "x"),
        ("$${P}", {"P": "ignored"}, "${P}"),
        ("cost$5", {}, "cost$5"),
    ],
)
def test_interpolation(tmp_path: Path, value: str, environ: dict[str, str], expected: str) -> None:
    endpoint = _one(tmp_path, f"kind: openai-compatible\nbase_url: http://h/v1\nmodel: '{value}'\n", environ)
    assert endpoint.model == expected


def test_interpolation_reaches_nested_strings(tmp_path: Path) -> None:
    endpoint = _one(
        tmp_path,
        """\
        kind: openai-compatible
        base_url: http://${HOST:-127.0.0.1}:8000/v1
        models: {image: "${IMG}"}
        headers: {X-Run: "${RUN}"}
        auth: bearer:${TOKEN_VAR}
        """,
        {"IMG": "img-model", "RUN": "r1", "TOKEN_VAR": "MY_TOKEN"},
    )
    assert endpoint.base_url == "http://127.0.0.1:8000/v1"
    assert dict(endpoint.models) == {"image": "img-model"}
    assert dict(endpoint.headers) == {"X-Run": "r1"}
    assert endpoint.auth == AuthSpec(type="bearer", token_env="MY_TOKEN")


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ("google", AuthSpec(type="google")),
        ("none", AuthSpec(type="none")),
        ("bearer:VERTEX_TOKEN", AuthSpec(type="bearer", token_env="VERTEX_TOKEN")),
        ("bearer", AuthSpec(type="bearer", token_env="CHAT_CONFORMANCE_TOKEN")),
        ("{type: bearer, token_env: VERTEX_TOKEN}", AuthSpec(type="bearer", token_env="VERTEX_TOKEN")),
        ("{type: google, scopes: [s1, s2]}", AuthSpec(type="google", scopes=("s1", "s2"))),
        ("{type: none}", AuthSpec(type="none")),
    ],
)
def test_auth_forms(tmp_path: Path, auth: str, expected: AuthSpec) -> None:
    endpoint = _one(tmp_path, f"kind: vertex\nproject: p\nmodel: m\nauth: {auth}\n")
    assert endpoint.auth == expected


def test_auth_defaults_by_kind(tmp_path: Path) -> None:
    assert _one(tmp_path, "kind: vertex\nproject: p\nmodel: m\n").auth == AuthSpec(type="google")
    assert _one(tmp_path, "kind: openai-compatible\nbase_url: http://h\n").auth == AuthSpec(type="none")


def test_vertex_endpoint_with_numeric_ids(tmp_path: Path) -> None:
    endpoint = _one(
        tmp_path,
        """\
        kind: vertex-endpoint
        project: my-project
        project_number: 123456789012
        endpoint_id: 1234567890
        location: europe-west4
        api_version: v1beta1
        dedicated: true
        """,
    )
    assert (endpoint.endpoint_id, endpoint.project_number, endpoint.dedicated) == ("1234567890", "123456789012", True)
    assert endpoint.auth == AuthSpec(type="google")
    assert chat_completions_url(endpoint) == (
        "https://1234567890.europe-west4-123456789012.prediction.vertexai.goog"
        "/v1beta1/projects/my-project/locations/europe-west4/endpoints/1234567890/chat/completions"
    )
    assert endpoint.placeholder_values() == {
        "project": "my-project",
        "location": "europe-west4",
        "endpoint_id": "1234567890",
    }


# (config text, environment, expected message after "<path>:")
BAD_CONFIGS = [
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    projet: x\n",
        {},
        "6: endpoints.a: unknown key 'projet'; valid keys for kind vertex: "
        "api_version, auth, base_url, headers, kind, location, max_concurrency, model, models, origin, profile, project, redact_project, requests_per_second",
        id="unknown-key",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    endpoint_id: 5\n",
        {},
        "6: endpoints.a: key 'endpoint_id' only applies to kind vertex-endpoint, not vertex; remove it or change `kind`",
        id="key-of-other-kind",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertx\n",
        {},
        "3: endpoints.a.kind: unknown kind 'vertx' (did you mean vertex?); use one of vertex, vertex-endpoint, openai-compatible",
        id="unknown-kind",
    ),
    pytest.param(
        "endpoints:\n  a:\n    model: m\n",
        {},
        "2: endpoints.a has no `kind`; add e.g. `kind: vertex` (one of vertex, vertex-endpoint, openai-compatible)",
        id="missing-kind",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    model: m\n",
        {},
        "2: endpoints.a: kind vertex needs `project`; add e.g. `project: my-project`",
        id="missing-field",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: openai-compatible\n",
        {},
        "2: endpoints.a: kind openai-compatible needs `base_url`; add e.g. `base_url: http://127.0.0.1:8000/v1`",
        id="missing-base-url",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex-endpoint\n    project: p\n    endpoint_id: 1\n    dedicated: true\n",
        {},
        "2: endpoints.a: kind vertex-endpoint needs `project_number` (a dedicated endpoint's host name holds the "
        "project number); add e.g. `project_number: 123456789012`",
        id="missing-project-number",
    ),
    pytest.param(
        "endpoints:\n  my-gemini:\n    kind: vertex\n    project: ${GOOGLE_CLOUD_PROJECT}\n    model: m\n",
        {},
        "4: environment variable GOOGLE_CLOUD_PROJECT is not set (used by endpoints.my-gemini.project); "
        "export it or write `${GOOGLE_CLOUD_PROJECT:-default}`",
        id="missing-env-var",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: ${1X}\n    model: m\n",
        {},
        "4: endpoints.a.project: malformed `${` in '${1X}'; write `${VAR}` or `${VAR:-default}`, "
        "or `$${` for a literal `${`",
        id="malformed-interpolation",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: [oops\n",
        {},
        # libyaml's wording (PyYAML's own parser says "expected ',' or ']', but got '<stream end>'")
        "6: invalid YAML: did not find expected ',' or ']'" if yaml.__with_libyaml__ else "6: invalid YAML: expected ',' or ']', but got '<stream end>'",
        id="bad-yaml",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    kind: vertex\n",
        {},
        "4: duplicate key 'kind' (first at line 3)",
        id="duplicate-key",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: [m]\n",
        {},
        "5: endpoints.a.model must be a string, got a list; write e.g. `model: google/gemini-2.0-flash-001`",
        id="wrong-type",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex-endpoint\n    project: p\n    endpoint_id: 1\n    dedicated: 'yes'\n",
        {},
        "6: endpoints.a.dedicated must be true or false, got a string ('yes')",
        id="wrong-type-bool",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    api_version: v2\n",
        {},
        "6: endpoints.a.api_version: unknown api_version 'v2'; use one of v1, v1beta1",
        id="bad-api-version",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    auth: oauth\n",
        {},
        "6: endpoints.a.auth: unknown auth 'oauth'; use google, none, bearer or bearer:ENV_VAR",
        id="bad-auth",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    auth:\n      type: bearer\n      env: X\n",
        {},
        "8: endpoints.a.auth: unknown key 'env' for auth type bearer; valid keys: type, token_env",
        id="bad-auth-key",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    auth: bearer:1TOKEN\n",
        {},
        "6: endpoints.a.auth: '1TOKEN' is not an environment variable name (letters, digits and '_', not starting "
        "with a digit)",
        id="bad-auth-env-name",
    ),
    pytest.param(
        "endpoints:\n  -bad:\n    kind: vertex\n",
        {},
        "2: endpoint name '-bad' is not allowed; use letters, digits, '.', '_' and '-', starting with a letter or digit",
        id="bad-name",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    location: US Central\n",
        {},
        "6: endpoints.a.location: 'US Central' is not a Google Cloud location; e.g. us-central1, europe-west4 or global",
        id="bad-location",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    base_url: http://127.0.0.1/v1\n",
        {},
        "6: endpoints.a.base_url: for kind vertex base_url replaces only scheme://host[:port] and the documented "
        "path is kept, so 'http://127.0.0.1/v1' may not have a path; e.g. http://127.0.0.1:8080",
        id="vertex-base-url-with-path",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: openai-compatible\n    base_url: 127.0.0.1:8000\n",
        {},
        "4: endpoints.a.base_url: '127.0.0.1:8000' is not an http(s) URL; e.g. http://127.0.0.1:8000/v1",
        id="base-url-without-scheme",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex-endpoint\n    project: p\n    endpoint_id: 1\n    project_number: 12\n",
        {},
        "6: endpoints.a.project_number is only used by a dedicated endpoint; add `dedicated: true` or remove "
        "project_number",
        id="project-number-without-dedicated",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex-endpoint\n    project: p\n    endpoint_id: 1\n    dedicated: true\n"
        "    project_number: 12\n    location: global\n",
        {},
        "2: endpoints.a: a dedicated endpoint is regional: set location to its region, not global",
        id="dedicated-global",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    headers: {Authorization: Bearer x}\n",
        {},
        "6: endpoints.a.headers.Authorization: do not put credentials in headers (they would not be redacted from "
        "recordings); use `auth: bearer:ENV_VAR` instead",
        id="authorization-header",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project: p\n    model: m\n    models: {Image: x}\n",
        {},
        "6: endpoints.a.models: role 'Image' is not allowed; use lowercase letters, digits, '_' and '-'",
        id="bad-role",
    ),
    pytest.param(
        "endpoints:\n  a:\n    kind: vertex\n    project:\n    model: m\n",
        {},
        "4: endpoints.a.project is empty; give it a value or remove the key; write e.g. `project: my-project`",
        id="empty-value",
    ),
    pytest.param(
        "endpoint:\n  a: {}\n",
        {},
        "1: unknown top-level key 'endpoint'; the only valid key is `endpoints`",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "endpoints: {}\n",
        {},
        "1: `endpoints` must be a mapping with at least one endpoint, got a mapping",
        id="no-endpoints",
    ),
    pytest.param(
        "",
        {},
        "1: the file is empty; it needs an `endpoints:` mapping with at least one endpoint",
        id="empty-file",
    ),
]


@pytest.mark.parametrize(("text", "environ", "message"), BAD_CONFIGS)
def test_bad_config_names_path_and_line(tmp_path: Path, text: str, environ: dict[str, str], message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ)
    assert str(caught.value) == f"{path}:{message}"
    assert caught.value.path == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_find_config(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    path = _write(tmp_path, EXAMPLE)
    assert find_config(tmp_path) == path


def test_bundled_endpoints() -> None:
    endpoints = bundled_endpoints()
    assert list(endpoints) == ["vertex-docs", "llama-server", "llama-cpp-python", "llama-cpp-python-fc", "transformers-serve", "vllm", "vllm-reasoning"]
    assert all(endpoints[name].kind == "openai-compatible" and endpoints[name].auth.type == "none" for name in list(endpoints)[1:])
    docs = endpoints["vertex-docs"]
    assert docs == Endpoint(
        name="vertex-docs",
        kind="vertex",
        auth=AuthSpec(type="google"),
        model="google/gemini-3-pro-preview",
        models={"image": "google/gemini-3-pro-image-preview"},
        project="PROJECT_ID",
        location="global",
        api_version="v1",
        origin="documentation",
    )
    assert not docs.recordable and all(e.recordable for e in list(endpoints.values())[1:])
    # The host the docs' global samples use (seed lines 351, 430, 519).
    assert chat_completions_url(docs) == (
        "https://aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/global/endpoints/openapi/chat/completions"
    )


def test_adhoc_openai_compatible() -> None:
    endpoint = adhoc_endpoint(kind="openai-compatible", base_url="http://127.0.0.1:8000/v1", model="m", auth=None)
    assert endpoint == Endpoint(
        name="adhoc", kind="openai-compatible", auth=AuthSpec(type="none"), model="m", base_url="http://127.0.0.1:8000/v1"
    )


def test_adhoc_vertex_takes_project_from_environment() -> None:
    endpoint = adhoc_endpoint(
        kind="vertex", base_url=None, model="google/gemini-2.0-flash-001", auth="bearer:VERTEX_TOKEN",
        location="global", environ={"GOOGLE_CLOUD_PROJECT": "env-project"},
    )
    assert endpoint.project == "env-project"
    assert endpoint.auth == AuthSpec(type="bearer", token_env="VERTEX_TOKEN")
    assert chat_completions_url(endpoint).startswith("https://aiplatform.googleapis.com/v1/projects/env-project/")


def test_adhoc_project_number_selects_dedicated_host() -> None:
    endpoint = adhoc_endpoint(
        kind="vertex-endpoint", base_url=None, model=None, auth="google", project="p", endpoint_id="77",
        project_number="42", location="us-east1", environ={},
    )
    assert endpoint.dedicated
    assert chat_completions_url(endpoint).startswith("https://77.us-east1-42.prediction.vertexai.goog/v1/projects/p/")


def test_adhoc_bearer_defaults_to_chat_conformance_token() -> None:
    endpoint = adhoc_endpoint(kind="openai-compatible", base_url="http://h/v1", model=None, auth="bearer")
    assert endpoint.auth == AuthSpec(type="bearer", token_env="CHAT_CONFORMANCE_TOKEN")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"kind": "openai-compatible", "base_url": None, "model": "m", "auth": None},
            "--kind openai-compatible needs --base-url",
        ),
        (
            {"kind": "vertex", "base_url": None, "model": None, "auth": None},
            "--kind vertex needs --project (or set GOOGLE_CLOUD_PROJECT) and --model",
        ),
        (
            {"kind": "vertex-endpoint", "base_url": None, "model": None, "auth": None, "project": "p"},
            "--kind vertex-endpoint needs --endpoint-id",
        ),
        (
            {"kind": None, "base_url": "http://h", "model": None, "auth": None},
            "--kind is required for an ad-hoc endpoint (one of vertex, vertex-endpoint, openai-compatible)",
        ),
        (
            {"kind": "ollama", "base_url": "http://h", "model": None, "auth": None},
            "--kind: unknown kind 'ollama'; use one of vertex, vertex-endpoint, openai-compatible",
        ),
        (
            {"kind": "openai-compatible", "base_url": "http://h", "model": None, "auth": None, "project": "p"},
            "--project does not apply to --kind openai-compatible; remove it",
        ),
        (
            {"kind": "openai-compatible", "base_url": "http://h", "model": None, "auth": "token"},
            "--auth: unknown auth 'token'; use google, none, bearer or bearer:ENV_VAR",
        ),
        (
            {"kind": "vertex", "base_url": None, "model": "m", "auth": None, "project": "p", "location": "US"},
            "--location: 'US' is not a Google Cloud location; e.g. us-central1, europe-west4 or global",
        ),
        (
            {"kind": "vertex", "base_url": None, "model": "m", "auth": None, "project": "p", "api_version": "v2"},
            "--api-version: unknown api_version 'v2'; use one of v1, v1beta1",
        ),
        (
            {"kind": "vertex-endpoint", "base_url": None, "model": None, "auth": None, "project": "p",
             "endpoint_id": "1", "project_number": "42", "location": "global"},
            "ad-hoc endpoint: a dedicated endpoint is regional: set location to its region, not global",
        ),
    ],
)
def test_adhoc_usage_errors(kwargs: dict[str, str | None], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        adhoc_endpoint(**kwargs, environ={})  # type: ignore[arg-type]
    assert str(caught.value) == message
