"""From what a client did on each of its API paths to one `ClientOutcome`.

Drivers only observe (`PathRun`: what the library raised or handed the user); the verdict is
taken here, the same way for every client:

- a path whose request the client refused before sending anything did not run (`not-run`);
- on a non-2xx answer the client's HTTP status exception is the right reaction (`ok`), and so is
  its error for an error payload the server sent in a stream, or a read error where the recorded
  connection broke off: the client passes on what the server did;
- an exception the client raises by design on a well-formed answer (openai's
  LengthFinishReasonError for finish_reason "length", ...) is `ok` with a note;
- any other exception `breaks`;
- otherwise what the client assembled is compared with the reference: `ok` or `mis-assembles`.

The client's outcome is its worst path; the other paths are kept, and named in the detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._compare import FULL, Aspects, compare_chunks, compare_completion
from ._model import ClientOutcome, Difference, Outcome, PathOutcome, Raised

__all__ = ["PathRun", "judge", "judge_path"]

_CLIP = 120

BY_DESIGN = {
    # openai-python and openai-node: their parse step refuses a completion cut short or filtered.
    "LengthFinishReasonError": "length",
    "ContentFilterFinishReasonError": "content_filter",
    # The AI SDK: structured output cut short by the length limit cannot parse (the error carries
    # that finish reason); on any other finish reason the same error means the content is wrong.
    "NoObjectGeneratedError": "length",
}


@dataclass
class PathRun:
    """What a client did on one API path."""

    path: str
    assembled: Mapping[str, Any] | None = None
    """What it handed the user, as a chat.completion-shaped dict (for accumulating paths)."""
    chunks: Sequence[Any] | None = None
    """The chunks it handed the user, as dicts (for plain iteration paths)."""
    raised: Raised | None = None
    status_error: bool = False
    """`raised` is the client's exception for an HTTP error status (APIStatusError, APICallError)."""
    server_error: bool = False
    """`raised` is the client's exception for an error the server sent in the stream (an `error`
    payload): openai's plain APIError, the AI SDK's error part carrying the server's object."""
    sent: bool = True
    """False when the client raised before handing any request to the transport."""
    aspects: Aspects = FULL
    notes: list[str] = field(default_factory=list)


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return _clip(text)


def describe_raised(raised: Raised) -> str:
    text = f"raised {raised.exception}"
    if raised.message:
        text += f": {_clip(raised.message)}"
    if raised.event is not None:
        text += f" at event {raised.event}"
    return text


def describe_difference(d: Difference) -> str:
    if d.aspect == "tool_call":
        return f"{d.path}: extra call {_show(d.got)}" if d.meant is None else f"{d.path}: missing call {_show(d.meant)}"
    return f"{d.path}: got {_show(d.got)}, meant {_show(d.meant)}"


def _reasons(reference: Mapping[str, Any] | None) -> set[Any]:
    choices = reference.get("choices") if isinstance(reference, Mapping) else None
    return {c.get("finish_reason") for c in choices or () if isinstance(c, Mapping)}


def judge_path(
    run: PathRun,
    *,
    status: int,
    reference: Mapping[str, Any] | None,
    payloads: Sequence[Any] | None,
    failure: str | None = None,
) -> PathOutcome:
    notes = list(run.notes)

    def outcome(kind: Outcome, differences: Sequence[Difference] = (), note: str | None = None) -> PathOutcome:
        if note:
            notes.insert(0, note)
        return PathOutcome(run.path, kind, tuple(differences), run.raised, "; ".join(notes) or None)

    if not run.sent:
        what = describe_raised(run.raised) if run.raised else "no request"
        return outcome(Outcome.NOT_RUN, note=f"the client refused the request before sending it ({what})")
    raised = run.raised
    if not 200 <= status < 300:
        if raised is not None and run.status_error:
            return outcome(Outcome.OK, note=f"{describe_raised(raised)} for HTTP {status}, as it should")
        if raised is not None:
            return outcome(Outcome.BREAKS)
        return outcome(Outcome.MIS_ASSEMBLES, [Difference("/status", "no error raised", status, "status")])
    differences: list[Difference] = []
    if raised is not None and run.server_error and any(isinstance(p, Mapping) and p.get("error") for p in payloads or ()):
        return outcome(Outcome.OK, note=f"{describe_raised(raised)}: the server sent an error in the stream")
    if raised is not None and failure is not None and not run.status_error:
        return outcome(Outcome.OK, note=f"{describe_raised(raised)}: the recorded connection broke off ({failure})")
    if raised is not None:
        reason = BY_DESIGN.get(raised.exception)
        if run.status_error or reason is None or (reference is not None and reason not in _reasons(reference)):
            return outcome(Outcome.BREAKS)
        notes.insert(0, f"{describe_raised(raised)}: by design for finish_reason {reason!r}")
    if run.chunks is not None:
        differences = compare_chunks(run.chunks, payloads or ())
    elif run.assembled is not None:
        if reference is None:
            notes.append("no reference given: only exceptions were checked")
        else:
            differences = compare_completion(run.assembled, reference, run.aspects)
    return outcome(Outcome.MIS_ASSEMBLES if differences else Outcome.OK, differences)


def _detail(path: PathOutcome) -> str:
    if path.outcome is Outcome.BREAKS and path.raised is not None:
        text = f"{path.path} {describe_raised(path.raised)}"
    elif path.outcome is Outcome.MIS_ASSEMBLES:
        count = len(path.differences)
        shown = "; ".join(describe_difference(d) for d in path.differences[:3])
        more = f"; and {count - 3} more" if count > 3 else ""
        text = f"{path.path}: {count} difference{'s' if count != 1 else ''}: {shown}{more}"
    else:
        text = f"{path.path}: {path.outcome.value}"
    if path.note:
        text += f" ({path.note})"
    return text


def _brief(path: PathOutcome) -> str:
    text = f"{path.path} {path.outcome.value}"
    if path.outcome is Outcome.BREAKS and path.raised:
        return f"{text} ({describe_raised(path.raised)})"
    if path.outcome is Outcome.MIS_ASSEMBLES:
        return f"{text} ({len(path.differences)} difference{'s' if len(path.differences) != 1 else ''})"
    return f"{text} ({path.note})" if path.note else text


def judge(
    name: str,
    version: str | None,
    runs: Sequence[PathRun],
    *,
    status: int,
    reference: Mapping[str, Any] | None,
    payloads: Sequence[Any] | None,
    events_run: int | None = None,
    events_total: int | None = None,
    notes: Sequence[str] = (),
    failure: str | None = None,
) -> ClientOutcome:
    paths = [judge_path(run, status=status, reference=reference, payloads=payloads, failure=failure) for run in runs]
    if not paths:
        return ClientOutcome(name, version, Outcome.NOT_RUN, "no API path applies", notes=tuple(notes))
    worst = max(paths, key=lambda p: p.outcome.rank)  # max keeps the first of equals: the driver's main path
    others = [p for p in paths if p is not worst]
    detail = _detail(worst)
    if others:
        detail += "; other paths: " + "; ".join(_brief(p) for p in others)
    return ClientOutcome(
        name=name,
        version=version,
        outcome=worst.outcome,
        detail=detail,
        path=worst.path,
        differences=worst.differences,
        raised=worst.raised,
        notes=tuple(notes),
        paths=(worst, *others),
        events_run=events_run,
        events_total=events_total,
    )
