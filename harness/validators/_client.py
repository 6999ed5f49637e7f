"""What the real client, openai-python, makes of a response: the exceptions it raises and where
what it accumulates differs from the faithful accumulation (`_accumulate.StreamAccumulator`).

These are "client-breaking" facts: the server's bytes may be arguably fine, but a user of the
most common client crashes or silently gets wrong data. Each check calls openai-python's own
code on the same data, mirroring the path a user's program takes:

Streamed (`client.chat.completions.stream(...)`, `lib/_chat_completion_resources.py:stream`):
  1. `_streaming.py:Stream.__stream__` turns each SSE event into a chunk: a payload with a truthy
     `error` raises `APIError`; otherwise `_base_client.py:BaseClient._process_response_data`
     builds the chunk, which for a default client (`_strict_response_validation=False`) is
     `_models.py:construct_type(type_=ChatCompletionChunk, value=data)`: lenient construction,
     no validation.
  2. `lib/streaming/chat/_completions.py:ChatCompletionStream.__stream__` skips chunks that fail
     `_is_valid_chat_completion_chunk_weak` (`object != "chat.completion.chunk"`), then calls
     `ChatCompletionStreamState.handle_chunk` (accumulate + build events, both run eagerly), the
     state made with `input_tools` (the request's tools, as `_materialize_input_tools` leaves
     them) and `response_format` (the request's dict).
  3. `ChatCompletionStream.get_final_completion` -> `ChatCompletionStreamState.get_final_completion`
     -> `lib/_parsing/_completions.py:parse_chat_completion` on the snapshot.

Non-streamed (`client.chat.completions.create(...)`): `_response.py:APIResponse.parse` ->
`_process_response_data` -> `construct_type(type_=ChatCompletion, value=body)`. With a
`json_schema` response_format or strict function tools the user calls
`client.chat.completions.parse(...)`, whose post-parser is `parse_chat_completion`.

openai is imported lazily on first use (it costs about half a second) and is optional: without
it every check returns one `ClientProblem(kind="unavailable")` instead of raising.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLIENT_NAME",
    "DOCUMENTED_EXCEPTIONS",
    "KIND_EXCEPTION",
    "KIND_MISMATCH",
    "KIND_UNAVAILABLE",
    "ClientProblem",
    "StreamClientCheck",
    "check_response",
    "client_version",
]

CLIENT_NAME = "openai-python"
KIND_EXCEPTION = "exception"
KIND_MISMATCH = "mismatch"
KIND_UNAVAILABLE = "unavailable"
DOCUMENTED_EXCEPTIONS = frozenset({"LengthFinishReasonError", "ContentFilterFinishReasonError"})
"""Exceptions openai-python raises by design on a legitimate `finish_reason` ("length",
"content_filter") in its parse step (`.parse()`, `.stream()` with parseable input, and always in
`get_final_completion()`): users hit them, but real OpenAI sends the same, so a rule should not
blame the server for them."""
_VALUE_MAX = 80
_EXC_MAX = 200


@dataclass(frozen=True)
class ClientProblem:
    kind: str
    """One of "exception", "mismatch", "unavailable" (openai-python missing: nothing was checked)."""
    message: str
    event: int | None = None
    """Index of the SSE event (chunk) where it happened, when known."""
    pointer: str | None = None
    """JSON pointer into the completion, e.g. /choices/0/message/tool_calls/1/id."""
    exception: str | None = None
    """Exception type name, for kind="exception"."""


class _Runtime:
    """The pieces of openai-python the checks call, imported once."""

    def __init__(self) -> None:
        import openai
        from openai._models import construct_type
        from openai._types import omit
        from openai.lib._parsing._completions import parse_chat_completion
        from openai.lib.streaming.chat._completions import (
            ChatCompletionStreamState,
            _is_valid_chat_completion_chunk_weak,
        )
        from openai.types.chat import ChatCompletion, ChatCompletionChunk

        self.version: str = openai.__version__
        self.construct_type = construct_type
        self.omit = omit
        self.parse_chat_completion = parse_chat_completion
        self.StreamState = ChatCompletionStreamState
        self.is_valid_chunk = _is_valid_chat_completion_chunk_weak
        self.ChatCompletion = ChatCompletion
        self.ChatCompletionChunk = ChatCompletionChunk


_UNSET: Any = object()
_RUNTIME: Any = _UNSET


def _runtime() -> _Runtime | None:
    """openai-python's pieces, imported on first use; None when it is missing (or so different
    that the functions mirrored here are gone)."""
    global _RUNTIME
    if _RUNTIME is _UNSET:
        try:
            _RUNTIME = _Runtime()
        except (ImportError, AttributeError):
            _RUNTIME = None
    return _RUNTIME


def client_version() -> str | None:
    """The installed openai-python's version, or None when it is not installed. Read from the
    package metadata: every report names it, and importing the client would cost every run half
    a second even when the client never has to run."""
    from importlib.metadata import PackageNotFoundError, version

    if _RUNTIME is None:  # already found missing or unusable
        return None
    try:
        return version("openai")
    except PackageNotFoundError:
        return None


def _unavailable() -> ClientProblem:
    return ClientProblem(KIND_UNAVAILABLE, f"{CLIENT_NAME} is not installed (or not usable): client checks not available")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(_clip(value, _VALUE_MAX))
    return _clip(repr(value), _VALUE_MAX)


def _exception(
    rt: _Runtime,
    method: str,
    exc: BaseException | tuple[str, str],
    event: int | None = None,
    pointer: str | None = None,
) -> ClientProblem:
    name, text = (type(exc).__name__, str(exc)) if isinstance(exc, BaseException) else exc
    message = f"{CLIENT_NAME} {rt.version} {method} raised {name}"
    if text:
        message += f": {_clip(' '.join(text.split()), _EXC_MAX)}"
    if event is not None:
        message += f" at event {event}"
    return ClientProblem(KIND_EXCEPTION, message, event=event, pointer=pointer, exception=name)


def _get(obj: Any, key: str) -> Any:
    """A field of a constructed model, or of a raw dict that lenient construction left as is."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _request_tools(request_body: Mapping[str, Any] | None) -> list[Mapping[str, Any]] | None:
    """The request's tools as the client would hold them; entries the client could not even look
    at (no `type`, or a function tool whose `function` is not an object) are left out, so a
    malformed request is not blamed on the server."""
    if not isinstance(request_body, Mapping) or not isinstance(request_body.get("tools"), list):
        return None
    return [
        tool
        for tool in request_body["tools"]
        if isinstance(tool, Mapping)
        and "type" in tool
        and (tool["type"] != "function" or isinstance(tool.get("function"), Mapping))
    ]


def _response_format(request_body: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if isinstance(request_body, Mapping) and isinstance(request_body.get("response_format"), Mapping):
        return request_body["response_format"]
    return None


def _strict_tool_names(tools: list[Mapping[str, Any]] | None) -> set[str]:
    return {
        tool["function"]["name"]
        for tool in tools or ()
        if tool["type"] == "function"
        and tool["function"].get("strict") is True
        and isinstance(tool["function"].get("name"), str)
    }


def _is_json_schema(response_format: Mapping[str, Any] | None) -> bool:
    return response_format is not None and response_format.get("type") == "json_schema"


def _locate(exc: BaseException, completion: Any, strict_names: set[str]) -> str | None:
    """Best guess at where in the completion a parse-step exception comes from."""
    name = type(exc).__name__
    for i, choice in enumerate(_get(completion, "choices") or ()):
        if name == "LengthFinishReasonError" and _get(choice, "finish_reason") == "length":
            return f"/choices/{i}/finish_reason"
        if name == "ContentFilterFinishReasonError" and _get(choice, "finish_reason") == "content_filter":
            return f"/choices/{i}/finish_reason"
        if isinstance(exc, ValueError):
            for j, call in enumerate(_get(_get(choice, "message"), "tool_calls") or ()):
                function = _get(call, "function")
                if _get(function, "name") in strict_names:
                    try:
                        json.loads(_get(function, "arguments"))
                    except Exception:
                        return f"/choices/{i}/message/tool_calls/{j}/function/arguments"
    return None


def _loads_content(rt: _Runtime, method: str, completion: Any) -> ClientProblem | None:
    """Stand-in for the parse of `message.content` into the user's `response_format` type.

    openai-python only parses content when `response_format` is a type (a pydantic model or
    dataclass: `maybe_parse_content` -> `_parse_content` -> `model_parse_json`); the request here
    carries a `json_schema` dict, and building a pydantic model from it would validate more than
    the client does for any particular user type. So this runs the part every such type shares,
    under the same conditions as `maybe_parse_content` (content present, no refusal): `json.loads`
    of `message.content`. A failure is what a user of `.parse()` / `.stream()` would hit.
    """
    for i, choice in enumerate(_get(completion, "choices") or ()):
        message = _get(choice, "message")
        content = _get(message, "content")
        if content and not _get(message, "refusal"):
            try:
                json.loads(content)
            except Exception as exc:
                what = f"{method} (json.loads on message.content, choice {i})"
                return _exception(rt, what, exc, pointer=f"/choices/{i}/message/content")
    return None


def _compare(client: Any, faithful: Any) -> list[ClientProblem]:
    """Differences between the client's completion and the faithful one, on the fields the
    faithful accumulation has: choice count; per choice role, content, finish_reason; tool
    calls (count, and per position id, function name, function arguments)."""
    problems: list[ClientProblem] = []

    def differ(pointer: str, what: str, got: Any, meant: Any) -> None:
        if got != meant:
            problems.append(
                ClientProblem(
                    KIND_MISMATCH,
                    f"client accumulates {what} as {_show(got)} but the stream meant {_show(meant)}",
                    pointer=pointer,
                )
            )

    f_choices = list(_get(faithful, "choices") or ())
    c_choices = list(_get(client, "choices") or ())
    differ("/choices", "the number of choices", len(c_choices), len(f_choices))
    for i, (fc, cc) in enumerate(zip(f_choices, c_choices)):
        if not isinstance(fc, Mapping):
            continue
        base = f"/choices/{i}"
        label = f"choice {i} " if i else ""  # tool calls of choice 0 are just "tool call j"
        fmsg = fc.get("message") if isinstance(fc.get("message"), Mapping) else {}
        cmsg = _get(cc, "message")
        for key in ("role", "content"):
            if key in fmsg:
                differ(f"{base}/message/{key}", f"choice {i} {key}", _get(cmsg, key), fmsg[key])
        if "finish_reason" in fc:
            got = _get(cc, "finish_reason")
            differ(f"{base}/finish_reason", f"choice {i} finish_reason", got, fc["finish_reason"])
        f_calls = list(fmsg.get("tool_calls") or ())
        c_calls = list(_get(cmsg, "tool_calls") or ())
        if not f_calls and not c_calls:
            continue
        differ(f"{base}/message/tool_calls", f"{label}the number of tool calls", len(c_calls), len(f_calls))
        for j, (fcall, ccall) in enumerate(zip(f_calls, c_calls)):
            if not isinstance(fcall, Mapping):
                continue
            at = f"{base}/message/tool_calls/{j}"
            what = f"{label}tool call {j}"
            differ(f"{at}/id", f"{what} id", _get(ccall, "id"), fcall.get("id"))
            ffun = fcall.get("function") if isinstance(fcall.get("function"), Mapping) else {}
            cfun = _get(ccall, "function")
            differ(f"{at}/function/name", f"{what} name", _get(cfun, "name"), ffun.get("name"))
            differ(f"{at}/function/arguments", f"{what} arguments", _get(cfun, "arguments"), ffun.get("arguments"))
    return problems


class StreamClientCheck:
    """Feed parsed chunk payloads (dicts) in order, with their SSE event index; `finish` says what
    openai-python's `.stream()` helper raised or accumulated differently.

    After the first exception nothing more is fed: the user's program would have crashed there.
    Per feed this adds nothing to what the client itself does (no copies of the payload); the
    client's own accumulation is quadratic in the stream length (it re-dumps and re-builds the
    whole message snapshot for every chunk).
    """

    def __init__(self, request_body: Mapping[str, Any] | None = None) -> None:
        self._rt = _runtime()
        self._problem: ClientProblem | None = None
        self._completion: Any = None
        self._handled = 0
        self._tools = _request_tools(request_body)
        self._response_format = _response_format(request_body)
        if self._rt is None:
            self._state = None
            return
        omit = self._rt.omit
        self._state = self._rt.StreamState(
            input_tools=self._tools if self._tools is not None else omit,
            response_format=self._response_format if self._response_format is not None else omit,
        )

    @property
    def crashed(self) -> bool:
        """True once a fed chunk made the client raise (nothing more is fed)."""
        return self._problem is not None

    @property
    def client_completion(self) -> Any:
        """After `finish`: what the user gets from `get_final_completion()` (a ParsedChatCompletion),
        or the state's `current_completion_snapshot` when that raised; None if neither exists."""
        return self._completion

    def feed(self, event_index: int, payload: Any) -> None:
        rt = self._rt
        if rt is None or self._problem is not None:
            return
        method = "Stream.__stream__"
        try:
            # _streaming.py Stream.__stream__ (legacy stream mode, the one chat completions use)
            if isinstance(payload, Mapping) and payload.get("error"):
                error = payload.get("error")
                text = error.get("message") if isinstance(error, Mapping) else None
                if not text or not isinstance(text, str):
                    text = "An error occurred during streaming"
                self._problem = _exception(rt, method, ("APIError", text), event=event_index, pointer="/error")
                return
            # BaseClient._process_response_data, default (non-strict) client
            chunk = None if payload is None else rt.construct_type(type_=rt.ChatCompletionChunk, value=payload)
            method = "ChatCompletionStream.__stream__"
            if not rt.is_valid_chunk(chunk):
                return
            method = "ChatCompletionStreamState.handle_chunk"
            self._state.handle_chunk(chunk)
            self._handled += 1
        except Exception as exc:  # noqa: BLE001 - any exception is what the user would hit
            self._problem = _exception(rt, method, exc, event=event_index)

    def finish(self, faithful: Mapping[str, Any]) -> list[ClientProblem]:
        """faithful = StreamAccumulator.result() over the same payloads."""
        rt = self._rt
        if rt is None:
            return [_unavailable()]
        if self._problem is not None:
            return [self._problem]
        method = "ChatCompletionStream.get_final_completion"
        problems: list[ClientProblem] = []
        try:
            completion: Any = self._state.get_final_completion()
        except Exception as exc:  # noqa: BLE001
            pointer = _locate(exc, faithful, _strict_tool_names(self._tools))
            problems.append(_exception(rt, method, exc, pointer=pointer))
            completion = None
            if self._handled:
                try:
                    completion = self._state.current_completion_snapshot
                except Exception:  # noqa: BLE001
                    completion = None
        else:
            if _is_json_schema(self._response_format):
                problem = _loads_content(rt, method, completion)
                if problem is not None:
                    problems.append(problem)
        self._completion = completion
        if completion is not None:
            problems.extend(_compare(completion, faithful))
        return problems


def check_response(body: Any, request_body: Mapping[str, Any] | None = None) -> list[ClientProblem]:
    """What `client.chat.completions.create()` does with a non-streamed JSON body, and then, when
    the request had a `json_schema` response_format or strict function tools, what
    `client.chat.completions.parse()` does (`parse_chat_completion`, plus `json.loads` of the
    content standing in for the user's response_format type: see `_loads_content`).
    At most one problem: the first exception the user would hit."""
    rt = _runtime()
    if rt is None:
        return [_unavailable()]
    try:
        completion = None if body is None else rt.construct_type(type_=rt.ChatCompletion, value=body)
    except Exception as exc:  # noqa: BLE001
        return [_exception(rt, "chat.completions.create (ChatCompletion construction)", exc)]
    tools = _request_tools(request_body)
    response_format = _response_format(request_body)
    strict_names = _strict_tool_names(tools)
    if not (_is_json_schema(response_format) or strict_names):
        return []
    method = "chat.completions.parse (parse_chat_completion)"
    try:
        completion = rt.parse_chat_completion(
            response_format=rt.omit,
            input_tools=tools if tools is not None else rt.omit,
            chat_completion=completion,
        )
    except Exception as exc:  # noqa: BLE001
        return [_exception(rt, method, exc, pointer=_locate(exc, body, strict_names))]
    if _is_json_schema(response_format):
        problem = _loads_content(rt, "chat.completions.parse", completion)
        if problem is not None:
            return [problem]
    return []
