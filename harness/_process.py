"""How the `chat-conformance` process runs and ends (`harness.cli.main`; the benchmarks measure
under the same settings). Embedding `harness.cli.cli` leaves the process alone."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

__all__ = ["GC_THRESHOLDS", "end_process", "tune_collector"]

GC_THRESHOLDS = (10_000, 50, 50)
"""A run builds a few hundred thousand objects that live until it ends (schemas, the clients'
pydantic models); at the default threshold of 700 allocations the collector walks them again and
again. Fewer collections took a cold run with the four clients from 4.2 to 3.8 s."""


def tune_collector() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


def end_process(done: SystemExit) -> NoReturn:
    """Ends the process without the interpreter's teardown of every module and object: with the
    real clients loaded (openai, LangChain and their pydantic models) that teardown alone takes
    about 0.3 s, more than a warm replay's judging. Everything that keeps data has been written
    by now (reports atomically, results.jsonl flushed line by line, the outcome cache in
    autocommit); the exit handlers still run (the Node bridge ends, logging flushes).

    The ordinary exit is kept for an exit status that is not a number (Python prints it), for a
    thread still working (none should be; the exit waits for it), and under a profiler or a
    coverage tracer, which write their data at teardown."""
    code = 0 if done.code is None else done.code
    if not isinstance(code, int) or sys.gettrace() is not None or sys.getprofile() is not None:
        raise done
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        raise done
    atexit._run_exitfuncs()  # what the interpreter would run first at exit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more to say there
            pass
    os._exit(code)
