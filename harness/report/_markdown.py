"""report.md: the run as Markdown, fit for a pull-request comment or a repository page."""

from __future__ import annotations

from typing import Any

__all__ = ["render_markdown"]

MARKS = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "flaky": "🔀 flaky", "stale": "🕰️ stale", "skip": "⏭️ skip"}
MAX_LISTED = 60


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any], *, title: str = "Chat Completions conformance") -> str:
    endpoints = report["matrix"]["endpoints"]
    summary = report["summary"]["verdicts"]
    clients = ", ".join(f"{c['name']} {c.get('version') or ''}".strip() for c in report.get("clients", ())) or "none"
    lines = [f"# {title}", ""]
    lines.append(
        f"chat-conformance {report['harness_version']}, mode {report['mode']}, clients {clients}"
        + (f", started {report['started']}" if report.get("started") else "")
        + (" — **interrupted: partial results**" if report.get("interrupted") else "")
    )
    lines.append("")
    lines.append(", ".join(f"{count} {verdict}" for verdict, count in summary.items() if count) or "no results")
    if report["summary"].get("known_findings"):
        lines.append(f"({report['summary']['known_findings']} known finding(s) accepted by the baseline)")
    lines += ["", "## Compatibility matrix", ""]
    lines.append("| feature | " + " | ".join(_cell(e) for e in endpoints) + " |")
    lines.append("|---|" + "---|" * len(endpoints))
    for feature in report["matrix"]["features"]:
        row = report["matrix"]["cells"].get(feature, {})
        cells = [MARKS[row[e]["verdict"]] if e in row else "" for e in endpoints]
        lines.append(f"| `{feature}` | " + " | ".join(cells) + " |")
    if report.get("parameters"):
        lines += ["", "## Parameters", "", "| parameter | " + " | ".join(_cell(e) for e in endpoints) + " |", "|---|" + "---|" * len(endpoints)]
        for parameter, statuses in sorted(report["parameters"].items()):
            lines.append(f"| `{_cell(parameter)}` | " + " | ".join(statuses.get(e, "") for e in endpoints) + " |")
    lines += _client_section(report, endpoints)
    problems = [r for r in report["results"] if r["verdict"] in ("fail", "flaky", "stale", "warn")]
    if problems:
        lines += ["", "## Findings", ""]
        for result in problems[:MAX_LISTED]:
            lines.append(f"### {MARKS[result['verdict']]} `{result['case']}` on `{result['endpoint']}`")
            lines.append("")
            if result.get("detail"):
                lines.append(f"{result['detail']}")
                lines.append("")
            for finding in sorted(result["findings"], key=lambda f: ("error", "warning", "info").index(f["severity"])):
                if finding["severity"] == "info":
                    continue
                where = ", ".join(f"{k} {v}" for k, v in finding.get("location", {}).items())
                count = f" ×{finding['count']}" if finding.get("count", 1) > 1 else ""
                known = " *(known)*" if finding.get("known") else ""
                lines.append(f"- **{finding['severity']}** `{finding['rule']}`{count}: {_cell(finding['message'])} ({where}){known}")
            lines.append("")
        if len(problems) > MAX_LISTED:
            lines.append(f"… and {len(problems) - MAX_LISTED} more results with findings: see report.json")
    return "\n".join(lines).rstrip() + "\n"


_CLIENT_MARKS = {"breaks": "✗", "mis-assembles": "≠"}


def _client_section(report: dict[str, Any], endpoints: list[str]) -> list[str]:
    """Which feature breaks which client: per cell, the clients that break (✗) or mis-assemble (≠)."""
    matrix = report.get("client_matrix") or {}
    if not matrix.get("clients"):
        return []
    lines = ["", "## What real clients make of the answers", ""]
    lines.append(f"Clients: {', '.join(matrix['clients'])}. ✗ breaks (raises), ≠ mis-assembles (hands over something other than what the server meant); an empty cell: every client was fine.")
    lines += ["", "| feature | " + " | ".join(_cell(e) for e in endpoints) + " |", "|---|" + "---|" * len(endpoints)]
    for feature in report["matrix"]["features"]:
        row = matrix["cells"].get(feature, {})
        cells = []
        for endpoint in endpoints:
            marks = [f"{name} {_CLIENT_MARKS[entry['outcome']]}" for name, entry in row.get(endpoint, {}).items() if entry["outcome"] in _CLIENT_MARKS]
            cells.append(", ".join(marks))
        if any(cells):
            lines.append(f"| `{feature}` | " + " | ".join(cells) + " |")
    return lines
