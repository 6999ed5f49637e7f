"""The terminal view of a run: results grouped by endpoint, one line each, then a closing summary.

A terminal of 80 columns must stay readable, so nothing here is laid out by a table that squeezes
columns: each result is one line (two when its case id is too long to leave room for a finding),
the first finding is cut at a word to what fits, and the full detail is in `-v` or the reports.
Skips are counted per endpoint, not listed, unless asked for. What wraps (an endpoint's counts,
`-v`'s findings) wraps at words with a hanging indent, never inside a name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from .._wrap import wrap_words
from ..runner import CaseResult, Verdict
from ..transport import no_answer_reason, no_answer_why
from ..validators import TRANSPORT_FAILURE, Finding, Severity

__all__ = ["render_table", "summary_line", "summary_units", "exit_explanation", "VERDICT_STYLES"]

VERDICT_STYLES = {
    Verdict.PASS: "green",
    Verdict.WARN: "yellow",
    Verdict.FAIL: "bold red",
    Verdict.FLAKY: "bold yellow",
    Verdict.STALE: "magenta",
    Verdict.SKIP: "dim",
}
_INDENT = "  "
_GAP = "  "
_MIN_FINDING = 24
"""Narrower than this, the first finding goes on a line of its own."""
_MIN_KEPT = 8
"""A cut finding keeps its `(+N more)` only when this much of its text still fits beside it."""


def _verdict_label(result: CaseResult) -> str:
    return str(result.verdict)


def _no_answer(finding: Finding) -> str | None:
    """Why a request got no HTTP answer (`connection refused`), for its transport.failure finding."""
    return no_answer_reason(finding.evidence) if finding.rule == TRANSPORT_FAILURE else None


def _first_no_answer(result: CaseResult) -> str | None:
    return next((why for why in map(_no_answer, result.open_findings) if why), None)


def _finding_line(finding: Finding) -> str:
    where = f" [{finding.location}]" if str(finding.location) else ""
    said = f"{finding.evidence}: " if _no_answer(finding) else ""  # first: the line may be cut
    return f"{finding.rule}: {said}{finding.message}{where}"


def _first_finding(result: CaseResult) -> tuple[str, str]:
    """The first open finding of a result, and what says how many more there are (kept whole
    when the finding is cut)."""
    if result.verdict in (Verdict.SKIP, Verdict.STALE) and result.detail and result.first_problem is None:
        return result.detail, ""
    problem = result.first_problem
    if problem is None or problem.severity is Severity.INFO:
        return "", ""  # info findings are notes, for -v and the reports
    others = len(result.open_findings) - 1
    return _finding_line(problem), f" (+{others} more)" if others > 0 else ""


def _cut(text: str, width: int, tail: str = "") -> str:
    """`text` and `tail` in `width` characters: the text cut after a whole word and marked `…`
    when it does not fit (a word is cut only when the first one alone is too long)."""
    text = " ".join(text.split())  # a message's own line breaks would add lines
    if len(text) + len(tail) <= width:
        return text + tail
    first = text.split(" ", 1)[0]  # the rule id, which is never cut for the count's sake
    if len(tail) + max(len(first) + 1, _MIN_KEPT) > width:
        tail = ""  # too narrow for both: the text before its count
    room = max(width - len(tail) - 1, 0)
    space = text.rfind(" ", 0, room + 1)
    kept = text[:space].rstrip(" ,;:") if space > 0 else text[:room]
    return kept + "…" + tail


@dataclass
class _Layout:
    width: int
    verdict: int
    case: int

    @property
    def finding(self) -> int:
        return self.width - len(_INDENT) - self.verdict - len(_GAP) - self.case - len(_GAP)


def _layout(results: Sequence[CaseResult], width: int) -> _Layout:
    verdict = max((len(_verdict_label(r)) for r in results), default=4)
    longest = max((len(r.case_id) for r in results), default=0)
    # The case column takes what the ids need, unless that leaves the findings too little room;
    # a longer id then overflows the column and its finding moves to the next line.
    room = width - len(_INDENT) - verdict - 2 * len(_GAP) - _MIN_FINDING
    return _Layout(width, verdict, max(min(longest, room), 8))


def _endpoint_header(endpoint: str, results: Sequence[CaseResult], width: int) -> list[Text]:
    """The endpoint's name and its counts, wrapped under the counts when they do not fit."""
    counts = _endpoint_counts(results)
    lead = f"{endpoint}  "
    hanging = " " * len(lead) if width - len(lead) >= _MIN_FINDING else _INDENT * 2
    lines = [Text(line, style="dim") for line in wrap_words(counts, width, indent=lead, hanging=hanging)]
    lines[0].stylize("bold not dim", 0, len(endpoint))
    return lines


def _endpoint_counts(results: Sequence[CaseResult]) -> str:
    counts = Counter(str(r.verdict) for r in results if r.verdict is not Verdict.SKIP)
    parts = [f"{counts[v]} {v}" for v in ("pass", "warn", "fail", "flaky", "stale") if counts.get(v)]
    skips = Counter(r.skip_reason for r in results if r.verdict is Verdict.SKIP)
    if skips:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(skips.items(), key=lambda kv: str(kv[0])))
        parts.append(f"{sum(skips.values())} skipped ({reasons})")
    return ", ".join(parts)


def _result_lines(result: CaseResult, layout: _Layout, verbose: bool) -> list[Text]:
    label = _verdict_label(result)
    head = Text(_INDENT)
    head.append(label.ljust(layout.verdict), style=VERDICT_STYLES[result.verdict])
    head.append(_GAP + result.case_id)
    summary, more = _first_finding(result)
    lines = [head]
    if verbose:
        lines += _detail_lines(result, layout)
        return lines
    if not summary:
        return lines
    fits_beside = layout.finding >= max(_MIN_FINDING, len(summary.split(" ", 1)[0]) + 1)  # the rule id whole
    if len(result.case_id) <= layout.case and fits_beside:
        head.append(" " * (layout.case - len(result.case_id)) + _GAP)
        head.append(_cut(summary, layout.finding, more), style="dim" if result.verdict is Verdict.SKIP else None)
    else:
        indent = len(_INDENT) * 2 + layout.verdict
        lines.append(Text(" " * indent + _cut(summary, layout.width - indent, more)))
    return lines


def _detail_lines(result: CaseResult, layout: _Layout) -> list[Text]:
    """-v: every finding, whole, wrapped under its result with a hanging indent."""
    indent = " " * (len(_INDENT) * 2 + layout.verdict)
    width = max(layout.width, len(indent) + 20)

    def wrapped(text: str, style: str | None, extra: str = "") -> list[Text]:
        return [Text(piece, style=style or "") for piece in wrap_words(text, width, indent=indent + extra)]

    out: list[Text] = []
    if result.detail and (result.verdict in (Verdict.SKIP, Verdict.STALE, Verdict.FLAKY)):
        out += wrapped(result.detail, "dim")
    for finding in sorted(result.findings, key=lambda f: -f.severity):
        line = f"{finding.severity} {_finding_line(finding)}"
        if finding.count > 1:
            line += f" (×{finding.count})"
        if finding.known is not None:
            line += f" (known: {finding.known})"
        out += wrapped(line, _SEVERITY_STYLES[finding.severity])
        if finding.evidence:
            out += wrapped(f"evidence: {finding.evidence}", "dim", extra="  ")
        for note in finding.clients:
            version = f" {note.version}" if note.version else ""
            out += wrapped(f"{note.outcome}: {note.name}{version}: {note.detail}", _CLIENT_STYLES.get(note.outcome), extra="  ")
    return out


_SEVERITY_STYLES = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}
_CLIENT_STYLES = {"breaks": "red", "mis-assembles": "red"}


def render_table(results: Sequence[CaseResult], console: Console, *, verbose: bool = False, show_skips: bool = False) -> None:
    """Results grouped by endpoint: a header line with the endpoint's counts, then one line per
    result that ran (two at most), its first open finding cut to the width. `verbose` adds every
    finding in full; `show_skips` (implied by verbose) lists skipped cases too."""
    by_endpoint: dict[str, list[CaseResult]] = {}
    for result in results:
        by_endpoint.setdefault(result.endpoint, []).append(result)
    width = console.size.width
    for endpoint, members in by_endpoint.items():
        shown = [r for r in members if r.verdict is not Verdict.SKIP or show_skips or verbose]
        for line in _endpoint_header(endpoint, members, width):
            console.print(line, no_wrap=True, overflow="ellipsis")
        layout = _layout(shown, width)
        for result in shown:
            for line in _result_lines(result, layout, verbose):
                console.print(line, no_wrap=True, overflow="ellipsis")


def summary_line(results: Sequence[CaseResult]) -> str:
    return " ".join(summary_units(results))


def summary_units(results: Sequence[CaseResult]) -> list[str]:
    """The closing summary in the pieces a wrapped line keeps whole: `48 case(s)`, `× 7 endpoint(s):`,
    then each count (`122 skip (not-applicable),`)."""
    counts = Counter(str(r.verdict) if r.verdict is not Verdict.SKIP else f"skip ({r.skip_reason})" for r in results)
    cases = len({r.case_id for r in results})
    endpoints = len({r.endpoint for r in results})
    order = ["pass", "warn", "fail", "flaky", "stale"]
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    parts += [f"{n} {k}" for k, n in sorted(counts.items()) if k.startswith("skip")]
    counted = [f"{part}," for part in parts[:-1]] + parts[-1:]
    return [f"{cases} case(s)", f"× {endpoints} endpoint(s):", *(counted or ["nothing ran"])]


def exit_explanation(
    results: Sequence[CaseResult],
    threshold: Severity,
    *,
    report_html: str | None,
    bundled_replay: bool = False,
) -> tuple[int, list[str]]:
    """The exit code the findings call for, and the lines that say why (the last thing a run prints)."""
    failing = [r for r in results if any(f.severity >= threshold for f in r.open_findings)]
    see = f" See {report_html} for every finding with its evidence." if report_html else ""
    if not failing:
        warned = sum(1 for r in results if any(f.severity is Severity.WARNING for f in r.open_findings))
        lines = [f"exit 0: no finding at or above {threshold}."]
        if warned and threshold is Severity.ERROR:
            lines[0] += f" {warned} result(s) have warnings (--fail-on warning makes them fail the run)."
        return 0, lines
    per_endpoint = Counter(r.endpoint for r in failing)
    where = ", ".join(f"{n} {name}" for name, n in per_endpoint.most_common())
    stale = sum(1 for r in failing if r.verdict is Verdict.STALE)
    lines = [f"exit 1: {len(failing)} result(s) have {threshold} findings ({where})."]
    if stale:
        lines.append(f"{stale} of them are stale recordings: each names the command that re-records it.")
    unanswered = Counter(why for why in map(_first_no_answer, failing) if why)
    if unanswered:
        lines.append(f"{unanswered.total()} of them got no answer {no_answer_why(unanswered)}.")
    if bundled_replay:
        lines.append(
            "These are real defects in the bundled recordings (the local servers, and Google's own sample "
            "stream), not a fault of this tool." + see
        )
    elif see:
        lines.append(see.strip())
    return 1, lines
