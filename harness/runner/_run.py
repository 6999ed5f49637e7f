"""Running cases against endpoints: the one loop both the CLI and the pytest plugin drive.

case → request → exchange → findings → result. A result is produced for every case × endpoint
pair, including the ones that could not run (skip, with the reason), so nothing is silently left
out of a report.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cases import Case, DependencyMissing, PlaceholderMissing, Step
from ..endpoints import Endpoint, make_auth
from ..errors import ConfigError
from ..transport import (
    DEFAULT_MATCH_ON,
    SECRET_HEADERS,
    Cassette,
    Exchange,
    HTTPRequest,
    Limits,
    RecordingMismatch,
    Redactor,
    cassette_path,
    first_difference,
    read_cassette,
    write_cassette,
)
from ..validators import (
    CASE_DEPENDENCY,
    CASE_DOCUMENTED_TARGET,
    RECORDING_STALE,
    TRANSPORT_FAILURE,
    Finding,
    Location,
    judge_exchange,
    registry,
)
from ._requests import build_request, documented_target_note
from ._results import CaseResult, Mode, Verdict, timings_of, verdict_for

if TYPE_CHECKING:
    from ..transport import Transport
    from ..validators import ClientPanel

__all__ = ["RunSettings", "Runner", "Shard", "endpoint_redactor", "failure_findings", "record_command", "first_difference", "selected_findings"]


def _runner_finding(rule_id: str, message: str, *, code: str | None = None, location: Location | None = None, evidence: str | None = None) -> Finding:
    """A finding the runner makes itself, with the severity its rule declares for `code`."""
    return registry()[rule_id].make(message, code=code, location=location, evidence=evidence)


def selected_findings(findings: list[Finding], rules: list[str] | None, case: Case) -> list[Finding]:
    """The same filter for every finding, the runner's own included: --checks/--exclude-checks,
    and each step's expect.disable."""
    chosen = None if rules is None else set(rules)
    disabled = {(step.name, rule_id) for step in case.steps for rule_id in step.expect.disable}
    return [
        f
        for f in findings
        if (chosen is None or f.rule in chosen) and (f.location.step, f.rule) not in disabled and (None, f.rule) not in disabled
    ]


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `total` (1-based), as `run --shard 2/3` names it: every case × endpoint
    pair whose position in the run's order is `index - 1` modulo `total`. Deterministic (the
    order is the selection's), even (shard sizes differ by at most one), and a slow endpoint or
    feature, whose pairs sit together in that order, is spread over every shard."""

    index: int
    total: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.total:
            raise ValueError(f"shard {self.index}/{self.total}: give i/n with 1 <= i <= n")

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, total = text.partition("/")
        if not sep or not index.strip().isdigit() or not total.strip().isdigit():
            raise ValueError(f"shard {text!r}: give i/n, e.g. 2/3")
        return cls(int(index), int(total))

    def holds(self, position: int) -> bool:
        return position % self.total == self.index - 1

    def pick(self, items: Sequence[Any]) -> list[Any]:
        return [item for position, item in enumerate(items) if self.holds(position)]

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


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
    clients: tuple[str, ...] = ()
    """Real clients to run on every answer (harness.clients names); none by default, the CLI picks
    every installed one. Their outcomes weigh the findings (see harness.validators)."""
    shard: Shard | None = None
    """Run only this shard of the case × endpoint pairs (`chat-conformance merge` joins the shards)."""


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
        self._client_panel: ClientPanel | None = None

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
        if self.settings.shard is not None:
            pairs = self.settings.shard.pick(pairs)
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

    def client_panel(self) -> ClientPanel | None:
        """The real clients every answer is run through (one client layer for the whole run), or None."""
        if not self.settings.clients:
            return None
        with self._clients_lock:
            if self._client_panel is None:
                from ..clients import ClientRunner
                from ..validators import ClientPanel

                self._client_panel = ClientPanel(ClientRunner(), list(self.settings.clients))
            return self._client_panel

    def close(self) -> None:
        """Close the HTTP clients and the client layer; a later case opens new ones. Safe to call more than once."""
        with self._clients_lock:
            clients = list(self._clients.values())
            self._clients.clear()
            panel, self._client_panel = self._client_panel, None
        if panel is not None:
            panel.runner.close()
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
        if not endpoint.runs(case.applies_to):
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
            transport = ReplayTransport(cassette, match_on=self._match_on(case), redactor=redactor)
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
            result = self._steps(case, endpoint, transport, base)
        except RecordingMismatch as stale:
            result = self._stale(case, endpoint, stale, base)
        finally:
            transport.close()
        result.origin = origin
        if mode is Mode.RECORD and result.verdict is not Verdict.SKIP and result.exchanges:
            server = self.settings.server_labels.get(endpoint.name) or next(
                (a.response.header("server") for e in result.exchanges for a in e.attempts if a.response), None
            )
            write_cassette(path, Cassette(case=case.id, endpoint=endpoint.name, origin="live", exchanges=result.exchanges, server=server))
        return result

    def _match_on(self, case: Case) -> tuple[str, ...]:
        """Replay compares requests unless the stale-recording rule is switched off for the case."""
        rules = self.settings.rules
        if (rules is not None and RECORDING_STALE not in rules) or any(RECORDING_STALE in s.expect.disable for s in case.steps):
            return ()
        return DEFAULT_MATCH_ON

    def _steps(self, case: Case, endpoint: Endpoint, transport: Transport, base: dict) -> CaseResult:
        note = documented_target_note(case, endpoint)
        findings: list[Finding] = []
        if note:  # a dedicated host name holds the project number
            findings.append(_runner_finding(CASE_DOCUMENTED_TARGET, endpoint_redactor(endpoint).text(note), code="endpoint-config"))
        exchanges: list[Exchange] = []
        responses: dict[str, Any] = {}
        client_outcomes: list[dict[str, Any]] = []
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
                findings.append(_runner_finding(CASE_DEPENDENCY, f"step {step.name} not sent: {missing}", location=Location(step=step.name)))
                break
            variants = [(step, request)]
            if step.expect.differential:
                variants.append(_flipped(step, request))
            completions = []
            for variant, variant_request in variants:
                exchange = transport.send(variant.name, variant_request)
                exchanges.append(exchange)
                findings.extend(failure_findings(exchange))
                judgement = judge_exchange(
                    exchange,
                    variant,
                    request=variant_request.json(),
                    profile=self._profile(case, endpoint),
                    selected=self.settings.rules,
                    clients=self.client_panel(),
                    traits=endpoint.traits,
                )
                findings.extend(judgement.findings)
                if judgement.clients:
                    from ..validators import client_note

                    client_outcomes.append({"step": variant.name, "clients": [client_note(o).to_json() for o in judgement.clients]})
                completions.append(judgement.completion)
                if len(exchanges) == 1:
                    first_content_chunk = judgement.first_content_chunk
            responses[step.name] = completions[0]
            if step.expect.differential:
                streamed, plain = completions if step.stream else reversed(completions)
                forced = isinstance(request.json().get("tool_choice"), dict) or request.json().get("tool_choice") == "required"
                from ..validators import compare_stream_and_json

                findings.extend(compare_stream_and_json(streamed, plain, step=step.name, forced_tool=forced))
        transport.finish()
        findings = selected_findings(findings, self.settings.rules, case)
        return CaseResult(
            **base,
            verdict=verdict_for(findings),
            findings=findings,
            exchanges=exchanges,
            first_content_chunk=first_content_chunk,
            clients=client_outcomes,
        )

    def _profile(self, case: Case, endpoint: Endpoint) -> str:
        return case.profile or endpoint.effective_profile

    def _stale(self, case: Case, endpoint: Endpoint, stale: RecordingMismatch, base: dict) -> CaseResult:
        command = record_command(case.id, endpoint.name)
        finding = _runner_finding(RECORDING_STALE, f"stale recording: {stale.why}; re-record with: {command}", location=Location(step=stale.step))
        return CaseResult(**base, verdict=Verdict.STALE, findings=[finding], detail=stale.why, command=command)


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


def failure_findings(exchange: Exchange) -> list[Finding]:
    """transport.failure findings for the attempts of `exchange` that got no (complete) answer."""
    from ..transport import RESENT_AFTER_CLOSE, no_answer, no_answer_text

    findings = []
    for number, attempt in enumerate(exchange.attempts, start=1):
        failure = attempt.failure
        if failure is None:
            continue
        location = Location(step=exchange.step, attempt=number)
        if attempt.retry_reason == RESENT_AFTER_CLOSE and number < len(exchange.attempts):
            # A race on a kept-alive connection, cured at once on a new one: not the server's fault.
            findings.append(_runner_finding(TRANSPORT_FAILURE, f"{failure.kind}: {failure.message} (sent again on a new connection)", code="resent", location=location))
            continue
        message = f"{failure.kind}: {failure.message}"
        if failure.hint:
            message += f" ({failure.hint})"
        received = sum(len(c) for c in attempt.response.chunks) if attempt.response else 0
        missing = no_answer(attempt)
        evidence = f"{received} body bytes had arrived" if missing is None else no_answer_text(missing)
        findings.append(_runner_finding(TRANSPORT_FAILURE, message, code="no-answer", location=location, evidence=evidence))
    return findings
