"""`kind: vertex`: Gemini through Vertex AI's OpenAI-compatible endpoint (`endpoints/openapi`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._vertex_base import VertexKind

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["Vertex"]


class Vertex(VertexKind):
    name = "vertex"
    description = "Gemini on Vertex AI's OpenAI-compatible endpoint (Google auth)"
    required = ("project", "model")
    # `endpoints/openapi` is Google's own, served in every location; so a case about one location
    # (global-endpoint: seed lines 642-659) may send there whatever location the endpoint names.
    pinnable = frozenset({"location"})

    def endpoint_segment(self, endpoint: Endpoint) -> str:
        # seed vertex-openai-chat-completions-examples.de.txt:12 (regional), 351 and 651 (global)
        return "openapi"
