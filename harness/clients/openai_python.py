"""openai-python, in-process, through its public client API on an httpx transport that serves the
recorded answer (`openai.OpenAI(http_client=httpx.Client(transport=...), max_retries=0)`; one
client per base URL and thread, see `_httpx.ServedClients`).

Paths:
- JSON answer: `chat.completions.create(**request)`; and, when the request asks for structured
  output (a `json_schema` response_format or a strict function tool), `chat.completions.parse(...)`.
- Stream: `chat.completions.stream(...)` read to the end, then `get_final_completion()` (the
  accumulating helper, `ChatCompletionStreamState`), reported first; and plain iteration of
  `chat.completions.create(stream=True)`, whose chunks must be the server's, one for one.

The request: fields `create()` has a parameter for are passed as such, every other recorded field
goes in `extra_body` under its own name (Vertex's literal `extra_body` object included), so the
body on the wire is the recorded one. `stream` is left to each path.

Structured output: a user passes `response_format` as a type (a pydantic model), which the client
turns into the `json_schema` dict the recording holds. The dict itself is what is passed here (the
client sends it unchanged), but with a dict the client does not parse `message.content`; the part
every user type shares, `json.loads` of the content (under the client's own conditions: content
present, no refusal), stands in for it. A `json.loads` failure is reported as the client's
JSONDecodeError on that path. `parse()` refuses non-strict tools before sending anything (that
path is then `not-run`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ._httpx import RecordedTransport, ServedClients, serving, switchboard_clients
from ._judge import PathRun
from ._model import Raised
from ._registry import Driver, Job
from ._request import base_url, sent_differences, strict_tools, wants_json_schema

__all__ = ["OpenAIPython", "openai_path_run"]

_OWN = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
_CLIENTS = ServedClients()


@cache
def _parameters(method_name: str) -> frozenset[str]:
    from openai.resources.chat.completions import Completions

    return frozenset(inspect.signature(getattr(Completions, method_name)).parameters) - {"self"} - _OWN


def _arguments(method_name: str, request: Mapping[str, Any], drop: frozenset[str] = frozenset()) -> dict[str, Any]:
    known = _parameters(method_name)
    kwargs = {k: v for k, v in request.items() if k in known and k not in drop}
    extra = {k: v for k, v in request.items() if k not in known and k not in drop}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs



def openai_path_run(job: Job, path: str, transport: RecordedTransport, *, exc: BaseException | None = None, **fields: Any) -> PathRun:
    """The PathRun of a client built on openai-python (it, and LangChain through it): an exception
    it raised is told apart as the client's status error or the server's in-stream error, and what
    the client sent differently from the recorded request is noted."""
    import openai

    run = PathRun(path, sent=transport.sent.count > 0, **fields)
    if exc is not None:
        run.status_error = isinstance(exc, openai.APIStatusError)
        run.server_error = type(exc) is openai.APIError  # raised for an `error` payload in the stream
    note = sent_differences(job.request, transport.sent.body) if job.request_known and transport.sent.count else None
    if note:
        run.notes.append(note)
    return run

class _StandInFailed(Exception):
    """The `json.loads` standing in for the user's response_format type failed."""

    def __init__(self, choice: int, error: ValueError):
        super().__init__(f"json.loads of choice {choice}'s message.content (standing in for parsing into the user's response_format type): {error}")
        self.error = error


def _raised(exc: BaseException, event: int | None = None) -> Raised:
    name = type(exc.error if isinstance(exc, _StandInFailed) else exc).__name__
    return Raised(name, str(exc), event)


def _content_stand_in(completion: Any) -> None:
    """`json.loads` of each choice's content, where the client would parse it into the user's type."""
    for i, choice in enumerate(completion.choices):
        message = choice.message
        if message.content and not getattr(message, "refusal", None):
            try:
                json.loads(message.content)
            except ValueError as error:
                raise _StandInFailed(i, error) from error


class OpenAIPython(Driver):
    name = "openai-python"
    package = "openai"
    order = 10

    def run(self, job: Job) -> list[PathRun]:
        if job.stream:
            return [self._stream_final(job), self._iterate(job)]
        runs = [self._create(job)]
        if wants_json_schema(job.request) or strict_tools(job.request):
            runs.append(self._parse(job))
        return runs

    def _client(self, job: Job) -> Any:
        """The client for the answer's base URL; it answers within `serving(job.answer)`."""
        url = base_url(job.url)

        def build() -> Any:
            import openai

            http_client, _ = switchboard_clients()
            # max_retries=0: a retry would be served the same answer and only hide the first error.
            return openai.OpenAI(api_key="recorded-answer", base_url=url, http_client=http_client, max_retries=0)

        return _CLIENTS.get(url, build)

    def _path(self, job: Job, path: str, transport: RecordedTransport, **fields: Any) -> PathRun:
        return openai_path_run(job, path, transport, **fields)

    def _call(self, job: Job, path: str, method_name: str, finish: Callable[[Any], None] | None = None) -> PathRun:
        client = self._client(job)
        with serving(job.answer) as transport:
            try:
                # Asked for a JSON answer: a recorded `stream: true` would turn the call into another path.
                drop = frozenset({"stream"}) if job.request.get("stream") else frozenset()
                completion = getattr(client.chat.completions, method_name)(**_arguments(method_name, job.request, drop))
                if finish is not None:
                    finish(completion)
            except Exception as exc:  # noqa: BLE001 - whatever the client raises is the observation
                return self._path(job, path, transport, raised=_raised(exc), exc=exc)
        if not hasattr(completion, "to_dict"):
            # A body not served as JSON comes back as the body's text (openai-python's
            # BaseAPIResponse._parse): the user's `completion.choices` raises there.
            what = f"{method_name}() returned a {type(completion).__name__}, not a ChatCompletion (the body was not served as JSON)"
            return self._path(job, path, transport, raised=Raised("AttributeError", what))
        return self._path(job, path, transport, assembled=completion.to_dict())

    def _create(self, job: Job) -> PathRun:
        return self._call(job, "create", "create")

    def _parse(self, job: Job) -> PathRun:
        finish = _content_stand_in if wants_json_schema(job.request) else None
        return self._call(job, "parse", "parse", finish)

    def _stream_final(self, job: Job) -> PathRun:
        path = "stream+get_final_completion"
        client = self._client(job)
        chunks = 0
        stream = None
        try:
            with serving(job.answer) as transport, client.chat.completions.stream(**_arguments("stream", job.request, frozenset({"stream"}))) as stream:
                for event in stream:
                    chunks += event.type == "chunk"
                completion = stream.get_final_completion()
                if wants_json_schema(job.request):
                    _content_stand_in(completion)
        except Exception as exc:  # noqa: BLE001
            # A chunk whose handling raises yields no event: it is the helper's chunk number `chunks`.
            event = job.events.event_of_completion_chunk(chunks) if job.events is not None else None
            snapshot = None
            if stream is not None:
                try:
                    snapshot = stream.current_completion_snapshot.to_dict()
                except Exception:  # noqa: BLE001 - no snapshot yet
                    snapshot = None
            # The snapshot is compared only when the exception is one the client raises by design
            # (the judge decides); it is what a user catching that exception still has.
            return self._path(job, path, transport, raised=_raised(exc, event), exc=exc, assembled=snapshot)
        return self._path(job, path, transport, assembled=completion.to_dict())

    def _iterate(self, job: Job) -> PathRun:
        path = "create(stream=True) iteration"
        client = self._client(job)
        chunks: list[Any] = []
        try:
            with serving(job.answer) as transport:
                for chunk in client.chat.completions.create(**_arguments("create", job.request, frozenset({"stream"})), stream=True):
                    chunks.append(chunk.to_dict())
        except Exception as exc:  # noqa: BLE001
            event = job.events.event_of_chunk(len(chunks)) if job.events is not None else None
            return self._path(job, path, transport, raised=_raised(exc, event), exc=exc)
        return self._path(job, path, transport, chunks=chunks)
