"""Reports, results.jsonl and recordings come out readable to others when the umask says so (a CI
artifact uploader, a colleague), and private when it does not: 0o666 less the umask, as `open` does."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness._files import write_atomic

from .servers import Reply, ScriptedServer, completion, write_hello_case

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)], ids=["umask-022", "umask-077"])
def test_reports_results_and_recordings_follow_the_umask(tmp_path: Path, umask: int, expected: int):
    write_hello_case(tmp_path / "cases")
    with ScriptedServer(lambda request: Reply.json(completion())) as server:
        command = [sys.executable, "-m", "harness", "run", "--mode", "record", "--cases", "cases", "--no-bundled-cases",
                   "--base-url", server.url + "/v1", "--model", "m", "--auth", "none", "--endpoint", "local",
                   "--recordings", "recordings", "--report-dir", "out", "--quiet"]  # fmt: skip
        # The umask is set in the child only: the test process (and other tests in it) keep theirs.
        done = subprocess.run(["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    written = [tmp_path / "out" / name for name in ("report.json", "junit.xml", "report.md", "report.html", "results.jsonl")]
    written.append(tmp_path / "recordings" / "local" / "hello.yaml")
    assert {path.name: oct(mode(path)) for path in written} == {path.name: oct(expected) for path in written}


def test_write_atomic_replaces_and_leaves_no_temporary_file(tmp_path: Path):
    target = tmp_path / "deep" / "report.json"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]
