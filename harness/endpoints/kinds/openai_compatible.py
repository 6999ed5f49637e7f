"""`kind: openai-compatible`: any server that serves `{base_url}/chat/completions` (vLLM, llama.cpp,
Ollama, OpenAI itself)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._kind import EndpointKind

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["OpenAICompatible"]


class OpenAICompatible(EndpointKind):
    name = "openai-compatible"
    description = "any server with {base_url}/chat/completions: vLLM, llama.cpp, Ollama, OpenAI"
    required = ("base_url",)
    endpoint_fields = frozenset({"self_deployed", "reasoning_parser"})

    def build_url(self, endpoint: Endpoint, overrides: Mapping[str, str]) -> str:
        if not endpoint.base_url:
            raise ValueError(f"endpoint {endpoint.name}: kind {self.name} needs base_url")
        return endpoint.base_url.rstrip("/") + "/chat/completions"
