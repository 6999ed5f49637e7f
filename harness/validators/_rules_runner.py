"""Findings the runner makes itself, registered so that they are documented like every rule."""

from __future__ import annotations

from ._findings import Effect, Severity
from ._registry import kind, rule

__all__ = ["TRANSPORT_FAILURE", "CASE_DEPENDENCY", "CASE_DOCUMENTED_TARGET", "RECORDING_STALE", "BASELINE_FIXED"]

TRANSPORT_FAILURE = "transport.failure"
CASE_DEPENDENCY = "case.dependency"
CASE_DOCUMENTED_TARGET = "case.documented-target"
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
    CASE_DOCUMENTED_TARGET,
    findings={
        "endpoint-config": kind(Severity.INFO, "sent to the endpoint's configured location, API version or host, not the documented example's")
    },
    rationale=(
        "A case replays a documented example, but an endpoint is reached where it is configured: a self-deployed "
        "endpoint's ID exists only in the region it was deployed in, so the example's location, API version and host "
        "apply only where the endpoint sets none. The note says where the example went, in case an answer differs."
    ),
    citation=(
        "seed vertex-openai-chat-completions-examples.de.txt:151-251: the REST samples for a self-deployed model use "
        "aiplatform.googleapis.com/v1beta1/.../locations/global, the Python samples of the same section "
        "{location}-aiplatform.googleapis.com/v1/.../locations/{location} with the endpoint's own region"
    ),
    applies="runner",
)
def _case_documented_target(ctx):
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
