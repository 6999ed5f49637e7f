"""Shared test helpers: where the reference material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The reference material sits beside the repository; CHAT_CONFORMANCE_SHARED points elsewhere.
SHARED = Path(os.environ.get("CHAT_CONFORMANCE_SHARED") or REPO.parent / "shared")
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
