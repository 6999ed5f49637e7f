"""github-summary.md: the run as a GitHub Actions job summary.

Why this format: a conformance run in CI is read on the workflow run's page. GitHub renders the
Markdown that a step appends to the file named by the `GITHUB_STEP_SUMMARY` environment variable
on that page ("Adding a job summary", https://docs.github.com/actions/using-workflows/
workflow-commands-for-github-actions#adding-a-markdown-summary, the page GitHub's own size error
links to), so verdicts show there without opening an artifact or a log. The summary is
written to the report directory like every report, and appended to `$GITHUB_STEP_SUMMARY` when
that variable names a file: appended, never overwritten, as GitHub documents (`echo ... >>
$GITHUB_STEP_SUMMARY`), because other steps' and other runs' summaries of the same step share it.

What it holds: the verdict totals, the features x endpoints matrix, and the error findings
grouped by rule, the biggest group first, at most `PER_RULE` listed per rule (known ones,
accepted by a baseline, are only counted). GitHub refuses a step summary over 1 MiB
("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k") and then shows
none of it, so this one stays under `SUMMARY_BUDGET` (128 KiB, leaving room for several runs in
one step): the matrix and the findings are cut with a note pointing at report.md and
report.json, which hold everything.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from .._files import write_atomic
from ..errors import UsageError
from ._markdown import MARKS
from ._model import cell_verdict
from ._reporter import Reporter

__all__ = ["PER_RULE", "STEP_SUMMARY_ENV", "SUMMARY_BUDGET", "GitHubSummaryReporter", "render_github_summary"]

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
SUMMARY_BUDGET = 128 * 1024
"""Bytes (UTF-8) one summary may take; GitHub's limit is 1 MiB per step."""
_MESSAGE_CHARS = 300
PER_RULE = 20
"""Findings listed per rule; the rest are counted."""
# Room kept for the truncation note and the closing tags, so cutting never breaks the budget.
_RESERVE = 600


class GitHubSummaryReporter(Reporter):
    name = "github-summary"
    filename = "github-summary.md"
    description = f"a GitHub Actions job summary: totals, the matrix, error findings by rule; appended to ${STEP_SUMMARY_ENV} when set"

    def render(self, report: dict[str, Any]) -> str:
        return render_github_summary(report)

    def write(self, report: dict[str, Any], report_dir: Path) -> list[Path]:
        text = self.render(report)
        path = report_dir / self.filename
        write_atomic(path, text)
        target = os.environ.get(STEP_SUMMARY_ENV)
        if not target:
            return [path]
        step_summary = Path(target)
        try:
            # A blank line first keeps this summary's heading apart from whatever came before it.
            separator = "\n" if step_summary.is_file() and step_summary.stat().st_size else ""
            with step_summary.open("a", encoding="utf-8", newline="\n") as handle:
                handle.write(separator + text)
        except OSError as exc:
            raise UsageError(f"{STEP_SUMMARY_ENV} names {target}, which cannot be appended to: {exc.strerror or exc}") from None
        return [path, step_summary]


def render_github_summary(report: dict[str, Any], *, budget: int = SUMMARY_BUDGET) -> str:
    """The summary's Markdown from report.json's dict, at most `budget` bytes of UTF-8."""
    out = _Lines(budget)
    verdicts = report["summary"]["verdicts"]
    present = [verdict for verdict, count in verdicts.items() if count]
    worst = cell_verdict(present) if present else "skip"
    totals = ", ".join(f"{verdicts[v]} {v}" for v in present) or "no results"
    out.add(f"## {MARKS[worst].split()[0]} Chat Completions conformance: {totals}")
    out.add("")
    client = report.get("client") or {}
    facts = [f"chat-conformance {report.get('harness_version')}", f"mode {report.get('mode')}", f"{client.get('name')} {client.get('version')}"]
    facts.append(f"{report['summary']['results']} results")
    if report["summary"].get("known_findings"):
        facts.append(f"{report['summary']['known_findings']} known finding(s) accepted by the baseline")
    if report.get("interrupted"):
        facts.append("**interrupted: partial results**")
    out.add(" · ".join(facts))

    endpoints = report["matrix"]["endpoints"]
    features = report["matrix"]["features"]
    if features:
        out.add("")
        out.add("| feature | " + " | ".join(_cell(e) for e in endpoints) + " |")
        out.add("|---|" + "---|" * len(endpoints))
        for shown, feature in enumerate(features):
            row = report["matrix"]["cells"].get(feature, {})
            line = f"| `{_cell(feature)}` | " + " | ".join(MARKS[row[e]["verdict"]] if e in row else "" for e in endpoints) + " |"
            if not out.fits(line):
                out.add("")
                out.add(_note(f"{len(features) - shown} more feature row(s)", budget))
                return out.text()
            out.add(line)

    groups: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for result in report["results"]:
        for finding in result["findings"]:
            if finding["severity"] == "error" and not finding.get("known"):
                groups.setdefault(finding["rule"], []).append((result, finding))
    if not groups:
        return out.text()
    total = sum(len(items) for items in groups.values())
    out.add("")
    out.add(f"### Error findings by rule ({total})")
    accounted = 0  # findings listed, or counted in an "and N more" line
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    for number, (rule, items) in enumerate(ordered):
        cells = len({(r["case"], r["endpoint"]) for r, _ in items})
        head = ["", f"<details><summary><code>{html.escape(rule)}</code>: {len(items)} finding(s) in {cells} result(s)</summary>", ""]
        if not out.fits(*head):
            out.add("")
            out.add(_note(f"{total - accounted} more error finding(s) of {len(ordered) - number} rule(s)", budget))
            return out.text()
        for line in head:
            out.add(line)
        for result, finding in items[:PER_RULE]:
            line = _finding_line(result, finding)
            if not out.fits(line):
                out.add("")
                out.add("</details>")
                out.add("")
                out.add(_note(f"{total - accounted} more error finding(s)", budget))
                return out.text()
            out.add(line)
            accounted += 1
        if len(items) > PER_RULE:
            # Every rule gets its heading before any rule gets a long list.
            out.add(f"- … and {len(items) - PER_RULE} more (report.md lists them)")
            accounted += len(items) - PER_RULE
        out.add("")
        out.add("</details>")
    return out.text()


class _Lines:
    """Lines with a running UTF-8 size, so the summary can stop before it outgrows its budget."""

    def __init__(self, budget: int):
        self.budget = budget
        self.lines: list[str] = []
        self.size = 0

    def fits(self, *lines: str) -> bool:
        return self.size + sum(len(line.encode()) + 1 for line in lines) + _RESERVE <= self.budget

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.size += len(line.encode()) + 1

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


def _note(what: str, budget: int) -> str:
    return (
        f"*Cut here: {what} not shown, to keep this summary under {budget // 1024} KiB (GitHub takes at most "
        "1 MiB per step). report.md and report.json in the report directory hold everything.*"
    )


def _finding_line(result: dict[str, Any], finding: dict[str, Any]) -> str:
    message = " ".join(str(finding["message"]).split())
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 1] + "…"
    where = ", ".join(f"{k} {v}" for k, v in finding.get("location", {}).items())
    count = f" ×{finding['count']}" if finding.get("count", 1) > 1 else ""
    # GitHub renders the summary as Markdown with HTML allowed: text from an endpoint stays text.
    text = html.escape(message, quote=False)
    return f"- `{result['case']}` on `{result['endpoint']}`{count}: {text}" + (f" ({html.escape(where, quote=False)})" if where else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
