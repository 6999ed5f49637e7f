"""chat-conformance: conformance tests for OpenAI-compatible Chat Completions APIs.

Data flows one way: case → request → exchange → findings → result → report.

    harness.cases       YAML cases, loaded and checked
    harness.endpoints   endpoints, URLs, auth
    harness.transport   live HTTP, recordings, replay
    harness.importers   foreign recordings and captured answers, as exchanges
    harness.sse         incremental SSE decoding
    harness.validators  the rule registry and findings
    harness.runner      the loop that ties them together
    harness.report      what users read
    harness.fuzz        schema-driven request fuzzing
    harness.cli         the command
"""

from ._version import __version__

__all__ = ["__version__"]
