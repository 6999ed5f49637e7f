"""`self_deployed: true`: an OpenAI-compatible server that is the engine of a self-deployed Vertex
endpoint (a Model Garden vLLM container) runs the self-deployed cases too, at its own URL, sending
no `model` where the docs send none; no other endpoint's cases change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .servers import Reply, ScriptedServer, chunk, completion

CONFIG = """\
endpoints:
  engine:
    kind: openai-compatible
    base_url: {url}/v1
    model: served-model
    auth: none
    self_deployed: true
  plain:
    kind: openai-compatible
    base_url: {url}/v1
    model: served-model
    auth: none
"""


def run(tmp_path: Path, url: str, endpoint: str) -> list[dict]:
    (tmp_path / "chat-conformance.yaml").write_text(CONFIG.format(url=url))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--mode", "live", "--endpoint", endpoint, "--case", "self-deployed-*",
         "--clients", "none", "--format", "json", "--report-dir", "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_self_deployed_engine_runs_the_self_deployed_cases_at_its_own_url(tmp_path: Path):
    def answer(request) -> Reply:
        if request.json().get("stream"):
            return Reply.sse([chunk({"role": "assistant", "content": "Once"}), chunk({}, finish="stop"), "[DONE]"])
        return Reply.json(completion())

    with ScriptedServer(answer) as server:
        results = run(tmp_path, server.url, "engine")
        bodies = {r.path: [] for r in server.received}
        for received in server.received:
            bodies[received.path].append(received.json())
    assert {r["case"] for r in results} == {"self-deployed-chat", "self-deployed-chat-stream", "self-deployed-chat-model", "self-deployed-chat-model-stream"}
    assert all(r["verdict"] != "skip" for r in results), results
    assert list(bodies) == ["/v1/chat/completions"]  # the engine's own URL, not Vertex's path
    without_model = [b for b in bodies["/v1/chat/completions"] if "model" not in b]
    assert len(without_model) == 2  # as the docs' REST samples send them


def test_without_the_option_the_self_deployed_cases_do_not_apply(tmp_path: Path):
    with ScriptedServer(lambda request: Reply.json(completion())) as server:
        results = run(tmp_path, server.url, "plain")
        assert not server.received
    assert {r["skip_reason"] for r in results} == {"not-applicable"}
