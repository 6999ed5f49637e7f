"""What a person at a terminal sees: the bundled replay in an 80-, 100- and 120-column terminal
(a real pseudo-terminal, so the tool measures it as it would a user's), skips summarised, no
command that cannot work, and closing lines that explain the exit code."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml

from harness.endpoints import bundled_endpoints

from .conftest import REPO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_terminal(columns: int, *args: str, cwd: Path) -> tuple[int, list[str], str]:
    """`chat-conformance ARGS` with stdout on a pseudo-terminal `columns` wide; (exit code, stdout lines, stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "harness", *args], stdout=follower, stderr=subprocess.PIPE, cwd=cwd, env=env)
    os.close(follower)
    output = bytearray()
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        output += data
    os.close(leader)
    stderr = process.stderr.read().decode()
    process.wait(timeout=120)
    text = ANSI.sub("", output.decode("utf-8", "replace")).replace("\r\n", "\n")
    return process.returncode, text.splitlines(), stderr


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_bundled_replay_fits_the_terminal(columns: int, tmp_path: Path):
    code, lines, stderr = run_in_terminal(columns, "run", "--report-dir", "out", cwd=tmp_path)
    assert code == 1, stderr
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines() if '"type": "result"' in line]
    assert len(results) == len(bundled_endpoints()) * len(list((REPO / "cases").glob("*.yaml")))
    assert all(len(line) <= columns for line in lines), [line for line in lines if len(line) > columns]
    ran = [r for r in results if r["verdict"] != "skip"]
    # At most three lines per case × endpoint: here one per result that ran, a header per endpoint,
    # and a closing summary; skips are counted in the headers, not listed.
    assert len(lines) <= 3 * len(results)
    assert len(lines) <= len(ran) * 2 + len(bundled_endpoints()) + 2
    for result in ran:  # every name whole, so it can be pasted into --case
        assert any(re.search(rf"\b{re.escape(result['case'])}\b", line) for line in lines), result["case"]
    if columns == 80:
        one_line = sum(1 for line in lines if re.match(r"^  (pass|warn|fail|stale|flaky) ", line))
        assert one_line == len(ran)


def test_bundled_replay_names_no_impossible_command_and_explains_its_exit(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "harness", "run", "-v", "--report-dir", "out"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    everything = done.stdout + done.stderr
    assert "--endpoint vertex-docs" not in everything  # the documentation cannot be recorded
    assert "not-documented" in everything and "not-recorded" not in everything
    last = done.stderr.strip().splitlines()[-3:]
    assert any(line.startswith("exit 1: ") and "error findings" in line for line in last), last
    assert any("real defects" in line and "out/report.html" in line for line in last), last


def test_skips_are_listed_when_asked(tmp_path: Path):
    summarised = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--report-dir", "out"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    listed = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--report-dir", "out", "--show-skips"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert not any(line.startswith("  skip ") for line in summarised.stdout.splitlines())
    cases = len(list((REPO / "cases").glob("*.yaml")))
    documented = len(list((REPO / "cases" / "recordings" / "vertex-docs").glob("*.yaml")))
    inapplicable = sum(1 for path in (REPO / "cases").glob("*.yaml") if "vertex" not in yaml.safe_load(path.read_text())["applies_to"])
    skipped = cases - documented
    assert f"{skipped} skipped ({inapplicable} not-applicable, {skipped - inapplicable} not-documented)" in summarised.stdout
    assert sum(1 for line in listed.stdout.splitlines() if line.startswith("  skip ")) == skipped


def test_a_clean_run_says_why_it_exits_0(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--case", "gemini-chat", "--report-dir", "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("exit 0: no finding at or above error")


def test_did_you_mean_comes_from_close_matches(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "harness", "show", "gemini-chta"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "did you mean gemini-chat" in done.stderr and "error-malformed-messages" not in done.stderr
    endpoint = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "llama-sever"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert endpoint.returncode == 2 and "did you mean llama-server" in endpoint.stderr
