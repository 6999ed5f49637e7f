"""Each client's pin, read from the one place it is written: `pyproject.toml` for the Python
clients (beside `openai==3.57.0`), `js/package.json` for the JavaScript ones. A driver names its
package; it never repeats the version."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

__all__ = ["JS_DIR", "js_pin", "python_pin"]

JS_DIR = Path(__file__).parent / "js"
_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;,]+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _python_pins() -> dict[str, str]:
    # A checkout's pyproject.toml is the truth (installed metadata lags behind an edit until the
    # next `pip install -e`); an installed wheel has only its metadata.
    requirements: list[str] = []
    if _PYPROJECT.is_file():
        import tomllib

        requirements = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8")).get("project", {}).get("dependencies", [])
    else:
        from importlib.metadata import PackageNotFoundError, requires

        try:
            requirements = requires("chat-conformance") or []
        except PackageNotFoundError:
            requirements = []
    pins = {}
    for requirement in requirements:
        match = _PIN.match(requirement)
        if match:
            pins[_normal(match.group(1))] = match.group(2)
    return pins


def python_pin(distribution: str) -> str | None:
    return _python_pins().get(_normal(distribution))


@cache
def _js_manifest() -> dict:
    return json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))


def js_pin(package: str) -> str | None:
    manifest = _js_manifest()
    for section in ("dependencies", "optionalDependencies"):
        if package in manifest.get(section, {}):
            return manifest[section][package]
    return None
