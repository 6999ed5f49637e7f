"""The command as a user meets it: help, version, the default replay run, list, show, filters."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from harness import __version__
from harness.cases import bundled_cases_dir, load_cases
from harness.validators import rule_ids

from .conftest import SHARED, read_reference


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def seed_sections() -> list[str]:
    index = read_reference(SHARED / "seed" / "INDEX.md")
    rows = [line.split("|") for line in index.splitlines() if re.match(r"^\|\s*\d+–\d+", line)]
    return [row[2].strip() for row in rows]


def test_help_explains_commands_modes_and_exit_codes():
    result = cli("--help")
    assert result.returncode == 0
    for word in ("run", "list", "show", "rules", "Exit codes"):
        assert word in result.stdout
    run_help = cli("run", "--help").stdout
    for option in ("--mode", "--cases", "--case", "--tag", "--feature", "--endpoint", "--base-url", "--auth", "--fail-on", "--checks"):
        assert option in run_help


def test_version_from_both_entry_points():
    assert cli("--version").stdout.strip() == f"chat-conformance, version {__version__}"
    installed = subprocess.run(["chat-conformance", "--version"], capture_output=True, text=True, timeout=60)
    assert installed.stdout.strip() == f"chat-conformance, version {__version__}"


def test_default_run_replays_bundled_recordings(tmp_path):
    result = cli("run", "--format", "json", cwd=tmp_path)  # an empty folder: no config file around
    # Google's own sample stream breaks openai-python (see test_verdicts_seed), so the run fails.
    assert result.returncode == 1, result.stderr
    results = [json.loads(line) for line in result.stdout.splitlines()]
    cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
    endpoints = {"vertex-docs", "llama-server", "llama-cpp-python", "llama-cpp-python-fc", "transformers-serve", "vllm", "vllm-reasoning"}
    assert {r["endpoint"] for r in results} == endpoints
    assert len(results) == len(cases) * len(endpoints)  # a verdict for every case × endpoint, none dropped
    by_case = {r["case"]: r for r in results if r["endpoint"] == "vertex-docs"}
    for recorded in ("stream-function-call-arguments", "image-generation", "multimodal-function-response"):
        assert by_case[recorded]["origin"] == "documentation"
        assert by_case[recorded]["verdict"] in ("pass", "warn", "fail")
    skipped = [r for r in results if r["verdict"] == "skip"]
    assert {r["skip_reason"] for r in skipped} == {"not-documented", "not-applicable"}
    # The documentation cannot be recorded: no skip of it names a record command.
    assert not any(r.get("command") for r in skipped)


def test_table_keeps_long_names_whole_when_not_a_terminal(tmp_path):
    result = cli("run", "--show-skips", cwd=tmp_path)
    assert result.returncode == 1
    assert "error-reasoning-effort-with-thinking-config" in result.stdout
    assert re.search(r"\d+ case\(s\) × 7 endpoint\(s\): ", result.stdout)


def test_list_shows_a_case_with_source_for_every_seed_section():
    result = cli("list", "cases")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # table cells may wrap
    for section in seed_sections():
        assert section in text, f"no case cites seed section {section!r}"


def test_list_endpoints_shows_the_documentation_endpoint():
    result = cli("list", "endpoints")
    assert "vertex-docs" in result.stdout
    assert "https://aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/global/endpoints/openapi/chat/completions" in result.stdout


def test_show_prints_the_exact_request_and_a_curl_command():
    result = cli("show", "stream-function-call-arguments", "--endpoint", "vertex-docs")
    assert result.returncode == 0, result.stderr
    assert "POST https://aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/global/endpoints/openapi/chat/completions" in result.stdout
    assert '"stream_function_call_arguments": true' in result.stdout
    assert 'curl -sS -X POST -N "Authorization: Bearer $(gcloud auth print-access-token)"' in result.stdout.replace("-H ", "")
    assert result.stderr == ""


def test_show_marks_what_comes_from_an_earlier_step():
    result = cli("show", "thought-signature-round-trip", "--endpoint", "vertex-docs")
    assert result.returncode == 0, result.stderr
    assert "## step ask" in result.stdout and "## step answer" in result.stdout
    assert "<" + "/choices/0/message of step ask's response>" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--case", "no-such-*"], "no case matches --case no-such-*"),
        (["run", "--endpoint", "nope"], "unknown endpoint 'nope' (known: vertex-docs, llama-server, llama-cpp-python, llama-cpp-python-fc, transformers-serve, vllm, vllm-reasoning)"),
        (["run", "--checks", "no.such.rule"], "unknown rule 'no.such.rule'"),
        (["run", "--mode", "live"], "--mode live needs an endpoint to talk to"),
        (["run", "--kind", "openai-compatible", "--model", "m"], "--base-url"),
        (["show", "no-such-case"], "no case 'no-such-case'"),
    ],
)
def test_unusable_flags_exit_2_with_one_line(args, expected, tmp_path):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_filters_select_by_tag_feature_and_glob(tmp_path):
    def selected(*args):
        result = cli("run", "--format", "json", "--endpoint", "vertex-docs", *args, cwd=tmp_path)
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
        return {json.loads(line)["case"] for line in result.stdout.splitlines()}

    assert selected("--case", "tool-choice-*") == {"tool-choice-none", "tool-choice-auto", "tool-choice-required", "tool-choice-named", "tool-choice-validated"}
    assert selected("--feature", "tools.streamed-arguments") == {"stream-function-call-arguments"}
    negative = selected("--tag", "negative")
    assert negative and all(case.startswith("error-") for case in negative)


def test_rules_lists_every_rule_with_a_citation():
    result = cli("rules")
    assert result.returncode == 0
    for rule_id in rule_ids():
        assert rule_id in result.stdout


def test_rule_documentation_is_current():
    from .conftest import REPO

    result = cli("rules", "--format", "markdown")
    assert result.returncode == 0
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert result.stdout == committed, "docs/rules.md is out of date: chat-conformance rules --format markdown > docs/rules.md"


def test_no_color_is_honoured(tmp_path):
    import os

    def run_with(**env):
        return subprocess.run(
            [sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--report-dir", "out"],
            capture_output=True, text=True, cwd=tmp_path, timeout=120, env={**os.environ, **env},
        )  # fmt: skip

    colored = run_with(FORCE_COLOR="1", TTY_COMPATIBLE="1")
    assert "\x1b[" in colored.stdout  # a terminal gets colours
    plain = run_with(FORCE_COLOR="1", TTY_COMPATIBLE="1", NO_COLOR="1")
    codes = [int(code) for sgr in re.findall(r"\x1b\[([0-9;]*)m", plain.stdout) for code in sgr.split(";") if code]
    assert not [code for code in codes if 30 <= code <= 49 or 90 <= code <= 107]  # bold and dim are not colours


def test_documentation_endpoint_cannot_be_sent_to(tmp_path):
    result = cli("run", "--mode", "live", "--endpoint", "vertex-docs", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "vertex-docs holds documentation samples, not a server" in result.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [(["show", "gemini-chat"], 0), (["list"], 0), (["rules"], 0), (["run", "--format", "json", "--report-dir", "out"], 1), (["run", "--report-dir", "out"], 1)],
)
def test_a_closed_pipe_ends_the_output_quietly(args, code, tmp_path):
    """`chat-conformance show CASE | head -1`: the reader is gone, which is no error of the command:
    no traceback, no message, and the exit code the command's own work calls for (a run with
    findings still exits 1, its verdict on stderr)."""
    reader, writer = os.pipe()
    os.close(reader)  # gone before the first line, so every write finds the pipe closed
    try:
        done = subprocess.run([sys.executable, "-m", "harness", *args], stdout=writer, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    if args[0] == "run":
        assert any(line.startswith("exit 1: ") for line in done.stderr.splitlines()), done.stderr
    else:
        assert done.stderr == ""


@pytest.mark.parametrize(("args", "code"), [(["run", "--endpoint", "vertex-docs", "--case", "gemini-chat"], 0), (["run"], 1)])
def test_closed_stdout_and_stderr_keep_the_exit_code(args, code, tmp_path):
    """`chat-conformance run 2>&1 | head -1`: both streams closed; the run still writes its
    reports and exits as its findings say (0 for a clean run, 1 with error findings)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([sys.executable, "-m", "harness", *args, "--report-dir", "out"], stdout=writer, stderr=writer, cwd=tmp_path, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == code
    assert (tmp_path / "out" / "report.json").is_file()


def test_a_case_glob_that_matches_nothing_suggests_close_ids(tmp_path):
    result = cli("run", "--case", "parm-n", cwd=tmp_path)
    assert result.returncode == 2
    assert "no case matches --case parm-n (did you mean param-n" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    glob = cli("run", "--case", "tool-choise-*", cwd=tmp_path)
    assert glob.returncode == 2 and "did you mean tool-choice-" in glob.stderr, glob.stderr
    feature = cli("run", "--feature", "params.temprature", cwd=tmp_path)
    assert feature.returncode == 2 and "did you mean params.temperature" in feature.stderr, feature.stderr
    unrelated = cli("run", "--case", "zzzz", cwd=tmp_path)
    assert unrelated.returncode == 2 and "did you mean" not in unrelated.stderr  # nothing close: no guess


def test_a_mistyped_case_glob_among_matching_ones_is_refused_not_dropped(tmp_path):
    """`--case gemini-chat --case parm-n` would otherwise run gemini-chat alone and say nothing of parm-n."""
    result = cli("run", "--case", "gemini-chat", "--case", "parm-n", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "no case matches --case parm-n (did you mean param-n" in result.stderr, result.stderr
    assert not (tmp_path / "reports").exists()
    together = cli("run", "--case", "gemini-chat", "--tag", "streaming", cwd=tmp_path)
    assert together.returncode == 2 and "together" in together.stderr, together.stderr
