"""syrupy snapshots of the shape of a case's exchanges: the glue behind the plugin's `--cc-snapshot`.

`harness.snapshots` normalizes exchanges (and needs neither pytest nor syrupy); this module
compares that shape with a syrupy snapshot for one case item. One amber file per case and
endpoint, `<case folder>/__snapshots__/<endpoint>/<case id>.ambr` (`--snapshot-dirname` renames
`__snapshots__`), or `DIR/<endpoint>/<case id>.ambr` with `--cc-snapshot-dir DIR`. One file per
endpoint keeps a run against some endpoints, or some cases (`-k`, `-m`), from reporting the
snapshots of the others as unused.

syrupy is optional: without it this module imports, `syrupy_ready` says no, and the plugin
refuses `--cc-snapshot` with a usage error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .cases import Case
from .snapshots import normalize_exchanges
from .transport import Exchange

try:  # syrupy is optional: only --cc-snapshot needs it
    from syrupy.extensions.amber import AmberSnapshotExtension as _Amber
except ImportError:  # pragma: no cover - exercised only without syrupy installed
    _Amber = None

__all__ = ["compare_snapshot", "syrupy_ready"]


def syrupy_ready(config: pytest.Config) -> bool:
    """syrupy is installed and its pytest plugin is active (it owns --snapshot-update and the session)."""
    return _Amber is not None and config.pluginmanager.hasplugin("syrupy")


def compare_snapshot(
    item: pytest.Item, case: Case, endpoint: str, exchanges: Sequence[Exchange], *, snapshot_dir: Path | None
) -> str | None:
    """None when the shape of `exchanges` matches the item's snapshot (or --snapshot-update wrote
    it); otherwise the explanation, with syrupy's diff."""
    from syrupy.assertion import SnapshotAssertion
    from syrupy.location import PyTestLocation
    from syrupy.terminal import disable_color

    option = item.config.option
    folder = snapshot_dir if snapshot_dir is not None else case.path.resolve().parent / _snapshot_dirname()
    site = _SnapshotSite(item, folder / _safe(endpoint), case.id)
    assertion = SnapshotAssertion(
        update_snapshots=bool(option.update_snapshots),
        update_new_snapshots_only=bool(getattr(option, "update_new_snapshots_only", False)),
        extension_class=CaseSnapshotExtension,
        test_location=PyTestLocation(site),
        session=item.config._syrupy,  # type: ignore[attr-defined]
    )
    shapes = normalize_exchanges(exchanges, {step.name: step for step in case.steps})
    if assertion == shapes:
        return None
    with disable_color() if getattr(option, "no_colors", True) else contextlib.nullcontext():
        diff = assertion.get_assert_diff(diff_mode=option.diff_mode)
    location = CaseSnapshotExtension.get_location(test_location=assertion.test_location, index=0)
    return "\n".join(
        [
            f"snapshot {assertion.extension.get_snapshot_name(test_location=assertion.test_location, index=0)} "
            f"({location}) does not match the shape of the exchanges [- snapshot] [+ received]; "
            "if the change is intended, re-run with --snapshot-update",
            *diff,
        ]
    )


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _snapshot_dirname() -> str:
    """`__snapshots__`, or what --snapshot-dirname says (syrupy sets it on its storage base class)."""
    from syrupy.extensions.base import SnapshotCollectionStorage

    return str(SnapshotCollectionStorage.snapshot_dirname)


class _SnapshotFunction:
    """What syrupy reads of `item.obj`."""

    def __init__(self, module: str, name: str) -> None:
        self.__module__ = module
        self.__name__ = name


class _SnapshotSite:
    """The parts of an item syrupy's `PyTestLocation` reads, plus where this item's snapshot lives."""

    def __init__(self, item: pytest.Item, folder: Path, case_id: str) -> None:
        self.nodeid = item.nodeid
        self.name = item.name
        self.path = item.path
        self.stash = item.stash
        self.obj = _SnapshotFunction(__name__, case_id)
        self.cc_snapshot_folder = folder
        self.cc_case_id = case_id


if _Amber is not None:

    class CaseSnapshotExtension(_Amber):
        """Amber snapshots at `<folder>/<case id>.ambr`, one file per case and endpoint.

        Discovery is limited to the item's own file: a run that selects some cases or endpoints
        leaves the other files alone (never "unused", never deleted by --snapshot-update).
        """

        @classmethod
        def dirname(cls, *, test_location: Any) -> str:
            folder = getattr(test_location.item, "cc_snapshot_folder", None)
            return str(folder) if folder is not None else super().dirname(test_location=test_location)

        @classmethod
        def get_file_basename(cls, *, test_location: Any, index: Any) -> str:
            case_id = getattr(test_location.item, "cc_case_id", None)
            return case_id if case_id is not None else super().get_file_basename(test_location=test_location, index=index)

        @classmethod
        def discovery_dirname(cls, *, test_location: Any) -> str:
            if getattr(test_location.item, "cc_case_id", None) is None:
                return super().discovery_dirname(test_location=test_location)
            return cls.get_location(test_location=test_location, index=0)

        @classmethod
        def matches_test_location(cls, *, test_location: Any, snapshot_location: str) -> bool:
            if getattr(test_location.item, "cc_case_id", None) is None:
                return False
            return Path(snapshot_location) == Path(cls.get_location(test_location=test_location, index=0))

        def discover_snapshots(self, *, test_location: Any, ignore_extensions: list[str] | None = None) -> Any:
            from syrupy.data import SnapshotCollections, SnapshotEmptyCollection

            discovered = SnapshotCollections()
            if getattr(test_location.item, "cc_case_id", None) is None:
                return discovered
            location = self.get_location(test_location=test_location, index=0)
            if Path(location).is_file():
                collection = self.read_snapshot_collection(snapshot_location=location)
                discovered.add(collection if collection.has_snapshots else SnapshotEmptyCollection(location=location))
            return discovered
