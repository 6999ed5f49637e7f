"""Server-Sent Events decoding for streamed Chat Completions responses."""

from ._decoder import SSEDecoder, SSEEvent, SSENote, iter_events

__all__ = ["SSEDecoder", "SSEEvent", "SSENote", "iter_events"]
