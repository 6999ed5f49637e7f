"""The Python clients are built once per configuration and thread (`_httpx.ServedClients`) and
answer through `serving(answer)`: a shared client must still give each answer its own outcome,
whatever order the answers come in and however many threads run them at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from harness.clients import ClientRunner
from harness.clients._httpx import ServedClients, serving, switchboard_clients

from .clients_support import all_calls, reference

PYTHON_CLIENTS = ["openai-python", "langchain-openai"]


def _outcomes(runner: ClientRunner, recorded) -> list[tuple[str, str, str | None]]:
    outcomes = runner.run(recorded.answer, recorded.request, reference(recorded.answer), stream=recorded.stream, url=recorded.url, names=PYTHON_CLIENTS)
    return [(o.name, o.outcome.value, o.detail) for o in outcomes]


def test_shared_clients_give_every_answer_its_own_outcome_in_any_order_and_thread():
    calls = [recorded for _, recorded in all_calls()]
    with ClientRunner(use_cache=False) as runner:
        forward = [_outcomes(runner, recorded) for recorded in calls]
        backward = [_outcomes(runner, recorded) for recorded in reversed(calls)][::-1]
        with ThreadPoolExecutor(max_workers=4) as pool:
            threaded = list(pool.map(lambda recorded: _outcomes(runner, recorded), calls))
    assert forward == backward == threaded
    # Not one outcome for everything: the bundled answers break and mis-assemble these clients.
    assert len({tuple(o[1] for o in outcome) for outcome in forward}) > 1


def test_a_switchboard_client_outside_serving_refuses_instead_of_answering():
    http_client, _ = switchboard_clients()
    with pytest.raises(RuntimeError, match="outside `serving"):
        http_client.get("http://127.0.0.1:9/v1/models")


def test_serving_answers_with_its_own_answer_and_records_what_was_sent():
    from harness.clients import RecordedAnswer

    http_client, _ = switchboard_clients()
    first = RecordedAnswer(200, (("content-type", "application/json"),), (b'{"n": 1}',))
    second = RecordedAnswer(404, (("content-type", "application/json"),), (b'{"n": 2}',))
    with serving(first) as one:
        assert http_client.post("http://x/v1/chat/completions", json={"a": 1}).json() == {"n": 1}
        with serving(second) as two:
            response = http_client.post("http://x/v1/chat/completions", json={"b": 2})
            assert (response.status_code, response.json()) == (404, {"n": 2})
        assert http_client.post("http://x/v1/chat/completions", json={"c": 3}).json() == {"n": 1}
    assert (one.sent.count, one.sent.body) == (2, {"c": 3})
    assert (two.sent.count, two.sent.body) == (1, {"b": 2})


def test_served_clients_keep_one_per_key_and_thread_and_forget_the_oldest():
    built: list[str] = []
    kept = ServedClients(size=2)

    def build(key: str):
        return lambda: built.append(key) or httpx.Client()

    a = kept.get("a", build("a"))
    assert kept.get("a", build("a")) is a
    kept.get("b", build("b"))
    kept.get("c", build("c"))  # "a" is the oldest: forgotten
    again = kept.get("a", build("a"))
    assert again is not a
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(kept.get, "a", build("a")).result()
    assert other is not again and kept.get("a", build("a")) is again  # another thread builds its own
    assert built == ["a", "b", "c", "a", "a"]
