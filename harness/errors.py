"""The harness's exceptions, in one hierarchy.

    HarnessError
    └── InputError            the tool's own input is unusable: exit code 2
        ├── UsageError        command-line flags that do not fit together
        ├── CaseError         a case file (YAML, schema, rule names, placeholders)
        ├── ConfigError       an endpoint config file or ad-hoc endpoint flags
        ├── RecordingError    a recording file that cannot be read
        └── MissingExtraError an optional package a feature needs is not installed (also an ImportError)

Anything an *endpoint* does wrong (refused connection, timeout, 5xx, bad bytes) is never an
exception that leaves the runner: it becomes a finding on the case. Only the tool's own input
raises, and the CLI prints such an error as one line, without a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "HarnessError",
    "InputError",
    "UsageError",
    "CaseError",
    "ConfigError",
    "RecordingError",
    "MissingExtraError",
    "did_you_mean",
]


class HarnessError(Exception):
    """Base of every exception the harness raises on purpose."""


class InputError(HarnessError):
    """The tool's own input is unusable. `str()` is the one-line message the CLI prints.

    `path` and `line` (1-based) say where, when known; the message then reads
    `path:line: what is wrong`, the form editors and CI annotations understand.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.path is None:
            return self.message
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class UsageError(InputError):
    """Command-line options that cannot be used as given."""


class CaseError(InputError):
    """A case file that cannot be loaded."""


class ConfigError(InputError):
    """An endpoint configuration that cannot be used."""


class RecordingError(InputError):
    """A recording that cannot be read back."""


class MissingExtraError(InputError, ImportError):
    """A feature needs an optional package that is not installed; the message names the extra that
    installs it. An ImportError too, so `import harness.load.locust` fails the way a missing
    dependency always does, while the CLI and the pytest plugin print it as one line."""


def did_you_mean(word: str, candidates, *, limit: int = 3) -> str:
    """` (did you mean a, b?)` with the candidates closest to a mistyped name, or "" when none is close."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=limit, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""
