"""Rules that judge exchanges, and the findings they produce."""

from ._accumulate import StreamAccumulator, accumulate_chunks
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
from ._differential import compare_stream_and_json
from ._engine import Judgement, StreamJudge, judge_exchange
from ._findings import Finding, Location, Severity
from ._registry import Rule, registry, resolve_rule_selection, rule, rule_ids, stream_rule

__all__ = [
    "ExchangeFacts",
    "Finding",
    "FindingCollector",
    "Judgement",
    "Location",
    "ParsedEvent",
    "Rule",
    "RuleContext",
    "Severity",
    "StreamAccumulator",
    "StreamJudge",
    "accumulate_chunks",
    "compare_stream_and_json",
    "judge_exchange",
    "registry",
    "resolve_rule_selection",
    "rule",
    "rule_ids",
    "stream_rule",
]
