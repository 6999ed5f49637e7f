"""What a user gets from `pip install .` with no extra, and from the extras the README names.

Each venv holds the project's wheel and exactly the distributions its requirements need (symlinked
from the environment running the tests, so nothing is downloaded): the core dependencies alone,
the core plus pytest alone (what `pip install . pytest` gives), and the core plus the `pytest`
extra the README's pytest section installs. Everything only an extra or the dev extra brings
(Locust, gevent, selenium, pytest-xdist...) is absent from the core venv, as on a user's machine.
There, every command's --help and a short run of each command exit with a documented code and
no traceback, and what needs an absent extra says in one line which extra to install.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from harness._lazy import require_extra
from harness.cli._errors import handle_input_errors
from harness.errors import MissingExtraError

from .conftest import REPO
from .load_servers import Breaker, write_cases
from .servers import Reply, ScriptedServer
from .wheel_venv import build_wheel, install_wheel, link_distributions, new_venv, requirement_closure, venv_env, wheel_requirements

# Modules that an extra or the dev extra brings, never the core dependencies.
NOT_IN_CORE = ("locust", "gevent", "selenium", "xdist", "pytest", "syrupy", "pylint", "tokenizers")

# The modules of harness/ that may import a package the core dependencies do not bring, and the
# extra that brings it. Anything else must run on the core dependencies alone.
OPTIONAL_MODULES = {
    "harness/load/locust.py": "load",  # imported by a locustfile
    "harness/pytest_plugin.py": "pytest",  # loaded by pytest (its pytest11 entry point)
    "harness/pytest_snapshots.py": "pytest",  # the plugin's --cc-snapshot
}

RECORDING = REPO / "cases" / "recordings" / "vertex-docs" / "stream-function-call-arguments.yaml"


@dataclass
class Venv:
    python: Path
    cwd: Path  # an empty folder, outside the checkout
    env: dict[str, str]

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(argv, capture_output=True, text=True, cwd=self.cwd, env=self.env, timeout=timeout)

    def command(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.run(str(self.python.parent / "chat-conformance"), *args, timeout=timeout)


def make_venv(root: Path, wheel: Path, requirements: list[Requirement]) -> Venv:
    packages = link_distributions(requirement_closure(requirements), root / "packages")
    python = new_venv(root / "venv", [packages])
    install_wheel(python, wheel)
    (root / "work").mkdir()
    # Its own cache folder: no JavaScript clients installed there, and nothing written to the user's.
    return Venv(python, root / "work", venv_env(CHAT_CONFORMANCE_CACHE=str(root / "cache")))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def core(wheel, tmp_path_factory) -> Venv:
    return make_venv(tmp_path_factory.mktemp("core"), wheel, wheel_requirements(wheel))


def no_traceback(done: subprocess.CompletedProcess) -> bool:
    return "Traceback" not in done.stderr and "Traceback" not in done.stdout


def missing_modules(venv: Venv, names) -> list[str]:
    probe = "import importlib.util, json, sys; print(json.dumps([n for n in sys.argv[1:] if importlib.util.find_spec(n) is None]))"
    done = venv.run(str(venv.python), "-c", probe, *names)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- the core venv ---------------------------------------------------------------------------------


def test_the_core_venv_has_every_core_dependency_and_nothing_an_extra_brings(core: Venv):
    checked = core.run(sys.executable, "-m", "pip", "--python", str(core.python), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr  # every requirement of the wheel is met
    assert missing_modules(core, ("hypothesis", "httpx", "openai", "langchain_openai")) == []
    assert missing_modules(core, NOT_IN_CORE) == list(NOT_IN_CORE)
    where = core.run(str(core.python), "-c", "import harness; print(harness.__file__)")
    assert where.stdout.startswith(str(core.python.parent.parent)), where.stdout + where.stderr  # the wheel, not the checkout


def command_paths(venv: Venv) -> list[list[str]]:
    """Every command and subcommand of the installed click group, e.g. ["clients", "install"]."""
    walk = (
        "import json, click\n"
        "from harness.cli import cli\n"
        "def walk(group, path):\n"
        "    for name, command in sorted(group.commands.items()):\n"
        "        yield [*path, name]\n"
        "        if isinstance(command, click.Group):\n"
        "            yield from walk(command, [*path, name])\n"
        "print(json.dumps(list(walk(cli, []))))\n"
    )
    done = venv.run(str(venv.python), "-c", walk)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_command_shows_its_help_on_the_core_dependencies(core: Venv):
    paths = command_paths(core)
    assert ["run"] in paths and ["clients", "install"] in paths and ["fuzz"] in paths and ["load"] in paths
    failures = []
    for path in [[], *paths]:
        done = core.command(*path, "--help")
        usage = " ".join(["Usage: chat-conformance", *path])
        if done.returncode != 0 or not no_traceback(done) or not done.stdout.startswith(usage):
            failures.append(f"chat-conformance {' '.join(path)} --help: exit {done.returncode}\n{done.stdout[-400:]}{done.stderr[-1200:]}")
    assert not failures, "\n\n".join(failures)


def unanswerable(request) -> Reply:
    """Every request refused the way the API documents it: a 400 with an OpenAI error body."""
    return Reply.json({"error": {"message": "not today", "type": "invalid_request_error", "param": None, "code": None}}, status=400)


def test_every_command_runs_on_the_core_dependencies(core: Venv, tmp_path: Path):
    """A short run of each command: the exit code it documents for this input, never a traceback."""
    cases = write_cases(tmp_path / "load-cases")
    one = ["--endpoint", "vertex-docs", "--case", "stream-function-call-arguments"]
    with ScriptedServer(unanswerable) as refusing, ScriptedServer(Breaker()) as breaking:
        steps = [
            # (arguments, exit code): 1 where Google's sample stream, or the breaking server, has error findings
            (["run", *one, "--shard", "1/1", "--report-dir", "A", "--quiet"], 1),
            (["report", "A"], 0),
            (["merge", "A", "--report-dir", "M"], 0),
            (["diff", "A/report.json", "M/report.json"], 0),
            (["list"], 0),
            (["show", "stream-function-call-arguments", "--endpoint", "vertex-docs"], 0),
            (["rules"], 0),
            (["check", str(RECORDING), "--profile", "vertex"], 1),
            (["fuzz", "--base-url", refusing.url + "/v1", "--model", "m", "--auth", "none", "--max-examples", "5", "--budget", "30", "--seed", "1", "--report-dir", "F"], 0),
            (["load", "--cases", str(cases), "--no-bundled-cases", "--base-url", breaking.url + "/v1", "--model", "m", "--auth", "none",
              "--requests", "8", "--concurrency", "2", "--report-dir", "L", "--quiet"], 1),
            (["clients", "list"], 0),
        ]  # fmt: skip
        failures = []
        for args, expected in steps:
            done = core.command(*args)
            if done.returncode != expected or not no_traceback(done):
                failures.append(f"chat-conformance {shlex.join(args)}: exit {done.returncode}, expected {expected}\n{done.stdout[-600:]}{done.stderr[-1500:]}")
    assert not failures, "\n\n".join(failures)
    assert (core.cwd / "M" / "report.html").is_file() and (core.cwd / "L" / "load.json").is_file()
    fuzzed = json.loads((core.cwd / "F" / "fuzz" / "summary.json").read_text())
    assert fuzzed["answered"] >= 5 and fuzzed["answered"] == fuzzed["requests"] and not fuzzed["no_answer"], fuzzed
    assert breaking.handler.broken > 0 and refusing.received


def test_the_locust_user_without_locust_names_the_load_extra(core: Venv):
    done = core.run(str(core.python), "-c", "import harness.load.locust")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == "harness.errors.MissingExtraError: harness.load.locust needs locust, which is not installed: pip install 'chat-conformance[load]'"
    assert "ModuleNotFoundError" not in done.stderr  # the hint replaces it, not follows it
    caught = core.run(str(core.python), "-c", "try:\n    import harness.load.locust\nexcept ImportError as e:\n    print(e.name)")
    assert caught.stdout.strip() == "locust"  # an ImportError, as a missing dependency always is


def test_a_command_needing_a_missing_extra_says_so_in_one_line_with_exit_2():
    """What `require_extra` gives any command (handle_input_errors): the CLI's one-line error."""

    @click.command()
    @handle_input_errors
    def needy() -> None:
        require_extra("chat_conformance_absent_probe", extra="load", needed_by="needy --fast")

    done = CliRunner().invoke(needy, [])
    assert done.exit_code == 2
    assert done.output.strip() == (
        "chat-conformance: error: needy --fast needs chat_conformance_absent_probe, which is not installed: "
        "pip install 'chat-conformance[load]'"
    )


def test_a_package_that_is_there_but_broken_is_not_reported_as_a_missing_extra(tmp_path: Path, monkeypatch):
    (tmp_path / "half_installed_probe").mkdir()
    (tmp_path / "half_installed_probe" / "__init__.py").write_text("import chat_conformance_absent_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as raised:
        require_extra("half_installed_probe", extra="load", needed_by="x")
    assert not isinstance(raised.value, MissingExtraError) and raised.value.name == "chat_conformance_absent_dependency"


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module imported → the files of harness/ importing it (the standard library left out)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "harness").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "harness":
                    found.setdefault(top, set()).add(path.relative_to(REPO).as_posix())
    return found


def top_level_modules(dists) -> set[str]:
    """The importable names the distributions install (`locust`, `gevent`, `_cffi_backend`...)."""
    return {file.parts[0].split(".")[0] for dist in dists for file in dist.files or () if ".." not in file.parts}


def test_only_the_optional_modules_import_what_the_core_dependencies_lack(core: Venv, wheel: Path):
    imports = third_party_imports()
    assert {"httpx", "click", "hypothesis", "locust", "syrupy"} <= set(imports)  # the scan sees imports at all
    absent = missing_modules(core, sorted(imports))
    misplaced = {name: sorted(imports[name] - set(OPTIONAL_MODULES)) for name in absent if imports[name] - set(OPTIONAL_MODULES)}
    assert not misplaced, (
        f"imported outside {sorted(OPTIONAL_MODULES)} but not brought by the core dependencies: {misplaced}; "
        "make it a dependency in pyproject.toml, or import it through harness._lazy.require_extra with its extra"
    )
    # ... and what an optional module imports, its extra brings.
    for name in absent:
        extras = sorted({OPTIONAL_MODULES[module] for module in imports[name]})
        brought = top_level_modules(requirement_closure(wheel_requirements(wheel, extras)))
        assert name in brought, f"{name} (imported by {sorted(imports[name])}) does not come with the extra {extras}"


# -- pytest without the extra, and with it ---------------------------------------------------------


def test_pytest_alone_gets_the_pytest_extra_named_for_cc_snapshot(wheel, tmp_path: Path):
    """`pip install . pytest`, as a user did: --cc-snapshot says in one line which extra to install."""
    venv = make_venv(tmp_path, wheel, [*wheel_requirements(wheel), Requirement("pytest>=8")])
    assert missing_modules(venv, ("pytest", "syrupy", "xdist")) == ["syrupy", "xdist"]
    done = venv.run(str(venv.python), "-m", "pytest", "--cc-endpoint", "vertex-docs", "--cc-snapshot")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR and no_traceback(done), done.stdout + done.stderr
    assert done.stderr.strip() == (
        "ERROR: chat-conformance: --cc-snapshot needs syrupy, which is not installed: pip install 'chat-conformance[pytest]'"
    )


def readme_pytest_section() -> tuple[list[str], list[str]]:
    """The README's pytest section: the extras its install line names, and its first command."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## pytest\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]
    install = next(line for line in lines if line.startswith("pip install"))
    extras = re.fullmatch(r"pip install 'chat-conformance\[([a-z,-]+)\]'", install)
    assert extras, f"the README's pytest section installs {install!r}, not an extra of chat-conformance"
    command = next(line for line in lines if line.startswith("pytest "))
    return extras.group(1).split(","), shlex.split(command)


@pytest.mark.slow(reason="the README's pytest command on two xdist workers in a new venv: 16 s alone, 36 s beside another worker")
def test_the_readme_pytest_command_runs_with_the_extra_it_names(wheel, tmp_path: Path):
    extras, command = readme_pytest_section()
    assert command[:1] == ["pytest"] and "-n" in command
    venv = make_venv(tmp_path, wheel, wheel_requirements(wheel, extras))
    assert missing_modules(venv, ("pytest", "xdist", "syrupy")) == []
    assert "locust" in missing_modules(venv, ("locust",))  # the extra, not the dev environment
    done = venv.run(str(venv.python), "-m", *command)
    bundled = len(list((REPO / "cases").glob("*.yaml")))
    assert done.returncode == pytest.ExitCode.TESTS_FAILED and no_traceback(done), done.stdout[-3000:] + done.stderr
    assert "created: 2/2 workers" in done.stdout and f"2 workers [{bundled} items]" in done.stdout, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    # Three cases have vertex-docs recordings, Google's sample stream among them; the rest are not for it.
    assert f" 1 failed, 2 passed, {bundled - 3} skipped" in summary, summary
