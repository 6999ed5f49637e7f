"""The project's wheel installed in a fresh virtual environment, offline, for tests of what a user
gets from `pip install .` (tests/test_packaging.py, tests/test_optional_extras.py).

The venv has no pip and installs nothing from an index: the wheel goes in with `--no-deps
--no-index`, and the packages it imports come from the environment running the tests, through a
.pth file of the venv naming folders to append to its path. Either every folder of that
environment (`running_site_dirs`: whatever the suite has), or a folder of symlinks to exactly the
distributions some requirements need (`link_distributions`), so that a venv can lack what only an
extra brings (Locust, selenium, pytest-xdist) as a user's would.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Iterable, Sequence
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import REPO

__all__ = [
    "build_wheel",
    "install_wheel",
    "link_distributions",
    "new_venv",
    "requirement_closure",
    "running_site_dirs",
    "venv_env",
    "wheel_requirements",
]


def build_wheel(out_dir: Path) -> Path:
    """The project's wheel, built from the checkout without network (hatchling is in the dev extra)."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out_dir), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = out_dir.glob("chat_conformance-*.whl")
    return wheel


def running_site_dirs() -> list[str]:
    """The site-packages folders of the environment running the tests."""
    return list(dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib")))


def new_venv(env_dir: Path, path_dirs: Iterable[str | os.PathLike]) -> Path:
    """A venv without pip whose path ends with `path_dirs`; returns its python.

    Never the base interpreter's packages (a fresh machine has none) and never the editable
    checkout: the dirs are appended after the venv's own site-packages by a .pth file, so an
    installed wheel's `harness` is found first, and .pth files inside those dirs (the editable
    checkout's finder among them) are not processed, as they are only in site folders.
    """
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    inner_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(inner_site, "_test_environment.pth").write_text("".join(f"{os.fspath(d)}\n" for d in path_dirs))
    return python


def install_wheel(python: Path, wheel: Path) -> None:
    """`wheel` into the venv of `python`, by the running environment's pip, from nothing but the file."""
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr


def venv_env(**extra: str) -> dict[str, str]:
    """The environment for a command run in such a venv: nothing that would put the running
    environment back on its path, and nothing of the pytest run that started it (xdist's worker
    variables would make a pytest inside believe it is a worker)."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST_")}
    return {**env, **extra}


# -- exactly some distributions ------------------------------------------------------------------


def wheel_requirements(wheel: Path, extras: Sequence[str] = ()) -> list[Requirement]:
    """The wheel's own Requires-Dist (its METADATA, not the running environment's record of the
    checkout, which may predate a change to pyproject.toml): the core ones, plus those of `extras`."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist") or ()]
    return [r for r in requirements if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in ("", *extras))]


def requirement_closure(requirements: Iterable[Requirement]) -> list[importlib.metadata.Distribution]:
    """The distributions of the running environment that satisfy `requirements`, and theirs in
    turn (markers evaluated for this interpreter, requested extras followed)."""
    chosen: dict[str, importlib.metadata.Distribution] = {}
    extras_done: dict[str, set[str]] = {}
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        new_extras = ({""} | set(requirement.extras)) - extras_done.get(name, set())
        if name in chosen:
            _must_satisfy(requirement, chosen[name])
        if not new_extras:
            continue
        if name not in chosen:
            try:
                chosen[name] = importlib.metadata.distribution(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                raise AssertionError(f"{requirement} is needed but not installed in the environment running the tests") from None
            _must_satisfy(requirement, chosen[name])
        extras_done.setdefault(name, set()).update(new_extras)
        for line in chosen[name].requires or ():
            dependency = Requirement(line)
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in new_extras):
                pending.append(dependency)
    return list(chosen.values())


def _must_satisfy(requirement: Requirement, dist: importlib.metadata.Distribution) -> None:
    assert requirement.specifier.contains(dist.version, prereleases=True), (
        f"{requirement} is needed, the environment running the tests has {dist.metadata['Name']} {dist.version}"
    )


def link_distributions(dists: Iterable[importlib.metadata.Distribution], target: Path) -> Path:
    """`target` holding, as symlinks, every file the `dists` installed into site-packages (their
    RECORD), and nothing else: a namespace folder such as google/ gets only these dists' parts."""
    for dist in dists:
        files = dist.files
        assert files is not None, f"{dist.metadata['Name']} has no RECORD: which files are its own is unknown"
        for file in files:
            if ".." in file.parts:  # console scripts and data outside site-packages
                continue
            source = Path(dist.locate_file(file))
            if not source.is_file():  # RECORD may list a .pyc that was never written
                continue
            link = target / file
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to(source)
    return target
