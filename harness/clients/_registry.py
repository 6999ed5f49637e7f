"""The client registry: one driver per client, each in its own public module of this package.

A driver subclasses `Driver` (Python clients run in-process) or `NodeDriver` (JavaScript clients
run in the shared Node bridge, `js/bridge.mjs`, by the script `js/drivers/<name>.mjs`), and
registers itself by being defined. Adding a client is one driver module (plus its `.mjs` for a
JavaScript one) and its pin (pyproject.toml, or js/package.json): every public module here is
imported on first use of the registry, so nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ._compare import FULL, Aspects
from ._events import AnswerEvents
from ._install import INSTALL_COMMAND, js_installed_version
from ._judge import PathRun
from ._model import ClientStatus, Raised, RecordedAnswer
from ._pins import js_pin, python_pin

if TYPE_CHECKING:
    from ._node import NodeBridge

__all__ = ["Driver", "Job", "NodeDriver", "drivers", "driver_named"]

_DRIVERS: dict[str, type[Driver]] = {}


@dataclass(frozen=True)
class Job:
    """One answer for one client, with everything a driver needs to run it."""

    answer: RecordedAnswer
    request: Mapping[str, Any]
    """The recorded request body (or the least one, when `request_known` is False)."""
    request_known: bool
    url: str | None
    stream: bool
    events: AnswerEvents | None
    """The answer's SSE events, when it is an event stream."""
    node: Callable[[], NodeBridge]
    """The run's Node bridge, started on first call."""
    reference: Mapping[str, Any] | None = None
    """The caller's reference (drivers only look at it to line up what their client cannot order)."""


class Driver:
    """A client: its identity, its pin, and how to run it on one answer."""

    name: ClassVar[str]
    ecosystem: ClassVar[str] = "python"
    package: ClassVar[str]
    """The PyPI distribution or npm package whose version is the client's version."""
    order: ClassVar[int] = 100

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # an intermediate base class
        if cls.name in _DRIVERS and _DRIVERS[cls.name].__qualname__ != cls.__qualname__:
            raise RuntimeError(f"client driver {cls.name!r} is defined twice ({_DRIVERS[cls.name].__module__} and {cls.__module__})")
        _DRIVERS[cls.name] = cls

    def pinned(self) -> str | None:
        return python_pin(self.package)

    def installed(self, cache_dir: Path | None = None) -> str | None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(self.package)
        except PackageNotFoundError:
            return None

    def install_command(self) -> str:
        return f"pip install '{self.package}=={self.pinned()}'"

    def status(self, cache_dir: Path | None = None) -> ClientStatus:
        return ClientStatus(self.name, self.ecosystem, self.package, self.pinned(), self.installed(cache_dir), self.install_command())

    def run(self, job: Job) -> list[PathRun]:
        raise NotImplementedError


class NodeDriver(Driver):
    """A JavaScript client, run by `js/drivers/<script>.mjs` in the shared Node bridge."""

    ecosystem: ClassVar[str] = "node"
    script: ClassVar[str]
    companions: ClassVar[tuple[str, ...]] = ()
    """Further npm packages the client is made of (the AI SDK's provider): named in its version."""

    def _version(self, read: Callable[[str], str | None]) -> str | None:
        versions = [read(self.package), *(read(p) for p in self.companions)]
        if any(v is None for v in versions):
            return None
        return " + ".join([str(versions[0]), *(f"{p} {v}" for p, v in zip(self.companions, versions[1:]))])

    def pinned(self) -> str | None:
        return self._version(js_pin)

    def installed(self, cache_dir: Path | None = None) -> str | None:
        return self._version(lambda package: js_installed_version(package, cache_dir))

    def install_command(self) -> str:
        return INSTALL_COMMAND

    def aspects(self, path: str) -> Aspects:
        return FULL

    def run(self, job: Job) -> list[PathRun]:
        return self.finish(job, self.start(job))

    def start(self, job: Job) -> Any:
        """Hand the answer to the Node bridge without waiting for it (see `ClientRunner.run`)."""
        return job.node().submit(self.script, {"answer": job.answer, "request": dict(job.request), "url": job.url, "stream": job.stream})

    def finish(self, job: Job, started: Any) -> list[PathRun]:
        result = job.node().collect(started)
        return [self._path_run(job, entry) for entry in result["paths"]]

    def _path_run(self, job: Job, entry: Mapping[str, Any]) -> PathRun:
        raised = None
        if entry.get("raised"):
            info = entry["raised"]
            event = None
            if job.events is not None and info.get("count") is not None:
                # The script counted what the client had handed over before raising.
                if info.get("counting") == "completion-chunks":
                    event = job.events.event_of_completion_chunk(info["count"])
                else:
                    event = job.events.event_of_chunk(info["count"])
            raised = Raised(info["exception"], info.get("message") or "", event)
        return PathRun(
            path=entry["path"],
            assembled=entry.get("assembled"),
            chunks=entry.get("chunks"),
            raised=raised,
            status_error=bool(entry.get("status_error")),
            server_error=bool(entry.get("server_error")),
            sent=entry.get("sent", True),
            aspects=self.aspects(entry["path"]),
            notes=list(entry.get("notes") or ()),
        )


@cache
def _discover() -> None:
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")


def drivers() -> Mapping[str, Driver]:
    """Every registered client, in report order (read-only)."""
    _discover()
    ordered = sorted(_DRIVERS.values(), key=lambda cls: (cls.order, cls.name))
    return MappingProxyType({cls.name: cls() for cls in ordered})


def driver_named(names: Sequence[str] | None) -> list[Driver]:
    """The drivers for `names` (all when None); an unknown name fails, listing the valid ones."""
    registry = drivers()
    if names is None:
        return list(registry.values())
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise ValueError(f"unknown client {', '.join(map(repr, unknown))}; known clients: {', '.join(registry)}")
    return [registry[n] for n in names]
