"""All benchmarks in one command, printing one table each:

    python benchmarks/run.py [--quick] [--only NAME ...]

  stream   validation throughput of the full rule set on generated streams (1k, 100k, 1M chunks),
           against parsing the same lines with json.loads and orjson alone (the floor)
  client   openai-python's own cost on the same streams (its stream iterator's chunk parsing and
           ChatCompletionStreamState), which grows quadratically: a curve up to 50k chunks
  memory   peak traced memory of validating those streams (text-free deltas: any growth would be
           the validator's own; and with text, where the accumulated content grows)
  check    `chat-conformance check` on a 200,000-chunk file versus json.loads over its lines,
           both as fresh processes (start-up included): rules only, and with the four real clients
           cold (no outcome cache) and warm
  replay   `chat-conformance run` replaying the bundled suite: start-up, loading, validation, reporting
  clients  the bundled replay with the four real clients, cold and warm, against --clients none,
           and the floor any in-process design pays: the two Python clients alone, imports included
  live     16 cases against a local server that answers after 200 ms, at concurrency 1, 4 and 16

Figures are wall-clock on this machine; run it on an idle machine for stable numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HEAD = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "bench", "system_fingerprint": "fp_bench"}


def event(delta: dict, finish: str | None = None) -> bytes:
    payload = {**HEAD, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def stream(count: int, text: str = "tok ", piece: int = 1 << 16) -> Iterator[bytes]:
    """`count` text deltas framed as SSE, in network-sized pieces, made on the fly."""
    yield event({"role": "assistant", "content": ""})
    line = event({"content": text})
    per_piece = max(1, piece // len(line))
    remaining = count
    while remaining > 0:
        n = min(per_piece, remaining)
        yield line * n
        remaining -= n
    yield event({}, finish="stop") + b"data: [DONE]\n\n"


def lines_of(count: int, text: str = "tok ") -> Iterator[bytes]:
    for piece in stream(count, text):
        yield from piece.split(b"\n\n")


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def floor_json(count: int) -> float:
    def work():
        for line in lines_of(count):
            if line.startswith(b"data: {"):
                json.loads(line[6:])

    return timed(work)


def floor_orjson(count: int) -> float:
    import orjson

    def work():
        for line in lines_of(count):
            if line.startswith(b"data: {"):
                orjson.loads(line[6:])

    return timed(work)


def judge(count: int, text: str = "tok ", memory: bool = False) -> tuple[float, int]:
    from harness.cases import Expect, Step
    from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
    from harness.validators import judge_exchange

    step = Step(name="bench", body={"stream": True}, expect=Expect())
    exchange = Exchange("bench", [Attempt(HTTPRequest("POST", "http://bench", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")]))])
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    result = judge_exchange(exchange, step, request={"model": "bench", "stream": True}, chunks=lambda: stream(count, text))
    elapsed = time.perf_counter() - started
    peak = 0
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert result.completion["choices"][0]["finish_reason"] == "stop", result.findings
    assert not [f for f in result.findings if str(f.severity) != "info"], result.findings
    return elapsed, peak


def bench_stream(sizes: list[int]) -> None:
    judge(1000)  # warm: schemas compiled, caches filled
    line = len(event({"content": "tok "}))
    print("\n## stream validation (full rule set incl. the real-client cross-check)\n")
    print(f"{'chunks':>9} {'harness chunks/s':>17} {'MB/s':>6} {'json.loads chunks/s':>20} {'orjson chunks/s':>16} {'× json.loads':>13}")
    for count in sizes:
        took, _ = judge(count)
        base, fast = floor_json(count), floor_orjson(count)
        print(f"{count:>9} {count / took:>17,.0f} {count * line / took / 1e6:>6.1f} {count / base:>20,.0f} {count / fast:>16,.0f} {took / base:>13.2f}")


def bench_client(sizes: list[int]) -> None:
    from openai import Stream  # noqa: F401  (imported so its cost is not in the figures)
    from openai._models import construct_type
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.types.chat import ChatCompletionChunk

    print("\n## openai-python on the same streams (what a user's client pays; quadratic)\n")
    print(f"{'chunks':>9} {'parse+construct µs/chunk':>25} {'+ StreamState µs/chunk':>23} {'total s':>8}")
    for count in sizes:
        payloads = [json.loads(line[6:]) for line in lines_of(count) if line.startswith(b"data: {")]
        started = time.perf_counter()
        chunks = [construct_type(type_=ChatCompletionChunk, value=p) for p in payloads]
        parsed = time.perf_counter() - started
        state = ChatCompletionStreamState()
        started = time.perf_counter()
        for chunk in chunks:
            state.handle_chunk(chunk)
        accumulated = time.perf_counter() - started
        print(f"{count:>9} {parsed / count * 1e6:>25.1f} {accumulated / count * 1e6:>23.1f} {parsed + accumulated:>8.1f}")


def bench_memory(sizes: list[int]) -> None:
    judge(1000, memory=True)
    print("\n## peak traced memory while validating\n")
    print(f"{'chunks':>9} {'text-free deltas MiB':>21} {'4-byte text deltas MiB':>23} {'accumulated text MiB':>21}")
    peaks = {}
    for count in sizes:
        _, empty = judge(count, text="", memory=True)
        _, full = judge(count, memory=True)
        peaks[count] = empty
        print(f"{count:>9} {empty / 2**20:>21.2f} {full / 2**20:>23.2f} {count * 4 / 2**20:>21.2f}")
    if 100_000 in peaks and 1_000_000 in peaks:
        print(f"text-free ratio 1M / 100k: {peaks[1_000_000] / peaks[100_000]:.2f}")


def _process_seconds(args: list[str], env: dict[str, str], runs: int = 3) -> float:
    """Best wall-clock of `runs` fresh processes (exit status 1, findings, is fine)."""
    return min(timed(lambda: subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, env=env)) for _ in range(runs))


def bench_check(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.sse"
        with path.open("wb") as handle:
            for piece in stream(count):
                handle.write(piece)
        floor_script = "import json,sys\nfor l in open(sys.argv[1],'rb'):\n    l=l.strip()\n    l.startswith(b'data: {') and json.loads(l[6:])"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        base = min(timed(lambda: subprocess.run([sys.executable, "-c", floor_script, str(path)], check=True)) for _ in range(3))
        startup = _process_seconds(["--version"], env)
        rules_only = _process_seconds(["check", "--clients", "none", str(path)], env)
        # Cold: an outcome cache of its own, empty before every run; warm: that cache, filled once.
        cache = Path(folder) / "outcomes.sqlite3"
        cold_env = {**env, "CHAT_CONFORMANCE_CLIENT_CACHE": "off"}
        cold = _process_seconds(["check", str(path)], cold_env, runs=2)
        warm_env = {**env, "CHAT_CONFORMANCE_CLIENT_CACHE": str(cache)}
        subprocess.run([sys.executable, "-m", "harness", "check", str(path)], capture_output=True, env=warm_env)
        warm = _process_seconds(["check", str(path)], warm_env)
    print(f"\n## check on a {count:,}-chunk file (fresh processes, best of 3; cold best of 2)\n")
    print(f"json.loads over the lines: {base:.2f} s; start-up alone {startup:.2f} s")
    print(f"chat-conformance check --clients none: {rules_only:.2f} s ({rules_only / base:.2f}×)")
    print(f"with the four clients, cold (no outcome cache): {cold:.2f} s ({cold / base:.2f}×); warm: {warm:.2f} s ({warm / base:.2f}×)")
    imports = _python_clients_import_seconds()
    print(
        f"in-process floor of a cold run: rules only + importing openai and langchain_openai ({imports:.2f} s) = {rules_only + imports:.2f} s "
        f"({(rules_only + imports) / base:.2f}×), before either client runs"
    )


def bench_clients_memory(sizes: list[int]) -> None:
    """Peak traced memory of judging a stream read lazily (as `check` reads a file) with the four
    clients: the clients get the reduction kept during the pass, so it must not grow with the stream."""
    from harness.cases import Expect, Step
    from harness.clients import ClientRunner
    from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
    from harness.validators import ClientPanel, judge_exchange

    def peak(count: int, panel) -> int:
        step = Step(name="s", body={"stream": True}, expect=Expect())
        exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x/v1/chat/completions", {}, b""), HTTPResponse(200, [("content-type", "text/event-stream")]))])
        tracemalloc.start()
        # Text-free deltas: the accumulated content stays empty, so any growth is the harness's own.
        judge_exchange(exchange, step, request={"model": "bench", "stream": True}, chunks=lambda: stream(count, text=""), clients=panel)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    with ClientRunner(use_cache=False) as runner:
        panel = ClientPanel(runner, None)
        peak(3_000, panel)  # imports, the Node bridge
        peaks = {count: peak(count, panel) for count in sizes}
    print("\n## peak traced memory of judging a lazily read stream with the four clients\n")
    print("  ".join(f"{count:,} chunks: {top / 2**20:.2f} MiB" for count, top in peaks.items()) + f"  (ratio {peaks[sizes[-1]] / peaks[sizes[0]]:.2f})")


def bench_clients_replay() -> None:
    """The bundled replay with every client, cold (no outcome cache) and warm, against --clients none."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as folder:
        args = ["run", "-q", "--report-dir", folder]
        none = _process_seconds([*args, "--clients", "none"], env)
        cold = _process_seconds(args, {**env, "CHAT_CONFORMANCE_CLIENT_CACHE": "off"}, runs=2)
        warm_env = {**env, "CHAT_CONFORMANCE_CLIENT_CACHE": str(Path(folder) / "outcomes.sqlite3")}
        subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, env=warm_env)
        warm = _process_seconds(args, warm_env)
    alone = _python_clients_pass_seconds()
    print("\n## the bundled replay with the real clients (fresh processes, best of 3; cold best of 2)\n")
    print(f"--clients none: {none:.2f} s; all four clients cold: {cold:.2f} s ({cold / none:.2f}×); warm: {warm:.2f} s ({warm / none:.2f}×)")
    print(
        f"in-process floor of a cold run: --clients none + the two Python clients alone on every answer "
        f"(importing them, then one pass, nothing judged: {alone:.2f} s) = {none + alone:.2f} s ({(none + alone) / none:.2f}×)"
    )


def _python_clients_import_seconds() -> float:
    """What importing the two in-process clients costs a fresh process (best of 3), start-up excluded."""
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); from harness._process import tune_collector; tune_collector()\n"
        "t = time.perf_counter(); import openai, langchain_openai; print(time.perf_counter() - t)"
    )
    return min(float(subprocess.run([sys.executable, "-c", script, str(REPO)], capture_output=True, text=True, check=True).stdout) for _ in range(3))


_PYTHON_PASS = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from harness._process import tune_collector
tune_collector()  # as the command does
import clients as bench
from harness.clients import ClientRunner
calls = bench.load()
references = [bench.reference(call.answer) for _, call in calls]
started = time.perf_counter()
import openai, langchain_openai
with ClientRunner(use_cache=False) as runner:
    for (_, call), ref in zip(calls, references):
        runner.run(call.answer, call.request, ref, stream=call.stream, url=call.url, names=["openai-python", "langchain-openai"])
print(time.perf_counter() - started)
"""


def _python_clients_pass_seconds() -> float:
    """openai-python and langchain-openai alone on every bundled answer, in a fresh process (best
    of 2): their imports and one pass, answers loaded beforehand. An in-process design pays at
    least this on top of the run itself, whatever the JavaScript clients and the judging cost."""
    args = [sys.executable, "-c", _PYTHON_PASS, str(REPO / "benchmarks"), str(REPO)]
    return min(float(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()[-1]) for _ in range(2))


def bench_replay() -> None:
    started = time.perf_counter()
    from harness.cases import bundled_cases_dir, load_cases
    from harness.cli import cli  # noqa: F401  (what the command imports)
    from harness.endpoints import bundled_endpoints
    from harness.report import ResultsLog, run_header, write_reports
    from harness.runner import Mode, Runner, RunSettings
    from harness.validators import rule_ids

    imported = time.perf_counter() - started
    started = time.perf_counter()
    cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
    endpoints = list(bundled_endpoints().values())
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        log = ResultsLog(Path(folder), run_header(Mode.REPLAY, cases, endpoints))
        started = time.perf_counter()
        with Runner(RunSettings(mode=Mode.REPLAY), on_result=log.append) as runner:
            runner.run(cases, endpoints)
        validated = time.perf_counter() - started
        log.close()
        started = time.perf_counter()
        write_reports(Path(folder))
        reported = time.perf_counter() - started
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as folder:
        whole = _process_seconds(["run", "-q", "--clients", "none", "--report-dir", folder], env)
    print("\n## replay of the bundled suite\n")
    print(f"imports {imported:.2f} s, loading cases {loaded:.2f} s, validation {validated:.2f} s, reports {reported:.2f} s; whole `run` as a process: {whole:.2f} s")


class _Delayed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.2
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms ACK stall

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(self.delay)
        body = json.dumps({"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi", "refusal": None}, "finish_reason": "stop", "logprobs": None}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def bench_live() -> None:
    from harness.endpoints import adhoc_endpoint
    from harness.runner import Mode, Runner, RunSettings

    class Server(ThreadingHTTPServer):
        request_queue_size = 64  # the default backlog of 5 drops connections when 16 arrive at once

    server = Server(("127.0.0.1", 0), _Delayed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        for n in range(16):
            Path(folder, f"c{n:02d}.yaml").write_text(
                f'id: c{n:02d}\ntitle: c\nsource: {{document: bench, section: live}}\nfeature: chat.basic\napplies_to: [openai-compatible]\n'
                f'steps:\n  - request:\n      body: {{model: "{{model}}", messages: [{{role: user, content: "{n}"}}]}}\n'
            )
        from harness.cases import load_cases
        from harness.validators import rule_ids

        cases = load_cases([Path(folder)], known_rules=rule_ids())
        endpoint = adhoc_endpoint(kind="openai-compatible", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", model="m", auth="none", name="local")

        def live_run(settings: RunSettings, chosen: list) -> None:
            with Runner(settings) as runner:
                runner.run(chosen, [endpoint])

        live_run(RunSettings(mode=Mode.LIVE), cases[:1])  # warm: imports, schemas
        one = min(timed(lambda: live_run(RunSettings(mode=Mode.LIVE), cases[:1])) for _ in range(3))
        print("\n## live run against a local server answering after 200 ms (16 cases)\n")
        print(f"one case alone: {one:.2f} s")
        for workers in (1, 4, 16):
            took = min(timed(lambda: live_run(RunSettings(mode=Mode.LIVE, concurrency=workers), cases)) for _ in range(3))
            print(f"concurrency {workers:>2}: {took:.2f} s ({took / one:.2f}× one case; best of 3)")
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a minute instead of several)")
    parser.add_argument("--only", nargs="*", choices=["stream", "client", "memory", "check", "replay", "clients", "live"])
    args = parser.parse_args()
    only = set(args.only or ["stream", "client", "memory", "check", "replay", "clients", "live"])
    sizes = [1_000, 10_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
    if "stream" in only:
        bench_stream(sizes)
    if "client" in only:
        bench_client([1_000, 5_000, 10_000] if args.quick else [1_000, 5_000, 10_000, 20_000, 50_000])
    if "memory" in only:
        bench_memory([10_000, 100_000] if args.quick else [100_000, 1_000_000])
    if "check" in only:
        bench_check(50_000 if args.quick else 200_000)
    if "replay" in only:
        bench_replay()
    if "clients" in only:
        bench_clients_replay()
        bench_clients_memory([20_000, 200_000])
    if "live" in only:
        bench_live()


if __name__ == "__main__":
    main()
