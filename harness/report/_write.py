"""Writing every registered report format of a run into its report directory, from results.jsonl."""

from __future__ import annotations

from pathlib import Path

from .._files import write_atomic
from ._log import RESULTS_FILE, read_results
from ._model import build_report
from ._reporter import reporters

__all__ = ["write_reports", "write_atomic"]


def write_reports(report_dir: Path) -> dict:
    """Build report.json's dict from `report_dir/results.jsonl` and let every reporter write its file."""
    report = build_report(read_results(report_dir / RESULTS_FILE))
    for reporter in reporters().values():
        reporter.write(report, report_dir)
    return report
