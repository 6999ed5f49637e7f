"""The pytest plugin as a user meets it: `pytest --cc-endpoint NAME` in a real pytest process.

Every run is a subprocess (`pytester.runpytest_subprocess`), so plugin loading is the real one:
the `pytest11` entry point when the installed distribution has it, `-p harness.pytest_plugin`
otherwise (a checkout installed before the entry point was added); one test installs the entry
point line itself, in a throwaway dist-info, to check the line and `-p` together.
"""

from __future__ import annotations

import importlib.metadata
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from harness.cases import Case, bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.pytest_plugin import marker_name
from harness.validators import rule_ids

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
ENDPOINT = "vertex-docs"
RECORDED = {"stream-function-call-arguments": "failed", "image-generation": "passed", "multimodal-function-response": "passed"}
ENTRY_POINT_LINE = "chat_conformance = harness.pytest_plugin"


def entry_point_installed() -> bool:
    return any(ep.value == "harness.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))


# Until the installed chat-conformance carries the pytest11 entry point, load the plugin by name.
PLUGIN_ARGS: tuple[str, ...] = () if entry_point_installed() else ("-p", "harness.pytest_plugin")


def bundled_cases() -> list[Case]:
    return load_cases([bundled_cases_dir()], known_rules=rule_ids())


@pytest.fixture
def cc(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Run pytest with the plugin in a subprocess; the runs must not think they are xdist workers."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", *args, timeout=300)

    return run


def outcomes(pytester: pytest.Pytester, xml_name: str = "junit.xml") -> dict[str, tuple[str, str]]:
    """item name → (outcome, message) from the JUnit XML a run wrote."""
    tree = ET.parse(pytester.path / xml_name)
    found: dict[str, tuple[str, str]] = {}
    for case in tree.iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                message = element.get("message", "")
        assert case.get("name") not in found, f"item {case.get('name')} ran twice"
        found[case.get("name")] = (outcome, message)
    return found


def expected_outcomes() -> dict[str, tuple[str, str | None]]:
    """item name → (outcome, skip reason) for the bundled cases against vertex-docs in replay."""
    kind = bundled_endpoints()[ENDPOINT].kind
    expected: dict[str, tuple[str, str | None]] = {}
    for case in bundled_cases():
        if case.id in RECORDED:
            expected[f"{case.id}[{ENDPOINT}]"] = (RECORDED[case.id], None)
        else:
            expected[f"{case.id}[{ENDPOINT}]"] = ("skipped", "not-applicable" if not case.applies(kind) else "not-documented")
    return expected


def check_outcomes(found: dict[str, tuple[str, str]]) -> None:
    expected = expected_outcomes()
    assert set(found) == set(expected)  # exactly one item per bundled case for the endpoint
    for name, (outcome, reason) in expected.items():
        got, message = found[name]
        assert got == outcome, (name, got, message)
        if reason is not None:
            assert message.startswith(f"{reason}: "), (name, message)
            assert "--mode record" not in message  # documentation samples cannot be recorded


def test_replay_gives_one_item_per_case_with_the_verdict_as_outcome(cc, pytester):
    result = cc("--cc-endpoint", ENDPOINT, "--cc-mode", "replay", "--junitxml=junit.xml", "-rs")
    cases = bundled_cases()
    result.assert_outcomes(failed=1, passed=2, skipped=len(cases) - 3)
    assert result.ret == 1
    check_outcomes(outcomes(pytester))
    output = result.stdout.str()
    # The failing item lists its findings: severity, rule, location, message, evidence.
    assert "tool-calls.index-stable" in output
    assert "IndexError" in output
    assert "[error] tool-calls.index-stable at step weather" in output
    assert "evidence: " in output
    assert f"chat-conformance: stream-function-call-arguments against {ENDPOINT}: fail (replay, documentation recording)" in output
    # -rs shows each skip with its reason, at the case file.
    assert "not-documented: vertex-docs holds documentation samples, and the documentation has none for this case" in output
    assert "not-applicable: case is for " in output
    assert f"chat-conformance: mode replay, endpoints {ENDPOINT}, {len(cases)} cases" in output


def test_from_the_repository_root_items_are_named_after_the_case_files(cc, pytester, monkeypatch):
    # The repository's own pytest config applies here (addopts -ra --strict-markers, testpaths
    # tests): the plugin collects the case folder instead of testpaths, and its markers pass
    # --strict-markers.
    monkeypatch.chdir(REPO)
    result = cc("--cc-endpoint", ENDPOINT, "--cc-mode", "replay", "--collect-only", "-q")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    collected = {line for line in result.stdout.lines if "::" in line}
    expected = {f"cases/{case.path.name}::{case.id}[{ENDPOINT}]" for case in bundled_cases()}
    assert collected == expected
    assert not any(line.startswith("tests/") for line in result.stdout.lines)


def test_xdist_spreads_the_same_items_with_the_same_outcomes(cc, pytester):
    result = cc("--cc-endpoint", ENDPOINT, "-n", "2", "--junitxml=junit.xml")
    result.assert_outcomes(failed=1, passed=2, skipped=len(bundled_cases()) - 3)
    assert "2 workers" in result.stdout.str()
    check_outcomes(outcomes(pytester))
    assert "tool-calls.index-stable" in result.stdout.str()


def collected_ids(result: pytest.RunResult) -> set[str]:
    return {line.split("::")[1].split("[")[0] for line in result.stdout.lines if "::" in line}


def test_markers_and_keywords_select_cases(cc, pytester):
    cases = bundled_cases()
    feature = marker_name("feature", "tools.tool-choice-auto")
    assert feature == "feature_tools_tool_choice_auto"
    marked = cc("--cc-endpoint", ENDPOINT, "--strict-markers", "-m", f"tag_streaming or {feature}", "--collect-only", "-q")
    assert marked.ret == 0, marked.stdout.str() + marked.stderr.str()
    expected = {case.id for case in cases if "streaming" in case.tags or case.feature == "tools.tool-choice-auto"}
    assert "tool-choice-auto" in expected and "gemini-chat-stream" in expected
    assert collected_ids(marked) == expected

    keyword = cc("--cc-endpoint", ENDPOINT, "-k", "tool and not choice", "--collect-only", "-q")
    selected = collected_ids(keyword)
    by_id = {case.id: case for case in cases}
    assert {case.id for case in cases if "tool" in case.id and "choice" not in case.id} <= selected
    assert selected and all("choice" not in case_id for case_id in selected)
    for case_id in selected:  # matched through the id, the feature or a tag
        case = by_id[case_id]
        assert any("tool" in word for word in (case.id, case.feature, *case.tags))


def test_without_an_endpoint_the_plugin_collects_nothing(cc, pytester):
    pytester.makepyfile(test_own="def test_own():\n    assert True\n")
    result = cc("-q")
    result.assert_outcomes(passed=1)
    assert "cases/" not in result.stdout.str()
    # Even pointed at the case folder, the files are not items without --cc-endpoint.
    result = cc(str(bundled_cases_dir()), "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "::" not in result.stdout.str()


def test_the_entry_point_line_loads_the_plugin_also_next_to_dash_p(cc, pytester, monkeypatch):
    # A throwaway distribution carrying exactly the line pyproject.toml declares.
    site = pytester.path / "site"
    info = site / "chat_conformance_probe-0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chat-conformance-probe\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(f"[pytest11]\n{ENTRY_POINT_LINE}\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    base = ("--cc-endpoint", ENDPOINT, "-k", "image-generation", "-p", "no:cacheprovider")
    by_entry_point = pytester.runpytest_subprocess(*base, timeout=300)
    by_entry_point.assert_outcomes(passed=1)
    # Loaded by name as well: one registration, not "Plugin already registered under a different name".
    both = pytester.runpytest_subprocess("-p", "harness.pytest_plugin", *base, timeout=300)
    both.assert_outcomes(passed=1)
    assert "already registered" not in both.stderr.str()


def read_recording(target: Path, case_id: str) -> dict:
    source = bundled_cases_dir() / "recordings" / ENDPOINT / f"{case_id}.yaml"
    (target / ENDPOINT).mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return data


def write_recording(target: Path, case_id: str, data: dict) -> None:
    (target / ENDPOINT / f"{case_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_warn_passes_unless_fail_on_warning(cc, pytester):
    recordings = pytester.path / "recordings"
    data = read_recording(recordings, "multimodal-function-response")
    chunk = data["exchanges"][-1]["response"]["chunks"][0]
    body = json.loads(chunk["text"])
    body["created"] = str(body["created"])  # a schema warning, nothing worse
    chunk["text"] = json.dumps(body)
    write_recording(recordings, "multimodal-function-response", data)
    # Without clients a schema deviation keeps its declared severity, warning (with them, how loud it
    # is depends on whether a client minds: see test_verdicts_*).
    base = ("--cc-endpoint", ENDPOINT, "--cc-recordings", "recordings", "-k", "multimodal-function-response", "-rP", "--cc-clients", "none")

    passing = cc(*base)
    passing.assert_outcomes(passed=1)
    assert "[warning] schema.response" in passing.stdout.str()  # the findings are in the report section

    failing = cc(*base, "--cc-fail-on", "warning")
    failing.assert_outcomes(failed=1)
    output = failing.stdout.str()
    assert f"multimodal-function-response against {ENDPOINT}: warn" in output
    assert "[warning] schema.response" in output
    assert "--recordings" in output  # the CLI command that gives the same verdict


def test_a_stale_recording_fails_with_the_command_that_re_records_it(cc, pytester):
    recordings = pytester.path / "recordings"
    data = read_recording(recordings, "image-generation")
    data["exchanges"][0]["request"]["body"]["modalities"] = ["text"]  # recorded for another request
    write_recording(recordings, "image-generation", data)
    result = cc("--cc-endpoint", ENDPOINT, "--cc-recordings", "recordings", "-k", "image-generation")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"image-generation against {ENDPOINT}: stale" in output
    assert "recording.stale" in output or "stale recording" in output
    assert f"chat-conformance run --mode record --endpoint {ENDPOINT} --case image-generation" in output


def test_a_baseline_accepts_known_findings_and_fails_fixed_ones(cc, pytester):
    entries = [
        {"endpoint": ENDPOINT, "case": "stream-function-call-arguments", "rule": rule, "reason": f"Vertex quirk {rule}", "cite": "seed:395-419"}
        for rule in ("tool-calls.index-stable", "delta.repeated-fields", "tool-calls.index")
    ]
    entries.append({"endpoint": ENDPOINT, "case": "image-generation", "rule": "usage.stream", "reason": "gone", "cite": "nowhere"})
    (pytester.path / "baseline.yaml").write_text(yaml.safe_dump({"baseline": entries}), encoding="utf-8")
    result = cc("--cc-endpoint", ENDPOINT, "--cc-baseline", "baseline.yaml", "-k", "stream-function or image-generation", "-rP")
    result.assert_outcomes(passed=1, failed=1)  # the stream's errors are known; the image's entry is fixed upstream
    output = result.stdout.str()
    assert "stream-function-call-arguments against vertex-docs: warn" in output
    assert "(known: Vertex quirk tool-calls.index-stable (seed:395-419))" in output
    assert "image-generation against vertex-docs: fail" in output and "baseline.fixed-upstream" in output


def test_unknown_endpoint_and_broken_case_are_usage_errors(cc, pytester):
    unknown = cc("--cc-endpoint", "no-such-endpoint")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown endpoint 'no-such-endpoint'" in unknown.stderr.str()
    assert ENDPOINT in unknown.stderr.str()

    broken = pytester.mkdir("my-cases")
    (broken / "bad.yaml").write_text("id: bad\ntitle: no steps\n")
    bad = cc("--cc-endpoint", ENDPOINT, "--cc-cases", "my-cases")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "bad.yaml" in bad.stderr.str()


def test_extra_case_folder_items_are_named_from_its_folder(cc, pytester):
    folder = pytester.mkdir("conformance")
    source = (bundled_cases_dir() / "image-generation.yaml").read_text(encoding="utf-8")
    (folder / "mine.yaml").write_text(source.replace("id: image-generation", "id: my-image-generation"), encoding="utf-8")
    collected = cc("--cc-endpoint", ENDPOINT, "--cc-cases", "conformance", "--collect-only", "-q")
    assert f"conformance/mine.yaml::my-image-generation[{ENDPOINT}]" in collected.stdout.lines
    assert f"cases/image-generation.yaml::image-generation[{ENDPOINT}]" in collected.stdout.lines
    assert len([line for line in collected.stdout.lines if "::" in line]) == len(bundled_cases()) + 1


# Loaded by the pytest run under test: counts the HTTP clients the runner opens and, after pytest
# has finished (atexit runs after every pytest hook), writes which of them were closed.
CLIENT_TRACKER = """\
import atexit, json
import harness.transport as transport

opened = []
real = transport.new_client

def tracked():
    client = real()
    opened.append(client)
    return client

transport.new_client = tracked
atexit.register(lambda: open("clients.json", "w").write(json.dumps([client.is_closed for client in opened])))
"""


def test_live_items_close_their_http_clients_at_session_end(cc, pytester):
    from .servers import Reply, ScriptedServer, completion, write_hello_case

    pytester.makepyfile(client_tracker=CLIENT_TRACKER)
    write_hello_case(pytester.path / "cases")
    with ScriptedServer(lambda request: Reply.json(completion())) as server:
        (pytester.path / "chat-conformance.yaml").write_text(
            f"endpoints:\n  local:\n    kind: openai-compatible\n    base_url: {server.url}/v1\n    model: m\n    auth: none\n"
        )
        result = cc("-p", "client_tracker", "--cc-endpoint", "local", "--cc-mode", "live", "--cc-cases", "cases", "--cc-no-bundled-cases")
    result.assert_outcomes(passed=1)
    assert server.received, "the item sent nothing"
    assert json.loads((pytester.path / "clients.json").read_text()) == [True]
