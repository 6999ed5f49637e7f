"""The faithful accumulation of a chat stream into the completion it stands for.

"Faithful" means: what the server meant, not what a particular client makes of it. Tool calls are
merged by `id` where the delta has one and by `index` otherwise (Vertex changes a call's index
between chunks but keeps its id); a name repeated in every delta is kept once, not concatenated.
Rules compare this against what openai-python accumulates to find client breakage; later steps
of a case embed parts of it (the assistant message with its tool calls and thought signatures).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["StreamAccumulator", "accumulate_chunks"]


def _merge_extra(target: dict[str, Any], extra: Any) -> None:
    if not isinstance(extra, Mapping):
        return
    merged = target.setdefault("extra_content", {})
    for vendor, fields in extra.items():
        if isinstance(fields, Mapping) and isinstance(merged.get(vendor), dict):
            merged[vendor].update(fields)
        else:
            # A copy: later merges must not write into the chunk payload it came from.
            merged[vendor] = dict(fields) if isinstance(fields, Mapping) else fields


class _Choice:
    def __init__(self, index: int):
        self.index = index
        self.message: dict[str, Any] = {"role": "assistant", "content": None}
        # Text fields grow as UTF-8 in a bytearray: `str +=` on a million deltas would copy
        # quadratically, and a buffer of str pieces or a StringIO costs several bytes a character.
        self.texts: dict[str, bytearray] = {}
        self.finish_reason: Any = None
        self.logprobs: Any = None
        self.calls: list[dict[str, Any]] = []
        self._arguments: dict[int, bytearray] = {}
        self._by_id: dict[str, dict[str, Any]] = {}
        self._by_index: dict[Any, dict[str, Any]] = {}

    def append_text(self, key: str, value: str) -> None:
        buffer = self.texts.get(key)
        if buffer is None:
            buffer = self.texts[key] = bytearray()
            self.message.pop(key, None)
        buffer += value.encode("utf-8", "surrogatepass")

    def add(self, choice: Mapping[str, Any]) -> None:
        delta = choice.get("delta")
        if isinstance(delta, Mapping):
            for key, value in delta.items():
                if key == "tool_calls" and isinstance(value, list):
                    for call in value:
                        if isinstance(call, Mapping):
                            self._add_call(call)
                elif key == "extra_content":
                    _merge_extra(self.message, value)
                elif key == "role":
                    if isinstance(value, str):
                        self.message["role"] = value
                elif isinstance(value, str) and (key in self.texts or self.message.get(key) is None):
                    self.append_text(key, value)
                elif value is not None or (key not in self.message and key not in self.texts):
                    self.texts.pop(key, None)
                    self.message[key] = value
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]
        if choice.get("logprobs") is not None:
            self.logprobs = choice["logprobs"]

    def _add_call(self, delta: Mapping[str, Any]) -> None:
        call_id = delta.get("id")
        index = delta.get("index")
        call = self._by_id.get(call_id) if call_id else self._by_index.get(index)
        if call is None:
            call = {"id": call_id, "type": delta.get("type", "function"), "function": {"name": None, "arguments": ""}}
            self._arguments[id(call)] = bytearray()
            self.calls.append(call)
            if call_id:
                self._by_id[call_id] = call
        if call_id and call["id"] is None:
            call["id"] = call_id
            self._by_id[call_id] = call
        self._by_index[index] = call
        if isinstance(delta.get("type"), str):
            call["type"] = delta["type"]
        function = delta.get("function")
        if isinstance(function, Mapping):
            if isinstance(function.get("name"), str) and function["name"] and not call["function"]["name"]:
                call["function"]["name"] = function["name"]
            if isinstance(function.get("arguments"), str):
                self._arguments[id(call)] += function["arguments"].encode("utf-8", "surrogatepass")
        _merge_extra(call, delta.get("extra_content"))

    def result(self) -> dict[str, Any]:
        message = dict(self.message)
        for key, buffer in self.texts.items():
            message[key] = buffer.decode("utf-8", "surrogatepass")
        if self.calls:
            message["tool_calls"] = [
                {**call, "function": {**call["function"], "arguments": self._arguments[id(call)].decode("utf-8", "surrogatepass")}} for call in self.calls
            ]
        return {"index": self.index, "message": message, "finish_reason": self.finish_reason, "logprobs": self.logprobs}


class StreamAccumulator:
    """Feed parsed chunk payloads in order; `result()` is the completion they add up to."""

    def __init__(self) -> None:
        self._head: dict[str, Any] = {}
        self._choices: dict[int, _Choice] = {}
        self._usage: Any = None

    def add(self, chunk: Any) -> None:
        if not isinstance(chunk, Mapping):
            return
        for key in ("id", "created", "model", "system_fingerprint", "service_tier"):
            if key in chunk and key not in self._head:
                self._head[key] = chunk[key]
        if chunk.get("usage") is not None:
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, Mapping):
                continue
            index = choice.get("index", 0)
            index = index if isinstance(index, int) else 0
            self._choices.setdefault(index, _Choice(index)).add(choice)

    def add_text(self, choice: Mapping[str, Any]) -> None:
        """The fast path for a plain content delta of a choice already under way."""
        self._choices[choice["index"]].append_text("content", choice["delta"]["content"])

    def result(self) -> dict[str, Any]:
        completion: dict[str, Any] = {**self._head, "object": "chat.completion"}
        completion["choices"] = [self._choices[i].result() for i in sorted(self._choices)]
        if self._usage is not None:
            completion["usage"] = self._usage
        return completion


def accumulate_chunks(chunks: Iterable[Any]) -> dict[str, Any]:
    accumulator = StreamAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.result()
