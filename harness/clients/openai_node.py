"""openai-node (the `openai` npm package), run in the Node bridge by `js/drivers/openai-node.mjs`.

Paths: a JSON answer through `chat.completions.create(body)`; a stream through
`chat.completions.stream(body)` + `finalChatCompletion()` (reported first) and plain iteration of
`chat.completions.create({...body, stream: true})`. The recorded body is handed over as it is
(openai-node sends whatever keys it is given), so nothing is lost in translation. The client gets
the recorded URL minus `/chat/completions` as its baseURL, `maxRetries: 0`, and a `fetch` that
serves the recorded chunks.
"""

from __future__ import annotations

from ._registry import NodeDriver

__all__ = ["OpenAINode"]


class OpenAINode(NodeDriver):
    name = "openai-node"
    package = "openai"
    script = "openai-node"
    order = 20
