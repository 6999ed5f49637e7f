"""Secrets never reach a recording, a report or the terminal, whatever form a server echoes them in."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import urllib.parse
from pathlib import Path

from .servers import Received, Reply, ScriptedServer, completion

TOKEN = "ya29.tok/en+with=odd-chars_0123456789"
API_KEY = "AIzaSyTESTKEY-abcdefghijklmnop"
PROJECT = "987654321012"  # a project number used as the project

SECRETS = {"token": TOKEN, "api key": API_KEY, "project number": PROJECT}


def forms(secret: str) -> dict[str, str]:
    return {
        "plain": secret,
        "url-encoded": urllib.parse.quote(secret, safe=""),
        "json-escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "base64": base64.b64encode(secret.encode()).decode(),
    }


def echo_everything(request: Received) -> Reply:
    """A server that echoes every credential it saw, in every encoding, in body and headers."""
    seen = [request.headers.get("authorization", ""), request.headers.get("x-goog-api-key", ""), request.path]
    echoes = []
    for value in seen:
        echoes += [
            value,
            urllib.parse.quote(value, safe=""),
            json.dumps(value)[1:-1].replace("/", "\\/"),
            base64.b64encode(value.encode()).decode(),
            "Basic " + base64.b64encode(f"user:{value}".encode()).decode(),
        ]
    body = completion(" | ".join(echoes))
    return Reply(200, [("Content-Type", "application/json"), ("X-Echo", seen[0]), ("Set-Cookie", f"session={API_KEY}")], [json.dumps(body).encode()], chunked=False)


def test_no_secret_in_any_written_file_or_output(tmp_path: Path):
    (tmp_path / "chat-conformance.yaml").write_text(
        textwrap.dedent(
            """\
            endpoints:
              private:
                kind: vertex
                base_url: ${BASE}
                project: "${PROJECT}"
                location: us-central1
                model: google/gemini-2.0-flash-001
                auth: bearer:CC_TOKEN
                headers: {x-goog-api-key: "${CC_API_KEY}"}
                redact_project: true
            """
        )
    )
    env = {**os.environ, "CC_TOKEN": TOKEN, "CC_API_KEY": API_KEY, "PROJECT": PROJECT}
    outputs = []
    with ScriptedServer(echo_everything) as server:
        env["BASE"] = server.url
        for args in (
            ["run", "--mode", "record", "--endpoint", "private", "--case", "gemini-chat", "--case", "gemini-chat-stream", "--recordings", "recs", "--report-dir", "live"],
            ["run", "--endpoint", "private", "--case", "gemini-chat", "--recordings", "recs", "--report-dir", "replayed", "--format", "json"],
            ["show", "gemini-chat", "--endpoint", "private"],
        ):
            done = subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
            assert "Traceback" not in done.stderr, done.stderr
            outputs.append(done.stdout + done.stderr)
        assert server.received[0].headers["authorization"] == f"Bearer {TOKEN}"  # the real values went out
        assert server.received[0].headers["x-goog-api-key"] == API_KEY
        assert PROJECT in server.received[0].path

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "chat-conformance.yaml"]
    assert {p.parent.name for p in written} >= {"private", "live", "replayed"}  # recordings and both report dirs
    replayed = json.loads(outputs[1].splitlines()[0])
    assert replayed["verdict"] != "stale"  # the redacted URL still matches on replay
    for what, secret in SECRETS.items():
        for form, text in forms(secret).items():
            for path in written:
                assert text.encode() not in path.read_bytes(), f"{what} ({form}) leaked into {path.relative_to(tmp_path)}"
            for output in outputs[:2]:
                assert text not in output, f"{what} ({form}) leaked into the terminal"
    # `show` prints the request for the user to run: the token stays a placeholder there.
    assert TOKEN not in outputs[2] and "$CC_TOKEN" in outputs[2]
