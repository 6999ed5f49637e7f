"""The whole suite live against the local servers on 127.0.0.1 (built by scripts/servers/all.sh,
which .ci/run calls), running the tiny model: every case gets a verdict, and the live verdicts
reproduce what the bundled recordings of those servers show, finding for finding. One server runs
at a time (a module-scoped fixture per server), and it also answers the tiny model's think prompt,
which no bundled case sends yet."""

from __future__ import annotations

import dataclasses
import json
import sys
import urllib.error
import urllib.request

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.validators import rule_ids

from .conftest import REPO

sys.path.insert(0, str(REPO))
from scripts.make_tiny_model import THINK_QUESTION  # noqa: E402
from scripts.record_local_servers import LIMITS, SERVERS  # noqa: E402

pytestmark = pytest.mark.live


# transformers serve stamps every chunk with the current second, so whether `created` changes
# within a stream depends on whether it crosses a second boundary: true when it happens, but not
# something two runs must agree on.
WALL_CLOCK = {("chunk.identity", "chunk created changes within the stream")}


def summary(result) -> tuple:
    kept = [f for f in result.findings if str(f.severity) != "info" and (f.rule, f.message) not in WALL_CLOCK]
    verdict = str(result.verdict)
    if verdict == "warn" and not any(str(f.severity) == "warning" for f in kept):
        verdict = "pass"
    return verdict, sorted({(f.rule, str(f.severity)) for f in kept})


@pytest.fixture(scope="module")
def cases():
    return load_cases([bundled_cases_dir()], known_rules=rule_ids())


# vLLM takes 24–35 s to start on two idle cores (it profiles the model and compiles its CPU
# kernels before it answers /v1/models); its two endpoints each start one.
VLLM_START = pytest.mark.slow(reason="vLLM takes 24-35 s to start on two idle cores")


@pytest.fixture(
    scope="module",
    params=[pytest.param(name, marks=[VLLM_START] if name.startswith("vllm") else []) for name in sorted(SERVERS)],
)
def live_server(request):
    """(endpoint name, RunningServer): one server at a time, kept up for every test that needs it."""
    with SERVERS[request.param]() as server:
        yield request.param, server


def test_suite_runs_live_and_matches_the_bundled_recordings(live_server, cases):
    name, server = live_server
    configured = bundled_endpoints()[name]
    recorded = {r.case_id: summary(r) for r in Runner(RunSettings(mode=Mode.REPLAY)).run(cases, [configured])}
    endpoint = dataclasses.replace(configured, base_url=server.base_url)
    live = Runner(RunSettings(mode=Mode.LIVE, limits=LIMITS)).run(cases, [endpoint])
    assert len(live) == len(cases)  # nothing silently dropped
    applicable = [r for r in live if r.skip_reason != "not-applicable"]
    assert applicable and all(r.verdict is not Verdict.SKIP for r in applicable)
    differences = {r.case_id: (recorded[r.case_id], summary(r)) for r in live if summary(r) != recorded[r.case_id]}
    assert not differences, f"{name} now answers differently from its recordings (re-record with scripts/record_local_servers.py): {differences}"


# What each server makes of "<think>Pondering quietly...</think>I thought it through.": the reasoning
# field it puts the block in (None: none) and the content. Read from the servers' answers by hand.
THINKING = "<think>Pondering quietly...</think>I thought it through."
THINK_ANSWERS = {
    # llama-server --jinja picks its parser from the template, Qwen2.5's (Hermes tool calls), which says
    # nothing about thinking: the block stays in the content.
    "llama-server": (None, None, THINKING),
    # Neither chat format of llama-cpp-python knows reasoning: the block stays in the content.
    "llama-cpp-python": (None, None, THINKING),
    "llama-cpp-python-fc": (None, None, THINKING),
    # transformers serve 5.23 splits it too, into "reasoning_content".
    "transformers-serve": ("reasoning_content", "Pondering quietly...", "I thought it through."),
    # Without --reasoning-parser vLLM passes the block on as content; with qwen3 it moves it to
    # "reasoning" (vLLM's name; not "reasoning_content").
    "vllm": (None, None, THINKING),
    "vllm-reasoning": ("reasoning", "Pondering quietly...", "I thought it through."),
}


def _chat(server, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.base_url + "/chat/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_think_prompt_answers_with_a_reasoning_block(live_server):
    name, server = live_server
    field, reasoning, content = THINK_ANSWERS[name]
    status, answer = _chat(server, {"model": server.model, "messages": [{"role": "user", "content": THINK_QUESTION}]})
    assert status == 200, answer
    choice = answer["choices"][0]
    message = choice["message"]
    assert choice["finish_reason"] == "stop", answer
    assert message.get("content") == content, answer
    for key in ("reasoning", "reasoning_content"):
        assert message.get(key) == (reasoning if key == field else None), answer


# A self-deployed Vertex endpoint's request has no "model" (the endpoint id picks it; the bundled
# self-deployed cases apply to kind vertex-endpoint only, so no recording shows this). What each server
# answers to {"messages": [...]} alone: the status, and the content (or the error message's start).
NO_MODEL = {
    "llama-server": (200, "Hello from a tiny model!"),
    "llama-cpp-python": (200, "Hello from a tiny model!"),
    "llama-cpp-python-fc": (200, "Hello from a tiny model!"),
    "transformers-serve": (200, "Hello from a tiny model!"),
    # vLLM serves its one model to a request that names none.
    "vllm": (200, "Hello from a tiny model!"),
    "vllm-reasoning": (200, None),  # content null: the answer is all "reasoning" (see above)
}


def test_request_without_model_field(live_server):
    name, server = live_server
    status, answer = _chat(server, {"messages": [{"role": "user", "content": "Hello"}]})
    if status == 200:
        got = (status, answer["choices"][0]["message"].get("content"))
    else:
        got = (status, str((answer.get("error") or {}).get("message") or answer.get("detail"))[:40])
    assert got == NO_MODEL[name], answer
