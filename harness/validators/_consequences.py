"""Severity from consequences: what real clients do with an answer decides how loud a shape
finding is, and each client failure is attached to the finding that explains it.

    run the clients        every selected client on the exact bytes of the answer
    attach                 a client that breaks or mis-assembles is attached to the finding that
                           explains it: one fact, one error, naming the clients it breaks
    weigh shape findings   a field missing, null or extra against the schema is an error when a
                           client breaks or mis-assembles on it, and info when every client that ran
                           tolerates it ("tolerated by openai-python 3.57.0, ...")
    the rest               a client failure no finding loud enough explains is `client.<name>`: an
                           error (a warning when only a rarely read field is wrong), or a note when
                           the answer is spec-valid (a limitation of the client, for the client view)

Behaviour findings keep their declared severity whatever the clients do; they only name the
clients. A failure hangs on a finding at least as loud as the failure itself; a quieter one
(usage sent on every chunk, a warning, while a client reports the wrong usage) is named beside
the client's own finding instead of hiding an error under a warning. Which finding explains which failure is decided by what both are about: a difference
the client made (its `aspect`: id, name, arguments, content, usage...) against what a finding's
JSON pointer designates; an exception against the SSE event it was raised at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..clients import ClientOutcome, ClientRunner, Outcome, RecordedAnswer
from ._findings import ClientNote, Finding, Location, Severity
from ._registry import Nature, registry
from ._rules_client import CLIENT_RULE_PREFIX, client_rule

__all__ = ["ClientPanel", "client_note", "failure_severity", "implied_request", "reference_completion", "weigh"]

_FAILED = (Outcome.BREAKS, Outcome.MIS_ASSEMBLES)
_TOOL_CALL = frozenset({"tool_call", "count", "id", "name", "arguments"})
_ANYTHING = frozenset({"*"})


@dataclass
class ClientPanel:
    """The clients a run consults: the run's client layer (outcome cache, Node bridge) and which
    clients (None: every registered one)."""

    runner: ClientRunner
    names: Sequence[str] | None = None

    def outcomes(self, answer: RecordedAnswer, request: Mapping[str, Any] | None, reference: Mapping[str, Any] | None, *, stream: bool, url: str | None) -> list[ClientOutcome]:
        if self.names is not None and not self.names:
            return []
        if request is None:
            request = implied_request(reference, stream)
        return self.runner.run(answer, request, reference, stream=stream, names=self.names, url=url)


def implied_request(reference: Mapping[str, Any] | None, stream: bool) -> dict[str, Any]:
    """For an answer whose request is unknown (`check` of a bare capture): a request that declares
    every tool the answer calls (clients that dispatch by name refuse undeclared ones), asking for
    a stream when the answer is one."""
    names: list[str] = []
    for choice in (reference or {}).get("choices") or ():
        message = choice.get("message") if isinstance(choice, Mapping) else None
        for call in (message or {}).get("tool_calls") or () if isinstance(message, Mapping) else ():
            function = call.get("function") if isinstance(call, Mapping) else None
            name = function.get("name") if isinstance(function, Mapping) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
    body: dict[str, Any] = {"model": (reference or {}).get("model") or "unknown", "messages": [{"role": "user", "content": "(unknown)"}]}
    if names:
        body["tools"] = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}} for name in names]
    if stream:
        body["stream"] = True
    return body


def client_note(outcome: ClientOutcome) -> ClientNote:
    return ClientNote(outcome.name, outcome.version, str(outcome.outcome), outcome.detail)


def _label(outcome: ClientOutcome) -> str:
    return f"{outcome.name} {outcome.version}" if outcome.version else outcome.name


def _aspects(finding: Finding) -> frozenset[str]:
    """What a finding is about, read from its JSON pointer; no pointer: the whole answer."""
    pointer = finding.location.pointer or ""
    if not pointer:
        # A whole-answer fact (no stream, no [DONE], not JSON) explains anything; a schema
        # deviation at the top level is about the chunk's own fields, not about what it carries.
        return frozenset({"chunk"}) if _nature(finding) is Nature.SHAPE else _ANYTHING
    parts = pointer.split("/")
    if "tool_calls" in parts or "function_call" in parts:
        # A delta-level fault (index, repeated id or name) can cost a client any part of the call.
        if "delta" in parts or parts[-1] in ("index", "tool_calls"):
            return _TOOL_CALL
        last = parts[-1]
        return frozenset({"name"} if last == "name" else {"arguments"} if last == "arguments" else {"id"} if last == "id" else _TOOL_CALL)
    last = parts[-1]
    if last in ("content", "refusal", "role", "finish_reason"):
        return frozenset({"content" if last == "refusal" else last})
    if parts[1] == "usage":
        return frozenset({"usage"})
    if pointer == "/choices":
        return frozenset({"choices", "count"})
    if len(parts) == 2 and last in ("id", "object", "created", "model", "system_fingerprint"):
        return frozenset({"chunk"})
    return frozenset({"chunk", last})


def _nature(finding: Finding) -> Nature:
    known = registry()
    return known[finding.rule].nature if finding.rule in known else Nature.BEHAVIOUR


_MINOR_ASPECTS = frozenset({"role"})
"""A client that gets only these wrong hands over something rarely read (`assistantassistant`)."""


def failure_severity(outcome: ClientOutcome) -> Severity:
    """How bad a client's failure is: raising, or assembling wrong data, is an error; getting only a
    rarely read field wrong (a concatenated role) is a warning."""
    if outcome.outcome is Outcome.MIS_ASSEMBLES and outcome.differences and {d.aspect for d in outcome.differences} <= _MINOR_ASPECTS:
        return Severity.WARNING
    return Severity.ERROR


def _explaining(candidates: list[Finding], outcome: ClientOutcome) -> Finding | None:
    """The finding that explains a client's failure: one about the part the client got wrong (a
    finding about the whole answer only when none is), loud enough to carry it (a shape finding is
    made as loud as the failure), behaviour before shape."""
    needed = failure_severity(outcome)
    eligible = [f for f in candidates if f.severity >= needed or _nature(f) is Nature.SHAPE]
    raised_at = outcome.raised.event if outcome.raised is not None else None
    if outcome.outcome is Outcome.BREAKS:
        if raised_at is None:
            return min(eligible, key=lambda f: (_nature(f) is Nature.SHAPE, -f.severity)) if eligible else None

        # A client raises where the fault reached it: a finding at that event, else one about the
        # whole answer (no event), else the nearest before it; never one after it.
        def place(f: Finding) -> tuple:
            event = f.location.event
            return (0, 0) if event == raised_at else (1, 0) if event is None else (2, raised_at - event)

        at_or_before = [f for f in eligible if f.location.event is None or f.location.event <= raised_at]
        return min(at_or_before, key=lambda f: (_nature(f) is Nature.SHAPE, place(f), -f.severity)) if at_or_before else None
    wanted = {d.aspect for d in outcome.differences} or {"*"}
    fields = [d.path.rsplit("/", 1)[-1] for d in outcome.differences]

    def fit(f: Finding) -> tuple:
        aspects = _aspects(f)
        last = (f.location.pointer or "").rsplit("/", 1)[-1]
        event = f.location.event if f.location.event is not None else -1
        # the very field that differs (an id, a name) first, then the same part, the whole answer last
        return (aspects is _ANYTHING, _nature(f) is Nature.SHAPE, -f.severity, -sum(1 for name in fields if name == last), event)

    fitting = [f for f in eligible if _aspects(f) is _ANYTHING or _aspects(f) & wanted]
    return min(fitting, key=fit) if fitting else None


def _related(findings: list[Finding], outcome: ClientOutcome) -> Finding | None:
    """A quieter finding about the part a client got wrong, named beside the client's own finding."""
    wanted = {d.aspect for d in outcome.differences}
    about = [f for f in findings if not f.rule.startswith(CLIENT_RULE_PREFIX) and _aspects(f) is not _ANYTHING and _aspects(f) & wanted]
    return max(about, key=lambda f: f.severity) if about else None


def weigh(findings: list[Finding], outcomes: Sequence[ClientOutcome], *, step: str, attempt: int) -> list[Finding]:
    """The findings of one answer with the clients' outcomes attached, shape findings weighed by
    them, and a `client.<name>` finding for each client failure no finding explains."""
    ran = [o for o in outcomes if o.outcome is not Outcome.NOT_RUN]
    if not ran:
        return findings
    candidates = [f for f in findings if not f.rule.startswith(CLIENT_RULE_PREFIX) and (f.severity > Severity.INFO or _nature(f) is Nature.SHAPE)]
    attached: dict[int, list[ClientOutcome]] = {}
    unexplained: list[ClientOutcome] = []
    for outcome in ran:
        if outcome.outcome not in _FAILED:
            continue
        target = _explaining(candidates, outcome)
        if target is None:
            unexplained.append(outcome)
        else:
            attached.setdefault(id(target), []).append(outcome)
    tolerated_by = ", ".join(_label(o) for o in ran)
    weighed = []
    for finding in findings:
        failing = attached.get(id(finding), [])
        notes = tuple(client_note(o) for o in failing)
        if _nature(finding) is Nature.SHAPE:
            if failing:
                names = ", ".join(_label(o) for o in failing)
                worst = max(failure_severity(o) for o in failing)
                finding = replace(finding, severity=worst, message=f"{finding.message} ({names} {'breaks' if len(failing) == 1 else 'break'} or mis-assembles on it)")
            else:
                finding = replace(finding, severity=Severity.INFO, message=f"{finding.message} (tolerated by {tolerated_by})")
        weighed.append(replace(finding, clients=notes) if notes else finding)
    spec_valid = not any(f.severity > Severity.INFO or _nature(f) is Nature.SHAPE for f in findings)
    for outcome in unexplained:
        weighed.append(_client_finding(outcome, spec_valid=spec_valid, related=_related(findings, outcome), step=step, attempt=attempt))
    return weighed


def _client_finding(outcome: ClientOutcome, *, spec_valid: bool, related: Finding | None, step: str, attempt: int) -> Finding:
    minor = failure_severity(outcome) is Severity.WARNING
    code = "limitation" if spec_valid else "minor-mis-assembly" if minor else str(outcome.outcome)
    pointer = outcome.differences[0].path if outcome.differences else None
    event = outcome.raised.event if outcome.raised is not None else None
    what = "fails on" if spec_valid else "breaks on" if outcome.outcome is Outcome.BREAKS else "mis-assembles"
    message = f"{_label(outcome)} {what} {'this spec-valid answer' if spec_valid else 'the answer'}: {outcome.detail}"
    if related is not None:
        message += f" (related: {related.rule}: {related.message})"
    finding = client_rule(outcome.name).make(message, code=code, location=Location(step=step, attempt=attempt, event=event, pointer=pointer))
    return replace(finding, clients=(client_note(outcome),))


def reference_completion(answer: RecordedAnswer) -> dict[str, Any] | None:
    """The harness's own reading of an answer, what the clients are compared with: the faithful
    accumulation of a stream (up to [DONE]), the body of a JSON answer."""
    import json

    from ..sse import iter_events
    from ._accumulate import accumulate_chunks

    if (answer.header("content-type") or "").startswith("text/event-stream"):
        payloads = []
        for event in iter_events(answer.chunks):
            if event.data.startswith("[DONE]"):
                break
            try:
                payloads.append(json.loads(event.data))
            except ValueError:
                continue
        return accumulate_chunks(payloads)
    try:
        body = json.loads(answer.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
