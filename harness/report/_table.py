"""The terminal view of a run: one row per case × endpoint, then a one-line summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..runner import CaseResult, Verdict

__all__ = ["render_table", "summary_line", "VERDICT_STYLES"]

VERDICT_STYLES = {
    Verdict.PASS: "green",
    Verdict.WARN: "yellow",
    Verdict.FAIL: "bold red",
    Verdict.STALE: "magenta",
    Verdict.SKIP: "dim",
}


def _verdict_text(result: CaseResult) -> Text:
    label = str(result.verdict)
    if result.verdict is Verdict.SKIP and result.skip_reason:
        label += f" ({result.skip_reason})"
    return Text(label, style=VERDICT_STYLES[result.verdict])


def _first_finding(result: CaseResult) -> str:
    problem = result.first_problem
    if result.verdict is Verdict.SKIP:
        return result.detail or ""
    if problem is None:
        return ""
    where = f" [{problem.location}]" if str(problem.location) else ""
    more = f" (+{len(result.findings) - 1} more)" if len(result.findings) > 1 else ""
    return f"{problem.severity}: {problem.rule}: {problem.message}{where}{more}"


def render_table(results: Sequence[CaseResult], console: Console) -> None:
    table = Table(show_lines=False, header_style="bold", expand=False)
    # Names are never cut: they are what a user greps for and pastes into --case.
    table.add_column("case", no_wrap=True, overflow="fold")
    table.add_column("endpoint", no_wrap=True, overflow="fold")
    table.add_column("verdict", no_wrap=True)
    table.add_column("first finding", overflow="fold")
    for result in results:
        table.add_row(result.case_id, result.endpoint, _verdict_text(result), _first_finding(result))
    console.print(table)


def summary_line(results: Sequence[CaseResult]) -> str:
    counts = Counter(str(r.verdict) if r.verdict is not Verdict.SKIP else f"skip ({r.skip_reason})" for r in results)
    cases = len({r.case_id for r in results})
    endpoints = len({r.endpoint for r in results})
    order = ["pass", "warn", "fail", "stale"]
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    parts += [f"{n} {k}" for k, n in sorted(counts.items()) if k.startswith("skip")]
    return f"{cases} case(s) × {endpoints} endpoint(s): " + (", ".join(parts) or "nothing ran")
