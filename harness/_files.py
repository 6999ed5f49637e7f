"""Writing files so that a reader (or a crash) never sees half of one, and others may read them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]

# O_EXCL: never open a file someone else made under the temporary name (as mkstemp does).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    The file is created with mode 0o666, which the kernel reduces by the process umask exactly as
    for `open(path, "w")`: 0644 under the usual umask 022, 0600 under 077. So reports and
    recordings are readable by a CI artifact uploader or a colleague whenever the user's umask
    says so (`tempfile.mkstemp` would make them 0600 whatever it says). Letting the kernel apply
    the umask needs no reading of it (`os.umask` can only be read by setting it, which races with
    other threads creating files) and honours a directory's default ACL as `open` does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, _CREATE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
