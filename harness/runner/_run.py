"""Running cases against endpoints: the one loop both the CLI and the pytest plugin drive.

case → request → exchange → findings → result. A result is produced for every case × endpoint
pair, including the ones that could not run (skip, with the reason), so nothing is silently left
out of a report.
"""

from __future__ import annotations

import json
import shlex
import threading
import urllib.parse
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cases import Case, DependencyMissing, PlaceholderMissing, Step
from ..endpoints import Endpoint, make_auth
from ..errors import ConfigError
from ..transport import (
    SECRET_HEADERS,
    Cassette,
    Exchange,
    HTTPRequest,
    Limits,
    Redactor,
    cassette_path,
    read_cassette,
    write_cassette,
)
from ..validators import (
    CASE_DEPENDENCY,
    RECORDING_STALE,
    TRANSPORT_FAILURE,
    Finding,
    Location,
    Severity,
    compare_stream_and_json,
    judge_exchange,
)
from ._requests import build_request
from ._results import CaseResult, Mode, Verdict, timings_of, verdict_for

if TYPE_CHECKING:
    from ..transport import Transport

__all__ = ["RunSettings", "Runner", "endpoint_redactor", "record_command", "first_difference"]


@dataclass
class RunSettings:
    mode: Mode = Mode.REPLAY
    limits: Limits = field(default_factory=Limits)
    rules: list[str] | None = None
    """Rule ids to run (None: all)."""
    recordings_dir: Path | None = None
    """Read and write recordings here instead of beside each case folder."""
    repeat: int = 1
    """Run each case this many times; mixed outcomes give the verdict flaky."""
    concurrency: int = 1
    """Cases in flight at once against live endpoints (replay is CPU-bound and runs one at a time)."""
    server_labels: Mapping[str, str] = field(default_factory=dict)
    """Endpoint name -> what to call its server in recordings (e.g. "llama.cpp llama-server b6000");
    without one, the Server header of the answer."""
    environ: Mapping[str, str] | None = None


def endpoint_redactor(endpoint: Endpoint) -> Redactor:
    """What must never be written for this endpoint: secret header values, and with
    redact_project the project id and number (URL paths and dedicated host names included)."""
    redactor = Redactor(value for name, value in endpoint.headers.items() if name.lower() in SECRET_HEADERS)
    if endpoint.redact_project:
        for value in (endpoint.project, endpoint.project_number):
            if value:
                redactor.add(value, short_ok=True)
    return redactor


def record_command(case_id: str, endpoint: str) -> str:
    return f"chat-conformance run --mode record --endpoint {shlex.quote(endpoint)} --case {shlex.quote(case_id)}"


def first_difference(old: Any, new: Any, path: str = "") -> str | None:
    """JSON pointer of the first place two JSON values differ, or None when equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                return f"{path}/{key}"
            found = first_difference(old[key], new[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list):
        for index, (a, b) in enumerate(zip(old, new)):
            found = first_difference(a, b, f"{path}/{index}")
            if found is not None:
                return found
        return None if len(old) == len(new) else f"{path}/{min(len(old), len(new))}"
    return None if old == new and type(old) is type(new) else (path or "/")


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _staleness(request: HTTPRequest, recorded: Exchange | None, redactor: Redactor) -> str | None:
    """Why the recorded request is not the one the case sends now, or None.

    Like vcrpy's path matcher, the host and port are not compared: they belong to the endpoint's
    configuration (a local server gets a new free port every time), not to the case. What the
    case decides, the path (Vertex's project, location, endpoint and API version), the query and
    the body, is compared."""
    if recorded is None:
        return "the recording has no exchange for this step"
    old = recorded.attempts[0].request
    if old.method != request.method:
        return f"method {old.method} was recorded, {request.method} is sent now"
    if _path(old.url) != _path(redactor.url(request.url)):
        return f"URL path {_path(old.url)} was recorded, {_path(redactor.url(request.url))} is sent now"
    where = first_difference(old.json(), request.json())
    if where is not None:
        return f"the request body differs at {where or '/'}"
    return None


class Runner:
    """Runs cases; `on_result` hears about each result as soon as it is known.

    A context manager: `with Runner(settings) as runner: runner.run(cases, endpoints)`. It holds
    one HTTP client per endpoint (connections and TLS set-up reused by every case); leaving the
    block closes them. `run` also closes them when it ends, so a one-off `Runner(...).run(...)`
    leaves nothing open; `run_case` (the pytest plugin's way in) keeps them for the next case.
    """

    def __init__(self, settings: RunSettings, on_result: Callable[[CaseResult], None] | None = None):
        self.settings = settings
        self.on_result = on_result
        self._auths: dict[str, Any] = {}
        self._limiters: dict[str, Any] = {}
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    def prepare(self, endpoints: Iterable[Endpoint]) -> None:
        """Fail early (ConfigError, exit 2) on credentials that cannot work, before any request."""
        if self.settings.mode is Mode.REPLAY:
            return
        from ..transport import RateLimiter

        for endpoint in endpoints:
            if not endpoint.recordable:
                raise ConfigError(
                    f"endpoint {endpoint.name} holds documentation samples (origin: {endpoint.origin}); "
                    f"there is no server to send --mode {self.settings.mode} requests to: replay it, or pick a live endpoint"
                )
            if endpoint.name not in self._auths:
                self._auths[endpoint.name] = make_auth(endpoint.auth, environ=self.settings.environ)
            if endpoint.requests_per_second and endpoint.name not in self._limiters:
                self._limiters[endpoint.name] = RateLimiter(endpoint.requests_per_second)

    def run(self, cases: Sequence[Case], endpoints: Sequence[Endpoint]) -> list[CaseResult]:
        """Every case against every endpoint. Results come out in that order whatever the
        concurrency: each is handed to `on_result` as soon as it and all before it are done."""
        self.prepare(endpoints)
        pairs = [(case, endpoint) for endpoint in endpoints for case in cases]
        workers = self.settings.concurrency if self.settings.mode is not Mode.REPLAY else 1
        try:
            if workers > 1 and len(pairs) > 1:
                return self._run_concurrently(pairs, workers)
            results = []
            for case, endpoint in pairs:
                results.append(self.run_case(case, endpoint))
                if self.on_result is not None:
                    self.on_result(results[-1])
            return results
        finally:
            self.close()

    def _run_concurrently(self, pairs: list[tuple[Case, Endpoint]], workers: int) -> list[CaseResult]:
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        # One gate per endpoint: never more cases in flight against it than it allows.
        gates = {e.name: threading.BoundedSemaphore(min(workers, e.max_concurrency or workers)) for _, e in pairs}

        def gated(case: Case, endpoint: Endpoint) -> CaseResult:
            with gates[endpoint.name]:
                return self.run_case(case, endpoint)

        done: dict[int, CaseResult] = {}
        emitted = 0
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="case") as pool:
            pending = {pool.submit(gated, case, endpoint): number for number, (case, endpoint) in enumerate(pairs)}
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done[pending.pop(future)] = future.result()
                    while emitted in done:
                        if self.on_result is not None:
                            self.on_result(done[emitted])
                        emitted += 1
            except BaseException:
                for future in pending:
                    future.cancel()  # Ctrl-C: nothing new starts; cases under way finish their request
                raise
        return [done[number] for number in range(len(pairs))]

    def _client_for(self, endpoint: Endpoint):
        """One HTTP client per endpoint for the whole run: connections and TLS set-up are reused."""
        from ..transport import new_client

        with self._clients_lock:
            if endpoint.name not in self._clients:
                self._clients[endpoint.name] = new_client()
            return self._clients[endpoint.name]

    def close(self) -> None:
        """Close the HTTP clients; a later live case opens new ones. Safe to call more than once."""
        with self._clients_lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _recording(self, case: Case, endpoint: Endpoint) -> Path:
        root = self.settings.recordings_dir or case.recordings_dir
        assert root is not None, "case loaded without a recordings folder"
        return cassette_path(root, endpoint.name, case.id)

    def run_case(self, case: Case, endpoint: Endpoint) -> CaseResult:
        started = time.perf_counter()
        runs = [self._run_case(case, endpoint) for _ in range(max(1, self.settings.repeat))]
        result = _combine(runs) if len(runs) > 1 else runs[0]
        result.duration = time.perf_counter() - started
        result.timings = timings_of(result.exchanges, result.first_content_chunk)
        return result

    def _run_case(self, case: Case, endpoint: Endpoint) -> CaseResult:
        base = dict(case_id=case.id, endpoint=endpoint.name, feature=case.feature, parameter=case.parameter)
        if not case.applies(endpoint.kind):
            return CaseResult(
                **base,
                verdict=Verdict.SKIP,
                skip_reason="not-applicable",
                detail=f"case is for {', '.join(case.applies_to)} endpoints; {endpoint.name} is {endpoint.kind}",
            )
        from ..transport import LiveTransport, ReplayTransport  # httpx: only when a case really runs

        mode = self.settings.mode
        path = self._recording(case, endpoint)
        redactor = endpoint_redactor(endpoint)
        transport: Transport
        if mode is Mode.REPLAY:
            if not path.is_file() and not endpoint.recordable:
                return CaseResult(
                    **base,
                    verdict=Verdict.SKIP,
                    skip_reason="not-documented",
                    detail=f"{endpoint.name} holds documentation samples, and the documentation has none for this case",
                )
            if not path.is_file():
                command = record_command(case.id, endpoint.name)
                return CaseResult(
                    **base,
                    verdict=Verdict.SKIP,
                    skip_reason="not-recorded",
                    detail=f"no recording yet; to make one: {command}",
                    command=command,
                )
            cassette = read_cassette(path)
            transport = ReplayTransport(cassette)
            origin = cassette.origin
        else:
            transport = LiveTransport(
                self._auths[endpoint.name],
                self.settings.limits,
                redactor=redactor,
                limiter=self._limiters.get(endpoint.name),
                client=self._client_for(endpoint),
            )
            origin = "live"
        try:
            result = self._steps(case, endpoint, transport, redactor, base)
        finally:
            transport.close()
        result.origin = origin
        if mode is Mode.RECORD and result.verdict is not Verdict.SKIP and result.exchanges:
            server = self.settings.server_labels.get(endpoint.name) or next(
                (a.response.header("server") for e in result.exchanges for a in e.attempts if a.response), None
            )
            write_cassette(path, Cassette(case=case.id, endpoint=endpoint.name, origin="live", exchanges=result.exchanges, server=server))
        return result

    def _steps(self, case: Case, endpoint: Endpoint, transport: Transport, redactor: Redactor, base: dict) -> CaseResult:
        findings: list[Finding] = []
        exchanges: list[Exchange] = []
        responses: dict[str, Any] = {}
        from ..transport import ReplayTransport

        replay = transport if isinstance(transport, ReplayTransport) else None
        sent_steps: list[str] = []
        first_content_chunk: int | None = None
        for step in case.steps:
            try:
                request = build_request(case, step, endpoint, responses)
            except PlaceholderMissing as missing:
                return CaseResult(
                    **base,
                    verdict=Verdict.SKIP,
                    skip_reason="not-applicable",
                    detail=f"endpoint {endpoint.name} has no value for {{{missing.args[0]}}} (set it in the endpoint config)",
                )
            except DependencyMissing as missing:
                findings.append(
                    Finding(CASE_DEPENDENCY, Severity.ERROR, f"step {step.name} not sent: {missing}", Location(step=step.name))
                )
                break
            variants = [(step, request)]
            if step.expect.differential:
                variants.append(_flipped(step, request))
            completions = []
            for variant, variant_request in variants:
                if replay is not None:
                    stale = _staleness(variant_request, replay.recorded(variant.name), redactor)
                    if stale is not None:
                        return self._stale(case, endpoint, variant, stale, base)
                exchange = transport.send(variant.name, variant_request)
                sent_steps.append(variant.name)
                exchanges.append(exchange)
                findings.extend(_failure_findings(exchange))
                judgement = judge_exchange(
                    exchange, variant, request=variant_request.json(), profile=self._profile(case, endpoint), selected=self.settings.rules
                )
                findings.extend(judgement.findings)
                completions.append(judgement.completion)
                if len(exchanges) == 1:
                    first_content_chunk = judgement.first_content_chunk
            responses[step.name] = completions[0]
            if step.expect.differential:
                streamed, plain = completions if step.stream else reversed(completions)
                forced = isinstance(request.json().get("tool_choice"), dict) or request.json().get("tool_choice") == "required"
                findings.extend(compare_stream_and_json(streamed, plain, step=step.name, forced_tool=forced))
        if replay is not None:
            extra = [e.step for e in replay.cassette.exchanges if e.step not in sent_steps]
            if extra:
                return self._stale(case, endpoint, None, f"the recording has steps the case no longer has: {', '.join(extra)}", base)
        return CaseResult(
            **base, verdict=verdict_for(findings), findings=findings, exchanges=exchanges, first_content_chunk=first_content_chunk
        )

    def _profile(self, case: Case, endpoint: Endpoint) -> str:
        return case.profile or endpoint.effective_profile

    def _stale(self, case: Case, endpoint: Endpoint, step: Step | None, why: str, base: dict) -> CaseResult:
        command = record_command(case.id, endpoint.name)
        finding = Finding(
            RECORDING_STALE,
            Severity.ERROR,
            f"stale recording: {why}; re-record with: {command}",
            Location(step=step.name if step else None),
        )
        return CaseResult(**base, verdict=Verdict.STALE, findings=[finding], detail=why, command=command)


def _combine(runs: list[CaseResult]) -> CaseResult:
    """One result for K runs of a case: pass or fail when they agree, flaky when they do not."""
    first = runs[0]
    if first.verdict in (Verdict.SKIP, Verdict.STALE):
        return first
    verdicts = [str(run.verdict) for run in runs]
    failing = [run for run in runs if run.verdict is Verdict.FAIL]
    chosen = failing[0] if failing else max(runs, key=lambda run: run.verdict is Verdict.WARN)
    chosen.runs = verdicts
    if failing and len(failing) < len(runs):
        chosen.verdict = Verdict.FLAKY
        chosen.detail = f"passed {len(runs) - len(failing)} of {len(runs)} runs; findings are from the first failing run"
    return chosen


def _flipped(step: Step, request: HTTPRequest) -> tuple[Step, HTTPRequest]:
    """The same step sent the other way: streamed if it was not, and not streamed if it was."""
    body = dict(request.json())
    if step.stream:
        body.pop("stream", None)
        body.pop("stream_options", None)
        name = f"{step.name}~json"
    else:
        body["stream"] = True
        name = f"{step.name}~stream"
    headers = {**request.headers, "accept": "text/event-stream" if body.get("stream") else "application/json"}
    flipped_request = HTTPRequest(request.method, request.url, headers, json.dumps(body, ensure_ascii=False).encode())
    expect = replace(step.expect, differential=False, streamed=None)
    return Step(name=name, body=body, headers=step.headers, expect=expect), flipped_request


def _failure_findings(exchange: Exchange) -> list[Finding]:
    from ..transport import RESENT_AFTER_CLOSE

    findings = []
    for number, attempt in enumerate(exchange.attempts, start=1):
        failure = attempt.failure
        if failure is None:
            continue
        if attempt.retry_reason == RESENT_AFTER_CLOSE and number < len(exchange.attempts):
            # A race on a kept-alive connection, cured at once on a new one: not the server's fault.
            findings.append(
                Finding(TRANSPORT_FAILURE, Severity.INFO, f"{failure.kind}: {failure.message} (sent again on a new connection)", Location(step=exchange.step, attempt=number))
            )
            continue
        message = f"{failure.kind}: {failure.message}"
        if failure.hint:
            message += f" ({failure.hint})"
        received = sum(len(c) for c in attempt.response.chunks) if attempt.response else 0
        evidence = f"{received} body bytes had arrived" if attempt.response is not None else "no response"
        findings.append(
            Finding(TRANSPORT_FAILURE, Severity.ERROR, message, Location(step=exchange.step, attempt=number), evidence=evidence)
        )
    return findings
