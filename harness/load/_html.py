"""load.html: a load run's pictures, drawn from load.json as inline SVG.

Three figures: the histogram of total answer times (log scale, p50/p95/p99 marked), the
p50/p95/p99 of the answers that ended in each second, and per second the answers that ended and
those that failed. Around them: the counts, findings by rule with the recordings kept for each,
HTTP statuses, latency tables and throughput.

One self-contained page like report.html: no script, no external asset (no CDN, font or image),
every piece of data escaped as text; the same load.json gives the same bytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._files import write_atomic

__all__ = ["LOAD_PAGE", "render_load_html", "write_load_html"]

LOAD_PAGE = "load.html"
W, H = 760, 260  # every figure's size in SVG units
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
COLOURS = {"p50": "#2b6cb0", "p95": "#d69e2e", "p99": "#c53030", "answered": "#a0aec0", "failed": "#c53030", "no-answer": "#4a5568"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1a202c;max-width:980px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.meta{color:#4a5568} .banner{background:#fefcbf;border:1px solid #d69e2e;padding:6px 10px;margin:10px 0}
.counts{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.count{border:1px solid #cbd5e0;border-radius:6px;padding:8px 14px;min-width:110px}
.count b{display:block;font-size:22px} .count.bad b{color:#c53030}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #e2e8f0;padding:4px 10px;text-align:left}
th{background:#f7fafc} td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:10px 0 22px} figcaption{color:#4a5568;margin-bottom:4px}
svg{background:#fff;border:1px solid #e2e8f0;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#4a5568}
.legend span{display:inline-block;margin-right:14px} .legend i{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:4px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _nice_max(value: float) -> float:
    """A round number at or above `value`, for the top of an axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _svg(figure_id: str, label: str, body: Iterable[str]) -> str:
    return (
        f'<svg id="{figure_id}" role="img" aria-label="{_e(label)}" viewBox="0 0 {W} {H}" width="{W}" height="{H}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def _axes(y_max: float, y_label: str, x_ticks: Sequence[tuple[float, str]]) -> list[str]:
    """Frame, horizontal grid lines with their values, and the x tick labels (x given in 0..1)."""
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#cbd5e0"/>']
    for n in range(5):
        value = y_max * n / 4
        y = TOP + plot_h - plot_h * n / 4
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#edf2f7"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(_short(value))}</text>')
    for fraction, text in x_ticks:
        x = LEFT + plot_w * fraction
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 4}" stroke="#a0aec0"/>')
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{_e(text)}</text>')
    parts.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})" text-anchor="middle">{_e(y_label)}</text>')
    return parts


def _short(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k" if value % 1000 == 0 else f"{value / 1000:.1f}k"
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _histogram(summary: dict[str, Any]) -> str:
    bins = summary.get("histogram_total_ms") or []
    total = summary["latency_ms"]["total"]
    if not bins:
        return "<p>No answer has a total time yet.</p>"
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    low, high = math.log(bins[0]["from"]), math.log(bins[-1]["to"])
    span = max(high - low, 1e-9)

    def x_of(ms: float) -> float:
        return LEFT + plot_w * (math.log(ms) - low) / span

    y_max = _nice_max(max(b["count"] for b in bins))
    parts = _axes(y_max, "answers", [((math.log(b["from"]) - low) / span, f"{b['from']:.3g}") for b in bins[:: max(1, len(bins) // 8)]])
    for b in bins:
        if not b["count"]:
            continue
        x0, x1 = x_of(b["from"]), x_of(b["to"])
        height = plot_h * b["count"] / y_max
        tip = "{:.3g}–{:.3g} ms: {} answers".format(b["from"], b["to"], b["count"])
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{TOP + plot_h - height:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" height="{height:.1f}" fill="#4a90c2">'
            f"<title>{_e(tip)}</title></rect>"
        )
    for row, name in enumerate(("p50", "p95", "p99")):
        value = total.get(name)
        if value:
            x = min(max(x_of(value), LEFT), W - RIGHT)
            parts.append(f'<line class="mark-{name}" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{COLOURS[name]}" stroke-width="2" stroke-dasharray="4 3"/>')
            # Labels on three rows (percentiles are often close together), left of the line near the right edge.
            anchor, dx = ("end", -4) if x > W - RIGHT - 90 else ("start", 4)
            parts.append(f'<text x="{x + dx:.1f}" y="{TOP + 12 + 13 * row}" text-anchor="{anchor}" style="fill:{COLOURS[name]}">{name} {value:.3g} ms</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{H - 6}" text-anchor="middle">total time per answer, ms (log scale)</text>')
    return _svg("latency-histogram", "histogram of total answer times", parts)


def _x_ticks(seconds: int) -> list[tuple[float, str]]:
    step = max(1, math.ceil(seconds / 10))
    return [(n / max(seconds, 1), f"{n}s") for n in range(0, seconds + 1, step)]


def _latency_over_time(timeline: list[dict[str, Any]]) -> str:
    points = {name: [(row["second"], row["total_ms"][name]) for row in timeline if row["total_ms"].get(name) is not None] for name in ("p50", "p95", "p99")}
    if not points["p50"]:
        return "<p>No answer has ended yet.</p>"
    seconds = max(len(timeline), 1)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    y_max = _nice_max(max(v for _, v in points["p99"] or points["p50"]))
    parts = _axes(y_max, "ms", _x_ticks(seconds))
    for name, series in points.items():
        # Each second's value is drawn at the middle of that second.
        coords = " ".join(f"{LEFT + plot_w * (s + 0.5) / seconds:.1f},{TOP + plot_h - plot_h * min(v, y_max) / y_max:.1f}" for s, v in series)
        parts.append(f'<polyline class="line-{name}" points="{coords}" fill="none" stroke="{COLOURS[name]}" stroke-width="2"/>')
        if len(series) == 1:
            x, y = coords.split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{COLOURS[name]}"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{H - 6}" text-anchor="middle">seconds since the first request (answers by the second they ended in)</text>')
    return _svg("latency-over-time", "p50, p95 and p99 of total answer time per second", parts)


def _failures_over_time(timeline: list[dict[str, Any]]) -> str:
    if not timeline:
        return "<p>No request was sent.</p>"
    seconds = len(timeline)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    y_max = _nice_max(max(max(row["completed"], row["sent"]) for row in timeline))
    parts = _axes(y_max, "answers", _x_ticks(seconds))
    width = plot_w / seconds
    for row in timeline:
        x = LEFT + width * row["second"]
        answered = row["completed"] - row["no_answer"]
        tip = f"second {row['second']}: {row['sent']} sent, {answered} answered, {row['failed']} failed, {row['no_answer']} no answer"
        # The failed bar stands in front of the answered one; the requests without an answer are
        # stacked on top of the answers.
        for key, count, base in (("answered", answered, 0), ("failed", row["failed"], 0), ("no-answer", row["no_answer"], answered)):
            if count:
                height = plot_h * count / y_max
                top = TOP + plot_h - plot_h * base / y_max - height
                parts.append(
                    f'<rect class="bar-{key}" x="{x + width * 0.1:.1f}" y="{top:.1f}" width="{max(width * 0.8, 1):.1f}" height="{height:.1f}" fill="{COLOURS[key]}">'
                    f"<title>{_e(tip)}</title></rect>"
                )
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{H - 6}" text-anchor="middle">seconds since the first request</text>')
    return _svg("failures-over-time", "answers, failed answers and requests without an answer per second", parts)


def _legend(*names: str) -> str:
    labels = {"answered": "answered", "failed": "failed (an error finding)", "no-answer": "no answer (refused, reset, timed out…)"}
    return '<p class="legend">' + "".join(f'<span><i style="background:{COLOURS[n]}"></i>{_e(labels.get(n, n))}</span>' for n in names) + "</p>"


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric_from: int = 1) -> str:
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td{" class=n" if i >= numeric_from else ""}>{cell}</td>' for i, cell in enumerate(row)) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _unanswered(summary: dict[str, Any]) -> str:
    """The requests that got no answer, and the answers cut short, by why."""
    said = [
        f"{label}: " + ", ".join(f"{v} {_e(k)}" for k, v in counts.items()) + "."
        for label, counts in (("No answer", summary["no_answer_reasons"]), ("Answers cut short", summary["cut_short"]))
        if counts
    ]
    return " ".join(said) or "Every request got a whole answer."


def render_load_html(summary: dict[str, Any], *, title: str = "Chat Completions load") -> str:
    endpoint = summary["endpoint"]
    settings = summary["settings"]
    judged = summary.get("judged", True)
    counts = [
        ("requests", summary["requests"], False),
        ("answered", summary["answered"], False),
        ("failed", summary["failed"], summary["failed"] > 0),
        ("no answer", summary["no_answer"], summary["no_answer"] > 0),
        ("answers/s", _fmt(summary["throughput"]["answers_per_s"]), False),
        ("chunks/s", _fmt(summary["throughput"]["chunks_per_s"], 0), False),
    ]
    if summary.get("abandoned"):
        counts.append(("abandoned in flight", summary["abandoned"], True))
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<title>{_e(title)}: {_e(endpoint['name'])}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        f"<h1>{_e(title)}: {_e(endpoint['name'])}</h1>\n",
        f'<p class="meta">{_e(endpoint["url"])} ({_e(endpoint["kind"])}{", model " + _e(endpoint["model"]) if endpoint.get("model") else ""}) · '
        f"{_e(summary['started'])} to {_e(summary['finished'])} · concurrency {_e(settings['concurrency'])}"
        f"{' · rate ' + _e(settings['rate']) + '/s' if settings.get('rate') else ''} · harness {_e(summary['harness_version'])}</p>\n",
    ]
    if summary.get("interrupted"):
        parts.append('<p class="banner" id="interrupted-banner">Interrupted (Ctrl-C): the counts cover what ended before the drain.</p>\n')
    if not judged:
        parts.append('<p class="banner">Not judged (--judge none): only missing answers are findings.</p>\n')
    parts.append('<div class="counts">' + "".join(f'<div class="count{" bad" if bad else ""}"><b>{_e(v)}</b>{_e(k)}</div>' for k, v, bad in counts) + "</div>\n")

    parts.append("<h2>Latency</h2>\n<figure><figcaption>Total time per answer: from sending the request to its last byte.</figcaption>")
    parts.append(_histogram(summary) + _legend("p50", "p95", "p99") + "</figure>\n")
    parts.append("<figure><figcaption>p50, p95 and p99 of the total time of the answers that ended in each second.</figcaption>")
    parts.append(_latency_over_time(summary["timeline"]) + _legend("p50", "p95", "p99") + "</figure>\n")
    latency_rows = [
        (_e(name.replace("_", " ")), _fmt(f["p50"]), _fmt(f["p95"]), _fmt(f["p99"]), _fmt(f["mean"]), _fmt(f["max"]), f["count"])
        for name, f in summary["latency_ms"].items()
    ]
    parts.append(_table(["ms", "p50", "p95", "p99", "mean", "max", "samples"], latency_rows))

    parts.append(
        "<h2>Failures</h2>\n<figure><figcaption>Answers that ended in each second, the failed ones among them, "
        "and the requests that got no answer.</figcaption>"
    )
    parts.append(_failures_over_time(summary["timeline"]) + _legend("answered", "failed", "no-answer") + "</figure>\n")
    recordings = summary.get("recordings", {})
    rule_rows = []
    for rule_id, severities in summary["findings_by_rule"].items():
        kept = " ".join(f'<a href="{_e(path)}">{_e(Path(path).stem)}</a>' for path in recordings.get(rule_id, []))
        rule_rows.append((f"<code>{_e(rule_id)}</code>", *(severities.get(s, 0) or "" for s in ("error", "warning", "info")), kept))
    if rule_rows:
        parts.append('<div id="findings-by-rule">' + _table(["rule", "error", "warning", "info", "recordings (chat-conformance check FILE)"], rule_rows) + "</div>")
    else:
        parts.append('<p id="findings-by-rule">No finding.</p>')

    parts.append("<h2>HTTP</h2>")
    parts.append(_table(["final status", "requests"], ((_e(k) if k != "none" else "no answer", v) for k, v in summary["http_status"].items())))
    pressure = summary["back_pressure"]
    parts.append(
        f"<p>Back-pressure: {pressure['retried_429']} × 429 and {pressure['retried_503']} × 503 retried, {pressure['with_retry_after']} with Retry-After. "
        + _unanswered(summary)
        + "</p>"
    )
    overhead = summary["overhead_per_answer_ms"]
    if overhead.get("judging_cpu"):
        parts.append(
            f"<p>Harness CPU per answer: judging {_fmt(overhead['judging_cpu']['mean'], 3)} ms (p95 {_fmt(overhead['judging_cpu']['p95'], 3)}), "
            f"accounting {_fmt(overhead['accounting_cpu']['mean'], 3)} ms; the server took {_fmt(overhead['server_total_mean'])} ms an answer.</p>"
        )
    case_rows = [(f"<code>{_e(c['case'])}</code>", "stream" if c["stream"] else "json", c["sent"]) for c in summary.get("cases", [])]
    parts.append("<h2>Cases</h2>" + _table(["case", "answer", "sent"], case_rows, numeric_from=2))
    if summary.get("excluded"):
        parts.append("<p>Left out: " + "; ".join(f"<code>{_e(x['case'])}</code> ({_e(x['why'])})" for x in summary["excluded"]) + "</p>")
    parts.append("\n</body>\n</html>\n")
    return "".join(parts)


def write_load_html(summary: dict[str, Any], report_dir: Path) -> Path:
    path = report_dir / LOAD_PAGE
    write_atomic(path, render_load_html(summary))
    return path
