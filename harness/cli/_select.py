"""What a command works on: the cases (folders and filters), the endpoints (from the config file,
the bundled ones, or ad-hoc flags), and for `run` a shard of their pairs. Shared by run, fuzz and load."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

import click

from ..cases import Case, bundled_cases_dir, load_cases, select_cases
from ..endpoints import API_VERSIONS, Endpoint, adhoc_endpoint, bundled_endpoints, endpoint_kinds, find_config, kind_names, load_config
from ..errors import UsageError, did_you_mean
from ..runner import Mode, Shard
from ..transport import Limits
from ..validators import rule_ids
from ._options import LazyHelpOption, RegistryChoice

__all__ = ["case_options", "endpoint_options", "filter_cases", "limit_options", "limits_from", "load_case_dirs", "parse_shard", "select_endpoints", "shard_option"]

# The kind of an ad-hoc endpoint when flags describe one without --kind: a local server.
DEFAULT_ADHOC_KIND = "openai-compatible"


def _kind_help() -> str:
    kinds = "; ".join(f"{kind.name}: {kind.description}" for kind in endpoint_kinds().values())
    return f"Ad-hoc endpoint kind; with the flags below it replaces the bundled and configured endpoints. Kinds: {kinds}."


def case_options(func):
    """The options that pick cases: folders, ids, tags, features (run, list, load)."""
    func = click.option(
        "--cases",
        "case_dirs",
        multiple=True,
        type=click.Path(path_type=Path),
        help="A folder of case YAML files, added to the bundled cases (repeatable). Its recordings live in DIR/recordings/.",
    )(func)
    func = click.option("--no-bundled-cases", is_flag=True, help="Use only the --cases folders.")(func)
    func = click.option("--case", "case_globs", multiple=True, metavar="GLOB", help="Only cases whose id matches (repeatable).")(func)
    func = click.option("--tag", "tags", multiple=True, help="Only cases with this tag (repeatable).")(func)
    func = click.option("--feature", "features", multiple=True, metavar="GLOB", help="Only cases whose feature matches (repeatable).")(func)
    return func


def load_case_dirs(case_dirs: Sequence[Path], no_bundled: bool) -> list[Case]:
    directories = ([] if no_bundled else [bundled_cases_dir()]) + list(case_dirs)
    if not directories:
        raise UsageError("--no-bundled-cases needs at least one --cases DIR")
    return load_cases(directories, known_rules=rule_ids())


def filter_cases(cases: list[Case], globs: Sequence[str], tags: Sequence[str], features: Sequence[str]) -> list[Case]:
    """The cases the filters choose. A filter value that matches no case at all is a usage error,
    even when the other values match: a mistyped `--case` among several would otherwise drop its
    cases without a word."""
    _refuse_unmatched(cases, globs, tags, features)
    chosen = select_cases(cases, ids=globs, tags=tags, features=features)
    if not chosen:
        asked = " ".join([*(f"--case {g}" for g in globs), *(f"--tag {t}" for t in tags), *(f"--feature {f}" for f in features)])
        raise UsageError(f"no case matches {asked} together (see `chat-conformance list`)")
    return chosen


def _refuse_unmatched(cases: list[Case], globs: Sequence[str], tags: Sequence[str], features: Sequence[str]) -> None:
    """UsageError for the first filter value that matches no case at all, with the close names of
    its kind (a glob is compared as it is written: `parm-*` is close to `param-n`)."""
    filters = [
        ("--case", globs, [case.id for case in cases], lambda name, glob: fnmatch.fnmatchcase(name, glob)),
        ("--tag", tags, sorted({tag for case in cases for tag in case.tags}), str.__eq__),
        ("--feature", features, sorted({case.feature for case in cases}), lambda name, glob: fnmatch.fnmatchcase(name, glob)),
    ]
    for flag, asked, names, matches in filters:
        for value in asked:
            if not any(matches(name, value) for name in names):
                raise UsageError(f"no case matches {flag} {value}{did_you_mean(value, names)} (see `chat-conformance list`)")


def limit_options(func):
    """Timeouts, retries and the largest answer: the same policy for every request (run, load)."""
    options = [
        click.option("--connect-timeout", type=float, default=Limits.connect_timeout, show_default=True, help="Seconds to wait for a connection."),
        click.option("--read-timeout", type=float, default=Limits.read_timeout, show_default=True, help="Longest silence between two reads, in seconds."),
        click.option(
            "--total-timeout", type=float, default=Limits.total_timeout, show_default=True, help="Longest one response (a whole stream included) may take, in seconds."
        ),
        click.option("--retries", type=click.IntRange(0, 10), default=Limits.retries, show_default=True, help="Retries after a 429 or 503 (honouring Retry-After)."),
        click.option(
            "--backoff-cap", type=float, default=Limits.backoff_cap, show_default=True, help="Longest wait before a retry, in seconds, also when Retry-After asks for more."
        ),
        click.option("--max-response-mb", type=float, default=Limits.max_response_bytes / 2**20, show_default=True, help="Largest response body read, in MiB."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def limits_from(params: dict) -> Limits:
    return Limits(
        connect_timeout=params["connect_timeout"],
        read_timeout=params["read_timeout"],
        total_timeout=params["total_timeout"],
        retries=params["retries"],
        backoff_cap=params["backoff_cap"],
        max_response_bytes=int(params["max_response_mb"] * 2**20),
    )


def parse_shard(value: str | None) -> Shard | None:
    """--shard's value (checked in the command, so a bad one is one line and exit 2)."""
    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValueError as error:
        raise UsageError(f"--shard: {error}") from None


shard_option = click.option(
    "--shard",
    metavar="I/N",
    help="Run only shard I of N of the case × endpoint pairs (every N-th pair, starting at the I-th); "
    "`chat-conformance merge` joins the shards' report folders into one report.",
)


def endpoint_options(func):
    """The options that name endpoints or describe an ad-hoc one (run, fuzz, load)."""
    options = [
        click.option("--config", type=click.Path(path_type=Path), help="Endpoint config file (default: ./chat-conformance.yaml if present)."),
        click.option("--endpoint", "endpoint_names", multiple=True, metavar="NAME", help="Only this endpoint (repeatable)."),
        click.option("--kind", cls=LazyHelpOption, type=RegistryChoice(kind_names, "kind"), help=_kind_help),
        click.option("--base-url", help="openai-compatible: the URL before /chat/completions. Vertex kinds: only scheme, host and port."),
        click.option("--model", help="What {model} becomes in the cases."),
        click.option("--auth", help="google | none | bearer[:ENVVAR] (default ENVVAR: CHAT_CONFORMANCE_TOKEN)."),
        click.option("--project", help="Vertex project id."),
        click.option("--location", help="Vertex location, e.g. us-central1 or global."),
        click.option("--api-version", type=click.Choice(API_VERSIONS), help="Vertex API version."),
        click.option("--endpoint-id", help="vertex-endpoint: the deployed endpoint's id."),
        click.option(
            "--setting",
            "settings",
            multiple=True,
            metavar="NAME=VALUE",
            help="A setting the ad-hoc endpoint's kind defines (repeatable; `chat-conformance list kinds` shows them).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def select_endpoints(params: dict, mode: Mode) -> list[Endpoint]:
    adhoc_flags = ("kind", "base_url", "model", "auth", "project", "location", "api_version", "endpoint_id", "settings")
    if any(params.get(flag) for flag in adhoc_flags):
        endpoint = adhoc_endpoint(
            kind=params.get("kind") or DEFAULT_ADHOC_KIND,
            base_url=params.get("base_url"),
            model=params.get("model"),
            auth=params.get("auth"),
            project=params.get("project"),
            location=params.get("location"),
            api_version=params.get("api_version"),
            endpoint_id=params.get("endpoint_id"),
            settings=_settings(params.get("settings") or ()),
            name=params["endpoint_names"][0] if params.get("endpoint_names") else "adhoc",
        )
        return [endpoint]
    config_path = params.get("config") or find_config(Path.cwd())
    configured = load_config(config_path) if config_path else {}
    bundled = bundled_endpoints()
    known = {**bundled, **configured}
    names = params.get("endpoint_names") or ()
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            hint = did_you_mean(unknown[0], known) if len(unknown) == 1 else ""
            raise UsageError(f"unknown endpoint {', '.join(map(repr, unknown))}{hint} (known: {', '.join(known) or 'none'})")
        chosen = [known[n] for n in names]
        if mode is not Mode.REPLAY:
            samples = [e.name for e in chosen if not e.recordable]
            if samples:
                raise UsageError(
                    f"--mode {mode}: {', '.join(samples)} holds documentation samples, not a server; "
                    "nothing can be sent to it (replay it, or name a live endpoint)"
                )
        return chosen
    if mode is Mode.REPLAY:
        return list(known.values())
    if not configured:
        raise UsageError(
            f"--mode {mode} needs an endpoint to talk to: --endpoint NAME from {config_path or './chat-conformance.yaml'}, "
            "or ad-hoc flags such as --base-url URL --model NAME"
        )
    return list(configured.values())


def _settings(values: tuple[str, ...]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"--setting expects NAME=VALUE, got {value!r}")
        settings[name] = text
    return settings
