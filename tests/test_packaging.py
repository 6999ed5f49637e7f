"""A non-editable install (a wheel in a fresh virtual environment) still finds the bundled data."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from .conftest import REPO


def test_wheel_install_finds_bundled_cases_schemas_and_recordings(tmp_path: Path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("chat_conformance-*.whl")

    env_dir = tmp_path / "venv"
    # Only the project itself is installed here; its dependencies come from the environment that
    # runs the tests (never from the base interpreter, which has nothing on a fresh machine): a
    # .pth file appends that environment's site-packages after the venv's own, so the wheel's
    # `harness` is found first and the editable checkout's finder (a .pth of the outer
    # environment, not processed from a path line) is not.
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    inner_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    outer_sites = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    Path(inner_site, "_test_environment.pth").write_text("".join(f"{site}\n" for site in outer_sites))
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr

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
