"""A `vertex` endpoint end to end over loopback: the real google-auth grant, the documented URL
path, the token on the wire, and exactly one refresh and retry after a 401."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import adhoc_endpoint
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.transport import read_cassette
from harness.validators import rule_ids

from .servers import Received, Reply, ScriptedServer, completion
from .test_auth import TokenServer, adc, signing_key, token_server  # noqa: F401  (fixtures)


def bundled(case_id: str):
    return [c for c in load_cases([bundled_cases_dir()], known_rules=rule_ids()) if c.id == case_id]


@pytest.mark.usefixtures("adc")
def test_401_refreshes_the_token_once_and_retries(token_server: TokenServer, tmp_path: Path):
    seen: list[Received] = []

    def vertex(request: Received) -> Reply:
        seen.append(request)
        if request.headers["authorization"] == "Bearer tok-1":
            return Reply.json({"error": {"code": 401, "message": "token expired", "status": "UNAUTHENTICATED"}}, 401)
        return Reply.json(completion(model="google/gemini-2.0-flash-001"))

    with ScriptedServer(vertex) as server:
        endpoint = adhoc_endpoint(
            kind="vertex", base_url=server.url, project="test-project", location="us-central1",
            model="google/gemini-2.0-flash-001", auth="google", name="local-vertex",
        )  # fmt: skip
        settings = RunSettings(mode=Mode.RECORD, recordings_dir=tmp_path)
        (result,) = Runner(settings).run(bundled("gemini-chat"), [endpoint])

    assert token_server.issued == 2  # the first token, then exactly one refresh
    assert [r.path for r in seen] == ["/v1/projects/test-project/locations/us-central1/endpoints/openapi/chat/completions"] * 2
    assert [r.headers["authorization"] for r in seen] == ["Bearer tok-1", "Bearer tok-2"]
    assert result.verdict is Verdict.PASS, result.findings
    attempts = read_cassette(tmp_path / "local-vertex" / "gemini-chat.yaml").exchanges[0].attempts
    assert [a.response.status for a in attempts] == [401, 200]
    assert attempts[0].retry_reason == "401, credentials refreshed"
    assert all(a.request.headers["authorization"] == "<redacted>" for a in attempts)


@pytest.mark.usefixtures("adc")
def test_a_second_401_is_not_retried_again(token_server: TokenServer):
    with ScriptedServer(lambda r: Reply.json({"error": {"code": 403, "message": "denied"}}, 401)) as server:
        endpoint = adhoc_endpoint(kind="vertex", base_url=server.url, project="p", model="m", auth="google", name="v")
        (result,) = Runner(RunSettings(mode=Mode.LIVE)).run(bundled("gemini-chat"), [endpoint])
        assert len(server.received) == 2
    assert result.verdict is Verdict.FAIL
    assert any(f.message.startswith("expected HTTP 200, got 401 (credentials refused: for Google auth run `gcloud auth application-default login`") for f in result.findings)


@pytest.mark.usefixtures("adc")
def test_global_endpoint_case_goes_to_the_documented_global_path(token_server: TokenServer):
    with ScriptedServer(lambda r: Reply.json(completion())) as server:
        endpoint = adhoc_endpoint(kind="vertex", base_url=server.url, project="p", model="m", auth="google", name="v")
        Runner(RunSettings(mode=Mode.LIVE)).run(bundled("global-endpoint"), [endpoint])
        assert [r.path for r in server.received] == ["/v1beta1/projects/p/locations/global/endpoints/openapi/chat/completions"]


@pytest.mark.usefixtures("adc")
@pytest.mark.parametrize(
    ("case_id", "location", "api_version", "path"),
    [
        # The self-deployed REST examples use the global host and v1beta1 (seed lines 151-251); the
        # endpoint's configured location and version win (tests/test_case_targets.py).
        ("self-deployed-chat", "us-central1", "v1", "/v1/projects/p/locations/us-central1/endpoints/1234567890/chat/completions"),
        # The Python variant uses the endpoint's own location and version.
        ("self-deployed-chat-model", "europe-west4", "v1", "/v1/projects/p/locations/europe-west4/endpoints/1234567890/chat/completions"),
    ],
)
def test_self_deployed_endpoint_on_the_shared_host_over_loopback(token_server: TokenServer, case_id, location, api_version, path):
    with ScriptedServer(lambda r: Reply.json(completion())) as server:
        endpoint = adhoc_endpoint(
            kind="vertex-endpoint", base_url=server.url, project="p", location=location, api_version=api_version,
            endpoint_id="1234567890", model="gemma-2-9b-it", auth="google", name="deployed",
        )  # fmt: skip
        (result,) = Runner(RunSettings(mode=Mode.LIVE)).run(bundled(case_id), [endpoint])
        assert [r.path for r in server.received] == [path]
        assert server.received[0].headers["authorization"] == "Bearer tok-1"
        sent = server.received[0].json()
        assert ("model" in sent) == (case_id == "self-deployed-chat-model")  # the REST example sends no model
    assert result.verdict is Verdict.PASS, result.findings
