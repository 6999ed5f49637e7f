"""What the commands print to, and how it is fitted to the terminal.

Width: COLUMNS when set (by the user, or a CI that knows its log width), else the size of the
terminal the stream is on; off a terminal nothing is wrapped, so a line stays one line for grep.
Text is wrapped at word boundaries with its indent kept (`harness._wrap`), never inside a name.

Closed pipes: `chat-conformance show CASE | head -1` closes the pipe while the command still
writes. Python's documentation on SIGPIPE recommends pointing the stream at /dev/null then; that
is done here for every command at once (`guard_pipes`), and the command carries on to its own
exit code (0, or 1 for a run with findings: a reader that stopped reading changes no verdict).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import click

from .._wrap import wrap_words

__all__ = ["OFF_TERMINAL_WIDTH", "echo_fitted", "guard_pipes", "make_console", "notice", "width_of"]

OFF_TERMINAL_WIDTH = 200
"""The width rich lays out in off a terminal without COLUMNS (case and endpoint names stay whole)."""


def width_of(stream: IO[str]) -> int | None:
    """The width to fit `stream`'s lines to; None off a terminal without COLUMNS."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor (a test's capture)
        pass
    return None


def make_console(stderr: bool = False):
    """A rich console on stdout (or stderr) as wide as `width_of` says."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = width_of(stream) or OFF_TERMINAL_WIDTH
    return Console(file=stream, width=width, no_color="NO_COLOR" in os.environ or None, highlight=False)


def echo_fitted(text: str | Sequence[str], *, err: bool = False, indent: str = "", hanging: str | None = None) -> None:
    """`text` wrapped to the width of stdout (or stderr), continuation lines indented deeper."""
    width = width_of(sys.stderr if err else sys.stdout)
    for line in wrap_words(text, width, indent=indent, hanging=hanging):
        click.echo(line, err=err)


def notice(message: str) -> None:
    """A `chat-conformance: ...` line on stderr, fitted to its width."""
    echo_fitted(f"chat-conformance: {message}", err=True)


class _PipeGuard:
    """Stands in for sys.stdout or sys.stderr: the first write or flush that finds the reader gone
    points the descriptor at /dev/null, and what follows is written there without complaint."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._to_devnull()
            return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._to_devnull()

    def _to_devnull(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)
        try:
            self._stream.flush()  # what was buffered for the closed pipe goes nowhere now
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_pipes() -> None:
    """Installs the guard on stdout and stderr (the process's own streams: `main` only, never
    when the CLI is embedded)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _PipeGuard):
            setattr(sys, name, _PipeGuard(stream))
