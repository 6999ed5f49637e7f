"""The one Node process a run shares among its JavaScript clients.

Started on the first answer handed to a JavaScript client (never for a run that has none), it
runs `bridge.mjs`, which reads one JSON request per line on stdin and writes one JSON response
line, with the request's id, on stdout. Answer bytes travel base64-encoded, one string per
recorded chunk, so the chunk boundaries reach the client's `fetch` unchanged. Calls are
serialised (the bridge handles one at a time); a client that hangs is given `timeout` seconds,
then the process is killed and the next call starts a fresh one.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import tempfile
import threading
from typing import IO, Any

from ._install import JsRuntime
from ._model import ClientSetupError, RecordedAnswer

__all__ = ["BridgeError", "NodeBridge", "encode_answer"]

DEFAULT_TIMEOUT = 120.0


class BridgeError(Exception):
    """The bridge itself failed (died, timed out, answered nonsense): the client did not run."""


def encode_answer(answer: RecordedAnswer) -> dict[str, Any]:
    return {
        "status": answer.status,
        "headers": answer.client_headers(),
        "chunks": [base64.b64encode(chunk).decode("ascii") for chunk in answer.chunks],
        "failure": answer.failure,
    }


class NodeBridge:
    """Lazily started; `starts` counts the Node processes this bridge has started."""

    def __init__(self, runtime: JsRuntime, *, timeout: float = DEFAULT_TIMEOUT):
        self.runtime = runtime
        self.timeout = timeout
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._ended = threading.Event()
        self._stderr: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def _start(self) -> subprocess.Popen[bytes]:
        scripts = self.runtime.scripts_dir()
        # stderr goes to a file, not a pipe nobody reads (a chatty library would fill it and hang).
        self._stderr = tempfile.TemporaryFile()
        try:
            process = subprocess.Popen(
                [str(self.runtime.node), str(scripts / "bridge.mjs")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                cwd=scripts,
                env={**os.environ, "NODE_NO_WARNINGS": "1"},
            )
        except OSError as exc:
            raise ClientSetupError(f"Node could not be started ({self.runtime.node}): {exc.strerror or exc}") from None
        self.starts += 1
        self._lines = queue.Queue()
        self._ended = threading.Event()
        threading.Thread(target=self._read, args=(process.stdout, self._lines, self._ended), daemon=True, name="node-bridge-reader").start()
        return process

    @staticmethod
    def _read(stdout: IO[bytes], lines: queue.Queue[bytes | None], ended: threading.Event) -> None:
        for line in stdout:
            lines.put(line)
        ended.set()
        lines.put(None)  # end of output: the process is gone

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line for line in text.splitlines() if line.strip()]
        return " | ".join(lines[-3:])

    def call(self, script: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Run `js/drivers/<script>.mjs` on `payload` (an answer is encoded here); its result."""
        return self.collect(self.submit(script, payload))

    def submit(self, script: str, payload: dict[str, Any]) -> tuple[int, str]:
        """Hand `payload` to `js/drivers/<script>.mjs` without waiting: Node works on it while this
        process does something else (the Python clients). `collect` gives the result."""
        if isinstance(payload.get("answer"), RecordedAnswer):
            payload = {**payload, "answer": encode_answer(payload["answer"])}
        with self._lock:
            if self._process is not None and (self._process.poll() is not None or self._ended.is_set()):
                self._kill()  # it died since the last call (its output ended): start afresh
            if self._process is None:
                self._process = self._start()
                self._replies = {}
            self._next_id += 1
            message_id = self._next_id
            line = json.dumps({"id": message_id, "driver": script, **payload}, ensure_ascii=False).encode() + b"\n"
            try:
                assert self._process.stdin is not None
                self._process.stdin.write(line)
                self._process.stdin.flush()
            except OSError:
                self._kill()
                raise BridgeError(f"the Node bridge exited before taking the answer ({self._stderr_tail() or 'no output'})") from None
            return message_id, script

    def collect(self, pending: tuple[int, str]) -> dict[str, Any]:
        """The result of a `submit`ted job (replies to other jobs read meanwhile are kept for theirs)."""
        message_id, script = pending
        with self._lock:
            while message_id not in self._replies:
                if self._process is None:
                    raise BridgeError(f"the Node bridge was restarted before {script} answered")
                try:
                    reply = self._lines.get(timeout=self.timeout)
                except queue.Empty:
                    self._kill()
                    raise BridgeError(f"{script} did not finish within {self.timeout:.0f} s (the Node bridge was restarted)") from None
                if reply is None:
                    tail = self._stderr_tail()
                    self._kill()
                    raise BridgeError(f"the Node bridge exited while running {script} ({tail or 'no output'})")
                try:
                    message = json.loads(reply)
                except ValueError:
                    continue  # not a protocol line (the bridge keeps stdout clean; be lenient anyway)
                if isinstance(message.get("id"), int) and message["id"] <= self._next_id:
                    self._replies[message["id"]] = message
            message = self._replies.pop(message_id)
        if not message.get("ok"):
            raise BridgeError(f"{script} failed in the bridge: {message.get('error')}")
        return message["result"]

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.kill()
            process.wait(timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the process: closing stdin lets the bridge finish its loop and exit."""
        with self._lock:
            process = self._process
            if process is None:
                return
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=5)
            except (OSError, subprocess.SubprocessError):
                pass
            self._kill()
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None
