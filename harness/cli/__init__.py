"""The command-line interface."""

from ._main import cli, main

__all__ = ["cli", "main"]
