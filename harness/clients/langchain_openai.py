"""langchain-openai's `ChatOpenAI`, in-process, on httpx clients that serve the recorded answer
(`ChatOpenAI(http_client=..., http_async_client=..., max_retries=0)`; one model per configuration
and thread, see `_httpx.ServedClients`). LangChain is imported only when an answer reaches this
driver (the import costs more than a second).

Paths: a JSON answer through `invoke(messages)`; a stream through `stream(messages)` with the
chunks summed (`+`), as LangChain's documentation does. Either way on
`ChatOpenAI(...).bind_tools(request tools, tool_choice=..., parallel_tool_calls=...)` when the
request has tools, and `.bind(response_format=...)` when it has one (LangChain then goes through
openai-python's `parse` / `beta.chat.completions.stream` itself). What the user reads, and what is
compared: `content`, `tool_calls` + `invalid_tool_calls`, `response_metadata["finish_reason"]`
and `usage_metadata`.

Translation of the recorded request: the messages are given as OpenAI-style dicts (LangChain
converts them; fields it drops show in the note on what was sent); temperature, top_p, n, stop,
seed, penalties, logprobs, top_logprobs, logit_bias, reasoning_effort, verbosity, service_tier,
store and max_tokens/max_completion_tokens become ChatOpenAI fields; stream_options.include_usage
becomes `stream_usage`; every other field travels in `extra_body` under its own name. LangChain
reads the first choice only (`invoke` returns one message), so `n` is sent but only choice 0 is
compared; message roles are not part of its API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._compare import Aspects
from ._httpx import RecordedTransport, ServedClients, serving, switchboard_clients
from ._judge import PathRun
from ._model import Raised
from ._registry import Driver, Job
from ._request import base_url, canonical_json
from .openai_python import openai_path_run

__all__ = ["LangChainOpenAI"]

_FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "n": "n",
    "stop": "stop",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "logprobs": "logprobs",
    "top_logprobs": "top_logprobs",
    "logit_bias": "logit_bias",
    "reasoning_effort": "reasoning_effort",
    "verbosity": "verbosity",
    "service_tier": "service_tier",
    "store": "store",
    "max_tokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
}
_BOUND = frozenset({"model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "stream", "stream_options"})
_ASPECTS = Aspects(all_choices=False, role=False, null_content_is_empty=True)
_MODELS = ServedClients()


def _messages(request: Mapping[str, Any]) -> tuple[list[Any], str | None]:
    """The recorded messages for LangChain, which wants a `content` key in every message dict
    (OpenAI allows an assistant message with only tool calls): a missing one is given as null."""
    out, added = [], 0
    for message in request.get("messages") or ():
        if isinstance(message, Mapping) and "role" in message and "content" not in message:
            message, added = {**message, "content": None}, added + 1
        out.append(message)
    note = f"LangChain needs `content` in every message dict: null added to {added} message(s)" if added else None
    return out, note


def _content(content: Any) -> Any:
    if isinstance(content, list):  # content blocks: the text ones are what a chat completion's content was
        return "".join(block.get("text", "") if isinstance(block, Mapping) else str(block) for block in content)
    return content


def _calls(message: Any, reference: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """`tool_calls` and `invalid_tool_calls` as one list. Each keeps its own order; how the two
    interleave LangChain does not say, so a call is taken from the list whose next call has the
    id the reference has next (else from the valid list): no reordering within a list."""
    valid = [{"id": c.get("id"), "type": "function", "function": {"name": c.get("name"), "arguments": c.get("args")}} for c in message.tool_calls]
    invalid = [
        {"id": c.get("id"), "type": "function", "function": {"name": c.get("name"), "arguments": c.get("args")}, "invalid": True}
        for c in message.invalid_tool_calls
    ]
    meant_ids: list[Any] = []
    if isinstance(reference, Mapping):
        choices = reference.get("choices") or [{}]
        meant_ids = [c.get("id") for c in ((choices[0].get("message") or {}).get("tool_calls") or ()) if isinstance(c, Mapping)]
    out = []
    while valid or invalid:
        want = meant_ids[len(out)] if len(out) < len(meant_ids) else None
        if invalid and (not valid or (want is not None and invalid[0]["id"] == want and valid[0]["id"] != want)):
            out.append(invalid.pop(0))
        else:
            out.append(valid.pop(0))
    return out


def _assembled(message: Any, reference: Mapping[str, Any] | None) -> dict[str, Any]:
    usage = message.usage_metadata
    calls = _calls(message, reference)
    body: dict[str, Any] = {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": _content(message.content), **({"tool_calls": calls} if calls else {})},
                "finish_reason": message.response_metadata.get("finish_reason"),
            }
        ],
    }
    if usage:
        body["usage"] = {"prompt_tokens": usage.get("input_tokens"), "completion_tokens": usage.get("output_tokens"), "total_tokens": usage.get("total_tokens")}
    return body


def _refused(path: str, exc: Exception) -> PathRun:
    """LangChain refused the request's settings, tools or response_format: nothing was sent."""
    return PathRun(path, raised=Raised(type(exc).__name__, str(exc)), sent=False, aspects=_ASPECTS)


class LangChainOpenAI(Driver):
    name = "langchain-openai"
    package = "langchain-openai"
    order = 40

    def run(self, job: Job) -> list[PathRun]:
        return [self._stream(job) if job.stream else self._invoke(job)]

    def _runnable(self, job: Job) -> Any:
        """The model for the request's settings, with its tools and response_format bound; it
        answers within `serving(job.answer)`."""
        request = job.request
        stream_options = request.get("stream_options")
        settings: dict[str, Any] = {
            "model": request.get("model") or "unknown",
            "base_url": base_url(job.url),
            "stream_usage": isinstance(stream_options, Mapping) and stream_options.get("include_usage") is True,
            **{_FIELDS[k]: v for k, v in request.items() if k in _FIELDS},
        }
        extra = {k: v for k, v in request.items() if k not in _FIELDS and k not in _BOUND}
        if extra:
            settings["extra_body"] = extra

        def build() -> Any:
            from langchain_openai import ChatOpenAI

            http_client, http_async_client = switchboard_clients()
            # max_retries=0: a retry would be served the same answer and only hide the first error.
            return ChatOpenAI(api_key="recorded-answer", http_client=http_client, http_async_client=http_async_client, max_retries=0, **settings)

        runnable: Any = _MODELS.get(canonical_json(settings), build)
        tools = request.get("tools")
        if tools:
            options = {k: request[k] for k in ("tool_choice", "parallel_tool_calls") if k in request}
            runnable = runnable.bind_tools(tools, **options)
        if "response_format" in request:
            runnable = runnable.bind(response_format=request["response_format"])
        return runnable

    def _path(self, job: Job, path: str, transport: RecordedTransport, translation: str | None, **fields: Any) -> PathRun:
        return openai_path_run(job, path, transport, aspects=_ASPECTS, notes=[translation] if translation else [], **fields)

    def _invoke(self, job: Job) -> PathRun:
        messages, note = _messages(job.request)
        try:
            runnable = self._runnable(job)
        except Exception as exc:  # noqa: BLE001
            return _refused("invoke", exc)
        with serving(job.answer) as transport:
            try:
                message = runnable.invoke(messages)
            except Exception as exc:  # noqa: BLE001 - whatever the client raises is the observation
                return self._path(job, "invoke", transport, note, raised=Raised(type(exc).__name__, str(exc)), exc=exc)
        return self._path(job, "invoke", transport, note, assembled=_assembled(message, job.reference))

    def _stream(self, job: Job) -> PathRun:
        path = "stream (chunks summed)"
        count, summing = 0, False
        total = None
        messages, note = _messages(job.request)
        try:
            runnable = self._runnable(job)
        except Exception as exc:  # noqa: BLE001
            return _refused(path, exc)
        with serving(job.answer) as transport:
            try:
                for chunk in runnable.stream(messages):
                    count += 1
                    summing = True
                    total = chunk if total is None else total + chunk
                    summing = False
                if total is None:  # nothing streamed: the user's sum is an empty message
                    from langchain_core.messages import AIMessageChunk

                    total = AIMessageChunk(content="")
            except Exception as exc:  # noqa: BLE001
                # LangChain yields one chunk per chunk of the server (it drops only a choice whose
                # delta is null), so the count names the event; an error while summing is the last chunk's.
                event = job.events.event_of_chunk(count - 1 if summing else count) if job.events is not None else None
                return self._path(job, path, transport, note, raised=Raised(type(exc).__name__, str(exc), event), exc=exc)
        return self._path(job, path, transport, note, assembled=_assembled(total, job.reference))
