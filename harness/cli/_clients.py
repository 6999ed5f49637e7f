"""`chat-conformance clients install|list`: the real client libraries the client layer runs.

`install` puts the pinned JavaScript clients (openai-node, the AI SDK) and Node 22 into the cache
folder with `npm ci` on the committed lock (instant when already done), saying where on stderr
(stdout stays empty, as for a step in `... && clients install && run`); the Python clients come
with the package. `list` (or `status`) shows each client, its pin, what is installed, and the
command that installs it. Missing npm or a failing registry is one line on stderr, exit code 2.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from ..clients import ClientSetupError, client_status, default_cache_dir, install_clients
from ._errors import EXIT_INPUT
from ._terminal import notice

__all__ = ["clients", "clients_option", "selected_clients"]

_CACHE_HELP = "Cache folder (default: $CHAT_CONFORMANCE_CACHE, else $XDG_CACHE_HOME/chat-conformance, else ~/.cache/chat-conformance)."


def _setup_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ClientSetupError as error:
            click.echo(f"chat-conformance: error: {error}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper


@click.group()
def clients() -> None:
    """The pinned client libraries run on recorded answers (openai-python, openai-node, the AI SDK, langchain-openai)."""


@clients.command()
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help=_CACHE_HELP)
@_setup_errors
def install(cache_dir: Path | None) -> None:
    """Install the pinned JavaScript clients and Node 22 (npm ci on the committed lock file)."""
    # Everything goes to stderr as notices that say what the folder is: a bare path on stdout
    # stood unexplained in the middle of `pip install . && ... clients install && ... run`.
    install_clients(cache_dir, say=notice)
    missing = [s for s in client_status(cache_dir) if not s.ready]
    for status in missing:
        state = "not installed" if status.installed is None else f"{status.installed} installed, {status.pinned} pinned"
        notice(f"{status.name}: {state}: {status.install_command}")


def _status(cache_dir: Path | None, output_format: str) -> None:
    statuses = client_status(cache_dir)
    if output_format == "json":
        for s in statuses:
            click.echo(json.dumps({"name": s.name, "ecosystem": s.ecosystem, "package": s.package, "pinned": s.pinned, "installed": s.installed, "ready": s.ready, "install": s.install_command}))
        return
    rows = [("client", "runs in", "pinned", "installed", "install with")]
    for s in statuses:
        installed = "-" if s.installed is None else s.installed if s.ready else f"{s.installed} (differs)"
        rows.append((s.name, s.ecosystem, s.pinned or "?", installed, "" if s.ready else s.install_command))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    click.echo(f"cache folder: {cache_dir or default_cache_dir()}")


@clients.command(name="list")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help=_CACHE_HELP)
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_clients(cache_dir: Path | None, output_format: str) -> None:
    """Each client, its pinned version, what is installed, and the command that installs it."""
    _status(cache_dir, output_format)


@clients.command(name="status")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None, help=_CACHE_HELP)
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status_clients(cache_dir: Path | None, output_format: str) -> None:
    """The same as `list`."""
    _status(cache_dir, output_format)


# -- choosing the clients a run consults (run, check) -------------------------------------------


def clients_option(func):
    return click.option(
        "--clients",
        "clients_choice",
        default="all",
        show_default=True,
        metavar="all|none|NAME,...",
        help=(
            "Real clients run on every answer (openai-python, openai-node, ai-sdk, langchain-openai): what breaks in them "
            "is reported, and decides how loud a schema deviation is. `all`: every installed one; a missing one is named "
            "on stderr with the command that installs it."
        ),
    )(func)


def selected_clients(choice: str) -> tuple[str, ...]:
    """The client names for `--clients`; prints one line per chosen client that cannot run."""
    from ..clients import choose_clients
    from ..errors import UsageError

    try:
        names, notices = choose_clients(choice)
    except ValueError as error:
        raise UsageError(f"--clients: {error}") from None
    for line in notices:
        notice(line)
    return names
