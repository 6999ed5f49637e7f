"""results.jsonl: every result appended the moment it is known, so a crashed or interrupted run
still leaves everything that finished. Every report is built from this file.

    {"type": "run", ...header: versions, mode, endpoints, cases, rules...}
    {"type": "result", ...one case × endpoint...}
    ...
    {"type": "end", "finished": ..., "interrupted": false}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..cases import Case
from ..endpoints import Endpoint, chat_completions_url
from ..errors import RecordingError
from ..runner import CaseResult, Mode, endpoint_redactor
from ..validators import registry
from ._rules_doc import rule_to_json

__all__ = ["RESULTS_FILE", "LOG_FORMAT", "ResultsLog", "RunRecord", "read_results", "run_header", "now", "write_results"]

RESULTS_FILE = "results.jsonl"
LOG_FORMAT = 1


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clients(names: Sequence[str]) -> list[dict[str, Any]]:
    """The real clients the run consulted, with their installed and pinned versions."""
    if not names:
        return []
    from ..clients import client_status

    statuses = {s.name: s for s in client_status()}
    return [{"name": n, "version": statuses[n].installed, "pinned": statuses[n].pinned} for n in names if n in statuses]


def run_header(
    mode: Mode,
    cases: Sequence[Case],
    endpoints: Sequence[Endpoint],
    *,
    repeat: int = 1,
    baseline: str | None = None,
    clients: Sequence[str] = (),
    shard: object | None = None,
) -> dict[str, Any]:
    """What a report needs to know besides the results: versions, endpoints, cases, rules. A shard
    (`run --shard 2/3`) lists every selected case and endpoint, the whole run's, and names itself,
    so `chat-conformance merge` can check that the shards it joins make one whole run."""
    return {
        "type": "run",
        "format": LOG_FORMAT,
        "harness_version": __version__,
        "clients": _clients(clients),
        "mode": str(mode),
        "started": now(),
        "repeat": repeat,
        "baseline": baseline,
        **({"shard": str(shard)} if shard is not None else {}),
        "endpoints": [
            {"name": e.name, "kind": e.kind, "profile": e.effective_profile, "model": e.model, "url": endpoint_redactor(e).url(chat_completions_url(e))}
            for e in endpoints
        ],
        "cases": [
            {
                "id": c.id,
                "title": c.title,
                "feature": c.feature,
                "tags": list(c.tags),
                "applies_to": list(c.applies_to),
                "parameter": c.parameter,
                "source": {"document": c.source.document, "section": c.source.section, "lines": c.source.lines},
            }
            for c in cases
        ],
        "rules": {r.id: {k: v for k, v in rule_to_json(r).items() if k != "id"} for r in sorted(registry().values(), key=lambda r: r.id)},
    }


class ResultsLog:
    """Appends to `<report_dir>/results.jsonl`, one flushed line per result.

    Each line is also fsynced by default, so a power cut keeps it too. `durable=False` (load runs,
    hundreds of answers a second) only flushes each line to the operating system, which still
    keeps it when the process is killed."""

    def __init__(self, report_dir: Path, header: dict[str, Any], *, durable: bool = True):
        report_dir.mkdir(parents=True, exist_ok=True)
        self.path = report_dir / RESULTS_FILE
        self.durable = durable
        # Appended to as results come, so not written atomically; open() creates it 0o666 less the
        # umask, the same mode as the reports write_atomic writes beside it.
        self._handle = self.path.open("w", encoding="utf-8")
        self._write(header)

    def _write(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        if self.durable:
            os.fsync(self._handle.fileno())

    def append(self, result: CaseResult, extra: dict[str, Any] | None = None) -> None:
        """One result line; `extra` adds fields of its own (a load run's answer number, status...)."""
        self._write({"type": "result", **result.to_json(), **(extra or {})})

    def close(self, *, interrupted: bool = False, finished: str | None = None) -> None:
        if not self._handle.closed:
            self._write({"type": "end", "finished": finished or now(), "interrupted": interrupted})
            self._handle.close()


@dataclass
class RunRecord:
    header: dict[str, Any]
    results: list[CaseResult] = field(default_factory=list)
    end: dict[str, Any] | None = None
    damaged_lines: int = 0
    """Lines that could not be read (a run killed while writing one)."""

    @property
    def interrupted(self) -> bool:
        return self.end is None or bool(self.end.get("interrupted"))


def read_results(path: Path) -> RunRecord:
    """Reads what a run left, also when it was killed: a missing end line or a torn last line is
    noted, never fatal."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise RecordingError(f"cannot read: {exc.strerror}", path=path) from None
    record: RunRecord | None = None
    damaged = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            damaged += 1
            continue
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "run":
            record = RunRecord(header=item)
        elif record is None:
            raise RecordingError("not a results file: the first line must be the run header", path=path, line=number)
        elif kind == "result":
            record.results.append(CaseResult.from_json(item))
        elif kind == "end":
            record.end = item
    if record is None:
        raise RecordingError("not a results file (no run header)", path=path, line=1)
    record.damaged_lines = damaged
    return record


def write_results(report_dir: Path, record: RunRecord) -> Path:
    """`report_dir/results.jsonl` holding `record` (a merged run, say), end line included."""
    log = ResultsLog(report_dir, record.header)
    for result in record.results:
        log.append(result)
    log.close(interrupted=record.interrupted, finished=(record.end or {}).get("finished"))
    return log.path
