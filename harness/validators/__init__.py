"""Rules that judge exchanges, and the findings they produce."""

from .._lazy import lazy_exports
from ._accumulate import StreamAccumulator, accumulate_chunks
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
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

# Imported on first use: the rule modules register their rules on import (registration order
# stays the registry's own), the client glue needs the client layer (httpx), and the schemas need
# jsonschema; none of that belongs in the start-up of a command that may not judge anything.
_LAZY = {
    "BASELINE_FIXED": "._rules_runner",
    "CASE_DEPENDENCY": "._rules_runner",
    "CASE_DOCUMENTED_TARGET": "._rules_runner",
    "RECORDING_STALE": "._rules_runner",
    "TRANSPORT_FAILURE": "._rules_runner",
    "ERROR_BODY": "._rules_basic",
    "DIFFERENTIAL": "._differential",
    "compare_stream_and_json": "._differential",
    "ClientPanel": "._consequences",
    "client_note": "._consequences",
    "reference_completion": "._consequences",
    "profile_schemas": "._schemas",
}

__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "BASELINE_FIXED",
    "CASE_DEPENDENCY",
    "CASE_DOCUMENTED_TARGET",
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
    "reference_completion",
    "registry",
    "resolve_rule_selection",
    "rule",
    "rule_ids",
    "stream_rule",
]
