"""Where a case's requests go: the endpoint's own location, API version and host, not the example's.

A case's `vertex:` section says where the documented example sent its request (the seed's REST
samples for a self-deployed model use `locations/global` and v1beta1, lines 151-251). An endpoint
lives where it was configured: a self-deployed endpoint's ID exists only in its own region. So the
documented values apply only where the endpoint sets none, and a result notes (at info level)
where the example was sent elsewhere. Only the global-endpoint case, whose whole point is the
global location (seed lines 642-659), keeps `global` against a regional Gemini endpoint.

Requests are built by `build_request`, the function `show` and `run` use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import load_config
from harness.runner import Mode, Runner, RunSettings, Verdict, build_request
from harness.validators import rule_ids

from .servers import Reply, ScriptedServer, chunk, completion

REGIONAL_HOST = "us-central1-aiplatform.googleapis.com"
GLOBAL_HOST = "aiplatform.googleapis.com"
# The case whose documented purpose is the global location itself (seed lines 642-659).
GLOBAL_BY_PURPOSE = {"global-endpoint"}
NOTE_RULE = "case.documented-target"

CONFIG = """\
endpoints:
  sd: {kind: vertex-endpoint, project: my-proj, location: us-central1, endpoint_id: "1234567890", model: m}
  gemini: {kind: vertex, project: my-proj, location: us-central1, model: google/gemini-2.0-flash-001}
  sd-v1: {kind: vertex-endpoint, project: my-proj, location: us-central1, api_version: v1, endpoint_id: "1234567890", model: m}
  sd-anywhere: {kind: vertex-endpoint, project: my-proj, endpoint_id: "1234567890", model: m}
  gemini-anywhere: {kind: vertex, project: my-proj, model: google/gemini-2.0-flash-001}
  dedicated: {kind: vertex-endpoint, project: my-proj, location: us-central1, endpoint_id: "1234567890", dedicated: true, project_number: "42", model: m}
"""


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("config") / "chat-conformance.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path, environ={})


@pytest.fixture(scope="module")
def cases():
    return {case.id: case for case in load_cases([bundled_cases_dir()], known_rules=rule_ids())}


def urls(case, endpoint) -> list[str]:
    """The URL of every step, as `show` builds them (later steps' `$from` parts as previews)."""
    return [build_request(case, step, endpoint, {}, preview=True).url for step in case.steps]


@pytest.mark.parametrize("endpoint_name", ["sd", "gemini"])
def test_every_bundled_case_goes_to_the_configured_region(cases, endpoints, endpoint_name):
    endpoint = endpoints[endpoint_name]
    applicable = [case for case in cases.values() if endpoint.runs(case.applies_to)]
    checked = []
    for case in applicable:
        if case.id in GLOBAL_BY_PURPOSE:
            continue
        for url in urls(case, endpoint):
            parts = urlsplit(url)
            assert (parts.netloc, "/locations/us-central1/" in parts.path) == (REGIONAL_HOST, True), f"{case.id}: {url}"
        checked.append(case.id)
    # Not vacuous: the cases that pin global in their `vertex:` section are among those checked.
    pinned_global = {case.id for case in applicable if case.documented_target.get("location") == "global"} - GLOBAL_BY_PURPOSE
    assert pinned_global <= set(checked)
    if endpoint_name == "sd":
        assert {"self-deployed-chat", "self-deployed-chat-stream"} <= pinned_global
        assert len(checked) >= 4
    else:
        assert len(checked) >= 30


def test_the_global_endpoint_case_goes_global_whatever_the_region(cases, endpoints):
    (url,) = urls(cases["global-endpoint"], endpoints["gemini"])
    # The API version is the example's (the endpoint sets none); the location is the case's point.
    assert url == f"https://{GLOBAL_HOST}/v1beta1/projects/my-proj/locations/global/endpoints/openapi/chat/completions"


def test_a_configured_api_version_wins_too(cases, endpoints):
    (url,) = urls(cases["self-deployed-chat"], endpoints["sd-v1"])
    assert url == f"https://{REGIONAL_HOST}/v1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions"
    (url,) = urls(cases["self-deployed-chat"], endpoints["sd"])  # no api_version: the example's v1beta1
    assert url == f"https://{REGIONAL_HOST}/v1beta1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions"


def test_a_dedicated_endpoint_keeps_its_own_host_and_region(cases, endpoints):
    # Its host names the region, so the example's global cannot apply (it used to raise here).
    (url,) = urls(cases["self-deployed-chat"], endpoints["dedicated"])
    assert url == (
        "https://1234567890.us-central1-42.prediction.vertexai.goog"
        "/v1beta1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions"
    )


@pytest.mark.parametrize(
    ("endpoint_name", "case_id", "expected"),
    [
        ("sd-anywhere", "self-deployed-chat", f"https://{GLOBAL_HOST}/v1beta1/projects/my-proj/locations/global/endpoints/1234567890/chat/completions"),
        ("sd-anywhere", "self-deployed-chat-stream", f"https://{GLOBAL_HOST}/v1beta1/projects/my-proj/locations/global/endpoints/1234567890/chat/completions"),
        # Cases without a documented location keep the default region.
        ("sd-anywhere", "self-deployed-chat-model", f"https://{REGIONAL_HOST}/v1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions"),
        ("gemini-anywhere", "global-endpoint", f"https://{GLOBAL_HOST}/v1beta1/projects/my-proj/locations/global/endpoints/openapi/chat/completions"),
    ],
)
def test_an_endpoint_without_location_gets_the_documented_one(cases, endpoints, endpoint_name, case_id, expected):
    assert urls(cases[case_id], endpoints[endpoint_name]) == [expected]


def test_departures_name_each_part_that_differs(cases, endpoints):
    def departures(case_id, endpoint):
        case = cases[case_id]
        return endpoint.kind_spec.departures(endpoint, case.documented_target, case.pinned)

    assert departures("self-deployed-chat", endpoints["sd-v1"]) == [
        ("location", "global", "us-central1"),
        ("api_version", "v1beta1", "v1"),
        ("host", GLOBAL_HOST, REGIONAL_HOST),
    ]
    assert departures("self-deployed-chat", endpoints["sd-anywhere"]) == []
    assert departures("self-deployed-chat-model", endpoints["sd"]) == []  # it documents nothing
    assert departures("global-endpoint", endpoints["gemini"]) == []  # pinned global; no api_version of its own
    regional_v1 = replace(endpoints["gemini"], api_version="v1")
    assert departures("global-endpoint", regional_v1) == [("api_version", "v1beta1", "v1")]
    assert urls(cases["global-endpoint"], regional_v1) == [
        f"https://{GLOBAL_HOST}/v1/projects/my-proj/locations/global/endpoints/openapi/chat/completions"
    ]


def _answer(request) -> Reply:
    if request.json().get("stream"):
        return Reply.sse([chunk({"role": "assistant", "content": "Once"}), chunk({}, finish="stop"), "[DONE]"])
    return Reply.json(completion())


LOCAL = """\
endpoints:
  sd: {{kind: vertex-endpoint, base_url: "{url}", project: my-proj, location: us-central1, endpoint_id: "1234567890", model: m, auth: none}}
  sd-anywhere: {{kind: vertex-endpoint, base_url: "{url}", project: my-proj, endpoint_id: "1234567890", model: m, auth: none}}
  secret: {{kind: vertex-endpoint, base_url: "{url}", project: my-proj, location: europe-west4, endpoint_id: "1234567890",
           dedicated: true, project_number: "987654321", redact_project: true, model: m, auth: none}}
"""


def _notes(result) -> list:
    return [f for f in result.findings if f.rule == NOTE_RULE]


def test_the_runner_notes_where_the_example_was_sent_instead(tmp_path: Path, cases):
    with ScriptedServer(_answer) as server:
        (tmp_path / "c.yaml").write_text(LOCAL.format(url=server.url))
        local = load_config(tmp_path / "c.yaml", environ={})
        chosen = [cases["self-deployed-chat"], cases["self-deployed-chat-stream"], cases["self-deployed-chat-model"]]
        results = Runner(RunSettings(mode=Mode.LIVE)).run(chosen, [local["sd"], local["sd-anywhere"]])
        paths = [r.path for r in server.received]
    by = {(r.endpoint, r.case_id): r for r in results}
    assert paths == [
        "/v1beta1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions",
        "/v1beta1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions",
        "/v1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions",
        "/v1beta1/projects/my-proj/locations/global/endpoints/1234567890/chat/completions",
        "/v1beta1/projects/my-proj/locations/global/endpoints/1234567890/chat/completions",
        "/v1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions",
    ]
    for case_id in ("self-deployed-chat", "self-deployed-chat-stream"):
        result = by[("sd", case_id)]
        assert result.verdict is Verdict.PASS, result.findings  # a note, not a problem
        (note,) = _notes(result)
        assert str(note.severity) == "info" and note.code == "endpoint-config"
        assert "location global" in note.message and "us-central1" in note.message, note.message
        assert "v1beta1" not in note.message  # the version is the example's: nothing to note there
    # Nothing to note where the example's values were used, or where the case documents none.
    assert not _notes(by[("sd-anywhere", "self-deployed-chat")])
    assert not _notes(by[("sd", "self-deployed-chat-model")])


def test_the_note_names_a_dedicated_host_without_the_project_when_redacted(tmp_path: Path, cases):
    with ScriptedServer(_answer) as server:
        (tmp_path / "c.yaml").write_text(LOCAL.format(url=server.url))
        secret = load_config(tmp_path / "c.yaml", environ={})["secret"]
        (result,) = Runner(RunSettings(mode=Mode.LIVE)).run([cases["self-deployed-chat"]], [secret])
        assert [r.path for r in server.received] == ["/v1beta1/projects/my-proj/locations/europe-west4/endpoints/1234567890/chat/completions"]
    (note,) = _notes(result)
    assert "location global → europe-west4" in note.message, note.message
    assert "host aiplatform.googleapis.com → 1234567890.europe-west4-<redacted>.prediction.vertexai.goog" in note.message
    assert "987654321" not in note.message and "my-proj" not in note.message


def test_the_note_is_in_the_verbose_output_and_report_json(tmp_path: Path):
    with ScriptedServer(_answer) as server:
        (tmp_path / "chat-conformance.yaml").write_text(LOCAL.format(url=server.url))
        done = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--mode", "live", "--endpoint", "sd", "--case", "self-deployed-chat",
             "--clients", "none", "-v", "--report-dir", "out"],
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert NOTE_RULE in done.stdout and "location global" in done.stdout, done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (result,) = report["results"]
    assert result["verdict"] == "pass"
    assert [f["severity"] for f in result["findings"] if f["rule"] == NOTE_RULE] == ["info"]
    assert NOTE_RULE in report["rules"]  # documented with the rule catalogue the HTML report shows
    assert NOTE_RULE in (tmp_path / "out" / "report.html").read_text()


def test_show_builds_the_regional_url(tmp_path: Path):
    (tmp_path / "chat-conformance.yaml").write_text(CONFIG)
    done = subprocess.run(
        [sys.executable, "-m", "harness", "show", "self-deployed-chat", "--endpoint", "sd"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        f"POST https://{REGIONAL_HOST}/v1beta1/projects/my-proj/locations/us-central1/endpoints/1234567890/chat/completions"
        in done.stdout
    )
    assert "locations/global" not in done.stdout
    note = [line for line in done.stdout.splitlines() if line.startswith("# note: sent where the endpoint is configured")]
    assert len(note) == 1 and "location global → us-central1" in note[0], done.stdout


CASE = """\
id: pinned
title: t
source: {{document: seed, section: s}}
feature: f
applies_to: [{kinds}]
vertex:
  location: global
  pinned: [{pinned}]
steps:
  - request: {{body: {{messages: [{{role: user, content: hi}}]}}}}
"""


@pytest.mark.parametrize(
    ("kinds", "pinned", "message"),
    [
        ("vertex, vertex-endpoint", "location",
         "8: vertex.pinned: a case cannot pin the location of a vertex-endpoint endpoint (it is served where it was deployed); "
         "remove location from pinned or vertex-endpoint from applies_to"),
        ("vertex", "api_version", "8: vertex.pinned names api_version, but the vertex section gives no api_version"),
    ],
)  # fmt: skip
def test_a_pin_that_cannot_hold_is_refused_when_the_case_loads(tmp_path: Path, kinds, pinned, message):
    from harness.cases import load_case_file
    from harness.errors import CaseError

    path = tmp_path / "pinned.yaml"
    path.write_text(CASE.format(kinds=kinds, pinned=pinned))
    with pytest.raises(CaseError) as raised:
        load_case_file(path, known_rules=rule_ids())
    assert str(raised.value) == f"{path}:{message}"


def test_a_pinned_location_wins_over_the_endpoints_own(tmp_path: Path, endpoints):
    from harness.cases import load_case_file

    path = tmp_path / "pinned.yaml"
    path.write_text(CASE.format(kinds="vertex", pinned="location"))
    case = load_case_file(path, known_rules=rule_ids())
    assert case.pinned == frozenset({"location"}) and case.documented_target == {"location": "global"}
    assert urls(case, endpoints["gemini"]) == [f"https://{GLOBAL_HOST}/v1/projects/my-proj/locations/global/endpoints/openapi/chat/completions"]
