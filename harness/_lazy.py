"""Imports put off or made optional: package attributes imported on first use (PEP 562), for
exports whose module is costly to import (httpx, jsonschema, openai's metadata) or registers
something on import; and the one place where a missing optional package becomes an install hint."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from .errors import MissingExtraError

__all__ = ["install_hint", "lazy_exports", "require_extra"]


def lazy_exports(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: `modules` maps an attribute to the (relative) module
    holding it. The value is imported at the first access and then kept as a plain attribute."""

    def __getattr__(name: str) -> Any:
        if name in modules:
            value = getattr(importlib.import_module(modules[name], package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def install_hint(extra: str) -> str:
    """The command that installs the optional dependencies `extra` of pyproject.toml names."""
    return f"pip install 'chat-conformance[{extra}]'"


def require_extra(module: str, *, extra: str, needed_by: str) -> ModuleType:
    """`module` imported, or a `MissingExtraError` (one line: what needs it, the install command)
    when it is not installed. A module missing *inside* an installed package is a broken install,
    not a missing extra: that ImportError goes on as it is."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is None or not (module == error.name or module.startswith(error.name + ".")):
            raise
        missing = MissingExtraError(f"{needed_by} needs {error.name}, which is not installed: {install_hint(extra)}")
        missing.name = error.name
        raise missing from None
