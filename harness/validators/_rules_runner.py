"""Findings the runner makes itself, registered so that they are documented like every rule."""

from __future__ import annotations

from ._findings import Effect, Severity
from ._registry import kind, rule

__all__ = ["TRANSPORT_FAILURE", "CASE_DEPENDENCY", "RECORDING_STALE", "BASELINE_FIXED"]

TRANSPORT_FAILURE = "transport.failure"
CASE_DEPENDENCY = "case.dependency"
RECORDING_STALE = "recording.stale"


@rule(
    TRANSPORT_FAILURE,
    findings={
        "no-answer": kind(Severity.ERROR, "no complete answer arrived", effect=Effect.SERVER_FAILURE),
        "resent": kind(Severity.INFO, "a kept-alive connection closed before answering; sent again on a new one"),
    },
    rationale="No complete answer arrived: refused or reset connection, timeout, TLS failure, oversized body.",
    citation="a client sees an exception instead of a completion (openai-python: APIConnectionError / APITimeoutError)",
    applies="runner",
)
def _transport_failure(ctx):  # the runner reports these; nothing to judge on a response
    return ()


@rule(
    CASE_DEPENDENCY,
    findings={"step-not-sent": kind(Severity.ERROR, "a later step could not be built from an earlier answer")},
    rationale="A later step could not be sent because an earlier answer lacked what it builds on (e.g. no tool call).",
    citation="the case's $from references",
    applies="runner",
)
def _case_dependency(ctx):
    return ()


@rule(
    RECORDING_STALE,
    findings={"stale": kind(Severity.ERROR, "the case sends a different request than the one recorded")},
    rationale="The case's request no longer matches the recorded one, so the recorded answer says nothing about it.",
    citation="the case file versus its recording; re-record with --mode record",
    applies="runner",
)
def _recording_stale(ctx):
    return ()


BASELINE_FIXED = "baseline.fixed-upstream"


@rule(
    BASELINE_FIXED,
    findings={"fixed-upstream": kind(Severity.ERROR, "a baseline entry no longer matches anything")},
    rationale="A finding the baseline accepts no longer occurs: the quirk was fixed, and the stale entry would hide it coming back.",
    citation="the --baseline file (strict, like pytest's xfail(strict=True))",
    applies="runner",
)
def _baseline_fixed(ctx):
    return ()
