"""Where the bundled cases, recordings and schemas are.

In a wheel they sit inside the package (`harness/_bundled/`, see pyproject.toml); in a source
checkout or an editable install they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["bundled_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def bundled_dir(name: str) -> Path:
    """`cases` or `schemas`: the bundled folder of that name."""
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
