"""Getting exchanges: live over HTTP, recorded to cassettes, or replayed from them."""

from ._capture import Capture, open_capture
from ._cassette import CASSETTE_VERSION, ORIGINS, Cassette, cassette_path, read_cassette, write_cassette
from ._exchange import Attempt, Exchange, HTTPRequest, HTTPResponse, TransportFailure
from ._http import Limits, perform
from ._live import RETRY_STATUSES, LiveTransport, Transport
from ._redact import REDACTED, SECRET_HEADERS, Redactor
from ._replay import RecordingExhausted, ReplayTransport

__all__ = [
    "CASSETTE_VERSION",
    "ORIGINS",
    "REDACTED",
    "RETRY_STATUSES",
    "SECRET_HEADERS",
    "Attempt",
    "Capture",
    "Cassette",
    "Exchange",
    "HTTPRequest",
    "HTTPResponse",
    "Limits",
    "LiveTransport",
    "RecordingExhausted",
    "Redactor",
    "ReplayTransport",
    "Transport",
    "TransportFailure",
    "cassette_path",
    "open_capture",
    "perform",
    "read_cassette",
    "write_cassette",
]
