"""`chat-conformance load`: judged load against one endpoint."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..runner import Mode
from ._errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, handle_input_errors
from ._select import case_options, endpoint_options, filter_cases, limit_options, limits_from, load_case_dirs, select_endpoints

__all__ = ["load"]


@click.command()
@case_options
@endpoint_options
@click.option("--concurrency", type=int, default=4, show_default=True, help="Requests in flight at once.")
@click.option("--requests", "request_count", type=int, help="Requests to start (a retry is not a new request). Default: 100 unless --duration.")
@click.option("--duration", type=float, help="Seconds during which requests are started (instead of --requests).")
@click.option("--rate", type=float, help="Request starts per second, across all workers (default: as fast as answers come back).")
@click.option("--judge", type=click.Choice(["full", "none"]), default="full", show_default=True, help="none: send the same load unjudged, to measure what judging costs.")
@click.option("--drain", type=float, default=10.0, show_default=True, help="After Ctrl-C: seconds the answers in flight get to finish.")
@limit_options
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports/load"), show_default=True, help="Where load.json, load.html, results.jsonl and recordings/ go.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines; only the summary.")
@handle_input_errors
def load(**params: Any) -> None:
    """Send the selected cases concurrently to one endpoint and judge every answer.

    The cases (--case/--tag/--feature) are used in turn, one request each, by --concurrency
    workers, for --requests N or --duration S, optionally at --rate R a second. Every answer is
    judged by every rule as it arrives (streams chunk by chunk, in constant memory), with the
    rules' own severities; real clients are not run. A request that gets no HTTP answer
    (connection refused, reset, timed out) is counted apart from the answers. Multi-step cases
    and cases for other endpoint kinds are left out; load.json lists them, with why.

    \b
    Writes to --report-dir: load.json (counts, findings by rule, HTTP statuses, latency
    percentiles, throughput, a per-second timeline), load.html (the pictures), results.jsonl (a
    line per answer, as it is known) and recordings/ (the first 5 failing answers of each rule,
    readable by `chat-conformance check`).

    \b
    Exit: 0 every request was answered and none failed, 1 an answer failed (an error finding) or
    a request got no answer, 2 bad input, 130 after Ctrl-C.
    """
    from ..endpoints import make_auth
    from ..load import LOAD_FILE, LoadRun, LoadSettings, plan_cases

    settings = LoadSettings(
        concurrency=params["concurrency"],
        requests=params["request_count"],
        duration=params["duration"],
        rate=params["rate"],
        judge=params["judge"] == "full",
        drain=params["drain"],
        limits=limits_from(params),
    )
    problem = settings.problem()
    if problem:
        raise UsageError(problem)
    if settings.requests is None and settings.duration is None:
        settings.requests = 100
    cases = filter_cases(load_case_dirs(params["case_dirs"], params["no_bundled_cases"]), params["case_globs"], params["tags"], params["features"])
    endpoints = select_endpoints(params, Mode.LIVE)
    if len(endpoints) != 1:
        raise UsageError(f"load takes one endpoint; {len(endpoints)} are selected: pick one with --endpoint")
    (endpoint,) = endpoints
    if not endpoint.recordable:
        raise UsageError(f"endpoint {endpoint.name} holds documentation samples, not a server; name a live endpoint")
    plans, excluded = plan_cases(cases, endpoint)
    if not plans:
        why = "; ".join(f"{e['case']}: {e['why']}" for e in excluded[:3])
        raise UsageError(f"no selected case can be sent to {endpoint.name} under load ({why})")
    auth = make_auth(endpoint.auth)
    quiet = params["quiet"]
    report_dir: Path = params["report_dir"]
    if excluded and not quiet:
        click.echo(_left_out(excluded, report_dir / LOAD_FILE), err=True)
    run = LoadRun(
        endpoint,
        plans,
        settings,
        report_dir,
        auth=auth,
        excluded=excluded,
        progress=None if quiet else _progress,
        on_interrupt=lambda in_flight: _interrupted_notice(in_flight, settings.drain),
    )
    if run.concurrency < settings.concurrency:
        click.echo(f"note: {endpoint.name} allows {run.concurrency} requests in flight (max_concurrency); using that", err=True)
    summary = run.run()
    from ..load import write_load_html

    page = write_load_html(summary, report_dir)
    _print_summary(summary)
    click.echo(f"reports in {report_dir}/: {LOAD_FILE}, {page.name}, results.jsonl, recordings/", err=True)
    if run.interrupted:
        click.echo(f"exit {EXIT_INTERRUPTED}: interrupted; {summary['completed']} answer(s) counted, {summary['abandoned']} abandoned in flight", err=True)
        sys.exit(EXIT_INTERRUPTED)
    problems = _problems(summary)
    if problems:
        click.echo(f"exit {EXIT_FINDINGS}: " + "; ".join(problems), err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"exit {EXIT_OK}: every request was answered" + (", none with an error finding" if summary["judged"] else ""), err=True)
    sys.exit(EXIT_OK)


def _interrupted_notice(in_flight: int, drain: float) -> None:
    """Said the moment Ctrl-C is taken, so the wait that follows is not mistaken for a hang."""
    click.echo(
        f"interrupted: no new requests; waiting up to {drain:g} s for the {in_flight} in flight (Ctrl-C again to stop waiting)",
        err=True,
    )


def _left_out(excluded: list[dict[str, str]], load_file: Path) -> str:
    """One line however many cases were left out: the case and why, or how many for which reasons."""
    from ..load import LEFT_OUT

    if len(excluded) == 1:
        (item,) = excluded
        return f"left out {item['case']}: {item['why']}"
    reasons = Counter(item["reason"] for item in excluded)
    why = ", ".join(f"{count} {LEFT_OUT[reason]}" for reason, count in reasons.most_common())
    return f'left out {len(excluded)} cases ({why}): see "excluded" in {load_file}'


def _problems(summary: dict[str, Any]) -> list[str]:
    """Why the run exits 1: answers that failed, requests that got no answer."""
    from ..transport import no_answer_why

    problems = []
    if summary["failed"]:
        problems.append(f"{summary['failed']} of {summary['answered']} answers failed (an error finding)")
    if summary["no_answer"]:
        problems.append(f"{summary['no_answer']} of {summary['requests']} requests got no answer {no_answer_why(summary['no_answer_reasons'])}")
    return problems


def _counts(summary: dict[str, Any]) -> str:
    """`5 requests: 0 answered, 5 no answer (connection refused)`: the answers apart from the rest."""
    from ..transport import no_answer_count

    parts = [f"{summary['answered']} answered" + (f" ({summary['failed']} failed)" if summary["failed"] else "")]
    if summary["no_answer"]:
        parts.append(no_answer_count(summary["no_answer_reasons"]))
    if summary["abandoned"]:
        parts.append(f"{summary['abandoned']} abandoned in flight")
    return f"{summary['requests']} requests: " + ", ".join(parts)


def _progress(snapshot: dict[str, Any]) -> None:
    seconds = snapshot["seconds"]
    rate = snapshot["answered"] / seconds if seconds > 0 else 0.0
    click.echo(
        f"{seconds:5.0f}s: {snapshot['requests']} requests: {snapshot['answered']} answered ({snapshot['failed']} failed), "
        f"{snapshot['no_answer']} no answer, {rate:.1f} answers/s",
        err=True,
    )


def _ms(summary: dict[str, Any], name: str) -> str:
    figures = summary["latency_ms"][name]
    if not figures["count"]:
        return f"{name.replace('_', ' ')}: -"
    return f"{name.replace('_', ' ')} p50 {figures['p50']:.1f} p95 {figures['p95']:.1f} p99 {figures['p99']:.1f} ms"


def _print_summary(summary: dict[str, Any]) -> None:
    judged = "" if summary["judged"] else " (not judged: --judge none)"
    click.echo(f"load {summary['endpoint']['name']}{judged}: {_counts(summary)}")
    for rule_id, severities in summary["findings_by_rule"].items():
        click.echo(f"  {rule_id}: " + ", ".join(f"{count} {severity}" for severity, count in severities.items()))
    statuses = ", ".join(f"{status}: {count}" for status, count in summary["http_status"].items() if status != "none")  # "none": no answer
    if statuses:
        click.echo(f"  HTTP {statuses}")
    if summary["cut_short"]:
        click.echo("  answers cut short: " + ", ".join(f"{count} {words}" for words, count in summary["cut_short"].items()))
    pressure = summary["back_pressure"]
    if pressure["retried_429"] or pressure["retried_503"]:
        click.echo(f"  back-pressure: {pressure['retried_429']} × 429, {pressure['retried_503']} × 503 retried ({pressure['with_retry_after']} with Retry-After)")
    click.echo("  " + "; ".join(_ms(summary, name) for name in ("time_to_first_content", "inter_chunk_gap", "total")))
    throughput = summary["throughput"]
    overhead = summary["overhead_per_answer_ms"]
    line = f"  {throughput['answers_per_s'] or 0:.1f} answers/s, {throughput['chunks_per_s'] or 0:.0f} chunks/s over {throughput['elapsed_s']:.1f}s"
    if overhead["judging_cpu"]:
        line += f"; harness CPU per answer: judging {overhead['judging_cpu']['mean']:.2f} ms, accounting {overhead['accounting_cpu']['mean']:.2f} ms"
        line += f" (server: {overhead['server_total_mean']:.1f} ms an answer)" if overhead["server_total_mean"] is not None else ""
    click.echo(line)
