"""The program ends at once after its command, without the interpreter's teardown (harness.cli.main),
and still loses nothing: the whole output arrives, the exit code is the command's, the reports
and results.jsonl are complete, and the Node bridge it started is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from harness.report import read_results

from .clients_support import processes
from .test_check import seed_stream


def _processes_marked(marker: str) -> list[int]:
    """Processes whose environment carries `marker` (the Node bridge inherits the harness's)."""
    found = []
    for pid, folder, stat in processes():
        try:
            environ = (folder / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(pid)
    return found


def _program(*args: str, marker: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # No outcome cache: every client runs, so the Node bridge is started and must be ended.
    env = {**os.environ, "CHAT_CONFORMANCE_CLIENT_CACHE": "off", "CC_TEST_MARKER": marker}
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=180, env=env, cwd=cwd)


def test_check_keeps_its_output_and_exit_code_and_ends_the_node_bridge(tmp_path: Path):
    path = tmp_path / "seed.sse"
    path.write_text(seed_stream())
    marker = f"chat-conformance-exit-{uuid.uuid4().hex}"
    done = _program("check", str(path), "--profile", "vertex", "--format", "json", marker=marker)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)  # all of it reached the pipe
    outcomes = {c["name"]: c["outcome"] for exchange in report["exchanges"] for c in exchange["clients"]}
    assert outcomes["openai-node"] == "mis-assembles" and outcomes["ai-sdk"] == "mis-assembles"  # Node did run
    assert _processes_marked(marker) == []


def test_run_writes_complete_reports_before_it_ends(tmp_path: Path):
    marker = f"chat-conformance-exit-{uuid.uuid4().hex}"
    done = _program("run", "-q", "--endpoint", "vertex-docs", "--report-dir", str(tmp_path / "reports"), marker=marker, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the seed's own stream has error findings
    assert "exit 1:" in done.stderr
    record = read_results(tmp_path / "reports" / "results.jsonl")
    assert record.end is not None and not record.interrupted and record.damaged_lines == 0
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert len(report["results"]) == len(record.results) > 0
    assert _processes_marked(marker) == []


def test_under_a_profiler_the_ordinary_exit_lets_it_write_its_data(tmp_path: Path):
    out = tmp_path / "profile.out"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "harness", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "chat-conformance, version" in done.stdout
    assert out.stat().st_size > 0
