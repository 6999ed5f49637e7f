"""A request that got no HTTP answer (refused, reset, timed out) is reported as "no answer (why)"
by fuzz, load and run, and counted apart from the answers: it is neither a server error nor an
answer. Real sockets on 127.0.0.1: a port bound and closed again (connecting is refused), or a
listener that takes the request and resets the connection or never answers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.transport import TransportFailure

from .faults import FaultServer
from .load_servers import write_cases
from .servers import Reply, ScriptedServer, chunk, free_port, write_hello_case

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "COLUMNS": "200"}  # a result line is cut to the width; these assertions read it whole


def refused_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


def dropper(how: str) -> FaultServer:
    """A server that takes each request whole, then gives no HTTP answer: `reset` closes with an
    RST, `silent` holds the connection (the client's read times out)."""
    return FaultServer(always={"reset": "reset-before-answer", "silent": "never-answer"}[how])


def harness(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=cwd, env=ENV, timeout=180)


# -- fuzz -------------------------------------------------------------------------------------


def test_fuzz_against_a_closed_port_reports_no_answer_not_a_server_error(tmp_path):
    done = harness(tmp_path, "fuzz", "--base-url", refused_url(), "--model", "m", "--auth", "none", "--budget", "30", "--seed", "1", "--report-dir", "out")
    assert done.returncode == 1, done.stdout + done.stderr  # nothing was fuzzed: not a clean run
    assert "Traceback" not in done.stderr
    head = done.stdout.splitlines()[0]
    assert re.fullmatch(r"fuzz adhoc: (\d+) requests: 0 answered, \1 no answer \(connection refused\)", head), done.stdout
    from harness.fuzz import UNREACHABLE_IN_A_ROW

    assert head.startswith(f"fuzz adhoc: {UNREACHABLE_IN_A_ROW} requests")
    assert "server-error" not in done.stdout and "FAILURE" not in done.stdout
    # It stops instead of spending the budget on a port nothing listens on, and says why.
    assert f"stopped after {UNREACHABLE_IN_A_ROW} requests in a row got no answer (connection refused)" in done.stdout
    assert "is the server running" in done.stdout
    summary = json.loads((tmp_path / "out" / "fuzz" / "summary.json").read_text())
    assert (summary["requests"], summary["answered"]) == (UNREACHABLE_IN_A_ROW, 0)
    assert summary["no_answer"] == {"connection refused": UNREACHABLE_IN_A_ROW}
    assert summary["outcomes"] == {"unreachable": UNREACHABLE_IN_A_ROW}
    assert summary["failures"] == {} and summary["saved"] == []  # the request is not what failed: nothing to replay
    assert "sent" not in summary


def test_fuzz_against_a_server_that_resets_reports_a_dropped_request(tmp_path):
    with dropper("reset") as server:
        done = harness(tmp_path, "fuzz", "--base-url", server.url + "/v1", "--model", "m", "--auth", "none", "--max-examples", "5",
                       "--budget", "30", "--seed", "1", "--report-dir", "out")  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads((tmp_path / "out" / "fuzz" / "summary.json").read_text())
    requests = summary["requests"]
    assert requests >= 1 and summary["answered"] == 0
    assert summary["no_answer"] == {"connection reset": requests}
    assert done.stdout.splitlines()[0].startswith(f"fuzz adhoc: {requests} requests: 0 answered, {requests} no answer (connection reset)")
    # The request reached the server and got no answer: a failure of its own, not a 5xx.
    assert set(summary["failures"]) == {"dropped"} and "server-error" not in summary["outcomes"]
    assert summary["failures"]["dropped"].startswith("no answer (connection reset)")
    assert "FAILURE dropped: no answer (connection reset)" in done.stdout
    assert (tmp_path / "out" / "fuzz" / "fuzz-dropped-shrunk.yaml").is_file()


# -- load -------------------------------------------------------------------------------------


def test_load_against_a_closed_port_counts_no_answer_apart_from_answers(tmp_path):
    done = harness(REPO, "load", "--base-url", refused_url(), "--model", "m", "--auth", "none", "--requests", "5",
                   "--concurrency", "2", "--report-dir", str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[0] == "load adhoc: 5 requests: 0 answered, 5 no answer (connection refused)", done.stdout
    assert "5 answered" not in done.stdout and "HTTP none" not in done.stdout
    assert "exit 1: 5 of 5 requests got no answer (connection refused)" in done.stderr
    # The bundled cases it cannot send (other endpoint kinds, two steps) are one line, not one each.
    left_out = [line for line in done.stderr.splitlines() if line.startswith("left out")]
    assert len(left_out) == 1 and re.fullmatch(r"left out \d+ cases \(.*\): see \"excluded\" in .*load\.json", left_out[0]), left_out

    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    assert (summary["requests"], summary["completed"], summary["answered"], summary["failed"], summary["no_answer"]) == (5, 5, 0, 0, 5)
    assert summary["no_answer_reasons"] == {"connection refused": 5}
    assert not summary["throughput"]["answers_per_s"]  # 0, or None when no time passed
    assert sum(row["no_answer"] for row in summary["timeline"]) == 5 and sum(row["failed"] for row in summary["timeline"]) == 0
    assert len(summary["excluded"]) > 1 and all({"case", "why", "reason"} <= set(item) for item in summary["excluded"])
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    answers = [r for r in results if r["type"] == "result"]
    assert len(answers) == 5 and all(r["no_answer"] == "connection refused" and r["status"] is None for r in answers)
    page = (tmp_path / "out" / "load.html").read_text(encoding="utf-8")
    assert "<b>5</b>no answer" in page and "<b>0</b>answered" in page


def test_load_progress_and_summary_words_for_a_server_that_resets(tmp_path):
    cases = write_hello_case(tmp_path / "cases").parent
    with dropper("reset") as server:
        done = harness(REPO, "load", "--cases", str(cases), "--no-bundled-cases", "--base-url", server.url + "/v1", "--model", "m",
                       "--auth", "none", "--requests", "3", "--concurrency", "1", "--report-dir", str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "load adhoc: 3 requests: 0 answered, 3 no answer (connection reset)", done.stdout
    assert not [line for line in done.stderr.splitlines() if line.startswith("left out")]  # nothing was left out
    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    assert (summary["answered"], summary["no_answer"], summary["no_answer_reasons"]) == (0, 3, {"connection reset": 3})


def test_load_counts_an_answer_cut_short_as_an_answer(tmp_path):
    """Headers and a first event came, then nothing: an answer (that failed), not "no answer"."""
    events = [chunk({"role": "assistant", "content": "Hi"}), chunk({}, finish="stop")]
    with ScriptedServer(lambda request: Reply.sse(events, delay=60)) as server:
        done = harness(REPO, "load", "--cases", str(write_cases(tmp_path / "cases")), "--no-bundled-cases", "--case", "stream",
                       "--base-url", server.url + "/v1", "--model", "m", "--auth", "none", "--requests", "2", "--concurrency", "2",
                       "--read-timeout", "0.5", "--report-dir", str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "load adhoc: 2 requests: 2 answered (2 failed)", done.stdout
    assert "  answers cut short: 2 timed out" in done.stdout.splitlines()
    assert "exit 1: 2 of 2 answers failed (an error finding)" in done.stderr
    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    assert (summary["answered"], summary["failed"], summary["no_answer"], summary["cut_short"]) == (2, 2, 0, {"timed out": 2})


# -- run --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("how", "words"), [("refused", "connection refused"), ("reset", "connection reset"), ("silent", "timed out")])
def test_run_says_no_answer_and_why(tmp_path, how, words):
    args = ["--mode", "live", "--model", "m", "--auth", "none", "--case", "gemini-chat", "--retries", "0", "--read-timeout", "0.5",
            "--report-dir", "out"]  # fmt: skip
    if how == "refused":
        done = harness(tmp_path, "run", "--base-url", refused_url(), *args)
    else:
        with dropper(how) as server:
            done = harness(tmp_path, "run", "--base-url", server.url + "/v1", *args)
        assert server.requests >= 1  # the request did reach the server
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = [line for line in done.stdout.splitlines() if "gemini-chat" in line]
    assert f"transport.failure: no answer ({words})" in line, done.stdout
    assert f"1 of them got no answer ({words})" in done.stdout + done.stderr
    (result,) = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines() if '"type": "result"' in line]
    # (A reset is sent once more on a new connection, as for a stale kept-alive one: an info finding.)
    (finding,) = [f for f in result["findings"] if f["severity"] == "error"]
    assert (finding["rule"], finding["code"], finding["evidence"]) == ("transport.failure", "no-answer", f"no answer ({words})")


# -- the words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message", "words"),
    [
        ("connect", "[Errno 111] Connection refused", "connection refused"),
        ("connect", "[Errno -2] Name or service not known", "host not found"),
        ("connect", "[Errno 113] No route to host", "could not connect"),
        ("timeout-connect", "no connection within 10s", "timed out connecting"),
        ("timeout-read", "nothing received for 30s", "timed out"),
        ("reset", "[Errno 104] Connection reset by peer", "connection reset"),
        ("protocol", "Server disconnected without sending a response.", "connection closed"),
        ("protocol", "illegal status line: bytearray(b'SSH-2.0')", "not HTTP"),
        ("tls", "[SSL: WRONG_VERSION_NUMBER] wrong version number", "TLS failed"),
    ],
)
def test_failure_words(kind, message, words):
    from harness.transport import failure_words

    assert failure_words(TransportFailure(kind, message)) == words
