"""`client.<name>`: a real client fails on an answer and no other rule explains why.

The client layer (`harness.clients`) runs every pinned client on the exact bytes of each answer.
Most client failures have a cause some rule already reports (a tool call's index moving, a name
repeated in every delta, arguments that are not an object): the outcome is attached to that
finding, so one fact stays one error (see `_consequences`). What is left over is reported here,
one rule per registered client, so adding a client adds its rule without touching this file.
"""

from __future__ import annotations

from ..clients import drivers
from ._findings import Severity
from ._registry import Nature, kind, registry, rule

__all__ = ["CLIENT_RULE_PREFIX", "client_rule", "client_rule_id"]

CLIENT_RULE_PREFIX = "client."

_FINDINGS = {
    "breaks": kind(Severity.ERROR, "the client raises on the answer, and no other rule explains why"),
    "mis-assembles": kind(Severity.ERROR, "the client hands the user something other than what the server meant, and no other rule explains why"),
    "minor-mis-assembly": kind(Severity.WARNING, "the client gets only a rarely read field wrong (a repeated role concatenated), and no other rule explains why"),
    "limitation": kind(Severity.INFO, "the client fails on an answer no rule faults (a spec-valid answer): a limitation of the client, not of the endpoint (the client view shows it)"),
}


def client_rule_id(name: str) -> str:
    return CLIENT_RULE_PREFIX + name


def _made_by_the_consequences_step(ctx):  # findings come from _consequences.weigh
    return ()


def client_rule(name: str):
    """The `client.<name>` rule, made on first look-up: a client driver registered after this
    module was imported (a plugin's, a test's) gets its rule the first time it has an outcome."""
    rules = registry()
    rule_id = client_rule_id(name)
    if rule_id not in rules:
        _register_client_rule(name)
    return registry()[rule_id]


def _register_client_rule(name: str) -> None:
    driver = drivers().get(name)
    pinned = f" (pinned {driver.pinned()})" if driver is not None else ""
    rule(
        client_rule_id(name),
        findings=_FINDINGS,
        nature=Nature.CLIENT,
        applies="runner",
        rationale=(
            f"What {name}{pinned} does with the exact bytes of the answer: it must neither raise "
            "nor hand the user something other than what the server meant."
        ),
        citation=f"observed client behaviour: {name} run on the recorded bytes through its own transport hook (harness/clients/)",
    )(_made_by_the_consequences_step)


# The clients known now get their rules at once, so `chat-conformance rules` lists them.
for _name in drivers():
    _register_client_rule(_name)
