"""A non-editable install (a wheel in a fresh virtual environment) still finds the bundled data."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .conftest import REPO
from .wheel_venv import build_wheel, install_wheel, new_venv, running_site_dirs


def test_wheel_install_finds_bundled_cases_schemas_and_recordings(tmp_path: Path):
    wheel = build_wheel(tmp_path / "wheels")
    env_dir = tmp_path / "venv"
    # Only the project itself is installed here; its dependencies are whatever the environment
    # running the tests has (tests/test_optional_extras.py builds one with exactly the core ones).
    python = new_venv(env_dir, running_site_dirs())
    install_wheel(python, wheel)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import harness; print(harness.__file__)"], capture_output=True, text=True, cwd=elsewhere)
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr  # the wheel, not the checkout

    run = subprocess.run([str(env_dir / "bin" / "chat-conformance"), "run", "--format", "json"], capture_output=True, text=True, cwd=elsewhere)
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    documented = [r for r in results if r.get("origin") == "documentation"]
    assert len(documented) == 3
    endpoints = {r["endpoint"] for r in results}
    assert len(endpoints) == 7 and len(results) == len(list((REPO / "cases").glob("*.yaml"))) * len(endpoints)

    # The HTML report's CSS and JS are package data: the installed wheel inlines them in the page.
    page = (elsewhere / "reports" / "latest" / "report.html").read_text(encoding="utf-8")
    for asset in ("report.css", "report.js"):
        assert (REPO / "harness" / "report" / "static" / asset).read_text(encoding="utf-8") in page, asset
