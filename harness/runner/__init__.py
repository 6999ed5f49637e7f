"""Running cases against endpoints, live or from recordings, and the results it gives."""

from ._baseline import Baseline, BaselineEntry, load_baseline
from ._requests import build_request, curl_command, endpoint_request, request_url
from ._results import CaseResult, Mode, Verdict, verdict_for
from ._run import Runner, RunSettings, endpoint_redactor, first_difference, record_command

__all__ = [
    "Baseline",
    "BaselineEntry",
    "load_baseline",
    "CaseResult",
    "Mode",
    "RunSettings",
    "Runner",
    "Verdict",
    "build_request",
    "curl_command",
    "endpoint_redactor",
    "endpoint_request",
    "first_difference",
    "record_command",
    "request_url",
    "verdict_for",
]
