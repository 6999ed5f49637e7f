"""Reporters: one report file each, rendered from report.json's dict, behind one protocol and a registry.

The protocol is small: a `name`, the `filename` it writes in the report directory, a one-line
`description`, `render(report) -> str`, and `write(report, report_dir)`, which by default writes
`render`'s text atomically to `report_dir/filename` (a reporter that also writes elsewhere, like
the GitHub job summary, overrides it). Subclassing `Reporter` with a `name` registers one
instance (the pattern of respx's patterns and of our endpoint kinds); a duplicate name fails at
import. `write_reports` writes every registered reporter's file, the run command lists them, and
`chat-conformance report DIR` rebuilds them all, so adding a format is one file:

    class CsvReporter(Reporter):
        name = "csv"
        filename = "verdicts.csv"
        description = "one line per case x endpoint"

        def render(self, report):
            return "".join(f"{r['case']},{r['endpoint']},{r['verdict']}\\n" for r in report["results"])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from .._files import write_atomic

__all__ = ["Reporter", "report_files", "reporters", "unregister_reporter"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Written by the run itself as results arrive; never a reporter's file.
_RESERVED = frozenset({"results.jsonl"})

_REPORTERS: dict[str, Reporter] = {}


class Reporter:
    """One report format. Subclass it, set `name`, `filename` and `description`, implement `render`."""

    name: ClassVar[str]
    filename: ClassVar[str]
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            _register(cls())

    def render(self, report: dict[str, Any]) -> str:
        """The file's whole text, from report.json's dict (see `harness.report.build_report`)."""
        raise NotImplementedError(f"reporter {self.name} renders nothing")

    def write(self, report: dict[str, Any], report_dir: Path) -> list[Path]:
        """Write the report; returns the files written. Atomic, so a reader never sees half a file."""
        path = report_dir / self.filename
        write_atomic(path, self.render(report))
        return [path]

    def __repr__(self) -> str:
        return f"<reporter {self.name}: {self.filename}>"


def _register(reporter: Reporter) -> None:
    cls = type(reporter)
    for attribute in ("name", "filename", "description"):
        if not isinstance(getattr(cls, attribute, None), str):
            raise TypeError(f"reporter {cls.__qualname__} needs a string `{attribute}`")
    if not _NAME.match(reporter.name):
        raise ValueError(f"reporter name {reporter.name!r} must match {_NAME.pattern}")
    if "/" in reporter.filename or reporter.filename in _RESERVED or reporter.filename.startswith("."):
        raise ValueError(f"reporter {reporter.name}: {reporter.filename!r} must be a plain file name other than {', '.join(_RESERVED)}")
    for other in _REPORTERS.values():
        if reporter.name == other.name or reporter.filename == other.filename:
            raise ValueError(
                f"reporter {reporter.name!r} ({cls.__module__}.{cls.__qualname__}) clashes with {other.name!r} "
                f"({type(other).__module__}.{type(other).__qualname__}): names and file names must be unique"
            )
    _REPORTERS[reporter.name] = reporter


def reporters() -> Mapping[str, Reporter]:
    """Every registered reporter by name, in registration order, built-in ones first (read-only)."""
    return MappingProxyType(_REPORTERS)


def report_files() -> tuple[str, ...]:
    """The file every registered reporter writes, in order."""
    return tuple(reporter.filename for reporter in _REPORTERS.values())


def unregister_reporter(name: str) -> None:
    """Remove a reporter: for tests that add one, and for a plugin that replaces a built-in one."""
    if name not in _REPORTERS:
        raise ValueError(f"no reporter {name!r} (registered: {', '.join(_REPORTERS)})")
    del _REPORTERS[name]
