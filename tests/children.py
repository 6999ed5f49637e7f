"""Commands a test starts and then stops as a user would: with Ctrl-C (SIGINT) or a kill.

A job started in the background from a non-interactive shell (`nohup bash -c 'pytest …' &`, a CI
step, `make -j`) starts with SIGINT ignored, and every process it starts inherits the ignore. The
command under test is right to keep an ignore it was given (that is what a background job asks
for), so a test's SIGINT would do nothing and the test would wait out its timeout. A child a test
means to interrupt is therefore started with SIGINT at its default, as a terminal gives it; Python
then installs its KeyboardInterrupt handler as usual.

Why a launcher and not `preexec_fn`: the tests serve HTTP from threads, and `preexec_fn` is not
safe in a process with threads (the child can deadlock before exec); `signal.signal` in the test
process itself works only in the main thread and would change how pytest takes a Ctrl-C.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

# Run by a bare interpreter (-I -S: no site, no environment variables read); exec keeps the pid,
# so the Popen's pid is the command's and a signal sent to it reaches the command.
_DEFAULT_SIGINT_THEN_EXEC = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"


def with_default_sigint(command: Sequence[str]) -> list[str]:
    """`command`, started with SIGINT at its default whatever the test process inherited."""
    return [sys.executable, "-I", "-S", "-c", _DEFAULT_SIGINT_THEN_EXEC, *command]


@contextmanager
def interruptible(command: Sequence[str], **popen) -> Iterator[subprocess.Popen]:
    """`with interruptible(command, stdout=PIPE, …) as process:` a Popen of `command` that a
    SIGINT reaches (see the module docstring). A command still running at the end of the block
    (the test failed before it ended) is killed, so no test leaves one behind."""
    with subprocess.Popen(with_default_sigint(command), **popen) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
