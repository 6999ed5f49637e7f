"""Getting exchanges: live over HTTP, recorded to cassettes, or replayed from them.

The modules that need httpx (live and replay transports) are imported on first use, so judging
recorded or captured bytes (`check`, the rules) does not pay for it at start-up.
"""

from .._lazy import lazy_exports
from ._cassette import CASSETTE_VERSION, ORIGINS, Cassette, cassette_path, cassette_to_yaml, read_cassette, write_cassette
from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse, TransportFailure
from ._limits import Limits
from ._matchers import DEFAULT_MATCH_ON, MATCHERS, Matcher, RecordingMismatch, first_difference
from ._no_answer import NOT_REACHED, failure_words, no_answer, no_answer_count, no_answer_reason, no_answer_text, no_answer_why
from ._redact import REDACTED, SECRET_HEADERS, Redactor

_LAZY = {
    "perform": "._http",
    "keep_body": "._http",
    "BodyReader": "._http",
    "StepBodyReader": "._live",
    "RETRY_STATUSES": "._live",
    "RESENT_AFTER_CLOSE": "._live",
    "LiveTransport": "._live",
    "RateLimiter": "._live",
    "Transport": "._live",
    "ReplayTransport": "._replay",
    "new_client": "._live",
}

__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "CASSETTE_VERSION",
    "DEFAULT_MATCH_ON",
    "MATCHERS",
    "NOT_REACHED",
    "Matcher",
    "ORIGINS",
    "REDACTED",
    "RESENT_AFTER_CLOSE",
    "RETRY_STATUSES",
    "SECRET_HEADERS",
    "StepBodyReader",
    "Attempt",
    "BodyReader",
    "Cassette",
    "Exchange",
    "HTTPRequest",
    "HTTPResponse",
    "Limits",
    "LiveTransport",
    "RateLimiter",
    "RecordingMismatch",
    "Redactor",
    "ReplayTransport",
    "Transport",
    "TransportFailure",
    "cassette_path",
    "cassette_to_yaml",
    "failure_words",
    "first_difference",
    "keep_body",
    "new_client",
    "no_answer",
    "no_answer_count",
    "no_answer_reason",
    "no_answer_text",
    "no_answer_why",
    "perform",
    "read_cassette",
    "write_cassette",
]
