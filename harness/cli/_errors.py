"""Exit codes and the one place where the tool's own input errors become a message."""

from __future__ import annotations

import functools
import sys

import click

from ..errors import InputError

__all__ = ["EXIT_OK", "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_INTERRUPTED", "handle_input_errors"]

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT)


def handle_input_errors(func):
    """Input errors are one line on stderr and exit 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as error:
            click.echo(f"chat-conformance: error: {error}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper
