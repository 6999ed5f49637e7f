"""Auth against real flows: google-auth signs a JWT and exchanges it at a local token endpoint.

Nothing in google-auth is mocked. The test writes a service-account key file whose `token_uri`
points at a small OAuth server on 127.0.0.1; that server checks the JWT-bearer grant and the
signature with the key's public half, so a passing test means the real exchange happened.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from harness.endpoints import CLOUD_PLATFORM_SCOPE, AuthError, AuthSpec, make_auth
from harness.errors import ConfigError

CLIENT_EMAIL = "conformance@test-project.iam.gserviceaccount.com"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth always addresses the assertion to Google's token endpoint, whatever token_uri says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenServer:
    """An OAuth token endpoint that accepts service-account JWT grants signed by one key."""

    def __init__(self, public_key: rsa.RSAPublicKey):
        self.public_key = public_key
        self.expires_in = 3600
        self.issued = 0
        self.scopes: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def token_uri(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/token"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def grant(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != [JWT_BEARER] or len(form.get("assertion", [])) != 1:
            return 400, {"error": "unsupported_grant_type"}
        header, payload, signature = form["assertion"][0].split(".")
        try:
            self.public_key.verify(
                _b64decode(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        claims = json.loads(_b64decode(payload))
        if json.loads(_b64decode(header)).get("alg") != "RS256" or claims["iss"] != CLIENT_EMAIL:
            return 400, {"error": "invalid_grant", "error_description": "bad issuer or algorithm"}
        if claims["aud"] != GOOGLE_TOKEN_AUDIENCE:
            return 400, {"error": "invalid_grant", "error_description": "bad audience"}
        with self._lock:
            self.issued += 1
            self.scopes.append(claims["scope"])
            return 200, {"access_token": f"tok-{self.issued}", "expires_in": self.expires_in, "token_type": "Bearer"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                status, body = server.grant(form) if self.path == "/token" else (404, {"error": "not_found"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key_file(path: Path, key: rsa.RSAPrivateKey, token_uri: str) -> Path:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "test-project",
                "private_key_id": "key-1",
                "private_key": pem,
                "client_email": CLIENT_EMAIL,
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def signing_key() -> rsa.RSAPrivateKey:
    return _private_key()


@pytest.fixture
def token_server(signing_key: rsa.RSAPrivateKey) -> Iterator[TokenServer]:
    server = TokenServer(signing_key.public_key())
    yield server
    server.close()


@pytest.fixture
def adc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signing_key: rsa.RSAPrivateKey, token_server: TokenServer) -> Path:
    """Application Default Credentials: a service-account key file that trusts the local server."""
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    key_file = _write_key_file(tmp_path / "sa.json", signing_key, token_server.token_uri)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    return key_file


@pytest.mark.usefixtures("adc")
def test_first_headers_performs_a_real_token_exchange(token_server: TokenServer) -> None:
    auth = make_auth(AuthSpec(type="google"))
    assert token_server.issued == 0  # credentials are found up front, the token is fetched on use
    assert auth.headers() == {"Authorization": "Bearer tok-1"}
    assert token_server.issued == 1
    assert token_server.scopes == [CLOUD_PLATFORM_SCOPE]
    # A token valid for an hour is reused.
    assert auth.headers() == {"Authorization": "Bearer tok-1"}
    assert token_server.issued == 1
    assert auth.secrets() == ["tok-1"]


# 60 s is inside every threshold; 240 s is inside our 5-minute margin but outside google-auth's
# own 3m45s, so it shows the harness refreshes earlier than the library would by itself.
@pytest.mark.parametrize("expires_in", [60, 240])
@pytest.mark.usefixtures("adc")
def test_token_expiring_within_five_minutes_is_refreshed(token_server: TokenServer, expires_in: int) -> None:
    auth = make_auth(AuthSpec(type="google"))
    token_server.expires_in = expires_in
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    token_server.expires_in = 3600
    assert auth.headers()["Authorization"] == "Bearer tok-2"
    assert auth.headers()["Authorization"] == "Bearer tok-2"
    assert token_server.issued == 2
    assert "tok-2" in auth.secrets()


@pytest.mark.usefixtures("adc")
def test_refresh_after_unauthorized_forces_exactly_one_new_token(token_server: TokenServer) -> None:
    auth = make_auth(AuthSpec(type="google"))
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    assert auth.refresh_after_unauthorized() is True
    assert token_server.issued == 2
    assert auth.headers()["Authorization"] == "Bearer tok-2"
    # The fresh token was refused too: another one would not help, so no retry and no new token.
    assert auth.refresh_after_unauthorized() is False
    assert token_server.issued == 2
    assert auth.secrets() == ["tok-1", "tok-2"]


@pytest.mark.usefixtures("adc")
def test_concurrent_unauthorized_requests_share_one_refresh(token_server: TokenServer) -> None:
    auth = make_auth(AuthSpec(type="google"))
    results: dict[str, Any] = {}
    sent = {name: threading.Event() for name in "ab"}
    go = {name: threading.Event() for name in "ab"}

    def request(name: str) -> None:
        results[f"{name}-headers"] = auth.headers()
        sent[name].set()
        go[name].wait(timeout=10)
        results[f"{name}-retry"] = auth.refresh_after_unauthorized()

    threads = {name: threading.Thread(target=request, args=(name,)) for name in "ab"}
    for thread in threads.values():
        thread.start()
    for event in sent.values():
        assert event.wait(timeout=10)
    for name in "ab":  # both sent tok-1 and got a 401; they report it one after the other
        go[name].set()
        threads[name].join(timeout=10)
    assert results["a-headers"] == results["b-headers"] == {"Authorization": "Bearer tok-1"}
    assert results["a-retry"] is True and results["b-retry"] is True
    assert token_server.issued == 2
    assert auth.headers()["Authorization"] == "Bearer tok-2"


@pytest.mark.usefixtures("adc")
def test_parallel_first_use_fetches_one_token(token_server: TokenServer) -> None:
    auth = make_auth(AuthSpec(type="google"))
    seen: list[dict[str, str]] = []
    threads = [threading.Thread(target=lambda: seen.append(auth.headers())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == [{"Authorization": "Bearer tok-1"}] * 8
    assert token_server.issued == 1


def test_refused_refresh_raises_auth_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token_server: TokenServer
) -> None:
    # A key the server does not know: the signature check fails and the grant is refused.
    key_file = _write_key_file(tmp_path / "other.json", _private_key(), token_server.token_uri)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    auth = make_auth(AuthSpec(type="google"))
    with pytest.raises(AuthError, match="could not get a Google access token: .*Invalid JWT Signature"):
        auth.headers()
    assert token_server.issued == 0
    assert auth.secrets() == []


def test_missing_adc_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError) as caught:
        make_auth(AuthSpec(type="google"))
    message = str(caught.value)
    assert "gcloud auth application-default login" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message


def test_bearer_reads_the_named_variable() -> None:
    auth = make_auth(AuthSpec(type="bearer", token_env="VERTEX_TOKEN"), environ={"VERTEX_TOKEN": "s3cret"})
    assert auth.headers() == {"Authorization": "Bearer s3cret"}
    assert auth.refresh_after_unauthorized() is False
    assert auth.secrets() == ["s3cret"]


@pytest.mark.parametrize("environ", [{}, {"VERTEX_TOKEN": ""}])
def test_bearer_without_token_is_a_config_error(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        make_auth(AuthSpec(type="bearer", token_env="VERTEX_TOKEN"), environ=environ)
    assert str(caught.value) == (
        "bearer auth reads its token from VERTEX_TOKEN, which is not set or empty; "
        "set VERTEX_TOKEN, e.g. export VERTEX_TOKEN=$(gcloud auth print-access-token)"
    )


def test_bearer_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_CONFORMANCE_TOKEN", "from-process")
    auth = make_auth(AuthSpec(type="bearer", token_env="CHAT_CONFORMANCE_TOKEN"))
    assert auth.headers() == {"Authorization": "Bearer from-process"}


def test_none_adds_nothing() -> None:
    auth = make_auth(AuthSpec(type="none"))
    assert auth.headers() == {}
    assert auth.refresh_after_unauthorized() is False
    assert auth.secrets() == []
