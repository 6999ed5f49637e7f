"""`chat-conformance diff OLD NEW` and `chat-conformance report DIR`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..report import RESULTS_FILE, diff_reports, load_report, report_files, write_reports
from ..errors import UsageError
from ._errors import EXIT_FINDINGS, EXIT_OK, handle_input_errors

__all__ = ["diff", "report"]


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_input_errors
def diff(old: Path, new: Path, output_format: str) -> None:
    """Compare two report.json files finding by finding; exit 1 on a regression.

    A regression is a new error (also in a cell that was already failing) or a verdict that became
    fail, flaky or stale. Fixes, new and vanished cases are listed too.
    """
    result = diff_reports(load_report(old), load_report(new))
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        for title, items in (
            ("regressions", result.regressions),
            ("fixes", result.fixes),
            ("verdict changes", result.verdict_changes),
            ("new cases", result.new_cases),
            ("vanished cases", result.vanished_cases),
        ):
            click.echo(f"{title}: {len(items)}")
            for item in items:
                click.echo(f"  {item}")
    sys.exit(EXIT_FINDINGS if result.regressions else EXIT_OK)


@click.command()
@click.argument("report_dir", type=click.Path(path_type=Path))
@handle_input_errors
def report(report_dir: Path) -> None:
    """Rebuild every report (each registered format: report.json, junit.xml, report.md, ...) from
    REPORT_DIR/results.jsonl, for instance after a run was killed."""
    if not (report_dir / RESULTS_FILE).is_file():
        raise UsageError(f"{report_dir / RESULTS_FILE} does not exist")
    built = write_reports(report_dir)
    interrupted = " (interrupted run)" if built["interrupted"] else ""
    click.echo(f"{report_dir}/: {built['summary']['results']} result(s){interrupted}; wrote {', '.join(report_files())}")
