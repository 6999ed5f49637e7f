"""A scripted HTTP server on 127.0.0.1 for live tests: real sockets, real chunked bytes.

Each request is answered by a `Reply` the test chose (by path, or in order), written by hand onto
the socket so a test controls exactly which bytes go out and where the network chunks fall.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    """Body pieces; each is sent as its own chunk (Transfer-Encoding: chunked) and flushed."""
    delay: float = 0.0
    """Seconds to wait between pieces."""
    chunked: bool = True

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Reply:
        return cls(status, [("Content-Type", "application/json"), *(headers or [])], [json.dumps(value).encode()], chunked=False)

    @classmethod
    def sse(cls, events: list[str], *, line_end: str = "\n", delay: float = 0.0) -> Reply:
        pieces = [f"data: {event}{line_end}{line_end}".encode() for event in events]
        return cls(200, [("Content-Type", "text/event-stream")], pieces, delay=delay)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    """`with ScriptedServer(handler) as server:` where handler(Received) -> Reply."""

    def __init__(self, handler: Callable[[Received], Reply]):
        self.handler = handler
        self.received: list[Received] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                request = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                outer.received.append(request)
                reply = outer.handler(request)
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(sum(len(p) for p in reply.pieces)))
                self.end_headers()
                self.wfile.flush()
                try:
                    for number, piece in enumerate(reply.pieces):
                        if number and reply.delay:
                            time.sleep(reply.delay)
                        if reply.chunked:
                            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        else:
                            self.wfile.write(piece)
                        self.wfile.flush()
                    if reply.chunked:
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 64  # the default backlog of 5 drops connections when many arrive at once

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def completion(content: str = "Hello!", model: str = "test-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None}, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def chunk(delta: dict[str, Any], finish: str | None = None, model: str = "test-model") -> str:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


HELLO_CASE = """\
id: hello
title: one plain chat request
source: {document: test, section: any live request}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - request:
      body: {model: "{model}", messages: [{role: user, content: hi}]}
"""


def write_hello_case(folder: Path) -> Path:
    """`folder/hello.yaml`: a case that sends one plain chat request, for tests that need any live
    request against a server answering `completion()`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hello.yaml"
    path.write_text(HELLO_CASE, encoding="utf-8")
    return path
