"""Where the reference material is (`shared/`: the seed page, the OpenAI spec, public recordings),
for the tests and the scripts alike: CHAT_CONFORMANCE_SHARED, else `shared/` beside the
repository, else beside the checkout this one was cloned from (CI clones the working copy into a
scratch folder). When none exists, `shared/` beside the repository: what reads it says it is missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["REPO", "shared_folder"]

REPO = Path(__file__).resolve().parent.parent


def _origin() -> Path | None:
    try:
        url = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(url.removeprefix("file://")).resolve() if url else None


def shared_folder() -> Path:
    if os.environ.get("CHAT_CONFORMANCE_SHARED"):
        return Path(os.environ["CHAT_CONFORMANCE_SHARED"])
    beside = REPO.parent / "shared"
    if beside.is_dir():
        return beside
    origin = _origin()
    if origin is not None and (origin.parent / "shared").is_dir():
        return origin.parent / "shared"
    return beside
