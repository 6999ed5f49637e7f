"""junit.xml: one test case per case × endpoint, so any CI shows the conformance run natively."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

__all__ = ["render_junit"]


def _finding_lines(result: dict[str, Any]) -> str:
    lines = []
    for finding in result["findings"]:
        location = ", ".join(f"{k} {v}" for k, v in finding.get("location", {}).items())
        count = f" (×{finding['count']})" if finding.get("count", 1) > 1 else ""
        known = f" [known: {finding['known']}]" if finding.get("known") else ""
        lines.append(f"{finding['severity']}: {finding['rule']}: {finding['message']}{count} [{location}]{known}")
        if finding.get("evidence"):
            lines.append(f"    evidence: {finding['evidence']}")
        for client in finding.get("clients", ()):
            lines.append(f"    {client['outcome']}: {client['name']} {client.get('version') or ''}: {client['detail']}")
    for exchange in result.get("exchanges", ()):
        for client in exchange["clients"]:
            if client["outcome"] not in ("ok", "not-run"):
                lines.append(f"client {client['name']} {client['outcome']} on step {exchange['step']}: {client['detail']}")
    return "\n".join(lines)


def render_junit(report: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name="chat-conformance")
    for endpoint in report["matrix"]["endpoints"]:
        results = [r for r in report["results"] if r["endpoint"] == endpoint]
        failing = [r for r in results if r["verdict"] in ("fail", "stale", "flaky")]
        skipped = [r for r in results if r["verdict"] == "skip"]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=endpoint,
            tests=str(len(results)),
            failures=str(len(failing)),
            skipped=str(len(skipped)),
            errors="0",
            time=f"{sum(r.get('duration_s', 0) for r in results):.3f}",
        )
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=endpoint, name=result["case"], time=f"{result.get('duration_s', 0):.3f}")
            verdict = result["verdict"]
            if verdict == "skip":
                ET.SubElement(case, "skipped", message=f"{result.get('skip_reason')}: {result.get('detail', '')}")
            elif verdict in ("fail", "stale", "flaky"):
                problems = [f for f in result["findings"] if f["severity"] == "error" and not f.get("known")]
                first = problems[0] if problems else (result["findings"][0] if result["findings"] else None)
                message = f"{verdict}: {first['rule']}: {first['message']}" if first else verdict
                failure = ET.SubElement(case, "failure", message=message, type=verdict)
                failure.text = _finding_lines(result)
            elif result["findings"]:
                ET.SubElement(case, "system-out").text = _finding_lines(result)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
