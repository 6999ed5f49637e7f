"""Running cases against endpoints, live or from recordings, and the results it gives."""

from ._baseline import Baseline, BaselineEntry, load_baseline
from ._requests import build_request, curl_command, documented_target_note, endpoint_request, request_url
from ._results import CaseResult, Mode, Verdict, timings_of, verdict_for
from ._run import Runner, RunSettings, Shard, endpoint_redactor, failure_findings, first_difference, record_command, selected_findings

__all__ = [
    "Baseline",
    "BaselineEntry",
    "load_baseline",
    "CaseResult",
    "Mode",
    "RunSettings",
    "Runner",
    "Shard",
    "Verdict",
    "build_request",
    "curl_command",
    "documented_target_note",
    "endpoint_redactor",
    "endpoint_request",
    "failure_findings",
    "first_difference",
    "record_command",
    "request_url",
    "selected_findings",
    "timings_of",
    "verdict_for",
]
