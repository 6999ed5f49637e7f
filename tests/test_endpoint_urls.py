"""Every Chat Completions URL Google prints must come out of `chat_completions_url` unchanged.

The URLs are read from the documentation text at test time, not copied into this file, so the
test follows the docs and cannot drift from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.endpoints import AuthSpec, Endpoint, chat_completions_url

from .conftest import SEED, SHARED, read_reference

CUSTOM_WEIGHTS = SHARED / "spec" / "vertex-docs" / "vertex-self-deployed-custom-weights-chat-completions.txt"

# curl samples: 11 URLs (seed lines 12, 61, 160, 208, 327, 351, 430, 489, 501, 519, 651);
# Python samples: 5 `base_url=f"..."` (lines 43, 93, 129, 191, 241).
EXPECTED_CURL_URLS = 11
EXPECTED_BASE_URLS = 5

VALUES = {
    "LOCATION": "europe-west4",
    "location": "europe-west4",
    "REGION": "europe-west4",
    "PROJECT_ID": "test-project",
    "project_id": "test-project",
    "PROJECT_NUMBER": "123456789012",
    "ENDPOINT": "9876543210",
    "ENDPOINT_ID": "9876543210",
    "endpoint_id": "9876543210",
}
VALUES["ENDPOINT_URL"] = f"{VALUES['ENDPOINT_ID']}.{VALUES['REGION']}-{VALUES['PROJECT_NUMBER']}.prediction.vertexai.goog"

_CURL_URL = re.compile(r"https://[^\s\"'\\]+/chat/completions")
_PYTHON_BASE_URL = re.compile(r"base_url=f\"(https://[^\"]+)\"")
_SHAPE = re.compile(
    r"^https://(?P<host>[^/]+)/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)"
    r"/locations/(?P<location>[^/]+)/endpoints/(?P<endpoint>[^/]+)/chat/completions$"
)


def _read(path: Path) -> str:
    return read_reference(path)


def _substitute(url: str) -> str:
    """Fill `${NAME}` (shell) and `{name}` (f-string) placeholders; an unknown one is a KeyError."""
    return re.sub(r"\$\{(\w+)\}|\{(\w+)\}", lambda m: VALUES[m.group(1) or m.group(2)], url)


def _seed_urls() -> list[tuple[str, str]]:
    """(documented URL, how it was found) for every Chat Completions URL of the seed page."""
    text = _read(SEED)
    curl = [(_substitute(url), "curl") for url in _CURL_URL.findall(text)]
    python = [(_substitute(url) + "/chat/completions", "base_url") for url in _PYTHON_BASE_URL.findall(text)]
    assert len(curl) == EXPECTED_CURL_URLS
    assert len(python) == EXPECTED_BASE_URLS
    return curl + python


def _endpoint_matching(url: str) -> Endpoint:
    """An Endpoint set up like the sample: everything but the host, which is what is under test."""
    match = _SHAPE.match(url)
    assert match, f"undocumented URL shape: {url}"
    common = {
        "auth": AuthSpec(type="google"),
        "project": match["project"],
        "location": match["location"],
        "api_version": match["version"],
    }
    if match["endpoint"] == "openapi":
        return Endpoint(name="sample", kind="vertex", model="google/gemini-2.0-flash-001", **common)
    return Endpoint(name="sample", kind="vertex-endpoint", endpoint_id=match["endpoint"], **common)


def test_seed_urls_are_reproduced_exactly() -> None:
    urls = _seed_urls()
    assert len(urls) == EXPECTED_CURL_URLS + EXPECTED_BASE_URLS
    hosts = set()
    for url, origin in urls:
        assert "{" not in url and "$" not in url, url
        assert chat_completions_url(_endpoint_matching(url)) == url, origin
        hosts.add(_SHAPE.match(url)["host"])  # type: ignore[index]
    # The samples cover the regional hosts and the bare global host; the test covers both rules.
    assert hosts == {
        "aiplatform.googleapis.com",
        "europe-west4-aiplatform.googleapis.com",
        "us-central1-aiplatform.googleapis.com",
    }


def test_seed_covers_both_kinds_and_versions() -> None:
    endpoints = [_endpoint_matching(url) for url, _ in _seed_urls()]
    assert {e.kind for e in endpoints} == {"vertex", "vertex-endpoint"}
    assert {e.api_version for e in endpoints} == {"v1", "v1beta1"}
    assert "global" in {e.location for e in endpoints}


def _dedicated(*, project: str) -> Endpoint:
    return Endpoint(
        name="dedicated",
        kind="vertex-endpoint",
        auth=AuthSpec(type="google"),
        project=project,
        project_number=VALUES["PROJECT_NUMBER"],
        location=VALUES["REGION"],
        endpoint_id=VALUES["ENDPOINT_ID"],
        dedicated=True,
    )


def test_dedicated_host_matches_documented_form() -> None:
    # vertex-self-deployed-custom-weights-chat-completions.txt:4 (from use-multihost-gpu.md)
    text = _read(CUSTOM_WEIGHTS)
    documented = re.findall(r"https://\$\{ENDPOINT_ID\}\.\S+?/chat/completions", text)
    assert len(documented) == 1
    expected = _substitute(documented[0])
    assert expected == (
        "https://9876543210.europe-west4-123456789012.prediction.vertexai.goog"
        "/v1/projects/123456789012/locations/europe-west4/endpoints/9876543210/chat/completions"
    )
    assert chat_completions_url(_dedicated(project=VALUES["PROJECT_NUMBER"])) == expected


def test_dedicated_endpoint_url_samples_with_project_id() -> None:
    # Same file, lines 4, 507 and 530: `https://${ENDPOINT_URL}/v1beta1/projects/${PROJECT_ID}/...`,
    # where ENDPOINT_URL is the dedicated DNS name shown in the console.
    text = _read(CUSTOM_WEIGHTS)
    documented = re.findall(r"https://\$\{ENDPOINT_URL\}/\S+?/chat/completions", text)
    assert len(documented) == 3
    for url in documented:
        assert chat_completions_url(_dedicated(project=VALUES["PROJECT_ID"]), api_version="v1beta1") == _substitute(url)


def test_dedicated_endpoint_has_no_global_host() -> None:
    with pytest.raises(ValueError, match="regional"):
        chat_completions_url(_dedicated(project="p"), location="global")


def test_global_location_uses_bare_host() -> None:
    endpoint = Endpoint(name="g", kind="vertex", auth=AuthSpec(type="google"), project="p", model="m")
    url = chat_completions_url(endpoint, location="global", api_version="v1beta1")
    assert url == "https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/endpoints/openapi/chat/completions"
    assert "global-aiplatform" not in url
    # The override is per call; the endpoint keeps its own location and version.
    assert chat_completions_url(endpoint) == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions"
    )


def test_unknown_api_version_override_is_refused() -> None:
    endpoint = Endpoint(name="g", kind="vertex", auth=AuthSpec(type="google"), project="p", model="m")
    with pytest.raises(ValueError, match="v2"):
        chat_completions_url(endpoint, api_version="v2")


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1/"])
def test_openai_compatible_appends_chat_completions(base_url: str) -> None:
    endpoint = Endpoint(name="local", kind="openai-compatible", auth=AuthSpec(type="none"), base_url=base_url)
    assert chat_completions_url(endpoint) == "http://127.0.0.1:8000/v1/chat/completions"


@pytest.mark.parametrize("override", [{"location": "global"}, {"api_version": "v1beta1"}])
def test_openai_compatible_refuses_vertex_overrides(override: dict[str, str]) -> None:
    endpoint = Endpoint(name="local", kind="openai-compatible", auth=AuthSpec(type="none"), base_url="http://h/v1")
    with pytest.raises(ValueError, match="Vertex"):
        chat_completions_url(endpoint, **override)


def test_base_url_replaces_only_scheme_host_and_port_for_vertex() -> None:
    endpoint = Endpoint(
        name="fake", kind="vertex", auth=AuthSpec(type="none"), project="p", model="m",
        location="global", base_url="http://127.0.0.1:8123",
    )
    assert chat_completions_url(endpoint) == (
        "http://127.0.0.1:8123/v1/projects/p/locations/global/endpoints/openapi/chat/completions"
    )


def test_base_url_replaces_dedicated_host_too() -> None:
    endpoint = Endpoint(
        name="fake", kind="vertex-endpoint", auth=AuthSpec(type="none"), project="p", project_number="42",
        endpoint_id="77", dedicated=True, base_url="http://127.0.0.1:9000/",
    )
    assert chat_completions_url(endpoint) == (
        "http://127.0.0.1:9000/v1/projects/p/locations/us-central1/endpoints/77/chat/completions"
    )


def test_base_url_with_a_path_is_refused_for_vertex() -> None:
    endpoint = Endpoint(
        name="fake", kind="vertex", auth=AuthSpec(type="none"), project="p", model="m", base_url="http://127.0.0.1/v1"
    )
    with pytest.raises(ValueError, match=r"scheme://host\[:port\]"):
        chat_completions_url(endpoint)
