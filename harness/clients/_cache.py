"""Outcomes already known: a warm replay re-runs no client.

An outcome depends on the answer's bytes (status, headers, each chunk and its boundary), the
request given to the client, the reference it is judged against, the path kind (stream or not),
the client's version and the client layer's own code (a hash of this package's sources, so an
edited driver or comparison never serves an outcome it would no longer give); the key covers
all of them. Entries live in one
SQLite file in the cache folder (WAL mode, a busy timeout, one connection per thread), so parallel
runs and threads share it safely. The cache is an optimisation only: any database trouble is a
miss, never a failed run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ._model import ClientOutcome, RecordedAnswer
from ._request import canonical_json

__all__ = ["OutcomeCache", "answer_key", "code_fingerprint"]

FORMAT = 2
"""Bump when ClientOutcome's stored shape or the table changes (each format has its own table)."""
_TABLE = f"outcomes_v{FORMAT}"


@cache
def code_fingerprint() -> str:
    """A hash of the client layer's sources: drivers, bridge, comparison, verdicts."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *(root / "js").rglob("*.mjs")]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def answer_key(
    answer: RecordedAnswer,
    request: Mapping[str, Any] | None,
    reference: Mapping[str, Any] | None,
    *,
    stream: bool,
    url: str | None,
) -> str:
    digest = hashlib.sha256()
    for part in (
        str(FORMAT).encode(),
        answer.fingerprint().encode(),
        canonical_json(request).encode(),
        canonical_json(reference).encode(),
        canonical_json({"stream": stream, "url": url, "events_total": answer.events_total}).encode(),
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class OutcomeCache:
    def __init__(self, path: Path):
        self.path = path
        self.hits = 0
        self.misses = 0
        self._local = threading.local()
        self._broken = False
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # One connection per thread; check_same_thread is off only so that close() can end them all.
                db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
                try:
                    # WAL lets readers and one writer work at once; the mode stays with the file, so
                    # when another process is switching it right now, its switch is as good as ours.
                    db.execute("PRAGMA journal_mode=WAL")
                except sqlite3.OperationalError:
                    pass
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {_TABLE} (key TEXT NOT NULL, client TEXT NOT NULL, version TEXT NOT NULL, "
                    "code TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, client, version, code))"
                )
            except (sqlite3.Error, OSError):
                self._broken = True
                return None
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def get(self, key: str, client: str, version: str, code: str) -> ClientOutcome | None:
        db = self._db()
        row = None
        if db is not None:
            try:
                row = db.execute(
                    f"SELECT value FROM {_TABLE} WHERE key = ? AND client = ? AND version = ? AND code = ?",
                    (key, client, version, code),
                ).fetchone()
            except sqlite3.Error:
                row = None
        if row is None:
            self.misses += 1
            return None
        try:
            outcome = ClientOutcome.from_dict(json.loads(row[0]))
        except (ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return outcome

    def put(self, key: str, client: str, version: str, code: str, outcome: ClientOutcome) -> None:
        db = self._db()
        if db is None:
            return
        try:
            db.execute(
                f"INSERT OR REPLACE INTO {_TABLE} (key, client, version, code, value) VALUES (?, ?, ?, ?, ?)",
                (key, client, version, code, json.dumps(outcome.to_dict(), ensure_ascii=False, default=repr)),
            )
        except sqlite3.Error:
            pass

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for db in connections:
            try:
                db.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()
