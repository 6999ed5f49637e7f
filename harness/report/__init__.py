"""Showing results: the terminal table, results.jsonl, and the reports built from it."""

# Importing the built-in reporters registers them, in this order (the order they are written and listed).
from ._builtin import HtmlReporter, JsonReporter, JUnitReporter, MarkdownReporter
from ._github import PER_RULE, STEP_SUMMARY_ENV, SUMMARY_BUDGET, GitHubSummaryReporter, render_github_summary
from ._diff import ReportDiff, diff_reports, load_report
from ._junit import render_junit
from ._log import RESULTS_FILE, ResultsLog, RunRecord, now, read_results, run_header, write_results
from ._markdown import render_markdown
from ._merge import merge_records
from ._model import VERDICT_ORDER, build_report, cell_verdict, strip_volatile
from ._reporter import Reporter, report_files, reporters, unregister_reporter
from ._rules_doc import declared_findings, rule_to_json, rules_markdown
from ._table import VERDICT_STYLES, exit_explanation, render_table, summary_line, summary_units
from ._write import write_atomic, write_reports

__all__ = [
    "PER_RULE",
    "RESULTS_FILE",
    "STEP_SUMMARY_ENV",
    "SUMMARY_BUDGET",
    "VERDICT_ORDER",
    "VERDICT_STYLES",
    "GitHubSummaryReporter",
    "HtmlReporter",
    "JUnitReporter",
    "JsonReporter",
    "MarkdownReporter",
    "ReportDiff",
    "Reporter",
    "ResultsLog",
    "RunRecord",
    "build_report",
    "cell_verdict",
    "declared_findings",
    "diff_reports",
    "exit_explanation",
    "load_report",
    "merge_records",
    "now",
    "read_results",
    "render_github_summary",
    "render_junit",
    "render_markdown",
    "render_table",
    "report_files",
    "reporters",
    "rule_to_json",
    "rules_markdown",
    "run_header",
    "strip_volatile",
    "summary_line",
    "summary_units",
    "unregister_reporter",
    "write_atomic",
    "write_reports",
    "write_results",
]
