"""A misbehaving HTTP server on 127.0.0.1, written on raw sockets so every fault is exact.

The fault is chosen by the request: the last user message of the case says `fault: NAME`. Each
behaviour below is one way real endpoints (or the proxies in front of them) go wrong.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable

from .servers import chunk, completion

FAULTS: dict[str, Callable[[socket.socket, dict, str], None]] = {}


def fault(name: str):
    def register(func):
        FAULTS[name] = func
        return func

    return register


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunked(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _event(delta: dict, finish: str | None = None) -> bytes:
    return f"data: {chunk(delta, finish)}\n\n".encode()


SSE_HEAD = _head("200 OK", [("Content-Type", "text/event-stream"), ("Transfer-Encoding", "chunked")])


def _json(conn: socket.socket, status: str, body: object, content_type: str = "application/json", extra: list | None = None) -> None:
    data = json.dumps(body).encode()
    conn.sendall(_head(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *(extra or [])]) + data)


@fault("ok")
def _ok(conn, request, auth):
    _json(conn, "200 OK", completion())


@fault("close-mid-stream")
def _close_mid_stream(conn, request, auth):
    conn.sendall(SSE_HEAD + _chunked(_event({"role": "assistant", "content": ""})) + _chunked(_event({"content": "Hel"})))


@fault("close-mid-json")
def _close_mid_json(conn, request, auth):
    partial = b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choi'
    conn.sendall(SSE_HEAD + _chunked(_event({"role": "assistant", "content": ""})) + _chunked(partial))


@fault("no-done")
def _no_done(conn, request, auth):
    body = _event({"role": "assistant", "content": "Hi"}) + _event({}, finish="stop")
    conn.sendall(SSE_HEAD + _chunked(body) + b"0\r\n\r\n")


@fault("drip-slow")
def _drip_slow(conn, request, auth):
    conn.sendall(SSE_HEAD)
    for byte in _event({"role": "assistant", "content": "slow"}):
        conn.sendall(_chunked(bytes([byte])))
        time.sleep(2.5)  # longer than the run's read timeout


@fault("drip-long")
def _drip_long(conn, request, auth):
    conn.sendall(SSE_HEAD)
    for _ in range(60):  # each gap shorter than the read timeout, the whole longer than the total timeout
        conn.sendall(_chunked(b": keep-alive\n\n"))
        time.sleep(0.3)


@fault("never-answer")
def _never_answer(conn, request, auth):
    time.sleep(30)


@fault("too-large")
def _too_large(conn, request, auth):
    conn.sendall(_head("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
    piece = b" " * 65536
    for _ in range(64):  # 4 MiB of whitespace, over the run's 1 MiB cap
        conn.sendall(_chunked(piece))


@fault("invalid-utf8")
def _invalid_utf8(conn, request, auth):
    broken = b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": "\xff\xfe"}, "finish_reason": null}]}\n\n'
    conn.sendall(SSE_HEAD + _chunked(_event({"role": "assistant", "content": ""}) + broken + _event({}, finish="stop") + b"data: [DONE]\n\n") + b"0\r\n\r\n")


@fault("html-error")
def _html_error(conn, request, auth):
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    conn.sendall(_head("502 Bad Gateway", [("Content-Type", "text/html"), ("Content-Length", str(len(page)))]) + page)


RETRY_AFTER_SEEN: dict[str, int] = {}


@fault("retry-after")
def _retry_after(conn, request, auth):
    key = json.dumps(request.get("messages"))
    RETRY_AFTER_SEEN[key] = RETRY_AFTER_SEEN.get(key, 0) + 1
    if RETRY_AFTER_SEEN[key] == 1:
        _json(conn, "429 Too Many Requests", {"error": {"message": "slow down", "type": "rate_limit"}}, extra=[("Retry-After", "1")])
    else:
        _json(conn, "200 OK", completion())


@fault("status-500")
def _status_500(conn, request, auth):
    _json(conn, "500 Internal Server Error", {"error": {"message": "internal error"}})


@fault("status-503")
def _status_503(conn, request, auth):
    _json(conn, "503 Service Unavailable", {"error": {"message": "overloaded"}})


@fault("wrong-content-type")
def _wrong_content_type(conn, request, auth):
    _json(conn, "200 OK", completion(), content_type="text/plain")


@fault("redirect-loop")
def _redirect_loop(conn, request, auth):
    conn.sendall(_head("307 Temporary Redirect", [("Location", "/v1/chat/completions"), ("Content-Length", "0")]))


@fault("reset-before-answer")
def _reset(conn, request, auth):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST


@fault("error-in-200-stream")
def _error_in_stream(conn, request, auth):
    error = b'data: {"error": {"message": "upstream overloaded", "type": "server_error", "code": 503}}\n\n'
    conn.sendall(SSE_HEAD + _chunked(_event({"role": "assistant", "content": "Hi"}) + error + b"data: [DONE]\n\n") + b"0\r\n\r\n")


@fault("echo-token")
def _echo_token(conn, request, auth):
    _json(conn, "200 OK", completion(f"your credentials: {auth}"))


class FaultServer:
    """`with FaultServer() as server:`; `server.url`; `server.seen` lists (fault, auth header).
    The request's last message names its fault (`fault: NAME`), or `always=NAME` gives every
    request that fault, whatever its body (for fuzz and load, whose bodies the test does not write)."""

    def __init__(self, always: str | None = None) -> None:
        assert always is None or always in FAULTS, always
        self.always = always
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.seen: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._listener.getsockname()[1]

    def _serve(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                block = conn.recv(65536)
                if not block:
                    return
                data += block
            head, _, body = data.partition(b"\r\n\r\n")
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                body += conn.recv(65536)
            if self.always:
                request, name = {}, self.always
            else:
                request = json.loads(body or b"{}")
                text = str(request.get("messages", [{}])[-1].get("content", ""))
                name = text.split("fault: ", 1)[1].strip() if "fault: " in text else "ok"
            self.seen.append((name, headers.get("authorization", "")))
            FAULTS[name](conn, request, headers.get("authorization", ""))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    @property
    def requests(self) -> int:
        """Requests taken whole so far."""
        return len(self.seen)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()
