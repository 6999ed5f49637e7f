"""`chat-conformance merge DIR... --report-dir OUT`: the shards of one run (`run --shard i/n`)
joined into one report set, as Playwright's `merge-reports` joins its shards' blobs."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from ..report import RESULTS_FILE, merge_records, read_results, report_files, write_reports, write_results
from ._errors import handle_input_errors

__all__ = ["merge"]


def _results_file(path: Path) -> Path:
    candidate = path / RESULTS_FILE if path.is_dir() else path
    if not candidate.is_file():
        raise UsageError(f"{path}: no {RESULTS_FILE} there (give the --report-dir of each shard's run)")
    return candidate


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="DIR...")
@click.option("--report-dir", type=click.Path(path_type=Path), required=True, help="Where the merged results.jsonl and every report go.")
@handle_input_errors
def merge(inputs: tuple[Path, ...], report_dir: Path) -> None:
    """Merge the report folders of a run's shards (`run --shard 1/3` ... `3/3`) into one report set:
    results.jsonl and every registered report, the same as one unsharded run would write.

    Each DIR is a shard's --report-dir (or its results.jsonl). Every shard of the split must be
    there, once; exit 2 otherwise. The exit code is not the run's verdict: read the merged
    report, or run `chat-conformance diff` on it.
    """
    files = [_results_file(path) for path in inputs]
    merged = merge_records([(path, read_results(path)) for path in files])
    write_results(report_dir, merged)
    built = write_reports(report_dir)
    interrupted = " (a shard was interrupted)" if built["interrupted"] else ""
    click.echo(f"merged {len(files)} run(s): {built['summary']['results']} result(s){interrupted}; wrote {report_dir}/: {', '.join([*report_files(), RESULTS_FILE])}")
