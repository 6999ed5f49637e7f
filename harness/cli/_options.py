"""Click pieces whose content comes from a registry when the command runs, not when it is imported.

A kind or a reporter can be registered after the CLI module was imported (a plugin, a test), so
`--kind`'s choices and the help that lists report files are read from the registries each time
(schemathesis's `RegistryChoice` does the same for `--checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from ..errors import did_you_mean

__all__ = ["LazyHelpOption", "RegistryChoice"]


class RegistryChoice(click.Choice):
    """A choice among the names a registry holds at the time the value is checked."""

    def __init__(self, names: Callable[[], Iterable[str]], what: str):
        self._names = names
        self._what = what
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(self._names())

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click's __init__ assigns the choices; the registry stays the source

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        self.fail(f"unknown {self._what} {value!r}{did_you_mean(str(value), self.choices)}; use one of {', '.join(self.choices)}", param, ctx)


class LazyHelpOption(click.Option):
    """An option whose help text is computed when help is shown: `help=lambda: "..."`."""

    def __init__(self, *args: Any, help: Callable[[], str], **kwargs: Any):
        self._help_text = help
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self._help_text()
        return super().get_help_record(ctx)
