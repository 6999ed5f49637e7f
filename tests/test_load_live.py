"""`chat-conformance load` against the bundled llama-server (the tiny model, two slots): 16 requests
in flight for 200 requests. Does it keep speaking the API under concurrent traffic? Every case
must be judged the same in each of its answers, and the same as one request at a time gives
(`run --mode live`, same rules, no real clients).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from .servers_local import start_llama_server

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "tiny-qwen2.gguf"

pytestmark = pytest.mark.live


def _errors(result: dict) -> tuple[str, ...]:
    return tuple(sorted({f["rule"] for f in result["findings"] if f["severity"] == "error"}))


def test_llama_server_under_load_answers_as_it_does_one_at_a_time(tmp_path):
    with start_llama_server(MODEL, slots=2) as server:
        endpoint = ["--base-url", server.root_url + "/v1", "--model", MODEL.name, "--auth", "none"]
        load = subprocess.run(
            [sys.executable, "-m", "harness", "load", *endpoint, "--concurrency", "16", "--requests", "200", "--report-dir", str(tmp_path / "load"), "--quiet"],
            capture_output=True, text=True, timeout=600, cwd=REPO,
        )  # fmt: skip
        single = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--mode", "live", *endpoint, "--clients", "none", "--report-dir", str(tmp_path / "run"), "--format", "json"],
            capture_output=True, text=True, timeout=600, cwd=REPO,
        )  # fmt: skip
    assert load.returncode in (0, 1), load.stderr
    summary = json.loads((tmp_path / "load" / "load.json").read_text(encoding="utf-8"))
    assert (summary["requests"], summary["completed"], summary["abandoned"]) == (200, 200, 0)
    assert "none" not in summary["http_status"]  # every request got an answer
    for name in ("time_to_first_content", "total"):
        assert summary["latency_ms"][name]["p99"] is not None
    assert (tmp_path / "load" / "load.html").is_file()

    under_load: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    failing = 0
    for line in (tmp_path / "load" / "results.jsonl").read_text(encoding="utf-8").splitlines():
        result = json.loads(line)
        if result["type"] == "result":
            under_load[result["case"]].add(_errors(result))
            failing += bool(_errors(result))
    assert summary["failed"] == failing
    inconsistent = {case: sets for case, sets in under_load.items() if len(sets) != 1}
    assert not inconsistent, f"answers of one case judged differently under load: {inconsistent}"

    one_at_a_time = {r["case"]: _errors(r) for r in map(json.loads, single.stdout.splitlines()) if r["verdict"] != "skip"}
    differs = {case: (sets, one_at_a_time.get(case)) for case, sets in under_load.items() if sets != {one_at_a_time.get(case)}}
    assert not differs, f"judged differently under load than one at a time: {differs}"
