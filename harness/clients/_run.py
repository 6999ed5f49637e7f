"""Running the registered clients on one answer: the entry point of the client layer.

A `ClientRunner` is one run's worth of state: the outcome cache, and the Node bridge (started on
the first answer handed to a JavaScript client, shared by all later ones, ended by `close()`).
`run_clients` uses a process-wide runner closed at exit.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._cache import OutcomeCache, answer_key, code_fingerprint
from ._events import decode_events, is_event_stream
from ._install import default_cache_dir, find_js_runtime
from ._judge import judge
from ._model import ClientNotice, ClientOutcome, ClientSetupError, ClientStatus, Outcome, RecordedAnswer
from ._node import BridgeError, NodeBridge
from ._reduce import MAX_EVENTS, reduce_answer
from ._registry import Driver, Job, NodeDriver, driver_named, drivers
from ._request import fallback_request

__all__ = [
    "ClientRunner",
    "RunnerStats",
    "available_clients",
    "choose_clients",
    "client_notices",
    "client_status",
    "client_versions",
    "close_clients",
    "run_clients",
]

CACHE_FILE = "client-outcomes.sqlite3"
CACHE_ENV = "CHAT_CONFORMANCE_CLIENT_CACHE"
EVENTS_ENV = "CHAT_CONFORMANCE_CLIENT_EVENTS"
"""How many events of a long stream the clients run on before the steady text deltas are left out."""


@dataclass(frozen=True)
class RunnerStats:
    node_starts: int
    """Node processes started by this runner (one per run, unless a client hung and it was restarted)."""
    cache_hits: int
    cache_misses: int
    clients_run: int
    """Client runs that actually executed a client (not served from the cache)."""


class ClientRunner:
    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        cache_file: Path | None = None,
        max_events: int | None = MAX_EVENTS,
        node_timeout: float = 120.0,
    ):
        """`cache_dir` holds the JavaScript clients and, unless `cache_file` names another file,
        the outcome cache; `max_events` is where a long stream is reduced (None: never)."""
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        # CHAT_CONFORMANCE_CLIENT_CACHE names another outcome-cache file, or `off` for none (benchmarks
        # measure a cold run with it; a user may not want answers' fingerprints kept).
        setting = os.environ.get(CACHE_ENV, "")
        if setting == "off":
            use_cache = False
        elif setting and cache_file is None:
            cache_file = Path(setting)
        self.cache = OutcomeCache(Path(cache_file) if cache_file is not None else self.cache_dir / CACHE_FILE) if use_cache else None
        if max_events == MAX_EVENTS and os.environ.get(EVENTS_ENV, "").isdigit():
            max_events = int(os.environ[EVENTS_ENV])
        self.max_events = max_events
        self.node_timeout = node_timeout
        self._bridge: NodeBridge | None = None
        self._bridge_lock = threading.Lock()
        self._versions: dict[str, str | None] = {}
        self._clients_run = 0

    # -- what is installed ---------------------------------------------------------------------

    def version(self, driver: Driver) -> str | None:
        if driver.name not in self._versions:
            self._versions[driver.name] = driver.installed(self.cache_dir)
        return self._versions[driver.name]

    def notices(self, names: Sequence[str] | None = None) -> list[ClientNotice]:
        """What the user may want to hear before a run: clients missing or not at their pin."""
        out = []
        for driver in driver_named(names):
            installed, pinned = self.version(driver), driver.pinned()
            if installed is None:
                out.append(ClientNotice(driver.name, f"{driver.name} is not installed: its outcomes are not-run", driver.install_command()))
            elif installed != pinned:
                out.append(ClientNotice(driver.name, f"{driver.name} {installed} is installed, but {pinned} is pinned", driver.install_command()))
        return out

    # -- running -------------------------------------------------------------------------------

    def _node(self) -> NodeBridge:
        with self._bridge_lock:
            if self._bridge is None:
                self._bridge = NodeBridge(find_js_runtime(self.cache_dir), timeout=self.node_timeout)
            return self._bridge

    def run(
        self,
        answer: RecordedAnswer,
        request: Mapping[str, Any] | None,
        reference: Mapping[str, Any] | None,
        *,
        stream: bool,
        names: Sequence[str] | None = None,
        url: str | None = None,
    ) -> list[ClientOutcome]:
        chosen = driver_named(names)
        notes: list[str] = []
        events_run = events_total = None
        if is_event_stream(answer):
            if self.max_events is not None:
                reduction = reduce_answer(answer, reference, max_events=self.max_events)
                answer, reference = reduction.answer, reduction.reference
                events_run, events_total = reduction.events_run, reduction.events_total
                if events_run != events_total:
                    notes.append(f"a long stream: the clients ran on {events_run} of its {events_total} SSE events (steady text deltas after the first {self.max_events} left out)")
                if reduction.note:
                    notes.append(reduction.note)
            events = decode_events(answer)
            if events_run is None:
                events_run = events_total = len(events.events)
        else:
            events = None
        if request is None:
            notes.append("the request is unknown: the clients were given a minimal one")
        job = Job(
            answer=answer,
            request=fallback_request(request, stream),
            request_known=request is not None,
            url=url,
            stream=stream,
            events=events,
            node=self._node,
            reference=reference,
        )
        key = answer_key(answer, request, reference, stream=stream, url=url) if self.cache is not None else ""
        # The JavaScript clients run in the Node process: their answers are handed over first, and
        # Node works on them while the Python clients run here; their results are collected last.
        started = {driver.name: self._begin(driver, job, key, events_run, events_total, notes) for driver in chosen}
        done = {
            driver.name: self._end(driver, job, key, reference, started[driver.name], events_run, events_total)
            for driver in chosen
            if driver.ecosystem != "node"
        }
        for driver in chosen:
            if driver.name not in done:
                done[driver.name] = self._end(driver, job, key, reference, started[driver.name], events_run, events_total)
        return [done[driver.name] for driver in chosen]

    def _begin(self, driver: Driver, job: Job, key: str, events_run: int | None, events_total: int | None, notes: list[str]) -> Any:
        """What is known before the client runs: an outcome (not installed, cached, refused by the
        bridge) or `_Begun` with what the run needs; a JavaScript client's answer is handed to Node here."""
        version = self.version(driver)
        if version is None:
            return ClientOutcome(
                driver.name, None, Outcome.NOT_RUN, f"not installed: run `{driver.install_command()}`", notes=tuple(notes), events_run=events_run, events_total=events_total
            )
        all_notes = list(notes)
        if version != driver.pinned():
            all_notes.append(f"{driver.name} {version} is installed, but {driver.pinned()} is pinned")
        if self.cache is not None:
            cached = self.cache.get(key, driver.name, version, code_fingerprint())
            if cached is not None:
                return replace(cached, cached=True)
        handle = None
        if isinstance(driver, NodeDriver):
            try:
                handle = driver.start(job)
            except (ClientSetupError, BridgeError) as exc:
                return ClientOutcome(driver.name, version, Outcome.NOT_RUN, str(exc), notes=tuple(all_notes), events_run=events_run, events_total=events_total)
        return _Begun(version, all_notes, handle)

    def _end(
        self,
        driver: Driver,
        job: Job,
        key: str,
        reference: Mapping[str, Any] | None,
        begun: Any,
        events_run: int | None,
        events_total: int | None,
    ) -> ClientOutcome:
        if isinstance(begun, ClientOutcome):
            return begun
        version, all_notes = begun.version, begun.notes
        try:
            runs = driver.finish(job, begun.handle) if isinstance(driver, NodeDriver) else driver.run(job)
        except (ClientSetupError, BridgeError) as exc:
            return ClientOutcome(driver.name, version, Outcome.NOT_RUN, str(exc), notes=tuple(all_notes), events_run=events_run, events_total=events_total)
        except Exception as exc:  # noqa: BLE001 - a driver bug must not end the run; it is reported as such
            detail = f"the {driver.name} driver failed (a harness bug, not the client's): {type(exc).__name__}: {exc}"
            return ClientOutcome(driver.name, version, Outcome.NOT_RUN, detail, notes=tuple(all_notes), events_run=events_run, events_total=events_total)
        self._clients_run += 1
        runs = [_own_ids_as_placeholders(run, job.answer.body) for run in runs]
        payloads = job.events.payloads() if job.events is not None else None
        outcome = judge(
            driver.name,
            version,
            runs,
            status=job.answer.status,
            reference=reference,
            payloads=payloads,
            events_run=events_run,
            events_total=events_total,
            notes=all_notes,
            failure=job.answer.failure,
        )
        # Everything the judge decides is a fact about these bytes (a request the client refused
        # included); only a missing client or a failed bridge (returned above) is not.
        if self.cache is not None:
            self.cache.put(key, driver.name, version, code_fingerprint(), outcome)
        return outcome

    @property
    def stats(self) -> RunnerStats:
        return RunnerStats(
            node_starts=self._bridge.starts if self._bridge is not None else 0,
            cache_hits=self.cache.hits if self.cache is not None else 0,
            cache_misses=self.cache.misses if self.cache is not None else 0,
            clients_run=self._clients_run,
        )

    @property
    def node_pid(self) -> int | None:
        """The Node bridge's process id while it runs (None before the first JavaScript client)."""
        return self._bridge.pid if self._bridge is not None else None

    def close(self) -> None:
        with self._bridge_lock:
            if self._bridge is not None:
                self._bridge.close()
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> ClientRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Begun:
    """A client about to run: its version, the outcome's notes, and for a JavaScript client the
    bridge's handle on the job already handed to Node."""

    version: str
    notes: list[str]
    handle: Any = None


MADE_UP_ID = "<an id the client made up>"


def _own_ids_as_placeholders(run: Any, body: bytes) -> Any:
    """A tool-call id the answer never sent is one the client invented (the AI SDK does, for a call
    it split off): random on every run, so it is shown as a placeholder, keeping outcomes, the
    outcome cache and the published reports the same from run to run."""
    assembled = getattr(run, "assembled", None)
    if not isinstance(assembled, Mapping):
        return run
    changed = False
    choices = []
    for choice in assembled.get("choices") or ():
        message = choice.get("message") if isinstance(choice, Mapping) else None
        calls = message.get("tool_calls") if isinstance(message, Mapping) else None
        if isinstance(calls, list):
            fixed_calls = []
            for call in calls:
                call_id = call.get("id") if isinstance(call, Mapping) else None
                if isinstance(call_id, str) and call_id and call_id.encode() not in body:
                    call, changed = {**call, "id": MADE_UP_ID}, True
                fixed_calls.append(call)
            choice = {**choice, "message": {**message, "tool_calls": fixed_calls}}
        choices.append(choice)
    if not changed:
        return run
    run.assembled = {**assembled, "choices": choices}
    return run


_DEFAULT: ClientRunner | None = None
_DEFAULT_LOCK = threading.Lock()


def _default() -> ClientRunner:
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = ClientRunner()
            atexit.register(close_clients)
        return _DEFAULT


def close_clients() -> None:
    """End the process-wide runner's Node bridge and cache connections (run at exit too)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        runner, _DEFAULT = _DEFAULT, None
    if runner is not None:
        runner.close()


def run_clients(
    answer: RecordedAnswer,
    request: Mapping[str, Any] | None,
    reference: Mapping[str, Any] | None,
    *,
    names: Sequence[str] | None = None,
    stream: bool,
    url: str | None = None,
) -> list[ClientOutcome]:
    """What every registered client (or those in `names`) makes of `answer`.

    `request` is the recorded request body; `reference` the chat.completion-shaped dict the
    server meant (for a stream the harness's faithful accumulation, for JSON the body); `stream`
    whether the client is asked for a stream; `url` the recorded request URL (clients get it,
    minus `/chat/completions`, as their base URL)."""
    return _default().run(answer, request, reference, stream=stream, names=names, url=url)


def client_status(cache_dir: Path | None = None) -> list[ClientStatus]:
    return [driver.status(cache_dir) for driver in drivers().values()]


def client_versions(cache_dir: Path | None = None) -> dict[str, str | None]:
    """Installed version per client (None when missing)."""
    return {status.name: status.installed for status in client_status(cache_dir)}


def available_clients(cache_dir: Path | None = None) -> list[str]:
    """The clients that can run here (installed; for JavaScript ones, with a Node to run them)."""
    names = []
    node_ok: bool | None = None
    for status in client_status(cache_dir):
        if status.installed is None:
            continue
        if status.ecosystem == "node":
            if node_ok is None:
                try:
                    find_js_runtime(cache_dir)
                    node_ok = True
                except ClientSetupError:
                    node_ok = False
            if not node_ok:
                continue
        names.append(status.name)
    return names


def client_notices(names: Sequence[str] | None = None, cache_dir: Path | None = None) -> list[ClientNotice]:
    return ClientRunner(cache_dir=cache_dir, use_cache=False).notices(names)


def choose_clients(choice: str, cache_dir: Path | None = None) -> tuple[tuple[str, ...], list[str]]:
    """`all`, `none` or `NAME,...` as the clients to run, and one line for each chosen client that
    cannot run here (with the command that installs it). Unknown names raise ValueError."""
    from ..errors import did_you_mean

    known = list(drivers())
    choice = choice.strip()
    if choice == "none":
        return (), []
    wanted = known if choice == "all" else [part.strip() for part in choice.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"unknown client {unknown[0]!r}{did_you_mean(unknown[0], known)} (known: {', '.join(known)}, or all, none)")
    ready = set(available_clients(cache_dir))
    statuses = {s.name: s for s in client_status(cache_dir)}
    notices = [
        f"{name} is not installed, so its outcomes are not run; install it with: {statuses[name].install_command}" for name in wanted if name not in ready
    ]
    return tuple(name for name in wanted if name in ready), notices
