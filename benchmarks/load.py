"""`chat-conformance load` against a loopback server that streams 40 chunks per answer, 2 ms apart:

    python benchmarks/load.py [--seconds 20] [--concurrency 16] [--gap-ms 2]   judged vs --judge none
    python benchmarks/load.py --memory 600                           RSS over a long judged run

The server is a separate process (asyncio, TCP_NODELAY, keep-alive), so on two cores the harness
and the server each have one. The first form runs the same load twice, judged by every rule and
with --judge none, and prints the answers per second of each and their ratio, the harness's CPU
per answer (judging, accounting) next to the server's time per answer. The second runs one judged
load for the given seconds and prints the load process's RSS at 1 minute and at the end (results
are streamed to results.jsonl, nothing is kept per answer).

Each `load` is a fresh process, as a user runs it; the figures are wall-clock on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHUNKS, GAP = 40, 0.002

CASE = """\
id: bench-stream
title: a streamed answer of 40 chunks
source: {document: benchmarks/load.py, section: server}
feature: chat.streaming
applies_to: [openai-compatible]
steps:
  - request:
      body: {model: "{model}", stream: true, messages: [{role: user, content: hi}]}
"""


def _event(delta: dict, finish: str | None = None) -> bytes:
    payload = {
        "id": "chatcmpl-load",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "bench",
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    data = b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


def _pieces() -> list[bytes]:
    """40 network chunks: the role, 38 words, the finish with [DONE]."""
    done = b"data: [DONE]\n\n"
    last = _event({}, finish="stop")
    last += b"%x\r\n%s\r\n" % (len(done), done)
    return [_event({"role": "assistant", "content": ""}), *(_event({"content": f"word{n} "}) for n in range(CHUNKS - 2)), last]


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pieces: list[bytes]) -> None:
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nServer: bench\r\n\r\n"
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in request.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(head)
            for number, piece in enumerate(pieces):
                if number and GAP:
                    await asyncio.sleep(GAP)
                writer.write(piece)
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def serve(port_file: Path, gap: float) -> None:
    global GAP
    GAP = gap
    pieces = _pieces()

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _serve_connection(r, w, pieces), "127.0.0.1", 0, backlog=256)
        port_file.write_text(str(server.sockets[0].getsockname()[1]))
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Server:
    """The streaming server in its own process."""

    def __init__(self, gap: float = GAP):
        self.gap = gap

    def __enter__(self) -> Server:
        self.folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
        port_file = self.folder / "port"
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file), "--gap-ms", str(self.gap * 1000)])
        deadline = time.monotonic() + 10
        while not port_file.is_file() or not port_file.read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port_file.read_text()}/v1"
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def load(url: str, folder: Path, *args: str, samples: dict[float, float] | None = None) -> dict:
    """One `chat-conformance load` process; returns its load.json (and RSS at the asked seconds)."""
    cases = folder / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    (cases / "bench.yaml").write_text(CASE)
    out = folder / "out"
    command = [sys.executable, "-m", "harness", "load", "--cases", str(cases), "--no-bundled-cases", "--base-url", url, "--model", "bench",
               "--auth", "none", "--report-dir", str(out), "--quiet", *args]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    started = time.monotonic()
    pending = sorted((samples or {}).keys())
    cpu = None
    while True:
        # wait4 rather than poll: it also gives the child's CPU time (user + system).
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            break
        time.sleep(0.2)
        while pending and time.monotonic() - started >= pending[0]:
            assert samples is not None
            samples[pending.pop(0)] = _rss_mib(process.pid) or float("nan")
    stdout, stderr = process.communicate()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"load exited {process.returncode}:\n{stdout}\n{stderr}")
    summary = json.loads((out / "load.json").read_text())
    summary["process_cpu_s"] = cpu
    return summary


def bench_ratio(seconds: float, concurrency: int, gap: float) -> None:
    with Server(gap) as server, tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for judge in ("full", "none"):
            summary = load(server.url, Path(tmp) / judge, "--concurrency", str(concurrency), "--duration", str(seconds), "--judge", judge)
            figures[judge] = summary
        full, none = figures["full"], figures["none"]
        rate_full, rate_none = full["throughput"]["answers_per_s"], none["throughput"]["answers_per_s"]
        print(f"load --concurrency {concurrency}, {seconds:g} s each, {CHUNKS} chunks per answer {gap * 1000:g} ms apart, {os.cpu_count()} cores")
        print(f"{'':14}{'answers/s':>11}{'chunks/s':>11}{'failed':>8}{'total p50':>11}{'total p99':>11}")
        for name, summary in (("judged (full)", full), ("--judge none", none)):
            t, latency = summary["throughput"], summary["latency_ms"]["total"]
            print(f"{name:14}{t['answers_per_s']:>11.1f}{t['chunks_per_s']:>11.0f}{summary['failed']:>8}{latency['p50']:>9.1f}ms{latency['p99']:>9.1f}ms")
        print(f"ratio judged / unjudged: {rate_full / rate_none:.3f} (target >= 0.7)")
        for name, summary in (("judged", full), ("unjudged", none)):
            cpu, elapsed = summary["process_cpu_s"], summary["throughput"]["elapsed_s"]
            if cpu is not None:
                print(f"{name} load process: {cpu:.1f} s CPU in {elapsed:.1f} s ({100 * cpu / elapsed:.0f}% of one core), {1000 * cpu / summary['completed']:.2f} ms CPU per answer")
        overhead = full["overhead_per_answer_ms"]
        print(
            f"harness CPU per answer: judging {overhead['judging_cpu']['mean']:.3f} ms (p95 {overhead['judging_cpu']['p95']:.3f}), "
            f"accounting {overhead['accounting_cpu']['mean']:.3f} ms; the server's time per answer {overhead['server_total_mean']:.1f} ms "
            f"(unjudged run: accounting {none['overhead_per_answer_ms']['accounting_cpu']['mean']:.3f} ms)"
        )


def bench_memory(seconds: float, concurrency: int) -> None:
    marks = {60.0: 0.0, seconds - 2: 0.0}
    with Server() as server, tempfile.TemporaryDirectory() as tmp:
        summary = load(server.url, Path(tmp), "--concurrency", str(concurrency), "--duration", str(seconds), samples=marks)
        results = Path(tmp) / "out" / "results.jsonl"
        size = results.stat().st_size / 2**20
    first, last = marks[60.0], marks[seconds - 2]
    print(f"judged load --concurrency {concurrency} for {seconds:g} s: {summary['completed']} answers, {summary['throughput']['answers_per_s']:.1f}/s")
    print(f"RSS after 60 s: {first:.1f} MiB; after {seconds - 2:g} s: {last:.1f} MiB; ratio {last / first:.3f} (target <= 1.2)")
    print(f"results.jsonl: {size:.1f} MiB on disk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run in the ratio benchmark")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gap-ms", type=float, default=GAP * 1000, help="milliseconds between the server's chunks (0: as fast as it can)")
    parser.add_argument("--memory", type=float, metavar="SECONDS", help="run one judged load this long and report RSS at 60 s and at the end")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.gap_ms / 1000)
    elif args.memory:
        bench_memory(args.memory, args.concurrency)
    else:
        bench_ratio(args.seconds, args.concurrency, args.gap_ms / 1000)


if __name__ == "__main__":
    main()
