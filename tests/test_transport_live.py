"""Live transport against servers on 127.0.0.1: retries, kept attempts, failures as findings."""

from __future__ import annotations

import socket
import textwrap
import threading
from pathlib import Path

import pytest

from harness.cases import load_cases
from harness.endpoints import adhoc_endpoint
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.transport import Limits
from harness.validators import rule_ids

from .servers import Received, Reply, ScriptedServer, chunk, completion, free_port

CASE = """\
id: {id}
title: transport test
source: {{document: test, section: transport}}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - request:
      body:
        model: "{{model}}"
        stream: {stream}
        messages: [{{role: user, content: "{id}"}}]
"""


def make_cases(tmp_path: Path, *specs: tuple[str, bool]):
    directory = tmp_path / "cases"
    directory.mkdir(exist_ok=True)
    for case_id, stream in specs:
        (directory / f"{case_id}.yaml").write_text(CASE.format(id=case_id, stream=str(stream).lower()))
    return load_cases([directory], known_rules=rule_ids())


def run_live(cases, base_url: str, limits: Limits | None = None):
    endpoint = adhoc_endpoint(kind="openai-compatible", base_url=base_url, model="m", auth="none", name="local")
    settings = RunSettings(mode=Mode.LIVE, limits=limits or Limits(backoff_base=0.01, backoff_cap=0.05))
    return {r.case_id: r for r in Runner(settings).run(cases, [endpoint])}


def rules_of(result) -> set[str]:
    return {f.rule for f in result.findings}


def test_429_with_retry_after_is_retried_and_both_attempts_kept(tmp_path):
    answers = iter([Reply.json({"error": {"message": "slow down"}}, 429, [("Retry-After", "0")]), Reply.json(completion())])
    with ScriptedServer(lambda r: next(answers)) as server:
        result = run_live(make_cases(tmp_path, ("busy", False)), server.url)["busy"]
    (exchange,) = result.exchanges
    assert [a.response.status for a in exchange.attempts] == [429, 200]
    assert exchange.attempts[0].retry_reason == "429, retried after 0s (Retry-After)"
    assert result.verdict is Verdict.PASS, result.findings


def test_503_cured_by_a_retry_is_still_reported(tmp_path):
    answers = iter([Reply.json({"error": {"message": "unavailable"}}, 503), Reply.json(completion())])
    with ScriptedServer(lambda r: next(answers)) as server:
        result = run_live(make_cases(tmp_path, ("flaky", False)), server.url)["flaky"]
    assert [a.response.status for a in result.exchanges[0].attempts] == [503, 200]
    (finding,) = [f for f in result.findings if f.rule == "http.server-error"]
    assert finding.message == "attempt 1 got HTTP 503 (a retry then succeeded)"
    assert result.verdict is Verdict.FAIL


def test_retries_are_bounded(tmp_path):
    with ScriptedServer(lambda r: Reply.json({"error": {"message": "no"}}, 503)) as server:
        result = run_live(make_cases(tmp_path, ("down", False)), server.url, Limits(retries=2, backoff_base=0.01))["down"]
        assert len(server.received) == 3
    assert len(result.exchanges[0].attempts) == 3


def test_500_is_not_retried(tmp_path):
    with ScriptedServer(lambda r: Reply.json({"error": {"message": "boom"}}, 500)) as server:
        result = run_live(make_cases(tmp_path, ("broken", False)), server.url)["broken"]
        assert len(server.received) == 1
    assert {"http.status", "http.server-error"} <= rules_of(result)


def test_refused_connection_is_a_finding_and_other_cases_still_run(tmp_path):
    cases = make_cases(tmp_path, ("first", False), ("second", True))
    results = run_live(cases, f"http://127.0.0.1:{free_port()}")
    assert set(results) == {"first", "second"}
    for result in results.values():
        assert result.verdict is Verdict.FAIL
        (finding,) = result.findings
        assert finding.rule == "transport.failure" and finding.message.startswith("connect:")
        assert "is the server running" in finding.message


def test_read_timeout_mid_stream_is_a_finding(tmp_path):
    pieces = [f"data: {chunk({'content': 'a'})}\n\n".encode(), f"data: {chunk({}, finish='stop')}\n\n".encode()]
    with ScriptedServer(lambda r: Reply(200, [("Content-Type", "text/event-stream")], pieces, delay=1.5)) as server:
        result = run_live(make_cases(tmp_path, ("slow", True)), server.url, Limits(read_timeout=0.3))["slow"]
    failure = next(f for f in result.findings if f.rule == "transport.failure")
    assert failure.message.startswith("timeout-read: nothing received for 0.3s")
    assert len(result.exchanges[0].attempts) == 1  # a started stream is never sent again
    assert result.exchanges[0].response.chunks  # what arrived before the timeout is kept


def test_body_over_the_size_cap_stops_reading(tmp_path):
    pieces = [b"x" * 1000] * 50
    with ScriptedServer(lambda r: Reply(200, [("Content-Type", "application/json")], pieces)) as server:
        result = run_live(make_cases(tmp_path, ("huge", False)), server.url, Limits(max_response_bytes=10_000))["huge"]
    failure = next(f for f in result.findings if f.rule == "transport.failure")
    assert failure.message.startswith("too-large: response exceeded 10000 bytes")
    assert sum(len(c) for c in result.exchanges[0].response.chunks) < 50_000


def test_server_that_closes_mid_stream(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve_once():
        conn, _ = listener.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head_end = data.index(b"\r\n\r\n") + 4
        length = int(next(l.split(b":")[1] for l in data[:head_end].split(b"\r\n") if l.lower().startswith(b"content-length")))
        while len(data) < head_end + length:
            data += conn.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        event = f"data: {chunk({'content': 'partial'})}\n\n".encode()
        conn.sendall(head + f"{len(event):x}\r\n".encode() + event + b"\r\n" + b"40\r\ndata: {\"choi")
        conn.shutdown(socket.SHUT_WR)  # a clean FIN in the middle of a chunk, not a reset
        conn.close()

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    base_url = "http://127.0.0.1:%d" % listener.getsockname()[1]
    result = run_live(make_cases(tmp_path, ("cut", True)), base_url)["cut"]
    listener.close()
    failure = next(f for f in result.findings if f.rule == "transport.failure")
    assert failure.message.startswith("protocol:")
    assert "sse.done" in rules_of(result)
    assert len(result.exchanges[0].attempts) == 1


@pytest.mark.parametrize("status", [400, 404])
def test_error_body_that_is_not_the_openai_shape(tmp_path, status):
    page = Reply(status, [("Content-Type", "text/html")], [b"<html><body>Not Found</body></html>"], chunked=False)
    with ScriptedServer(lambda r: page) as server:
        result = run_live(make_cases(tmp_path, ("html", False)), server.url)["html"]
    messages = {f.rule: f.message for f in result.findings}
    assert messages["error.body"] == "error body is not JSON (text/html)"
    assert messages["http.status"] == f"expected HTTP 200, got {status}"


def test_case_headers_and_accept_reach_the_server(tmp_path):
    directory = tmp_path / "cases"
    directory.mkdir()
    (directory / "hdr.yaml").write_text(
        textwrap.dedent(
            """\
            id: hdr
            title: headers
            source: {document: test, section: transport}
            feature: chat.basic
            applies_to: [openai-compatible]
            steps:
              - request:
                  headers: {X-Trace: abc}
                  body: {model: "{model}", messages: [{role: user, content: hi}]}
            """
        )
    )
    seen: list[Received] = []

    def remember(request: Received) -> Reply:
        seen.append(request)
        return Reply.json(completion())

    with ScriptedServer(remember) as server:
        run_live(load_cases([directory], known_rules=rule_ids()), server.url + "/v1")
    assert seen[0].headers["x-trace"] == "abc"
    assert seen[0].headers["accept"] == "application/json"
    assert seen[0].headers["user-agent"].startswith("chat-conformance/")
    assert seen[0].json() == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_tls_failure_is_a_finding_with_a_hint(tmp_path):
    """A server whose certificate nobody trusts (self-signed, made here): a tls finding, not a crash."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with ScriptedServer(lambda r: Reply.json(completion())) as server:
        server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
        https = server.url.replace("http://", "https://")
        result = run_live(make_cases(tmp_path, ("secure", False)), https)["secure"]
    (finding,) = result.findings
    assert finding.rule == "transport.failure"
    assert finding.message.startswith("tls:") and "check the certificate" in finding.message


def test_a_connection_closed_before_any_answer_is_sent_again_once(tmp_path):
    """A server that drops the first connection without answering (as a stale kept-alive
    connection does): the request goes out again on a new connection; both attempts are kept."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    body = b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi","refusal":null},"finish_reason":"stop","logprobs":null}]}'

    def serve():
        first, _ = listener.accept()
        first.recv(65536)
        first.close()  # no answer at all
        second, _ = listener.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += second.recv(65536)
        second.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        second.close()

    threading.Thread(target=serve, daemon=True).start()
    result = run_live(make_cases(tmp_path, ("dropped", False)), "http://127.0.0.1:%d" % listener.getsockname()[1])["dropped"]
    listener.close()
    attempts = result.exchanges[0].attempts
    assert [a.response.status if a.response else None for a in attempts] == [None, 200]
    assert result.verdict is Verdict.PASS, result.findings
    (note,) = [f for f in result.findings if f.rule == "transport.failure"]
    assert str(note.severity) == "info" and "sent again on a new connection" in note.message


def test_runner_as_a_context_manager_reuses_then_closes_its_http_client(tmp_path, monkeypatch):
    import harness.transport as transport

    opened = []
    real = transport.new_client

    def tracked():
        opened.append(real())
        return opened[-1]

    def answer(request: Received) -> Reply:
        if request.json().get("stream"):
            return Reply.sse([chunk({"content": "hi"}, finish="stop"), "[DONE]"])
        return Reply.json(completion())

    monkeypatch.setattr(transport, "new_client", tracked)
    cases = make_cases(tmp_path, ("one", False), ("two", True))
    with ScriptedServer(answer) as server:
        endpoint = adhoc_endpoint(kind="openai-compatible", base_url=server.url, model="m", auth="none", name="local")
        with Runner(RunSettings(mode=Mode.LIVE)) as runner:
            runner.prepare([endpoint])
            for case in cases:  # case by case, as the pytest plugin runs them
                runner.run_case(case, endpoint)
            assert len(opened) == 1 and not opened[0].is_closed  # one client for the endpoint, kept between cases
    assert len(server.received) == 2
    assert opened[0].is_closed
