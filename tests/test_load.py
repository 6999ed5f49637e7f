"""`chat-conformance load`: concurrent requests, every answer judged, exactly the broken ones reported.

The server (tests/load_servers.py) breaks a known share of its answers in known ways and counts
what it served; the command runs as a user runs it, in its own process.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cases import load_cases, select_cases
from harness.cli import cli
from harness.endpoints import adhoc_endpoint, make_auth
from harness.load import Histogram, plan_cases, send_answer
from harness.report import read_results
from harness.transport import Limits, LiveTransport, read_cassette
from harness.validators import Severity, judge_exchange, rule_ids

from .children import interruptible
from .load_servers import Breaker, write_cases
from .servers import Reply, ScriptedServer, chunk, completion

REPO = Path(__file__).resolve().parent.parent


def load_command(server: ScriptedServer, cases: Path, out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "harness", "load", "--cases", str(cases), "--no-bundled-cases", "--base-url", server.url + "/v1",
            "--model", "m", "--auth", "none", "--report-dir", str(out), *args]  # fmt: skip


def run_load(server: ScriptedServer, cases: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(load_command(server, cases, out, *args), capture_output=True, text=True, timeout=120, cwd=REPO)


def results_of(out: Path) -> list[dict]:
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line["type"] == "result"]


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory) -> tuple[Breaker, Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("load")
    cases = write_cases(root / "cases")
    breaker = Breaker(words=8, delay=0.001)
    with ScriptedServer(breaker) as server:
        done = run_load(server, cases, root / "out", "--concurrency", "8", "--requests", "80")
    return breaker, root / "out", done


def test_exactly_the_broken_answers_are_reported_by_rule(broken_run):
    breaker, out, done = broken_run
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads((out / "load.json").read_text(encoding="utf-8"))
    assert sum(breaker.served.values()) == 80  # no retry, no extra request
    assert (summary["requests"], summary["completed"], summary["abandoned"]) == (80, 80, 0)
    assert breaker.broken > 10  # every kind of breakage occurred
    assert summary["failed"] == breaker.broken
    errors = {rule_id: counts["error"] for rule_id, counts in summary["findings_by_rule"].items() if "error" in counts}
    assert errors == breaker.expected_rules()
    assert summary["http_status"] == {"200": 80 - breaker.served["server-error"], "500": breaker.served["server-error"]}
    assert summary["transport_failures"] == {}
    assert f"{breaker.broken} of 80 answers failed" in done.stderr


def test_latency_throughput_and_timeline_add_up(broken_run):
    _, out, _ = broken_run
    summary = json.loads((out / "load.json").read_text(encoding="utf-8"))
    for name in ("time_to_first_chunk", "time_to_first_content", "total"):
        figures = summary["latency_ms"][name]
        assert figures["count"] == 80, name
        assert 0 < figures["min"] <= figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"], (name, figures)
    gaps = summary["latency_ms"]["inter_chunk_gap"]
    assert gaps["count"] > 0 and gaps["p50"] <= gaps["p99"]
    assert summary["latency_ms"]["time_to_first_content"]["p50"] <= summary["latency_ms"]["total"]["p50"]
    throughput = summary["throughput"]
    assert throughput["answers_per_s"] == pytest.approx(80 / throughput["elapsed_s"], rel=0.01)
    assert throughput["chunks"] >= 40 * 10  # the 40 streamed answers alone bring 10+ reads each
    timeline = summary["timeline"]
    assert sum(row["sent"] for row in timeline) == 80
    assert sum(row["completed"] for row in timeline) == 80
    assert sum(row["failed"] for row in timeline) == summary["failed"]
    assert any(row["total_ms"]["p50"] for row in timeline)
    assert sum(b["count"] for b in summary["histogram_total_ms"]) == 80
    overhead = summary["overhead_per_answer_ms"]
    assert overhead["judging_cpu"]["count"] == 80 and overhead["judging_cpu"]["mean"] > 0
    assert overhead["server_total_mean"] == pytest.approx(summary["latency_ms"]["total"]["mean"], rel=0.01)
    assert [c["sent"] for c in summary["cases"]] == [40, 40]  # the two cases in turn


def test_results_jsonl_has_one_line_per_answer(broken_run):
    breaker, out, _ = broken_run
    results = results_of(out)
    assert sorted(r["answer"] for r in results) == list(range(1, 81))
    assert Counter(r["verdict"] for r in results)["fail"] == breaker.broken
    assert all(r["origin"] == "live" and r["timings"]["total_s"] > 0 for r in results)
    record = read_results(out / "results.jsonl")  # the same format as run's: the report tools read it
    assert record.header["mode"] == "load" and not record.interrupted and len(record.results) == 80


def test_first_five_failing_answers_of_each_rule_are_checkable_recordings(broken_run):
    breaker, out, _ = broken_run
    summary = json.loads((out / "load.json").read_text(encoding="utf-8"))
    expected = breaker.expected_rules()
    assert set(summary["recordings"]) == set(expected)
    failing = {r["answer"]: r for r in results_of(out) if r["verdict"] == "fail"}
    for rule_id, paths in summary["recordings"].items():
        assert len(paths) == min(5, expected[rule_id]), rule_id
        numbers = [int(Path(p).stem.split("-")[1]) for p in paths]
        # The first five answers (in the order they were counted) that failed this rule.
        assert all(rule_id in {f["rule"] for f in failing[n]["findings"]} for n in numbers)
        for path in paths:
            assert read_cassette(out / path).origin == "live"
            outcome = CliRunner().invoke(cli, ["check", str(out / path), "--clients", "none", "--format", "json"])
            assert outcome.exit_code == 1, outcome.output
            found = {f["rule"] for e in json.loads(outcome.output)["exchanges"] for f in e["findings"] if f["severity"] == "error"}
            assert rule_id in found, (path, found)
    written = sorted(p.name for p in (out / "recordings").iterdir())
    assert written == sorted({Path(p).name for paths in summary["recordings"].values() for p in paths})


def test_load_html_is_written_with_its_three_figures(broken_run):
    _, out, _ = broken_run
    page = (out / "load.html").read_text(encoding="utf-8")
    for figure in ('id="latency-histogram"', 'id="latency-over-time"', 'id="failures-over-time"'):
        assert figure in page


def test_judge_none_sends_the_same_load_unjudged(tmp_path):
    breaker = Breaker()
    with ScriptedServer(breaker) as server:
        done = run_load(server, write_cases(tmp_path / "cases"), tmp_path / "out", "--concurrency", "4", "--requests", "20", "--judge", "none")
    assert done.returncode == 0, done.stdout + done.stderr
    assert breaker.broken > 0 and sum(breaker.served.values()) == 20
    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    assert (summary["requests"], summary["completed"], summary["failed"], summary["judged"]) == (20, 20, 0, False)
    assert summary["findings_by_rule"] == {} and summary["recordings"] == {}
    assert summary["overhead_per_answer_ms"]["judging_cpu"] is None
    assert summary["latency_ms"]["total"]["count"] == 20
    assert {r["verdict"] for r in results_of(tmp_path / "out")} == {"skip"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--concurrency", "0"), "--concurrency 0: give at least 1"),
        (("--rate", "-2"), "--rate -2: give requests per second above 0"),
        (("--requests", "10", "--duration", "5"), "--requests and --duration: give one of them"),
        (("--requests", "0"), "--requests 0: give at least 1"),
        (("--duration", "0"), "--duration 0: give a number of seconds above 0"),
        (("--drain", "-1"), "--drain -1: give 0 or more seconds"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, expected):
    done = subprocess.run(
        [sys.executable, "-m", "harness", "load", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--auth", "none", "--report-dir", str(tmp_path), *args],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert not (tmp_path / "load.json").exists()


def test_multi_step_cases_are_left_out_with_a_note(tmp_path):
    cases = write_cases(tmp_path / "cases", two_step=True)
    with ScriptedServer(Breaker()) as server:
        done = run_load(server, cases, tmp_path / "out", "--requests", "4", "--judge", "none")
        alone = run_load(server, cases, tmp_path / "out2", "--case", "two-step")
    assert done.returncode == 0, done.stderr
    assert "left out two-step: 2 steps: a later step is built from an earlier answer" in done.stderr
    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    assert [c["case"] for c in summary["cases"]] == ["plain", "stream"]
    assert summary["excluded"][0]["case"] == "two-step"
    assert alone.returncode == 2 and len(alone.stderr.strip().splitlines()) == 1
    assert "no selected case can be sent" in alone.stderr


class BackPressure:
    """Answers every 3rd request it receives with `status` and Retry-After: 0, the others cleanly."""

    def __init__(self, status: int):
        self.status, self.received, self.pushed_back = status, 0, 0
        self.lock = threading.Lock()

    def __call__(self, request) -> Reply:
        with self.lock:
            self.received += 1
            push = self.received % 3 == 0
            self.pushed_back += push
        if push:
            return Reply.json({"error": {"message": "slow down", "type": "rate_limit", "param": None, "code": None}}, status=self.status, headers=[("Retry-After", "0")])
        return Reply.json(completion())


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_back_pressure_and_a_retry_is_not_a_new_request(tmp_path, status):
    handler = BackPressure(status)
    with ScriptedServer(handler) as server:
        done = run_load(server, write_cases(tmp_path / "cases"), tmp_path / "out", "--case", "plain", "--concurrency", "1", "--requests", "9")
    summary = json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8"))
    # Arrivals 3, 6, 9 and 12 are pushed back, each retried by the next: 9 requests, 13 attempts.
    assert handler.pushed_back == 4 and handler.received == 13
    assert (summary["requests"], summary["completed"]) == (9, 9)
    assert summary["http_status"] == {"200": 9}
    assert summary["attempts_by_status"] == {"200": 9, str(status): 4}
    pressure = summary["back_pressure"]
    assert pressure[f"retried_{status}"] == 4 and pressure["with_retry_after"] == 4
    assert summary["transport_failures"] == {}
    results = results_of(tmp_path / "out")
    assert Counter(r["attempts"] for r in results) == {1: 5, 2: 4}  # every attempt kept
    # A 429, or a 503 that says when to come back (Retry-After) and is answered on that retry, is
    # back-pressure, not a failure: no answer fails (a 503 is noted by http.server-error at info).
    assert done.returncode == 0 and summary["failed"] == 0, done.stderr
    if status == 503:
        assert summary["findings_by_rule"]["http.server-error"] == {"info": 4}


def test_rate_spaces_request_starts(tmp_path):
    with ScriptedServer(Breaker()) as server:
        done = run_load(server, write_cases(tmp_path / "cases"), tmp_path / "out", "--requests", "10", "--concurrency", "4", "--rate", "20", "--judge", "none")
    assert done.returncode == 0, done.stderr
    starts = sorted(r["sent_s"] for r in results_of(tmp_path / "out"))  # seconds since the load began
    assert len(starts) == 10
    # The n-th request's slot is n/20 s after the first at the earliest. A worker late for its slot
    # (a busy machine) starts later and may narrow the gap to the next, but no start is early.
    assert all(start >= n / 20 - 0.001 for n, start in enumerate(starts)), starts


def _interrupt(tmp_path: Path, drain: str, *, answered: bool, concurrency: int = 4) -> tuple[subprocess.CompletedProcess, float, dict, Breaker]:
    """A load whose first `concurrency` requests are held at the server, Ctrl-C'd once all are in
    flight. `answered`: the server answers them once the command has said it took the Ctrl-C (so
    no worker can start a new request before the stop); otherwise it holds them until the command
    has ended."""
    gate = threading.Event()
    breaker = Breaker(gate=gate)
    with ScriptedServer(breaker) as server:
        command = load_command(
            server, write_cases(tmp_path / "cases"), tmp_path / "out", "--concurrency", str(concurrency), "--duration", "120", "--drain", drain
        )
        try:
            with interruptible(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO) as process:
                assert breaker.wait_for_arrivals(concurrency), f"{concurrency} requests never arrived"
                stderr_lines: list[str] = []
                taken = threading.Event()
                reader = threading.Thread(target=_read_lines, args=(process.stderr, stderr_lines, "interrupted: no new requests", taken))
                reader.start()
                interrupted = time.monotonic()
                process.send_signal(signal.SIGINT)
                assert taken.wait(60), "load never said it took the Ctrl-C:\n" + "".join(stderr_lines)
                assert f"waiting up to {float(drain):g} s for the {concurrency} in flight" in stderr_lines[-1]
                if answered:
                    gate.set()
                stdout = process.stdout.read()
                process.wait(timeout=60)
                took = time.monotonic() - interrupted
                reader.join(10)
                stderr = "".join(stderr_lines)
        finally:
            gate.set()
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return done, took, json.loads((tmp_path / "out" / "load.json").read_text(encoding="utf-8")), breaker


def _read_lines(stream, lines: list[str], marker: str, seen: threading.Event) -> None:
    """Collect `stream`'s lines; set `seen` at the first that starts with `marker`."""
    for line in stream:
        lines.append(line)
        if line.startswith(marker):
            seen.set()


# One worker: the Ctrl-C always comes while the command waits on that worker's thread (on Python
# before 3.13 such a wait, interrupted, marked the thread as ended while it still ran: its answer
# was abandoned at once instead of drained). Four: the interrupted wait is on any of them.
@pytest.mark.parametrize("concurrency", [1, 4])
def test_ctrl_c_stops_sending_drains_and_exits_130(tmp_path, concurrency):
    done, took, summary, breaker = _interrupt(tmp_path, drain="10", answered=True, concurrency=concurrency)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert took < 8  # the drain ended with the last answer, not after its 10 s
    assert summary["interrupted"] is True
    # Nothing new after Ctrl-C: the requests in flight were answered and counted.
    assert summary["requests"] == concurrency == breaker.arrived
    assert (summary["completed"], summary["abandoned"]) == (concurrency, 0)
    assert len(results_of(tmp_path / "out")) == concurrency
    assert read_results(tmp_path / "out" / "results.jsonl").interrupted


def test_ctrl_c_waits_at_most_drain_seconds(tmp_path):
    done, took, summary, _ = _interrupt(tmp_path, drain="0.5", answered=False)
    assert done.returncode == 130, done.stderr
    assert took < 4  # the answers never come: only the 0.5 s drain was waited, not its default 10 s
    assert (summary["requests"], summary["completed"], summary["abandoned"]) == (4, 0, 4)
    assert (tmp_path / "out" / "load.html").is_file()


def test_a_streamed_answer_is_judged_as_it_arrives_and_not_held(tmp_path):
    """2,000 chunks come back; the response keeps only their offsets, the spool keeps the bytes,
    and the findings are the ones judging the whole answer gives."""
    events = [chunk({"role": "assistant", "content": ""}), *(chunk({"content": f"w{n} "}) for n in range(2000)), chunk({}, finish="stop")]
    with ScriptedServer(lambda request: Reply.sse(events)) as server:
        endpoint = adhoc_endpoint(kind="openai-compatible", base_url=server.url + "/v1", model="m", auth="none")
        cases = load_cases([write_cases(tmp_path / "cases")], known_rules=rule_ids())
        (plan,), _ = plan_cases(select_cases(cases, ids=["stream"]), endpoint)
        transport = LiveTransport(make_auth(endpoint.auth), Limits())
        answer = send_answer(plan, transport)
        transport.close()
    response = answer.exchange.response
    assert response.chunks == [] and len(response.offsets) == answer.chunks > 100
    assert [f.rule for f in answer.findings if f.severity is Severity.ERROR] == ["sse.done"]  # no [DONE] was sent
    whole = answer.full_exchange()
    assert b"".join(whole.response.chunks) == b"".join(f"data: {e}\n\n".encode() for e in events)
    again = judge_exchange(whole, plan.step, request=plan.request_json, profile=plan.profile)
    assert sorted((f.rule, f.code, f.count) for f in again.findings) == sorted((f.rule, f.code, f.count) for f in answer.findings)
    answer.release()


def test_histogram_percentiles_are_within_one_percent():
    rng = random.Random(7)
    values = [rng.lognormvariate(4, 1) for _ in range(20000)]
    histogram = Histogram()
    for value in values:
        histogram.add(value)
    ordered = sorted(values)
    for q in (50, 95, 99):
        exact = ordered[math.ceil(q / 100 * len(ordered)) - 1]
        assert histogram.percentile(q) == pytest.approx(exact, rel=0.01), q
    assert histogram.count == 20000 and histogram.low == min(values) and histogram.high == max(values)
    assert sum(b["count"] for b in histogram.bins()) == 20000
    assert len(histogram.buckets) < 2000  # constant memory: buckets, not samples
    assert Histogram().percentile(50) is None


def test_help_lists_the_command():
    outcome = CliRunner().invoke(cli, ["--help"])
    assert "load" in outcome.output and "merge" in outcome.output
    assert os.environ.get("GITHUB_STEP_SUMMARY") is None
