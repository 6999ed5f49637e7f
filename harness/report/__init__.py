"""Showing results: the terminal table (machine-readable reports build on the same results)."""

from ._rules_doc import rules_markdown
from ._table import VERDICT_STYLES, render_table, summary_line

__all__ = ["VERDICT_STYLES", "render_table", "rules_markdown", "summary_line"]
