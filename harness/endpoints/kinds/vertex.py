"""`kind: vertex`: Gemini through Vertex AI's OpenAI-compatible endpoint (`endpoints/openapi`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._vertex_base import VertexKind, regional_host

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["Vertex"]


class Vertex(VertexKind):
    name = "vertex"
    description = "Gemini on Vertex AI's OpenAI-compatible endpoint (Google auth)"
    required = ("project", "model")

    def build_url(self, endpoint: Endpoint, overrides: Mapping[str, str]) -> str:
        # seed vertex-openai-chat-completions-examples.de.txt:12 (regional), 351 and 651 (global)
        location, path = self.resource_path(endpoint, overrides, "openapi")
        return self.at_host(endpoint, regional_host(location), path)
