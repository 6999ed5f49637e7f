"""What the client-layer tests share: the real JavaScript clients installed once per session (into
the normal cache), recorded answers, the reference the harness would pass, and the processes
running (to see the Node bridge start and end)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.clients import ClientSetupError, RecordedAnswer, RecordedCall, install_clients, recorded_calls
from harness.validators import reference_completion
from harness.transport import read_cassette

from .servers_local import cache_dir

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO / "cases" / "recordings"


def ensure_js_clients() -> Path:
    """Install the pinned JavaScript clients (and Node 22) if missing; a missing npm or a failing
    registry fails the session with the installer's own one-line message."""
    try:
        return install_clients(cache_dir(), say=lambda _: None)
    except ClientSetupError as error:
        pytest.fail(f"the JavaScript clients are needed and could not be installed: {error}", pytrace=False)


def call(endpoint: str, case: str, step: str) -> RecordedCall:
    cassette = read_cassette(RECORDINGS / endpoint / f"{case}.yaml")
    return next(c for c in recorded_calls(cassette.exchanges) if c.label == step)


def all_calls() -> list[tuple[str, RecordedCall]]:
    out = []
    for path in sorted(RECORDINGS.glob("*/*.yaml")):
        if path.name == "endpoints.yaml":
            continue
        cassette = read_cassette(path)
        out.extend((f"{cassette.endpoint}/{cassette.case}:{c.label}", c) for c in recorded_calls(cassette.exchanges))
    return out


def reference(answer: RecordedAnswer) -> dict | None:
    """What the harness passes the clients: its own reading of the answer."""
    return reference_completion(answer)


def json_answer(body: dict[str, Any], status: int = 200) -> RecordedAnswer:
    return RecordedAnswer(status, (("content-type", "application/json"),), (json.dumps(body).encode(),))


def sse_answer(payloads: list[Any], *, done: bool = True) -> RecordedAnswer:
    chunks = [f"data: {json.dumps(p)}\n\n".encode() for p in payloads]
    if done:
        chunks.append(b"data: [DONE]\n\n")
    return RecordedAnswer(200, (("content-type", "text/event-stream"),), tuple(chunks))


def processes() -> Iterator[tuple[int, Path, str]]:
    """Every process /proc lists: its pid, its /proc folder and its `stat` line (one that ended
    while being read is left out)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), entry, stat
