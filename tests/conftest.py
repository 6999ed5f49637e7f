"""Shared test helpers: where the reference material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.shared_folder import shared_folder

# pytest imports readline at start-up (its capture workaround), and GNU readline exports COLUMNS and
# LINES into the C environment, unseen in os.environ: every command a test starts would then think
# its output is 80 columns wide. Commands run by tests get the width a pipe gets, unless a test says.
for _name in ("COLUMNS", "LINES"):
    os.environ[_name] = ""
    del os.environ[_name]
# Run on GitHub Actions, every `chat-conformance run` a test starts would append its job summary to
# the real one of this step; the tests that check the summary set the variable themselves.
os.environ.pop("GITHUB_STEP_SUMMARY", None)

REPO = Path(__file__).resolve().parent.parent
SHARED = shared_folder()
SEED = SHARED / "seed" / "vertex-openai-chat-completions-examples.de.txt"


RECORDINGS = SHARED / "spec" / "recordings"


def recording_files() -> list[Path]:
    """The public recordings in shared/spec/recordings (empty when shared/ is missing)."""
    if not RECORDINGS.is_dir():
        return []
    return sorted(p for p in RECORDINGS.iterdir() if p.is_file())


def require_recordings() -> None:
    if not recording_files():
        pytest.fail(
            f"reference recordings missing at {RECORDINGS}: lay shared/ beside the repository "
            "or point CHAT_CONFORMANCE_SHARED at it"
        )


def read_reference(path: Path) -> str:
    """Reference docs are part of the test input (CI lays shared/ beside the clone): missing is a failure."""
    if not path.is_file():
        pytest.fail(f"reference material missing at {path}: check out shared/ beside the repository")
    return path.read_text(encoding="utf-8")


# Hypothesis: a fixed budget per test (each test sets max_examples) and a committed database of
# found examples, so an example that once failed is tried first on every later run, in CI too.
from hypothesis import settings as _hypothesis_settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

_hypothesis_settings.register_profile(
    "chat-conformance",
    database=DirectoryBasedExampleDatabase(str(REPO / "tests" / "hypothesis-examples")),
    deadline=None,
    print_blob=True,
)
_hypothesis_settings.load_profile("chat-conformance")


def _tree_state(root: Path) -> dict[str, tuple[int, int]]:
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session", autouse=True)
def _working_tree_reports_untouched():
    """No test writes into the checkout's reports/ (a user's last report lives in reports/latest):
    every run a test starts gets a --report-dir or a working directory of its own."""
    reports = REPO / "reports"
    before = _tree_state(reports)
    yield
    after = _tree_state(reports)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"tests wrote into {reports}: {changed}"


# -- the 30-second budget ------------------------------------------------------------------------
# A test over SLOW_SECONDS must say why it needs that long: `@pytest.mark.slow(reason=...)`. Those
# over it without the mark are listed at the end of the run (not failed: a loaded machine makes any
# test slower, and a test must not fail for that).
SLOW_SECONDS = 30.0
_over_budget: list[tuple[str, float]] = []


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in item.iter_markers("slow"):
            if not mark.kwargs.get("reason"):
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.slow needs reason=... (why it takes over {SLOW_SECONDS:g} s)")


def pytest_runtest_logreport(report):
    # setup + call + teardown together make a test's time; the setup of a module fixture (a server
    # start) is counted against the first test that uses it.
    if report.when in ("setup", "call") and report.duration > SLOW_SECONDS and "slow" not in report.keywords:
        _over_budget.append((f"{report.nodeid} ({report.when})", report.duration))


def pytest_terminal_summary(terminalreporter):
    if _over_budget:
        terminalreporter.section(f"over {SLOW_SECONDS:g} s without @pytest.mark.slow(reason=...)")
        for nodeid, seconds in sorted(_over_budget, key=lambda item: -item[1]):
            terminalreporter.write_line(f"{seconds:6.1f} s  {nodeid}")
