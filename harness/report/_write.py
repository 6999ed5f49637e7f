"""Writing every report format of a run into its report directory, from results.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from .._files import write_atomic

from ._junit import render_junit
from ._log import RESULTS_FILE, read_results
from ._markdown import render_markdown
from ._model import build_report

__all__ = ["REPORT_FILES", "write_reports", "write_atomic"]

REPORT_FILES = ("report.json", "junit.xml", "report.md", "report.html")


def write_reports(report_dir: Path) -> dict:
    """Build report.json, junit.xml, report.md and report.html from `report_dir/results.jsonl`."""
    from ._html import render_html

    report = build_report(read_results(report_dir / RESULTS_FILE))
    write_atomic(report_dir / "report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    write_atomic(report_dir / "junit.xml", render_junit(report))
    write_atomic(report_dir / "report.md", render_markdown(report))
    write_atomic(report_dir / "report.html", render_html(report))
    return report
