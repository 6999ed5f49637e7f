"""Comparing two report.json files: what got worse, what got better, what came and went.

Findings are compared by case, endpoint, rule and location (step and JSON pointer; not the chunk
number, which shifts with any change in the stream), so a new error in a cell that was already
failing is still a regression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RecordingError

__all__ = ["ReportDiff", "diff_reports", "load_report"]

_BAD = ("fail", "flaky", "stale")


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecordingError(f"cannot read: {exc.strerror}", path=path) from None
    except ValueError as exc:
        raise RecordingError(f"not JSON ({exc}); give a report.json", path=path) from None
    if not isinstance(data, dict) or "results" not in data or "format" not in data:
        raise RecordingError("not a chat-conformance report.json (no format/results)", path=path)
    return data


def _key(result: dict[str, Any], finding: dict[str, Any]) -> tuple:
    location = finding.get("location", {})
    return (result["case"], result["endpoint"], finding["rule"], location.get("step"), location.get("pointer"))


def _errors(report: dict[str, Any]) -> dict[tuple, str]:
    return {
        _key(r, f): f["message"]
        for r in report["results"]
        for f in r["findings"]
        if f["severity"] == "error" and not f.get("known")
    }


@dataclass
class ReportDiff:
    regressions: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    new_cases: list[str] = field(default_factory=list)
    vanished_cases: list[str] = field(default_factory=list)
    verdict_changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return self.__dict__.copy()


def diff_reports(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    result = ReportDiff()
    old_cells = {(r["case"], r["endpoint"]): r for r in old["results"]}
    new_cells = {(r["case"], r["endpoint"]): r for r in new["results"]}
    for cell in sorted(set(new_cells) - set(old_cells)):
        result.new_cases.append(f"{cell[0]} on {cell[1]}: {new_cells[cell]['verdict']}")
        if new_cells[cell]["verdict"] in _BAD:
            result.regressions.append(f"{cell[0]} on {cell[1]}: new case, {new_cells[cell]['verdict']}")
    for cell in sorted(set(old_cells) - set(new_cells)):
        result.vanished_cases.append(f"{cell[0]} on {cell[1]} (was {old_cells[cell]['verdict']})")
    old_errors, new_errors = _errors(old), _errors(new)
    common = set(old_cells) & set(new_cells)
    for key in sorted(set(new_errors) - set(old_errors), key=str):
        if (key[0], key[1]) in common:
            where = ", ".join(str(part) for part in key[3:] if part)
            result.regressions.append(f"{key[0]} on {key[1]}: new error {key[2]}: {new_errors[key]}" + (f" [{where}]" if where else ""))
    for key in sorted(set(old_errors) - set(new_errors), key=str):
        if (key[0], key[1]) in common:
            result.fixes.append(f"{key[0]} on {key[1]}: {key[2]} no longer fires: {old_errors[key]}")
    for cell in sorted(common):
        before, after = old_cells[cell]["verdict"], new_cells[cell]["verdict"]
        if before != after:
            result.verdict_changes.append(f"{cell[0]} on {cell[1]}: {before} → {after}")
            worse = after in _BAD and before not in _BAD
            if worse and not any(r.startswith(f"{cell[0]} on {cell[1]}:") for r in result.regressions):
                result.regressions.append(f"{cell[0]} on {cell[1]}: verdict {before} → {after}")
    return result
