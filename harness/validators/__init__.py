"""Rules that judge exchanges, and the findings they produce."""

from .._lazy import lazy_exports
from ._accumulate import StreamAccumulator, accumulate_chunks
from ._context import ExchangeFacts, FindingCollector, ParsedEvent, RuleContext
from ._differential import compare_stream_and_json
from ._engine import Judgement, StreamJudge, judge_exchange
from ._findings import Finding, Location, Severity
from ._registry import Rule, registry, resolve_rule_selection, rule, rule_ids, stream_rule

# Imported on first use: the runner's rule ids register their rules on import (registration order
# stays as it was), the client's version needs openai's metadata, and the schemas need jsonschema.
_LAZY = {
    "BASELINE_FIXED": "._rules_runner",
    "CASE_DEPENDENCY": "._rules_runner",
    "RECORDING_STALE": "._rules_runner",
    "TRANSPORT_FAILURE": "._rules_runner",
    "CLIENT_NAME": "._client",
    "client_version": "._client",
    "profile_schemas": "._schemas",
}

__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "BASELINE_FIXED",
    "CASE_DEPENDENCY",
    "CLIENT_NAME",
    "RECORDING_STALE",
    "TRANSPORT_FAILURE",
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
    "client_version",
    "compare_stream_and_json",
    "judge_exchange",
    "profile_schemas",
    "registry",
    "resolve_rule_selection",
    "rule",
    "rule_ids",
    "stream_rule",
]
