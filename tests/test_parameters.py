"""Each documented parameter ends with one status per endpoint: honoured, rejected, ignored, broken."""

from __future__ import annotations

import copy

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import adhoc_endpoint
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.transport import Limits
from harness.validators import rule_ids

from .servers import Reply, ScriptedServer, completion


def two_choices():
    body = completion("Goldie")
    second = copy.deepcopy(body["choices"][0])
    second["index"] = 1
    body["choices"].append(second)
    return body


@pytest.mark.parametrize(
    ("reply", "status", "verdict"),
    [
        (lambda: Reply.json(two_choices()), "honoured", Verdict.PASS),
        (lambda: Reply.json(completion("Goldie")), "ignored", Verdict.FAIL),
        (lambda: Reply.json({"error": {"message": "n > 1 is not supported", "type": "invalid_request_error", "param": "n", "code": None}}, 400), "rejected", Verdict.PASS),
        (lambda: Reply.json({"error": {"message": "internal"}}, 500), "broken", Verdict.FAIL),
    ],
    ids=["honoured", "ignored", "rejected", "broken"],
)
def test_parameter_status(reply, status, verdict):
    (case,) = [c for c in load_cases([bundled_cases_dir()], known_rules=rule_ids()) if c.id == "param-n"]
    with ScriptedServer(lambda r: reply()) as server:
        endpoint = adhoc_endpoint(kind="openai-compatible", base_url=server.url + "/v1", model="m", auth="none", name="local")
        (result,) = Runner(RunSettings(mode=Mode.LIVE, limits=Limits(retries=0))).run([case], [endpoint])
    assert result.parameter == "n"
    assert result.parameter_status == status, result.findings
    assert result.verdict is verdict, result.findings
    assert result.to_json()["parameter_status"] == status
