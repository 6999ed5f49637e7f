"""The `chat-conformance` command.

Exit codes, the same for every command:
  0  no finding at or above the --fail-on severity (default: error)
  1  at least one such finding
  2  the tool's own input is unusable (flags, config, case files, recordings)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .._process import end_process, tune_collector
from .._version import __version__
from ..cases import Case
from ..endpoints import Endpoint, bundled_endpoints, endpoint_kinds, find_config, load_config
from ..errors import UsageError, did_you_mean
from ..report import RESULTS_FILE, ResultsLog, exit_explanation, report_files, reporters, run_header, write_reports
from ..runner import CaseResult, Mode, Runner, RunSettings, Verdict, build_request, curl_command, documented_target_note, load_baseline
from ..validators import Severity, registry, resolve_rule_selection, rule_ids
from ._check import check
from ._clients import clients, clients_option, selected_clients
from ._diff import diff, report
from ._fuzz import fuzz
from ._load import load
from ._merge import merge
from ._options import LazyHelpOption
from ._select import case_options, endpoint_options, filter_cases, limit_options, limits_from, load_case_dirs, parse_shard, select_endpoints, shard_option
from ._errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, handle_input_errors
from ._listing import Listing, print_listing
from ._terminal import echo_fitted, guard_pipes, make_console, width_of

__all__ = ["main", "cli"]

# -- commands ------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="chat-conformance")
def cli() -> None:
    """Conformance tests for OpenAI-compatible Chat Completions APIs.

    Each documented request variant (Vertex AI's Gemini and self-deployed endpoints, and any
    server that claims the OpenAI API: vLLM, llama.cpp, Ollama, OpenAI) is a YAML case. `run`
    sends the cases live, records them, or replays recordings, and judges every answer with a
    registry of cited rules.

    \b
    Exit codes: 0 no error finding, 1 at least one (--fail-on sets the level),
                2 unusable input (flags, config, case files, recordings).
    """


@cli.command()
@case_options
@endpoint_options
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default="replay",
    show_default=True,
    help="replay: judge recordings, no network. live: send requests. record: send them and save the answers as recordings.",
)
@click.option("--recordings", "recordings_dir", type=click.Path(path_type=Path), help="Read/write recordings here instead of beside each case folder.")
@click.option("--checks", multiple=True, metavar="RULE", help="Run only these rules (repeatable, or comma-separated; `all` for every rule).")
@click.option("--exclude-checks", multiple=True, metavar="RULE", help="Skip these rules (repeatable, or comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True, help="Lowest finding severity that makes the exit code 1.")
@clients_option
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Results as a table, or one JSON object per line.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failing results and the closing lines.")
@click.option("--verbose", "-v", is_flag=True, help="Print every finding of every result in full (with evidence), and the skipped cases.")
@click.option("--show-skips", is_flag=True, help="List skipped cases one by one (by default they are counted per endpoint).")
@limit_options
@click.option(
    "--report-dir",
    cls=LazyHelpOption,
    type=click.Path(path_type=Path),
    default=Path("reports/latest"),
    show_default=True,
    help=lambda: f"Where {RESULTS_FILE} (written as results arrive) and {', '.join(report_files())} go.",
)
@click.option("--baseline", type=click.Path(path_type=Path), help="Known quirks per endpoint: matching findings are reported as known and do not fail the run.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True, help="Run each case K times: pass^k, pass@k, and `flaky` when runs disagree.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Cases in flight at once in live and record modes (an endpoint's max_concurrency and requests_per_second still apply). Results keep their order.",
)
@shard_option
@handle_input_errors
def run(**params) -> None:
    """Run cases against endpoints and print a verdict per case × endpoint.

    With no options: replay the bundled recordings of every bundled endpoint, without network.
    A case with no recording for an endpoint is reported as `skip (not-recorded)` with the
    command that records it; one whose request changed since it was recorded is `stale`.

    \b
    Examples:
      chat-conformance run
      chat-conformance run --mode live --base-url http://127.0.0.1:8000/v1 --model my-model --auth none
      chat-conformance run --mode record --endpoint my-gemini --case 'gemini-*'
    """
    mode = Mode(params["mode"])
    shard = parse_shard(params["shard"])
    try:
        rules = resolve_rule_selection(
            _split(params["checks"]) or None,
            _split(params["exclude_checks"]),
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    cases = filter_cases(load_case_dirs(params["case_dirs"], params["no_bundled_cases"]), params["case_globs"], params["tags"], params["features"])
    endpoints = select_endpoints(params, mode)
    limits = limits_from(params)
    baseline = load_baseline(params["baseline"], known_rules=set(rule_ids())) if params["baseline"] else None
    clients = selected_clients(params["clients_choice"])
    settings = RunSettings(
        mode=mode,
        limits=limits,
        rules=rules,
        recordings_dir=params["recordings_dir"],
        repeat=params["repeat"],
        concurrency=params["concurrency"],
        clients=clients,
        shard=shard,
    )
    report_dir: Path = params["report_dir"]
    header = run_header(
        mode, cases, endpoints, repeat=params["repeat"], baseline=str(params["baseline"]) if baseline else None, clients=clients, shard=shard
    )
    log = ResultsLog(report_dir, header)
    results: list[CaseResult] = []

    def keep(result: CaseResult) -> None:
        if baseline is not None:
            baseline.apply([result])
        log.append(result)
        results.append(result)

    interrupted = False
    try:
        _run_with_progress(settings, cases, endpoints, quiet=params["quiet"], on_result=keep)
    except KeyboardInterrupt:
        interrupted = True
    log.close(interrupted=interrupted)
    write_reports(report_dir)
    threshold = Severity.parse(params["fail_on"])
    _print_results(results, params["output_format"], params["quiet"], params["verbose"], params["show_skips"])
    echo_fitted(f"reports in {report_dir}/: {', '.join([*report_files(), RESULTS_FILE])}", err=True)
    # The page to open for the evidence, when the HTML reporter is registered.
    page = reporters().get("html")
    html = str(report_dir / page.filename) if page else None
    if interrupted:
        echo_fitted(f"exit {EXIT_INTERRUPTED}: interrupted; {len(results)} finished result(s) kept in the reports", err=True)
        sys.exit(EXIT_INTERRUPTED)
    bundled = mode is Mode.REPLAY and not params["recordings_dir"] and _all_bundled(endpoints)
    code, why = exit_explanation(results, threshold, report_html=html, bundled_replay=bundled)
    for line in why:
        echo_fitted(line, err=True)
    sys.exit(EXIT_FINDINGS if code else EXIT_OK)


def _all_bundled(endpoints: Sequence[Endpoint]) -> bool:
    """True when every endpoint of the run is one of the bundled ones, unchanged (their recordings
    ship with the tool, and their findings are known real defects)."""
    bundled = bundled_endpoints()
    return all(bundled.get(e.name) == e for e in endpoints)


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _run_with_progress(settings: RunSettings, cases: list[Case], endpoints: list[Endpoint], *, quiet: bool, on_result) -> list[CaseResult]:
    pairs = len(cases) * len(endpoints)
    if settings.shard is not None:
        pairs = len(settings.shard.pick(range(pairs)))
    total = pairs * settings.repeat
    console = make_console(stderr=True)
    if quiet or not console.is_terminal or settings.mode is Mode.REPLAY and total < 200:
        with Runner(settings, on_result=on_result) as runner:
            return runner.run(cases, endpoints)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("running", total=total)

        def advance(result: CaseResult) -> None:
            on_result(result)
            progress.update(task, advance=settings.repeat, description=f"{result.endpoint} {result.case_id}: {result.verdict}")

        with Runner(settings, on_result=advance) as runner:
            return runner.run(cases, endpoints)


def _print_results(results: list[CaseResult], output_format: str, quiet: bool, verbose: bool, show_skips: bool) -> None:
    from ..report import render_table, summary_units

    if output_format == "json":
        for result in results:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        echo_fitted(summary_units(results), err=True)
        return
    console = make_console()
    shown = [r for r in results if r.verdict in (Verdict.FAIL, Verdict.STALE, Verdict.FLAKY)] if quiet else results
    if shown:
        render_table(shown, console, verbose=verbose, show_skips=show_skips)
    echo_fitted(summary_units(results))


@cli.command(name="list")
@click.argument("what", type=click.Choice(["cases", "endpoints", "kinds", "all"]), default="all")
@case_options
@click.option("--config", type=click.Path(path_type=Path), help="Endpoint config file (default: ./chat-conformance.yaml if present).")
@handle_input_errors
def list_command(what: str, **params) -> None:
    """List the cases (id, feature, endpoint kinds, documented source), the endpoints and the endpoint kinds."""
    console = make_console()
    width = width_of(sys.stdout)
    if what in ("cases", "all"):
        cases = load_case_dirs(params["case_dirs"], params["no_bundled_cases"])
        if params["case_globs"] or params["tags"] or params["features"]:
            cases = filter_cases(cases, params["case_globs"], params["tags"], params["features"])
        rows = [(case.id, case.feature, ", ".join(case.applies_to), str(case.source)) for case in cases]
        print_listing(Listing(f"{len(cases)} cases", ("case", "feature", "applies to", "source"), rows), console, width)
    if what in ("endpoints", "all"):
        from ..endpoints import chat_completions_url

        config_path = params.get("config") or find_config(Path.cwd())
        endpoints = {**bundled_endpoints(), **(load_config(config_path) if config_path else {})}
        rows = [(e.name, e.kind, e.model or "", e.auth.type, chat_completions_url(e)) for e in endpoints.values()]
        _blank_line_between(console, what)
        print_listing(Listing(f"{len(endpoints)} endpoints", ("endpoint", "kind", "model", "auth", "URL"), rows), console, width)
    if what in ("kinds", "all"):
        kinds = endpoint_kinds()
        rows = [
            (
                kind.name,
                ", ".join(kind.required),
                ", ".join(f"{name} ({setting.description})" for name, setting in kind.settings.items()),
                kind.default_auth,
                kind.default_profile,
                kind.description,
            )
            for kind in kinds.values()
        ]
        _blank_line_between(console, what)
        print_listing(Listing(f"{len(kinds)} endpoint kinds", ("kind", "needs", "own settings", "auth", "profile", "what it is"), rows), console, width)


def _blank_line_between(console, what: str) -> None:
    """`list all` sets its three listings apart."""
    if what == "all":
        console.print()


@cli.command()
@click.argument("case_id")
@click.option("--endpoint", "endpoint_name", default=None, help="Endpoint to build the request for (default: the first bundled one the case applies to).")
@click.option("--config", type=click.Path(path_type=Path), help="Endpoint config file (default: ./chat-conformance.yaml if present).")
@click.option("--cases", "case_dirs", multiple=True, type=click.Path(path_type=Path), help="Extra case folder (repeatable).")
@click.option("--no-bundled-cases", is_flag=True, help="Use only the --cases folders.")
@handle_input_errors
def show(case_id: str, endpoint_name: str | None, config: Path | None, case_dirs: tuple[Path, ...], no_bundled_cases: bool) -> None:
    """Show the exact request(s) a case sends to an endpoint, also as a curl command."""
    cases = {case.id: case for case in load_case_dirs(case_dirs, no_bundled_cases)}
    if case_id not in cases:
        raise UsageError(f"no case {case_id!r}{did_you_mean(case_id, cases)} (`chat-conformance list cases` lists them)")
    case = cases[case_id]
    config_path = config or find_config(Path.cwd())
    endpoints = {**bundled_endpoints(), **(load_config(config_path) if config_path else {})}
    if endpoint_name is None:
        applicable = [e for e in endpoints.values() if e.runs(case.applies_to)]
        if not applicable:
            raise UsageError(f"no known endpoint is of a kind case {case_id} applies to ({', '.join(case.applies_to)}); pass --endpoint")
        endpoint = applicable[0]
    elif endpoint_name not in endpoints:
        raise UsageError(f"unknown endpoint {endpoint_name!r}{did_you_mean(endpoint_name, endpoints)} (known: {', '.join(endpoints)})")
    else:
        endpoint = endpoints[endpoint_name]
    from ..cases import PlaceholderMissing

    click.echo(f"# {case.id}: {case.title}\n# source: {case.source}\n# endpoint: {endpoint.name} ({endpoint.kind})")
    if not endpoint.runs(case.applies_to):
        click.echo(f"# note: this case is for {', '.join(case.applies_to)} endpoints; it is not run against {endpoint.kind}")
    elif note := documented_target_note(case, endpoint):
        click.echo(f"# note: {note}")
    token = {"google": "$(gcloud auth print-access-token)", "bearer": f"${endpoint.auth.token_env}", "none": None}[endpoint.auth.type]
    for step in case.steps:
        try:
            request = build_request(case, step, endpoint, {}, preview=True)
        except PlaceholderMissing as missing:
            raise UsageError(f"endpoint {endpoint.name} has no value for {{{missing.args[0]}}}; set it in the endpoint config") from None
        click.echo(f"\n## step {step.name}: {request.method} {request.url}")
        for name, value in request.headers.items():
            click.echo(f"{name}: {value}")
        click.echo(json.dumps(json.loads(request.body), indent=2, ensure_ascii=False))
        click.echo("\n# as curl:")
        click.echo(curl_command(request, token_placeholder=token))


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True)
def rules(output_format: str) -> None:
    """List the rules: what each judges, every finding it can make (code and severity), why, and
    where the expectation comes from. Baselines name findings by rule and code."""
    if output_format == "markdown":
        from ..report import rules_markdown

        click.echo(rules_markdown(), nl=False)
        return
    from ..report import declared_findings, rule_to_json

    ordered = sorted(registry().values(), key=lambda r: r.id)
    if output_format == "json":
        click.echo(json.dumps([rule_to_json(r) for r in ordered], indent=2, ensure_ascii=False))
        return
    console = make_console()
    for line in _rule_lines(ordered, width_of(sys.stdout)):
        console.print(line, soft_wrap=True)  # already fitted


def _rule_lines(ordered, width: int | None) -> list:
    """`rules` as text: each rule's id and what it judges, its findings, why and its source; every
    line wrapped at words with its indent kept, so the rule ids alone start at column 0."""
    from rich.text import Text

    from .._wrap import wrap_words
    from ..report import declared_findings

    def wrapped(text: str, lead: str, hanging: str, style: str = "") -> list[Text]:
        # `lead` (an id or a code and its gap) starts the first line as it is, never split.
        return [Text(line, style=style) for line in wrap_words(text, width, indent=lead, hanging=hanging)]

    lines: list[Text] = []
    for rule_ in ordered:
        judges = f"judges {rule_.applies}, {rule_.nature}" + (f", parameter {rule_.parameter}" if rule_.parameter else "")
        head = wrapped(judges, f"{rule_.id}  ", "    ", "dim")
        head[0].stylize("bold not dim", 0, len(rule_.id))
        lines += head
        for finding in declared_findings(rule_):
            lines += wrapped(f"{finding['severity']}: {finding['summary']}", f"  {finding['code']}  ", "      ")
        lines += wrapped(f"why: {rule_.rationale}", "  ", "      ", "dim")
        lines += wrapped(f"source: {rule_.citation}", "  ", "      ", "dim")
    return lines


cli.add_command(check)
cli.add_command(diff)
cli.add_command(report)

cli.add_command(fuzz)
cli.add_command(load)
cli.add_command(merge)
cli.add_command(clients)


def main(argv: Sequence[str] | None = None) -> None:
    """The program (console script and `python -m harness`); `cli` is the command to embed."""
    tune_collector()
    guard_pipes()  # `chat-conformance show CASE | head -1`: quiet, and the command's own exit code
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="chat-conformance")
    except SystemExit as done:
        end_process(done)
