"""The built-in endpoint kinds, one module each; importing them registers them, in this order
(the order `--kind`, `list kinds` and messages show)."""

from .vertex import Vertex
from .vertex_endpoint import VertexEndpoint
from .openai_compatible import OpenAICompatible

__all__ = ["OpenAICompatible", "Vertex", "VertexEndpoint"]
