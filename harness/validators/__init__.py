"""Rules that judge exchanges, and the findings they produce."""

from ._accumulate import StreamAccumulator, accumulate_chunks
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
from ._consequences import ClientPanel, client_note
from ._differential import DIFFERENTIAL, compare_stream_and_json
from ._engine import Judgement, StreamJudge, judge_exchange
from ._findings import ClientNote, Effect, Finding, Location, Severity
from ._registry import (
    RULE_CRASHED,
    FindingKind,
    Nature,
    Rule,
    kind,
    registry,
    resolve_rule_selection,
    rule,
    rule_ids,
    stream_rule,
)
from ._rules_basic import ERROR_BODY
from ._rules_runner import BASELINE_FIXED, CASE_DEPENDENCY, RECORDING_STALE, TRANSPORT_FAILURE
from ._schemas import profile_schemas

__all__ = [
    "BASELINE_FIXED",
    "CASE_DEPENDENCY",
    "DIFFERENTIAL",
    "ERROR_BODY",
    "RECORDING_STALE",
    "RULE_CRASHED",
    "TRANSPORT_FAILURE",
    "ClientNote",
    "ClientPanel",
    "Effect",
    "ExchangeFacts",
    "Finding",
    "FindingCollector",
    "FindingKind",
    "Judgement",
    "Location",
    "Nature",
    "ParsedEvent",
    "Rule",
    "RuleContext",
    "Severity",
    "StreamAccumulator",
    "StreamJudge",
    "accumulate_chunks",
    "client_note",
    "compare_stream_and_json",
    "judge_exchange",
    "kind",
    "profile_schemas",
    "registry",
    "resolve_rule_selection",
    "rule",
    "rule_ids",
    "stream_rule",
]
