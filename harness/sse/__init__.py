"""Server-Sent Events decoding for streamed Chat Completions responses."""

from harness.sse._decoder import SSEDecoder, SSEEvent, SSENote, iter_events

__all__ = ["SSEDecoder", "SSEEvent", "SSENote", "iter_events"]
