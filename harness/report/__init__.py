"""Showing results: the terminal table, results.jsonl, and the reports built from it."""

from ._diff import ReportDiff, diff_reports, load_report
from ._junit import render_junit
from ._log import RESULTS_FILE, ResultsLog, RunRecord, read_results, run_header
from ._markdown import render_markdown
from ._model import VERDICT_ORDER, build_report, cell_verdict, strip_volatile
from ._rules_doc import declared_findings, rule_to_json, rules_markdown
from ._table import VERDICT_STYLES, exit_explanation, render_table, summary_line
from ._write import REPORT_FILES, write_atomic, write_reports

__all__ = [
    "REPORT_FILES",
    "RESULTS_FILE",
    "VERDICT_ORDER",
    "VERDICT_STYLES",
    "ReportDiff",
    "ResultsLog",
    "RunRecord",
    "build_report",
    "cell_verdict",
    "declared_findings",
    "diff_reports",
    "exit_explanation",
    "load_report",
    "read_results",
    "render_junit",
    "render_markdown",
    "render_table",
    "rule_to_json",
    "rules_markdown",
    "run_header",
    "strip_volatile",
    "summary_line",
    "write_atomic",
    "write_reports",
]
