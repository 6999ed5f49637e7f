"""Rules that judge exchanges, and the findings they produce."""

from ._findings import Finding, Location, Severity
from ._registry import CheckContext, Rule, registry, resolve_rule_selection, rule, rule_ids, run_rules

__all__ = [
    "CheckContext",
    "Finding",
    "Location",
    "Rule",
    "Severity",
    "registry",
    "resolve_rule_selection",
    "rule",
    "rule_ids",
    "run_rules",
]
