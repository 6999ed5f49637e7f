"""report.json: the one document every other report format is rendered from.

Its schema is schemas/report.schema.json. The compatibility matrix has one row per feature and
one column per endpoint; a cell's verdict is the worst of its cases' verdicts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ._log import RunRecord

__all__ = ["REPORT_FORMAT", "VERDICT_ORDER", "build_report", "cell_verdict", "strip_volatile"]

REPORT_FORMAT = 1
# Worst first: the order in which a cell shows the verdicts of its cases.
VERDICT_ORDER = ("fail", "flaky", "stale", "warn", "pass", "skip")


def cell_verdict(verdicts: list[str]) -> str:
    return min(verdicts, key=VERDICT_ORDER.index) if verdicts else "skip"


def build_report(record: RunRecord) -> dict[str, Any]:
    header = record.header
    results = [r.to_json() for r in record.results]
    cases = {c["id"]: c for c in header.get("cases", [])}
    endpoints = [e["name"] for e in header.get("endpoints", [])]
    for result in results:
        meta = cases.get(result["case"], {})
        result["title"] = meta.get("title", result["case"])
        result["tags"] = meta.get("tags", [])

    features = sorted({r["feature"] for r in results})
    cells: dict[str, dict[str, Any]] = {}
    for feature in features:
        row = cells.setdefault(feature, {})
        for endpoint in endpoints:
            members = [r for r in results if r["feature"] == feature and r["endpoint"] == endpoint]
            if members:
                row[endpoint] = {"verdict": cell_verdict([r["verdict"] for r in members]), "cases": [r["case"] for r in members]}

    parameters: dict[str, dict[str, str]] = {}
    for result in results:
        if result.get("parameter_status"):
            parameters.setdefault(result["parameter"], {})[result["endpoint"]] = result["parameter_status"]

    client_cells = _client_matrix(results)

    summary = Counter(r["verdict"] for r in results)
    known = sum(1 for r in results for f in r["findings"] if f.get("known"))
    return {
        "format": REPORT_FORMAT,
        "harness_version": header.get("harness_version"),
        "clients": header.get("clients", []),
        "mode": header.get("mode"),
        "started": header.get("started"),
        "finished": (record.end or {}).get("finished"),
        "interrupted": record.interrupted,
        "repeat": header.get("repeat", 1),
        "baseline": header.get("baseline"),
        "endpoints": header.get("endpoints", []),
        "cases": header.get("cases", []),
        "rules": header.get("rules", {}),
        "results": results,
        "summary": {
            "verdicts": {verdict: summary.get(verdict, 0) for verdict in VERDICT_ORDER},
            "results": len(results),
            "known_findings": known,
            "damaged_lines": record.damaged_lines,
        },
        "matrix": {"features": features, "endpoints": endpoints, "cells": cells},
        "parameters": parameters,
        "client_matrix": {"clients": [c["name"] for c in header.get("clients", [])], "cells": client_cells},
    }


_OUTCOME_RANK = {"not-run": 0, "ok": 1, "mis-assembles": 2, "breaks": 3}


def _client_matrix(results: list[dict[str, Any]]) -> dict[str, Any]:
    """feature → endpoint → client → the worst outcome over the cell's answers, and each answer that
    was not ok (case, step, outcome, detail): which feature breaks which client."""
    cells: dict[str, Any] = {}
    for result in results:
        for exchange in result.get("exchanges", ()):
            for client in exchange.get("clients", ()):
                cell = cells.setdefault(result["feature"], {}).setdefault(result["endpoint"], {})
                entry = cell.setdefault(client["name"], {"outcome": "not-run", "answers": []})
                if _OUTCOME_RANK[client["outcome"]] > _OUTCOME_RANK[entry["outcome"]]:
                    entry["outcome"] = client["outcome"]
                if client["outcome"] not in ("ok", "not-run"):
                    entry["answers"].append({"case": result["case"], "step": exchange["step"], "outcome": client["outcome"], "detail": client["detail"]})
    return cells


def strip_volatile(report: dict[str, Any]) -> dict[str, Any]:
    """The report without wall-clock facts (times, durations, latencies), for published matrices
    that must not change when nothing but the clock did."""
    report = dict(report, started=None, finished=None)
    report["results"] = [{k: v for k, v in r.items() if k not in ("duration_s", "timings")} for r in report["results"]]
    return report
