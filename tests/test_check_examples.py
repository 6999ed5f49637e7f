"""`chat-conformance check` on the files a user has at hand: the README's example prints what the
README shows, and the foreign recordings of shared/spec/recordings/ (documentation examples,
vcrpy and go-vcr cassettes, vcrpy text dumps) are judged as they are, without conversion."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.importers import FOREIGN_FORMATS, import_foreign

from .conftest import RECORDINGS, REPO, recording_files, require_recordings

CUT = " ..."  # the README cuts a line too wide for the page here


def readme_check_example() -> tuple[list[str], list[str]]:
    """The README's "Checking a captured answer" example: its command, and the lines it shows."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Checking a captured answer\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    assert command.startswith("$ chat-conformance check "), command
    return shlex.split(command[2:]), shown


def client_name(line: str) -> str | None:
    """`openai-node` for a client line of check's text output (`      openai-node 7.55.0: ...`)."""
    if not line.startswith("      ") or line.startswith("      evidence:") or ": " not in line:
        return None
    return line.split()[0]


def matches(shown: str, printed: str) -> bool:
    if shown.endswith(CUT):
        return printed.startswith(shown[: -len(CUT)]) and len(printed) > len(shown) - len(CUT)
    return printed == shown


def test_the_readme_check_example_prints_what_the_readme_shows(tmp_path: Path):
    command, shown = readme_check_example()
    # The clients run afresh (an outcome cache of the test's own), on whatever the cache folder has installed.
    env = {**os.environ, "CHAT_CONFORMANCE_CLIENT_CACHE": str(tmp_path / "outcomes.sqlite3")}
    done = subprocess.run([sys.executable, "-m", "harness", *command[1:]], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert done.returncode == 1, done.stderr  # Google's sample stream has error findings
    printed = done.stdout.splitlines()
    # Clients that are not installed here (the JavaScript ones before `clients install`) are not
    # run; stderr names each, and only their lines of the README are left out of the comparison.
    ran = {name for line in printed if (name := client_name(line))}
    absent = {name for line in shown if (name := client_name(line)) and name not in ran}
    assert all(f"{name} is not installed" in done.stderr for name in absent), done.stderr
    assert {"openai-python", "langchain-openai"} <= ran  # the Python clients come with the package
    expected = [line for line in shown if client_name(line) not in absent]
    assert len(printed) == len(expected), "\n".join(printed)
    differing = [(want, got) for want, got in zip(expected, printed) if not matches(want, got)]
    assert not differing, "the README shows / check prints:\n" + "\n".join(f"  {w}\n  {g}" for w, g in differing)
    assert any(line.endswith(CUT) for line in shown) and any(not line.endswith(CUT) for line in shown)


def test_a_readme_line_cut_for_width_matches_only_its_own_beginning():
    assert matches("    error: a b ...", "    error: a b c d")
    assert not matches("    error: a b ...", "    error: a x c d")
    assert not matches("    error: a b", "    error: a b c")
    assert client_name("      ai-sdk 7.0.173 + @ai-sdk/openai-compatible 3.0.92: mis-assembles: x") == "ai-sdk"
    assert client_name("      evidence: get_current_weather") is None


# -- foreign recordings ----------------------------------------------------------------------------


def check_json(path: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", str(path), "--format", "json", "--clients", "none", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_every_shared_recording_is_judged_by_check_in_its_own_format():
    require_recordings()
    forms = {}
    for path in recording_files():
        _, report = check_json(path)
        forms[path.name] = report["form"]
        assert report["form"] in FOREIGN_FORMATS, path.name
        assert [e["step"] for e in report["exchanges"]] == [e.step for e in import_foreign(path).exchanges], path.name
    assert set(forms.values()) == set(FOREIGN_FORMATS)  # each format is among them


def finding_keys(report: dict) -> set[tuple]:
    return {
        (f["rule"], f["code"], f["severity"], f["location"].get("event"), f["location"].get("pointer"), f.get("count"))
        for exchange in report["exchanges"]
        for f in exchange["findings"]
    }


def test_googles_documented_stream_judged_from_the_docs_dump_as_from_the_bundled_recording():
    """The same answer twice: as the shared documentation dump prints it, and as the bundled
    recording holds it. Only what the dump adds differs: its last line, `data: [DONE]`, has no
    blank line after it (the import says so in check's `assumed` notes)."""
    dump = RECORDINGS / "vertex-docs-stream-function-call-arguments.txt"
    if not dump.is_file():
        require_recordings()
    code, from_dump = check_json(dump, "--profile", "vertex")
    _, from_recording = check_json(REPO / "cases" / "recordings" / "vertex-docs" / "stream-function-call-arguments.yaml", "--profile", "vertex")
    assert code == 1 and from_dump["form"] == "vertex-docs"
    assert finding_keys(from_dump) - finding_keys(from_recording) == {
        ("sse.done", "unterminated", "error", 12, None, None),
        ("sse.framing", "unterminated-done", "info", 12, None, None),
    }
    assert finding_keys(from_recording) <= finding_keys(from_dump)
    assert any("does not end with a blank line" in note for note in from_dump["assumed"])
    assert any("status not recorded" in note for note in from_dump["assumed"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"# notes\nnothing recorded here\n", "not a recording in any supported foreign format"),
        (b"=== interaction 0: POST http://x/v1/chat/completions\n--- response body:\n{}\n", "lacks a `--- response status:`"),
    ],
    ids=["comment-only", "dump-without-status"],
)
def test_a_file_that_looks_foreign_but_is_not_is_one_line_and_exit_2(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "answer.txt"
    path.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "harness", "check", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"chat-conformance: error: {path}") and expected in line, line
