"""Recordings keep every byte and boundary; redaction removes secrets however they are split."""

from __future__ import annotations

import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.transport import (
    Attempt,
    Cassette,
    Exchange,
    HTTPRequest,
    HTTPResponse,
    Redactor,
    TransportFailure,
    read_cassette,
    write_cassette,
)

from .conftest import REPO, SEED

chunks_strategy = st.lists(
    st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode), st.sampled_from([b"\r\n", b"\r", b"\n\n", b": c\r\n", "é".encode()[:1]])),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(chunks=chunks_strategy, status=st.integers(100, 599))
@example(chunks=["\x85\n".encode(), "\u2028".encode(), b"\r\n"], status=200)  # YAML line breaks (found by hypothesis)
def test_any_bytes_survive_a_write_and_read(tmp_path_factory, chunks, status):
    path = tmp_path_factory.mktemp("c") / "case.yaml"
    response = HTTPResponse(
        status=status,
        headers=[("Content-Type", "text/event-stream"), ("X-Dup", "1"), ("X-Dup", "2")],
        chunks=list(chunks),
        offsets=array("d", [i * 0.001 for i in range(len(chunks))]),
        headers_at=0.0005,
        content_encoding="gzip",
    )
    request = HTTPRequest("POST", "http://127.0.0.1:1/v1/chat/completions", {"content-type": "application/json"}, b'{"stream": true}')
    exchanges = [Exchange("one", [Attempt(request, response, TransportFailure("reset", "cut"), retry_reason=None)])]
    write_cassette(path, Cassette(case="c", endpoint="e", origin="synthetic", exchanges=exchanges))
    back = read_cassette(path).exchanges[0].attempts[0]
    assert back.response.chunks == list(chunks)
    assert list(back.response.offsets) == pytest.approx(list(response.offsets), abs=1e-6)  # kept to the microsecond
    assert back.response.headers == response.headers
    assert back.response.status == status and back.response.content_encoding == "gzip"
    assert back.failure == TransportFailure("reset", "cut")
    assert back.request.json() == {"stream": True}


def test_text_chunks_are_readable_literal_blocks(tmp_path: Path):
    response = HTTPResponse(200, [("content-type", "text/event-stream")], chunks=[b'data: {"a": 1}\n\n'], offsets=array("d", [0.1]))
    request = HTTPRequest("POST", "http://x/v1/chat/completions", {}, b"{}")
    path = tmp_path / "r.yaml"
    write_cassette(path, Cassette("c", "e", "synthetic", [Exchange("s", [Attempt(request, response)])]))
    assert '      text: |+\n        data: {"a": 1}\n' in path.read_text()


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.integers(0, 120), max_size=6), prefix=st.text(max_size=30))
def test_a_secret_split_across_chunks_is_still_removed(cuts, prefix):
    secret = "tok-ABCDEFGHIJKLMNOP-0123456789"
    body = f'{prefix}data: {{"echo": "{secret}", "again": "{secret}"}}\n\n'.encode()
    bounds = sorted({0, len(body), *(min(c, len(body)) for c in cuts)})
    chunks = [body[a:b] for a, b in zip(bounds, bounds[1:])]
    response = HTTPResponse(200, [("x-echo", secret)], chunks=chunks, offsets=array("d", [0.0] * len(chunks)))
    Redactor([secret]).response(response)
    assert secret.encode() not in b"".join(response.chunks)
    assert len(response.chunks) == len(chunks)
    assert response.headers == [("x-echo", "<redacted>")]


def test_redaction_of_urls_and_headers():
    redactor = Redactor(["ya29.secret-token-value"])
    url = redactor.url("https://user:pw@host/v1/x?key=AIzaSECRET&alt=sse&access_token=ya29.secret-token-value")
    assert "AIzaSECRET" not in url and "ya29" not in url and "pw" not in url
    assert "alt=sse" in url
    assert dict(redactor.headers([("Authorization", "Bearer x"), ("Cookie", "a=b"), ("Accept", "*/*")])) == {
        "Authorization": "<redacted>",
        "Cookie": "<redacted>",
        "Accept": "*/*",
    }


def test_documentation_recordings_match_the_seed_page():
    """The bundled vertex-docs recordings are exactly what the import script makes from the seed."""
    assert SEED.is_file(), f"seed page missing at {SEED}"
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "import_seed_recordings.py"), "--check", "--seed", str(SEED)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name in ("stream-function-call-arguments", "image-generation", "multimodal-function-response"):
        cassette = read_cassette(REPO / "cases" / "recordings" / "vertex-docs" / f"{name}.yaml")
        assert cassette.origin == "documentation"
        assert "verbatim from the seed page" in cassette.note
