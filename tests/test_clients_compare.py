"""The client layer's own logic on plain dicts: comparison, verdicts, event indexes, reduction,
the registry. No client runs here; `PathRun`s are written by hand (test doubles of what a driver
observes), which is the only place the brief allows them."""

from __future__ import annotations

import json

import pytest

from harness.clients import (
    FULL,
    Aspects,
    Difference,
    Driver,
    Outcome,
    PathRun,
    Raised,
    RecordedAnswer,
    compare_chunks,
    compare_completion,
    drivers,
    reduce_answer,
)
from harness.clients._events import decode_events
from harness.clients._judge import judge, judge_path
from harness.clients._registry import driver_named
from harness.clients.ai_sdk import expected_reason
from harness.validators import accumulate_chunks

from .clients_support import sse_answer


def completion(content=None, calls=(), finish="stop", usage=None, role="assistant", choices=1):
    message = {"role": role, "content": content}
    if calls:
        message["tool_calls"] = [{"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls]
    body = {"object": "chat.completion", "choices": [{"index": k, "message": dict(message), "finish_reason": finish} for k in range(choices)]}
    if usage is not None:
        body["usage"] = usage
    return body


# ---------------------------------------------------------------- comparison


def test_identical_completions_have_no_difference():
    c = completion("hi", [("a", "f", '{"x": 1}')], "tool_calls", {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3})
    assert compare_completion(c, c) == []


def test_arguments_are_compared_as_parsed_json():
    meant = completion(calls=[("a", "f", '{"x": 1, "y": [true]}')])
    assert compare_completion(completion(calls=[("a", "f", '{ "y": [true], "x": 1.0 }')]), meant) == []
    assert compare_completion(completion(calls=[("a", "f", {"x": 1, "y": [True]})]), meant) == []  # a client that parsed them
    (d,) = compare_completion(completion(calls=[("a", "f", '{"x": 1, "y": [1]}')]), meant)
    assert d == Difference("/choices/0/message/tool_calls/0/function/arguments", {"x": 1, "y": [1]}, {"x": 1, "y": [True]}, "arguments")
    # text that is not JSON is compared as text: passing it on unchanged is faithful
    assert compare_completion(completion(calls=[("a", "f", "{bad")]), completion(calls=[("a", "f", "{bad")])) == []


def test_tool_calls_count_ids_names_and_extra_or_missing_calls():
    meant = completion(calls=[("a", "f", "{}"), ("b", "g", "{}")])
    got = completion(calls=[("a", "ff", "{}"), ("c", "g", "{}"), ("d", "h", "{}")])
    assert compare_completion(got, meant) == [
        Difference("/choices/0/message/tool_calls", 3, 2, "count"),
        Difference("/choices/0/message/tool_calls/0/function/name", "ff", "f", "name"),
        Difference("/choices/0/message/tool_calls/1/id", "c", "b", "id"),
        Difference("/choices/0/message/tool_calls/2", {"id": "d", "name": "h", "arguments": {}}, None, "tool_call"),
    ]
    missing = compare_completion(completion(calls=[("a", "f", "{}")]), meant)
    assert missing[-1] == Difference("/choices/0/message/tool_calls/1", None, {"id": "b", "name": "g", "arguments": {}}, "tool_call")


def test_an_id_the_server_left_out_may_be_invented():
    assert compare_completion(completion(calls=[("made-up", "f", "{}")]), completion(calls=[(None, "f", "{}")])) == []


def test_content_role_finish_reason_usage_and_choices():
    meant = completion("hello", finish="stop", usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, choices=2)
    got = completion("hell", finish="length", role="assistantassistant", usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 4})
    assert [(d.path, d.aspect) for d in compare_completion(got, meant)] == [
        ("/choices", "choices"),
        ("/choices/0/message/role", "role"),
        ("/choices/0/message/content", "content"),
        ("/choices/0/finish_reason", "finish_reason"),
        ("/usage/total_tokens", "usage"),
    ]
    # a client without usage when the server sent some: each field missing
    assert [d.got for d in compare_completion(completion("hello", choices=2), meant)][-3:] == [None, None, None]


def test_aspects_of_a_one_choice_api_without_null_content():
    aspects = Aspects(all_choices=False, role=False, null_content_is_empty=True, finish_reason=expected_reason)
    meant = completion(None, [("a", "f", "{}")], "function_call", choices=2)
    got = completion("", [("a", "f", {})], "tool_calls", role="x")
    assert compare_completion(got, meant, aspects) == []
    assert compare_completion({"choices": []}, meant, aspects) == [Difference("/choices", 0, 1, "choices")]


def test_ai_sdk_finish_reasons_map_to_openai_words():
    assert [expected_reason(r, {}) for r in ("stop", "length", "content_filter", "tool_calls", "function_call", "eos", None)] == [
        "stop", "length", "content_filter", "tool_calls", "tool_calls", "other", "other",
    ]
    assert expected_reason("stop", {"refusal": "no"}) == "content_filter"


def test_json_equality_tells_true_from_one():
    assert compare_completion(completion(calls=[("a", "f", "1")]), completion(calls=[("a", "f", "true")])) != []
    assert compare_completion(completion("1"), completion(1)) != []


def test_chunks_are_compared_with_filled_in_nulls_equal_to_absence():
    meant = [{"choices": [{"index": 0, "delta": {"content": "a"}}]}, {"choices": []}]
    got = [{"choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}]}, {"choices": []}]
    assert compare_chunks(got, meant) == []
    assert compare_chunks(got[:1], meant) == [Difference("/chunks", 1, 2, "count")]
    changed = [{"choices": [{"index": 0, "delta": {"content": "b"}}]}, {"choices": []}]
    assert [d.path for d in compare_chunks(changed, meant)] == ["/chunks/0"]
    many = [{"n": i} for i in range(9)]
    assert [d.path for d in compare_chunks([{"n": -1}] * 9, many)][-1] == "/chunks"  # 5 listed, then the count


# ---------------------------------------------------------------- verdicts


def judge_one(run, status=200, reference=None, payloads=None, failure=None):
    return judge_path(run, status=status, reference=reference, payloads=payloads, failure=failure)


def test_status_errors_are_right_on_non_2xx_and_wrong_on_2xx():
    error = Raised("BadRequestError", "400")
    assert judge_one(PathRun("p", raised=error, status_error=True), status=400).outcome is Outcome.OK
    assert judge_one(PathRun("p", raised=Raised("KeyError", "x")), status=400).outcome is Outcome.BREAKS
    silent = judge_one(PathRun("p", assembled=completion("x")), status=500)
    assert (silent.outcome, silent.differences) == (Outcome.MIS_ASSEMBLES, (Difference("/status", "no error raised", 500, "status"),))
    assert judge_one(PathRun("p", raised=error, status_error=True), status=200).outcome is Outcome.BREAKS


def test_by_design_exceptions_only_for_their_finish_reason():
    length = Raised("LengthFinishReasonError", "limit")
    assert judge_one(PathRun("p", raised=length), reference=completion("x", finish="length")).outcome is Outcome.OK
    assert judge_one(PathRun("p", raised=length), reference=completion("x", finish="stop")).outcome is Outcome.BREAKS
    # the snapshot a user still has is compared
    wrong = judge_one(PathRun("p", raised=length, assembled=completion("y", finish="length")), reference=completion("x", finish="length"))
    assert wrong.outcome is Outcome.MIS_ASSEMBLES and "by design" in wrong.note


def test_refused_before_sending_is_not_run():
    path = judge_one(PathRun("p", raised=Raised("InvalidPromptError", "empty"), sent=False))
    assert path.outcome is Outcome.NOT_RUN and "refused the request before sending" in path.note


def test_server_errors_in_the_stream_and_broken_connections_are_passed_on():
    server = PathRun("p", raised=Raised("APIError", "overloaded", 1), server_error=True)
    assert judge_one(server, payloads=[{"choices": []}, {"error": {"message": "overloaded"}}]).outcome is Outcome.OK
    assert judge_one(server, payloads=[{"choices": []}]).outcome is Outcome.BREAKS  # no error was sent
    broken = PathRun("p", raised=Raised("ReadError", "reset"))
    assert judge_one(broken, failure="reset").outcome is Outcome.OK
    assert judge_one(broken).outcome is Outcome.BREAKS


def test_the_worst_path_is_reported_first_and_the_others_in_the_detail():
    runs = [PathRun("accumulate", assembled=completion("x")), PathRun("iterate", raised=Raised("JSONDecodeError", "bad", 3))]
    outcome = judge("client", "1.0", runs, status=200, reference=completion("x"), payloads=None)
    assert (outcome.outcome, outcome.path, outcome.raised.event) == (Outcome.BREAKS, "iterate", 3)
    assert [p.path for p in outcome.paths] == ["iterate", "accumulate"]
    assert outcome.detail == "iterate raised JSONDecodeError: bad at event 3; other paths: accumulate ok"
    tie = judge("client", "1.0", [PathRun("a", assembled=completion("y")), PathRun("b", assembled=completion("z"))], status=200, reference=completion("x"), payloads=None)
    assert tie.path == "a"


def test_outcomes_round_trip_through_dicts():
    runs = [PathRun("a", assembled=completion("y", [("i", "f", "{}")]), notes=["n"])]
    outcome = judge("client", "1.0", runs, status=200, reference=completion("x"), payloads=None, events_run=3, events_total=5, notes=["long"])
    from harness.clients import ClientOutcome

    assert ClientOutcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome


# ---------------------------------------------------------------- event indexes


def test_event_indexes_count_every_dispatched_event():
    answer = RecordedAnswer(
        200,
        (("content-type", "text/event-stream"),),
        (b": comment\n\n", b"data: {\"object\": \"chat.completion.chunk\"}\n\n", b"data: {\"object\": \"\"}\n\n", b"data: not json\n\n", b"data: {\"object\": \"chat.completion.chunk\"}\n\ndata: [DONE]\n\n"),
    )
    events = decode_events(answer)
    assert [i for i, _ in events.data] == [0, 1, 2, 3]  # the comment-only block dispatches nothing
    assert [events.event_of_chunk(n) for n in range(5)] == [0, 1, 2, 3, None]
    # a helper that skips non-chunk objects: after its chunk 0 the next event it fails on is 2 (not JSON)
    assert [events.event_of_completion_chunk(n) for n in range(3)] == [0, 2, None]


# ---------------------------------------------------------------- long streams


def _text(i: int, content: str, **extra) -> dict:
    return {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": content, **extra}, "finish_reason": None}]}


def test_reduction_keeps_the_head_and_everything_but_steady_text():
    tool = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": None}]}
    final = {**_text(0, "!"), "choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    payloads = [_text(0, "a", role="assistant")] + [_text(i, "b") for i in range(99)] + [tool] + [_text(i, "c") for i in range(100)] + [_text(0, "d", refusal=None), final]
    answer = sse_answer(payloads)
    reference = accumulate_chunks(payloads)
    reduced = reduce_answer(answer, reference, max_events=50)
    assert (reduced.events_total, reduced.events_run) == (204, 50 + 4)  # the tool call, the odd delta, the final chunk, [DONE]
    assert reduced.answer.events_total == 204
    kept = [e.data for e in decode_events(reduced.answer).events]
    assert kept[:50] == [json.dumps(p) for p in payloads[:50]]
    assert kept[50:] == [json.dumps(tool), json.dumps(payloads[-2]), json.dumps(final), "[DONE]"]
    assert reduced.reference["choices"][0]["message"]["content"] == "a" + "b" * 49 + "d!"
    assert reduced.reference["choices"][0]["message"]["tool_calls"] == reference["choices"][0]["message"]["tool_calls"]
    assert accumulate_chunks(json.loads(d) for d in kept[:-1])["choices"][0]["message"]["content"] == reduced.reference["choices"][0]["message"]["content"]
    # the first part keeps its chunk boundaries
    assert reduced.answer.chunks[:50] == answer.chunks[:50]
    short = reduce_answer(answer, reference, max_events=1000)
    assert short.answer is answer and short.reference is reference


# ---------------------------------------------------------------- the registry


def test_the_four_clients_in_order():
    assert list(drivers()) == ["openai-python", "openai-node", "ai-sdk", "langchain-openai"]
    assert {d.ecosystem for d in drivers().values()} == {"python", "node"}


def test_a_client_is_one_driver_class_and_names_are_unique():
    class Fifth(Driver):
        name = "test-fifth-client"
        package = "no-such-package"
        order = 99

    try:
        assert "test-fifth-client" in drivers()
        assert drivers()["test-fifth-client"].status().installed is None
        with pytest.raises(RuntimeError, match="defined twice"):
            type("Other", (Driver,), {"name": "test-fifth-client", "package": "x", "__module__": "elsewhere"})
    finally:
        from harness.clients import _registry

        _registry._DRIVERS.pop("test-fifth-client", None)


def test_a_client_registered_late_gets_its_rule_when_it_first_fails():
    """A driver defined after the rules were made (a plugin's) has a `client.<name>` rule the
    moment one of its outcomes needs one (it used to be a KeyError in the weighing)."""
    from harness.clients import ClientOutcome, Outcome
    from harness.validators import registry
    from harness.validators._consequences import weigh

    class LateBreaker(Driver):
        name = "test-late-breaker"
        package = "no-such-package"
        order = 98

    try:
        assert "client.test-late-breaker" not in registry()
        outcome = ClientOutcome(name="test-late-breaker", version="1.0", outcome=Outcome.BREAKS, detail="raised KeyError")
        (finding,) = weigh([], [outcome], step="chat", attempt=0)
        assert (finding.rule, finding.code) == ("client.test-late-breaker", "limitation")  # no other finding: a spec-valid answer
        assert "raised KeyError" in finding.message
        assert "client.test-late-breaker" in registry()
    finally:
        from harness.clients import _registry
        from harness.validators import _registry as _rules

        _registry._DRIVERS.pop("test-late-breaker", None)
        _rules._RULES.pop("client.test-late-breaker", None)


def test_unknown_client_names_list_the_known_ones():
    with pytest.raises(ValueError, match="unknown client 'openai-rust'; known clients: openai-python, openai-node, ai-sdk, langchain-openai"):
        driver_named(["openai-rust"])


def test_full_aspects_compare_everything():
    assert FULL.all_choices and FULL.role and not FULL.null_content_is_empty
