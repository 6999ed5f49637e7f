"""Record the whole bundled suite live against the local servers and bundle the recordings.

    python scripts/record_local_servers.py [--only NAME ...] [--check]

Builds nothing: run `bash scripts/servers/all.sh` first. Each server is started on 127.0.0.1 on a
free port with the tiny model in models/, the suite is recorded (origin: live, the server's name
and version in every recording), and the server is stopped. Cases that do not apply to an
openai-compatible endpoint are reported as not applicable and not recorded.
"""

from __future__ import annotations

import argparse
import fnmatch
import dataclasses
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.cases import bundled_cases_dir, load_cases  # noqa: E402
from harness.endpoints import bundled_endpoints  # noqa: E402
from harness.report import summary_line  # noqa: E402
from harness.runner import Mode, Runner, RunSettings  # noqa: E402
from harness.transport import Limits  # noqa: E402
from harness.validators import rule_ids  # noqa: E402
from tests.servers_local import (  # noqa: E402
    start_llama_cpp_python,
    start_llama_server,
    start_transformers_serve,
    start_vllm,
)

GGUF = REPO / "models" / "tiny-qwen2.gguf"
HF_DIR = REPO / "models" / "tiny-qwen2"

SERVERS = {
    "llama-server": lambda: start_llama_server(GGUF, slots=2),
    "llama-cpp-python": lambda: start_llama_cpp_python(GGUF),
    "llama-cpp-python-fc": lambda: start_llama_cpp_python(GGUF, chat_format="chatml-function-calling"),
    "transformers-serve": lambda: start_transformers_serve(HF_DIR),
    # vLLM with the hermes tool parser. A reasoning parser (qwen3 or deepseek_r1 alike) takes every
    # answer that has no </think> for reasoning (content null), so it gets an endpoint of its own
    # instead of changing every other answer of "vllm".
    "vllm": lambda: start_vllm(HF_DIR),
    "vllm-reasoning": lambda: start_vllm(HF_DIR, reasoning_parser="qwen3"),
}
# Tiny-model servers answer in milliseconds; a case that takes longer is stuck, not slow.
LIMITS = Limits(connect_timeout=5, read_timeout=30, total_timeout=60, retries=1, backoff_cap=1)


def record(name: str, mode: Mode = Mode.RECORD, case_globs: list[str] | None = None) -> list:
    cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
    if case_globs:
        cases = [case for case in cases if any(fnmatch.fnmatchcase(case.id, glob) for glob in case_globs)]
    configured = bundled_endpoints()[name]
    with SERVERS[name]() as server:
        endpoint = dataclasses.replace(configured, base_url=server.base_url)
        if server.model != configured.model:
            raise SystemExit(f"{name}: the server expects model {server.model!r}, endpoints.yaml says {configured.model!r}")
        settings = RunSettings(mode=mode, limits=LIMITS, server_labels={name: f"{server.name} {server.version}"})
        with Runner(settings) as runner:
            return runner.run(cases, [endpoint])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=sorted(SERVERS), help="record only these servers")
    parser.add_argument("--case", action="append", metavar="GLOB", help="record only the cases whose id matches (repeatable); the others keep their recordings")
    args = parser.parse_args()
    for name in args.only or SERVERS:
        print(f"{name}: {summary_line(record(name, case_globs=args.case))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
