"""The four report formats the harness has always written, as registered reporters.

Each wraps its renderer (kept in its own module); the order here is the order they are written
and listed in.
"""

from __future__ import annotations

import json
from typing import Any

from ._junit import render_junit
from ._markdown import render_markdown
from ._reporter import Reporter

__all__ = ["HtmlReporter", "JsonReporter", "JUnitReporter", "MarkdownReporter"]


class JsonReporter(Reporter):
    name = "json"
    filename = "report.json"
    description = "everything, machine-readable; schema: schemas/report.schema.json"

    def render(self, report: dict[str, Any]) -> str:
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


class JUnitReporter(Reporter):
    name = "junit"
    filename = "junit.xml"
    description = "one test case per case x endpoint, failures carrying their findings (any CI shows it)"

    def render(self, report: dict[str, Any]) -> str:
        return render_junit(report)


class MarkdownReporter(Reporter):
    name = "markdown"
    filename = "report.md"
    description = "a pull-request comment: the matrix, parameter statuses, findings"

    def render(self, report: dict[str, Any]) -> str:
        return render_markdown(report)


class HtmlReporter(Reporter):
    name = "html"
    filename = "report.html"
    description = "one self-contained page: the matrix; click a cell for its findings with evidence"

    def render(self, report: dict[str, Any]) -> str:
        from ._html import render_html  # the page's CSS and JS are large; load them only to write it

        return render_html(report)
