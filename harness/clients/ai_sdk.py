"""The Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`), run in the Node bridge by
`js/drivers/ai-sdk.mjs`: `generateText` for a JSON answer, `streamText` for a stream.

The SDK's API has one choice, a text that is never null, its own finish reasons and its own
usage; what is compared is therefore choice 0 only, content with null read as "", finish reasons
through the SDK's documented mapping (`tool-calls` ↔ `tool_calls`, `content-filter` ↔
`content_filter`, `stop` with a refusal ↔ `content_filter`, anything unknown ↔ `other`), and usage
as inputTokens/outputTokens/totalTokens against prompt/completion/total tokens.

What the SDK cannot express from a recorded request is listed at the top of the script; the
fields it has no setting for (n, logprobs, modalities, extra_body, ...) travel in providerOptions,
which this provider copies into the request body unchanged. `n` is sent, but only choice 0 is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._compare import Aspects
from ._registry import NodeDriver

__all__ = ["AISDK", "expected_reason"]

_KNOWN = {"stop": "stop", "length": "length", "content_filter": "content_filter", "tool_calls": "tool_calls", "function_call": "tool_calls"}


def expected_reason(meant: Any, message: Mapping[str, Any]) -> str:
    """The OpenAI finish reason the SDK reports for the server's `meant` (its
    mapOpenAICompatibleFinishReason, read back into OpenAI's words)."""
    if meant == "stop" and message.get("refusal"):
        return "content_filter"
    return _KNOWN.get(meant, "other") if isinstance(meant, str) else "other"


_ASPECTS = Aspects(all_choices=False, role=False, null_content_is_empty=True, finish_reason=expected_reason)


class AISDK(NodeDriver):
    name = "ai-sdk"
    package = "ai"
    script = "ai-sdk"
    companions = ("@ai-sdk/openai-compatible",)
    order = 30

    def aspects(self, path: str) -> Aspects:
        return _ASPECTS
