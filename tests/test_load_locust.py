"""The Locust user: one master and two workers on loopback, headless, against a server that breaks
a known share of its answers; the failures Locust counts are exactly the broken answers, by rule.

The locustfile is the README's two lines, plus a listener that writes the master's final
statistics (Locust's own, the ones its console, CSV and web UI show) to a file for the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from .load_servers import Breaker, write_cases
from .servers import ScriptedServer, free_port

REPO = Path(__file__).resolve().parent.parent

LOCUSTFILE = """\
from harness.load.locust import ConformanceUser  # noqa: F401

# For the test: the master's final statistics, as Locust holds them.
import json
from locust import events
from locust.runners import WorkerRunner


@events.quitting.add_listener
def _write_stats(environment, **kwargs):
    if isinstance(environment.runner, WorkerRunner):
        return
    stats = environment.runner.stats
    errors = {}
    for error in stats.errors.values():
        key = f"{error.name} {error.error}"
        errors[key] = errors.get(key, 0) + error.occurrences
    with open("locust-stats.json", "w") as file:
        json.dump({"requests": stats.total.num_requests, "failures": stats.total.num_failures,
                   "per_case": {e.name: e.num_requests for e in stats.entries.values()}, "errors": errors}, file)
"""

PER_WORKER = 30


def test_master_and_two_workers_count_exactly_the_broken_answers(tmp_path):
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
    cases = write_cases(tmp_path / "cases")
    breaker = Breaker(words=6, delay=0.001)
    port = free_port()
    locust = [sys.executable, "-m", "locust", "-f", "locustfile.py"]
    with ScriptedServer(breaker) as server:
        master = subprocess.Popen(
            [*locust, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), "--headless",
             "--expect-workers", "2", "--expect-workers-max-wait", "60", "-u", "6", "-r", "6", "--host", server.url + "/v1",
             "--cc-model", "m", "--cc-cases", str(cases), "--cc-no-bundled-cases", "--cc-requests", str(PER_WORKER), "--only-summary"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        workers = [
            subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
            for _ in range(2)
        ]
        try:
            output, _ = master.communicate(timeout=120)
            for worker in workers:
                worker.wait(timeout=30)
        finally:
            for process in (master, *workers):
                if process.poll() is None:
                    process.kill()
                    process.wait()
    served = sum(breaker.served.values())
    assert served == 2 * PER_WORKER, output
    assert master.returncode == 1, output  # Locust's own exit code when a request failed
    assert "The last worker quit" in output or "quit" in output
    stats = json.loads((tmp_path / "locust-stats.json").read_text(encoding="utf-8"))
    assert stats["requests"] == served
    assert stats["per_case"] == {"stream": served // 2, "plain": served // 2}
    assert breaker.broken > 5
    assert stats["failures"] == breaker.broken
    # Each failure is named by the answer's first error rule.
    by_rule: dict[str, int] = {}
    for key, count in stats["errors"].items():
        name, rule_id = key.split(" ", 1)
        by_rule[rule_id] = by_rule.get(rule_id, 0) + count
    assert by_rule == {
        "sse.done": breaker.served["no-done"],
        "sse.framing": breaker.served["not-json"],
        "http.status": breaker.served["server-error"],  # before http.server-error in the rule order
    }
    assert all(worker.returncode == 0 for worker in workers)


def test_bad_options_end_the_run_with_a_message(tmp_path):
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", "locustfile.py", "--headless", "-u", "1", "-r", "1", "-t", "60s",
         "--host", "http://127.0.0.1:9/v1", "--cc-endpoint", "no-such-endpoint"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert time.monotonic() - started < 30  # not the 60 s run time
    assert "chat-conformance: error: --cc-endpoint 'no-such-endpoint': no such endpoint" in done.stdout + done.stderr
    assert done.returncode == 2
