"""Installing the JavaScript clients, finding them, and saying clearly when they are missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from harness.clients import ClientRunner, ClientSetupError, Outcome, client_notices, install_clients
from harness.clients._install import find_js_runtime, js_home

from .clients_support import REPO, call, ensure_js_clients, reference
from .servers_local import cache_dir

CLI = [sys.executable, "-m", "harness"]


def _without_npm(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has Python but no npm or node."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(bin_dir)}


def test_install_is_idempotent_and_quick_when_done():
    home = ensure_js_clients()
    said = []
    started = time.perf_counter()
    assert install_clients(cache_dir(), say=said.append) == home
    assert time.perf_counter() - started < 1.0
    assert said == [f"JavaScript clients already installed in {home}"]
    assert (home / ".complete").is_file() and home == js_home(cache_dir())
    assert home.parent.name == "js-clients" and len(home.name) == 16  # keyed by the lock file's hash
    runtime = find_js_runtime(cache_dir())
    version = subprocess.run([str(runtime.node), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v22."), version  # the AI SDK needs Node ≥ 22; the machine's own is older


def test_missing_npm_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ClientSetupError, match=r"npm was not found on PATH: .*run `chat-conformance clients install`"):
        install_clients(tmp_path / "cache", say=lambda _: None)
    done = subprocess.run([*CLI, "clients", "install", "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True, cwd=REPO, env=_without_npm(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("chat-conformance: error: npm was not found on PATH")


def test_a_failing_registry_is_one_clear_line_and_leaves_nothing(tmp_path):
    env = {
        **os.environ,
        "npm_config_registry": "http://127.0.0.1:9/",  # nothing listens there: refused at once
        "npm_config_fetch_retries": "0",
        "npm_config_cache": str(tmp_path / "npm-cache"),  # nothing cached to fall back on
    }
    done = subprocess.run([*CLI, "clients", "install", "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("chat-conformance: error: npm could not fetch the pinned packages from the registry: ECONNREFUSED")
    assert "127.0.0.1:9" in last
    assert list((tmp_path / "cache" / "js-clients").iterdir()) == []  # the staging folder is gone


def test_missing_js_clients_are_not_run_with_the_command_that_installs_them(tmp_path):
    c = call("llama-server", "gemini-chat", "chat")
    with ClientRunner(cache_dir=tmp_path, use_cache=False) as runner:
        outcomes = {o.name: o for o in runner.run(c.answer, c.request, reference(c.answer), stream=False, url=c.url)}
        assert runner.stats.node_starts == 0
    for name in ("openai-node", "ai-sdk"):
        assert outcomes[name].outcome is Outcome.NOT_RUN
        assert outcomes[name].detail == "not installed: run `chat-conformance clients install`"
    assert outcomes["openai-python"].outcome is Outcome.OK and outcomes["langchain-openai"].outcome is Outcome.OK
    notices = client_notices(cache_dir=tmp_path)
    assert [(n.name, n.install_command) for n in notices] == [("openai-node", "chat-conformance clients install"), ("ai-sdk", "chat-conformance clients install")]


def test_an_incomplete_install_is_reported_as_such(tmp_path):
    js_home(tmp_path).mkdir(parents=True)
    with pytest.raises(ClientSetupError, match=r"incomplete \(no \.complete marker\).*chat-conformance clients install"):
        find_js_runtime(tmp_path)


def test_clients_list_shows_pins_installed_versions_and_install_commands(tmp_path):
    ensure_js_clients()
    table = subprocess.run([*CLI, "clients", "list", "--cache-dir", str(cache_dir())], capture_output=True, text=True, cwd=REPO, check=True).stdout
    rows = {line.split()[0]: line for line in table.splitlines()[1:5]}
    assert list(rows) == ["openai-python", "openai-node", "ai-sdk", "langchain-openai"]
    assert rows["openai-node"].split()[1:4] == ["node", "7.55.0", "7.55.0"]
    empty = subprocess.run([*CLI, "clients", "status", "--format", "json", "--cache-dir", str(tmp_path)], capture_output=True, text=True, cwd=REPO, check=True).stdout
    statuses = {s["name"]: s for s in map(json.loads, empty.splitlines())}
    assert statuses["ai-sdk"] == {
        "name": "ai-sdk",
        "ecosystem": "node",
        "package": "ai",
        "pinned": "7.0.173 + @ai-sdk/openai-compatible 3.0.92",
        "installed": None,
        "ready": False,
        "install": "chat-conformance clients install",
    }
    assert statuses["langchain-openai"]["ready"] and statuses["langchain-openai"]["installed"] == "1.7.4"


def test_the_wheel_carries_the_js_side_and_reads_pins_from_its_metadata(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("chat_conformance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("bridge.mjs", "drivers/_common.mjs", "drivers/openai-node.mjs", "drivers/ai-sdk.mjs", "package.json", "package-lock.json"):
        assert f"harness/clients/js/{name}" in names, name
    assert not any("node_modules" in n for n in names)
    # The wheel's files first on the path (its dist-info too): no pyproject.toml beside them, so
    # the Python pins come from the wheel's own metadata.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import harness, importlib.metadata as m, sys\n"
        "from harness.cli import main\n"
        f"assert harness.__file__.startswith({str(site)!r}), harness.__file__\n"
        f"assert str(m.distribution('chat-conformance').locate_file('')).startswith({str(site)!r})\n"
        f"main(['clients', 'list', '--format', 'json', '--cache-dir', {str(cache_dir())!r}])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    pins = {s["name"]: s["pinned"] for s in map(json.loads, done.stdout.splitlines())}
    assert pins == {"openai-python": "3.57.0", "openai-node": "7.55.0", "ai-sdk": "7.0.173 + @ai-sdk/openai-compatible 3.0.92", "langchain-openai": "1.7.4"}
