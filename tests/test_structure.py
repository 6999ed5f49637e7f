"""The shape of the package: what imports what, and nothing written twice.

A `_private` module belongs to its package (and that package's subpackages: `harness._files` serves
all of `harness`). Another package reaches it only through what its `__init__` exports, so a package
can rearrange its insides without breaking a neighbour.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "harness"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _package_of(path: Path, root: Path) -> tuple[str, ...]:
    """The dotted package a module file belongs to (a package's `__init__` belongs to itself)."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return parts[:-1]


def _targets(node: ast.AST, package: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every dotted name an import statement reaches: the module, and module.name for each name."""
    if isinstance(node, ast.Import):
        return [tuple(alias.name.split(".")) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            module = base + tuple(node.module.split(".") if node.module else ())
        else:
            module = tuple(node.module.split("."))
        return [module] + [module + (alias.name,) for alias in node.names]
    return []


def cross_package_private_imports(root: Path) -> list[str]:
    """`file:line: what` for each import of another package's private module (or private name)."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        package = _package_of(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):  # imports inside functions count too
            for target in _targets(node, package):
                if target[0] != root.name:
                    continue
                private = next((index for index, part in enumerate(target) if _is_private(part)), None)
                if private is None:
                    continue
                owner = target[:private]
                if package[: len(owner)] != owner:  # neither the same package nor one of its ancestors
                    where = path.relative_to(root.parent).as_posix()
                    problems.append(f"{where}:{node.lineno}: imports {'.'.join(target)} (private to {'.'.join(owner)})")
                break
    return sorted(set(problems))


def test_no_package_imports_another_packages_private_module():
    problems = cross_package_private_imports(PACKAGE)
    assert not problems, "import these from the package instead (export them in its __init__):\n" + "\n".join(problems)


def test_the_import_scan_sees_what_it_must(tmp_path: Path):
    """The scan itself: it flags each way of reaching into a neighbour and allows the rest."""
    root = tmp_path / "pkg"
    files = {
        "__init__.py": "",
        "_shared.py": "X = 1\n",
        "a/__init__.py": "from ._impl import thing\n",
        "a/_impl.py": "from .._shared import X\nfrom . import _other\nthing = X\n",
        "a/_other.py": "",
        "b/__init__.py": "",
        "b/_bad.py": (
            "from ..a._impl import thing\n"
            "import pkg.a._impl\n"
            "from ..a import _impl\n"
            "def later():\n    from pkg.a._other import nothing\n"
            "from ..a import thing as fine\n"
        ),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    assert cross_package_private_imports(root) == [
        "pkg/b/_bad.py:1: imports pkg.a._impl (private to pkg.a)",
        "pkg/b/_bad.py:2: imports pkg.a._impl (private to pkg.a)",
        "pkg/b/_bad.py:3: imports pkg.a._impl (private to pkg.a)",
        "pkg/b/_bad.py:5: imports pkg.a._other (private to pkg.a)",
    ]


def test_the_package_imports_itself_relatively():
    """`from harness.x import y` inside harness reads as an outside user's import; `from ..x` says it is ours."""
    absolute = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            absolute += [f"{path.relative_to(REPO).as_posix()}:{node.lineno}: {name}" for name in names if name.split(".")[0] == "harness"]
    assert not absolute, "\n".join(absolute)


def test_no_duplicated_code():
    """pylint's duplicate-code check: ten similar lines in two places of harness/ are a shared helper
    waiting to be written (imports, docstrings and signatures do not count)."""
    done = subprocess.run(
        [sys.executable, "-m", "pylint", "--disable=all", "--enable=duplicate-code", "--min-similarity-lines=10",
         "--persistent=n", "--score=n", "harness"],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


# -- the README's Layout section ------------------------------------------------------------------


def layout_entries(readme: str) -> list[str]:
    """The paths the README's Layout block names: `name/` for a folder, nested by two spaces a level.

    A line indented by 0 to 6 spaces names an entry (its first word); a line indented further
    continues the description of the entry above it.
    """
    section = readme.split("\n## Layout\n", 1)[1]
    block = section.split("```\n", 2)[1]
    entries: list[str] = []
    parents: list[str] = []  # the folder entry open at each level
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent > 6:
            continue
        assert indent % 2 == 0, f"Layout line indented by {indent} spaces: {line!r}"
        level = indent // 2
        assert level <= len(parents), f"Layout line nested under no folder: {line!r}"
        path = (parents[level - 1] if level else "") + line.split()[0]
        entries.append(path)
        parents[level:] = [path] if path.endswith("/") else []
    return entries


def _top_level_folders() -> set[str]:
    """The repository's own top-level folders: those git tracks files in (not .venv, caches, builds)."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout:
        return {line.split("/")[0] + "/" for line in listed.stdout.splitlines() if "/" in line}
    return {p.name + "/" for p in REPO.iterdir() if p.is_dir() and not p.name.startswith(".")}


def _package_folders() -> set[str]:
    return {
        path.relative_to(REPO).as_posix() + "/"
        for path in PACKAGE.rglob("*")
        if path.is_dir() and not any(part == "__pycache__" or part.startswith(".") for part in path.parts[len(REPO.parts) :])
    }


def test_readme_layout_lists_every_folder_and_only_what_exists():
    entries = layout_entries((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(entries) == len(set(entries)), f"listed twice: {sorted({e for e in entries if entries.count(e) > 1})}"
    missing_on_disk = [entry for entry in entries if not (REPO / entry).exists() or entry.endswith("/") != (REPO / entry).is_dir()]
    assert not missing_on_disk, f"the README's Layout lists what is not there: {missing_on_disk}"
    unlisted = sorted((_top_level_folders() | _package_folders()) - set(entries))
    assert not unlisted, f"folders the README's Layout does not list: {unlisted}"


def test_layout_parser_nests_by_indentation():
    readme = (
        "# x\n\n## Layout\n\n```\na/          first\n  b/        in a\n            more about b\n    e/      in b\n"
        "  c.py      in a\nd.md        top\n```\n"
    )
    assert layout_entries(readme) == ["a/", "a/b/", "a/b/e/", "a/c.py", "d.md"]
