"""tests/children.py: a child a test interrupts takes Ctrl-C even when the tests run as a
background job, which starts with SIGINT ignored."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from .conftest import REPO

# Reports how SIGINT stands at its start, then waits for one.
CHILD = "import json, signal; print(json.dumps(signal.getsignal(signal.SIGINT) is signal.SIG_IGN), flush=True); signal.pause()"

# A stand-in for pytest started by `nohup bash -c '…' &`: SIGINT ignored before anything else. It
# starts the child plainly and through the helper, hears from each how SIGINT stands, sends the
# helper's child a SIGINT if it takes one, and prints what happened as JSON.
PARENT = f"""
import json, signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
from tests.children import interruptible

child = [sys.executable, "-c", {CHILD!r}]
with subprocess.Popen(child, stdout=subprocess.PIPE, text=True) as plain:
    try:
        seen = {{"plain ignores": json.loads(plain.stdout.readline())}}
    finally:
        plain.kill()
with interruptible(child, stdout=subprocess.PIPE, text=True) as helped:
    seen["helped ignores"] = json.loads(helped.stdout.readline())
    if not seen["helped ignores"]:
        helped.send_signal(signal.SIGINT)
        seen["helped exit"] = helped.wait(timeout=60)
print(json.dumps(seen))
"""


def test_a_child_started_through_the_helper_takes_ctrl_c_when_the_tests_ignore_it():
    done = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["plain ignores"] is True  # the premise: a child started plainly inherits the ignore
    # Through the helper SIGINT is at its default, so Python's KeyboardInterrupt ends the child (a
    # Python ended by an uncaught KeyboardInterrupt ends itself by SIGINT).
    assert seen["helped ignores"] is False
    assert seen["helped exit"] == -signal.SIGINT
