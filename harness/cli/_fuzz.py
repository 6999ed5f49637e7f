"""`chat-conformance fuzz`: schema-driven request fuzzing of one endpoint."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .._files import write_atomic
from ..errors import UsageError
from ..transport import Limits
from ._errors import EXIT_FINDINGS, EXIT_OK, handle_input_errors
from ._select import endpoint_options, select_endpoints

__all__ = ["fuzz"]


@click.command()
@endpoint_options
@click.option("--profile", type=click.Choice(["openai", "vertex"]), help="Request schema to draw from (default: the endpoint's profile).")
@click.option("--max-examples", type=click.IntRange(1, 100000), default=100, show_default=True, help="Requests to generate (shrinking sends more).")
@click.option("--budget", type=click.FloatRange(1, 86400), default=60.0, show_default=True, help="Seconds for the whole run, shrinking included.")
@click.option("--seed", type=int, help="Seed for reproducible generation.")
@click.option("--read-timeout", type=float, default=30.0, show_default=True, help="A silence longer than this is a hang (a failure).")
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports/latest"), show_default=True, help="Failing examples go to REPORT_DIR/fuzz/ (cases + recordings).")
@handle_input_errors
def fuzz(**params) -> None:
    """Send schema-generated requests to one endpoint and report how it copes.

    Schema-valid requests may be answered (the answer must pass the rules) or cleanly rejected
    (a 4xx with an error body: info). Schema-invalid requests must get a 4xx with an OpenAI error
    body. Failures: a 5xx, a hang, a request dropped without an answer, a malformed error body, a
    2xx for an invalid request, an error finding on an answer. Each failing example is saved
    before shrinking (REPORT_DIR/fuzz/), as a case with its recording: replay it with
    `chat-conformance run --cases REPORT_DIR/fuzz --no-bundled-cases --endpoint NAME`, or judge it
    with `chat-conformance check`.

    Requests that get no answer are counted apart ("no answer (connection refused)"); after a few
    in a row that cannot reach the server, fuzzing stops. Exit 0: every request was answered and
    none failed; 1: a failure, or a request got no answer; 2: bad input.
    """
    from ..endpoints import make_auth
    from ..fuzz import Fuzzer, FuzzSettings
    from ..runner import Mode

    endpoints = select_endpoints(params, Mode.LIVE)
    if len(endpoints) != 1:
        raise UsageError(f"fuzz takes one endpoint; {len(endpoints)} are selected: pick one with --endpoint")
    (endpoint,) = endpoints
    settings = FuzzSettings(
        max_examples=params["max_examples"],
        budget=params["budget"],
        seed=params["seed"],
        limits=Limits(read_timeout=params["read_timeout"], total_timeout=max(params["read_timeout"] * 4, 60.0), retries=0),
        profile=params["profile"] or endpoint.effective_profile,
    )
    out_dir = params["report_dir"] / "fuzz"
    report = Fuzzer(endpoint, make_auth(endpoint.auth), settings, out_dir).run()
    write_atomic(out_dir / "summary.json", json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    click.echo(f"fuzz {endpoint.name}: {_counts(report)}" + (" (budget exhausted)" if report.budget_exhausted else ""))
    for kind, count in sorted(report.counts.items()):
        click.echo(f"  {kind}: {count}")
    for kind, reason in report.failures.items():
        click.echo(f"  FAILURE {kind}: {reason}")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if report.saved:
        click.echo(f"saved {len(report.saved) // 2} failing example(s) under {out_dir}/ (cases and recordings)")
    sys.exit(EXIT_FINDINGS if report.failures or report.no_answer else EXIT_OK)


def _counts(report) -> str:
    """`12 requests: 10 answered, 2 no answer (connection reset)`."""
    from ..transport import no_answer_count

    counts = f"{report.requests} requests: {report.answered} answered"
    return counts + (f", {no_answer_count(report.no_answer)}" if report.no_answer else "")
