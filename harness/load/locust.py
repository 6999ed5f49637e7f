"""A Locust user that sends the chat-conformance cases and judges every answer with the same rules
as `chat-conformance load`, for load beyond one machine.

A locustfile of two lines makes Locust find it (Locust runs every User class a locustfile holds):

    # locustfile.py
    from harness.load.locust import ConformanceUser  # noqa: F401

    locust -f locustfile.py --headless -u 32 -r 8 --host http://127.0.0.1:8000/v1 --cc-model NAME

Each answer is one Locust request named after its case (so statistics are per case), timed from
sending to its last byte. An answer with an error finding is one Locust failure whose error is
its first error rule (`sse.done`, `http.server-error`...), so Locust's failure table counts broken
answers by rule, and its statistics, web UI, CSV and distributed mode (`--master`/`--worker`)
work unchanged: the judging happens in the workers, the master only adds up.

The options (`--cc-...`, shown by `locust -f locustfile.py --help`) pick the endpoint and the
cases as `chat-conformance load` does; `--host` is the base URL of an ad-hoc endpoint. In
distributed mode the master's values reach the workers. `--cc-requests N` makes each Locust
process (each worker, or a standalone locust) send N requests and stop; once every worker has,
the master ends the run (headless), with every answer counted.

This module imports Locust, which patches the standard library for gevent as it is imported:
`harness.load` itself never imports it. Locust is the `load` extra; without it, importing this
module raises `MissingExtraError` (an ImportError) saying `pip install 'chat-conformance[load]'`.
"""

from __future__ import annotations

import itertools
import logging
import time
from pathlib import Path
from typing import Any

from .._lazy import require_extra

require_extra("locust", extra="load", needed_by="harness.load.locust")

import gevent  # noqa: E402 - Locust brings gevent: after the check above
from locust import User, constant, events, task
from locust.exception import StopUser
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from ..cases import bundled_cases_dir, load_cases, select_cases
from ..endpoints import adhoc_endpoint, bundled_endpoints, find_config, load_config, make_auth
from ..errors import InputError, UsageError
from ..runner import endpoint_redactor
from ..transport import Limits, LiveTransport
from ..validators import rule_ids
from ._answer import Plan, plan_cases, send_answer

__all__ = ["AnswerFailed", "ConformanceUser", "SPENT_MESSAGE"]

# Locust logs at INFO; httpx would add a line per request to it.
logging.getLogger("httpx").setLevel(logging.WARNING)
_log = logging.getLogger("chat-conformance")

SPENT_MESSAGE = "chat-conformance-spent"
"""A worker tells the master that it has sent its --cc-requests and every answer is counted."""


class AnswerFailed(Exception):
    """One failing answer, reported to Locust. Locust names a failure by the error's repr: here
    the first error rule, so its failure table reads `sse.done`, not a Python class."""

    def __init__(self, rules: list[str], status: int | None):
        super().__init__(rules[0])
        self.rules = rules
        self.status = status

    def __repr__(self) -> str:
        return self.rules[0]


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    add = parser.add_argument
    add("--cc-endpoint", default="", help="chat-conformance: a configured or bundled endpoint by name (else --host is an ad-hoc endpoint's base URL)")
    add("--cc-config", default="", help="chat-conformance: endpoint config file (default ./chat-conformance.yaml)")
    add("--cc-kind", default="openai-compatible", help="chat-conformance: the ad-hoc endpoint's kind")
    add("--cc-model", default="", help="chat-conformance: what {model} becomes in the cases")
    add("--cc-auth", default="none", help="chat-conformance: google | none | bearer[:ENVVAR]")
    add("--cc-cases", default="", help="chat-conformance: case folders, comma-separated, added to the bundled ones")
    add("--cc-no-bundled-cases", action="store_true", default=False, help="chat-conformance: only the --cc-cases folders")
    add("--cc-case", default="", help="chat-conformance: case id globs, comma-separated")
    add("--cc-tag", default="", help="chat-conformance: case tags, comma-separated")
    add("--cc-feature", default="", help="chat-conformance: feature globs, comma-separated")
    add("--cc-requests", type=int, default=0, help="chat-conformance: requests each Locust process sends before it stops (0: no limit)")
    add("--cc-retries", type=int, default=Limits.retries, help="chat-conformance: retries after a 429 or 503 (honouring Retry-After)")
    add("--cc-read-timeout", type=float, default=Limits.read_timeout, help="chat-conformance: longest silence between two reads, in seconds")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class _Target:
    """What every user of this process sends: one endpoint, the planned cases in turn, a budget."""

    def __init__(self, environment: Any, host: str | None):
        options = environment.parsed_options
        self.environment = environment
        if options.cc_endpoint:
            config = Path(options.cc_config) if options.cc_config else find_config(Path.cwd())
            known = {**bundled_endpoints(), **(load_config(config) if config else {})}
            if options.cc_endpoint not in known:
                raise UsageError(f"--cc-endpoint {options.cc_endpoint!r}: no such endpoint (known: {', '.join(known)})")
            self.endpoint = known[options.cc_endpoint]
        else:
            self.endpoint = adhoc_endpoint(kind=options.cc_kind, base_url=host, model=options.cc_model or None, auth=options.cc_auth, name="locust")
        directories = ([] if options.cc_no_bundled_cases else [bundled_cases_dir()]) + [Path(d) for d in _split(options.cc_cases)]
        cases = select_cases(
            load_cases(directories, known_rules=rule_ids()), ids=_split(options.cc_case), tags=_split(options.cc_tag), features=_split(options.cc_feature)
        )
        self.plans: list[Plan]
        self.plans, self.excluded = plan_cases(cases, self.endpoint)
        if not self.plans:
            raise UsageError(f"no selected case can be sent to {self.endpoint.name} under load")
        self.auth = make_auth(self.endpoint.auth)
        self.limits = Limits(retries=options.cc_retries, read_timeout=options.cc_read_timeout)
        self.budget = options.cc_requests or None
        self._numbers = itertools.count()
        self.claimed = 0
        self.in_flight = 0

    def transport(self) -> LiveTransport:
        return LiveTransport(self.auth, self.limits, redactor=endpoint_redactor(self.endpoint))

    def claim(self) -> Plan | None:
        """The next request's plan, or None when this process has sent its budget. Greenlets
        switch only at I/O, so the counters need no lock."""
        if self.budget is not None and self.claimed >= self.budget:
            return None
        self.claimed += 1
        self.in_flight += 1
        return self.plans[next(self._numbers) % len(self.plans)]

    def finished(self) -> None:
        self.in_flight -= 1
        if self.budget is not None and self.claimed >= self.budget and self.in_flight == 0:
            runner = self.environment.runner
            if isinstance(runner, WorkerRunner):
                # Statistics first, then the news: both go down the same connection in order, so the
                # master has every answer counted when it hears that this worker is done. (The
                # master's quit also asks for final statistics, but waits only half a second.)
                send_stats = getattr(runner, "_send_stats", None)
                if send_stats is not None:
                    send_stats()
                runner.send_message(SPENT_MESSAGE, {"answers": self.claimed})
            elif isinstance(runner, LocalRunner):
                gevent.spawn(runner.quit)


_targets: dict[int, _Target] = {}


def _target(user: User) -> _Target:
    environment = user.environment
    if id(environment) not in _targets:
        _targets[id(environment)] = _Target(environment, user.host)
    return _targets[id(environment)]


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        return
    spent: set[str] = set()

    def on_spent(environment: Any, msg: Any, **_: Any) -> None:
        spent.add(msg.node_id)
        # Every connected worker has sent its budget and counted every answer: quitting asks each
        # for its final statistics before it stops, so the master's totals are complete.
        if spent >= set(runner.clients.keys()):
            gevent.spawn(runner.quit)

    runner.register_message(SPENT_MESSAGE, on_spent)


class ConformanceUser(User):
    """Sends the selected cases in turn, one request at a time, judging each answer."""

    wait_time = constant(0)

    def on_start(self) -> None:
        try:
            self.target = _target(self)
        except InputError as error:
            # A bad option or case file is the same for every user: say it once, end this process
            # with exit code 2 (the harness's code for bad input), as `chat-conformance load` would.
            if self.environment.process_exit_code is None:
                self.environment.process_exit_code = 2
                _log.error("chat-conformance: error: %s", error)
                gevent.spawn(self.environment.runner.quit)
            raise StopUser() from None
        self.transport = self.target.transport()

    def on_stop(self) -> None:
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.close()

    @task
    def answer(self) -> None:
        plan = self.target.claim()
        if plan is None:
            raise StopUser()
        started = time.perf_counter()
        try:
            answer = send_answer(plan, self.transport, keep_failing=False)
            elapsed_ms = (time.perf_counter() - started) * 1000
            rules = answer.error_rules()
            response = answer.exchange.response
            status = response.status if response is not None else None
            self.environment.events.request.fire(
                request_type="POST",
                name=plan.case.id,
                response_time=elapsed_ms,
                response_length=answer.bytes,
                exception=AnswerFailed(rules, status) if rules else None,
                context={"status": status, "rules": rules},
                url=plan.request.url,
                response=None,
            )
        finally:
            self.target.finished()  # also after a crash, so the budget's end is still noticed
