"""The contract a rule author relies on, end to end: a rule is one decorated function in one file;
its declared findings carry their codes and severities; a duplicate id is refused; a crashing rule
is isolated into one finding; --checks/--exclude-checks and expect.disable reach every finding,
the runner's own included; baselines name findings by rule, code and location. And the rules
never shown to fire before each get a firing test."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.cases import Expect, Step
from harness.transport import Attempt, Exchange, HTTPRequest, HTTPResponse
from harness.validators import Severity, _registry, judge_exchange, kind, registry, rule

HEAD = {"id": "chatcmpl-t", "object": "chat.completion", "created": 1760000000, "model": "m"}


def answer(choices: list[dict], request: dict, *, content_type: str = "application/json", body: bytes | None = None, status: int = 200):
    payload = body if body is not None else json.dumps({**HEAD, "choices": choices}).encode()
    step = Step(name="s", body=request, expect=Expect())
    exchange = Exchange("s", [Attempt(HTTPRequest("POST", "http://x/v1/chat/completions", {}, json.dumps(request).encode()), HTTPResponse(status, [("content-type", content_type)], chunks=[payload]))])
    return judge_exchange(exchange, step, request=request).findings


def fired(findings, rule_id: str) -> set[tuple[str, str]]:
    return {(f.code, str(f.severity)) for f in findings if f.rule == rule_id}


def message(content, finish="stop", **extra):
    return {"index": 0, "message": {"role": "assistant", "content": content, "refusal": None, **extra}, "logprobs": None, "finish_reason": finish}


# -- rules never shown to fire before ---------------------------------------------------------------


def test_http_streamed_fires_both_ways():
    sse = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    assert fired(answer([], {"model": "m"}, content_type="text/event-stream", body=sse), "http.streamed") == {("streamed-unasked", "error")}
    assert fired(answer([message("hi")], {"model": "m", "stream": True}), "http.streamed") == {("not-streamed", "error")}


def test_choice_finish_reason_fires_on_a_missing_and_an_unknown_value():
    assert fired(answer([message("hi", finish=None)], {"model": "m"}), "choice.finish-reason") == {("missing", "error")}
    assert fired(answer([message("hi", finish="done")], {"model": "m"}), "choice.finish-reason") == {("unknown-value", "error")}


def test_finish_reason_consistent_fires_both_ways():
    tools = {"model": "m", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    assert fired(answer([message(None, finish="stop", tool_calls=[call])], tools), "finish-reason.consistent") == {("calls-not-tool-calls", "warning")}
    assert fired(answer([message("hi", finish="tool_calls")], tools), "finish-reason.consistent") == {("tool-calls-without-calls", "error")}


def test_thinking_tags_fire_when_missing_and_unclosed():
    request = {"model": "m", "extra_body": {"google": {"thought_tag_marker": "think", "thinking_config": {"include_thoughts": True}}}}
    assert fired(answer([message("just the answer")], request), "thinking.tags") == {("missing", "warning")}
    assert fired(answer([message("<think>hmm, and then the answer")], request), "thinking.tags") == {("unclosed", "error")}
    assert fired(answer([message("<think>hmm</think>the answer")], request), "thinking.tags") == set()


# -- registration, isolation ----------------------------------------------------------------------


@pytest.fixture
def scratch_rules():
    before = dict(_registry._RULES)
    yield
    _registry._RULES.clear()
    _registry._RULES.update(before)


def test_a_rule_in_one_file_is_registered_documented_and_run(scratch_rules):
    @rule(
        "test.no-shouting",
        rationale="Answers do not shout.",
        citation="this test",
        applies="completion",
        findings={"shouting": kind(Severity.WARNING, "the content is all capitals")},
    )
    def no_shouting(ctx):
        for position, choice in enumerate(ctx.completion["choices"]):
            text = choice["message"].get("content") or ""
            if text.isupper():
                yield ctx.finding("the content shouts", code="shouting", pointer=f"/choices/{position}/message/content")

    assert "test.no-shouting" in registry()
    found = [f for f in answer([message("HELLO")], {"model": "m"}) if f.rule == "test.no-shouting"]
    assert [(f.code, f.severity, f.location.pointer) for f in found] == [("shouting", Severity.WARNING, "/choices/0/message/content")]
    from harness.report import rules_markdown

    assert "`test.no-shouting`" in rules_markdown() and "`shouting`: warning" in rules_markdown()


def test_a_duplicate_rule_id_is_refused(scratch_rules):
    with pytest.raises(RuntimeError, match="registered twice"):

        @rule("http.status", rationale="again", citation="this test", severity=Severity.ERROR)
        def again(ctx):
            return ()


def test_a_crashing_rule_becomes_one_finding_and_the_others_still_run(scratch_rules):
    @rule("test.crashes", rationale="crashes", citation="this test", applies="completion", severity=Severity.WARNING)
    def crashes(ctx):
        raise ZeroDivisionError("division by zero")

    @rule("test.asserts", rationale="asserts", citation="this test", applies="completion", findings={"not-hello": kind(Severity.WARNING, "no hello")})
    def asserts(ctx):
        assert ctx.completion["choices"][0]["message"]["content"] == "hello", "the content is not hello"

    findings = answer([message("bye", finish=None)], {"model": "m"})
    crash = [f for f in findings if f.rule == "test.crashes"]
    assert [(f.code, f.severity) for f in crash] == [("rule-crashed", Severity.ERROR)] and "ZeroDivisionError" in crash[0].message
    asserted = [f for f in findings if f.rule == "test.asserts"]
    assert [f.code for f in asserted] == ["not-hello"] and asserted[0].message.startswith("the content is not hello")
    assert fired(findings, "choice.finish-reason") == {("missing", "error")}  # the other rules ran


def test_an_undeclared_code_is_a_crash_of_the_rule_not_a_silent_finding(scratch_rules):
    @rule("test.bad-code", rationale="x", citation="this test", applies="completion", findings={"declared": kind(Severity.INFO, "x")})
    def bad_code(ctx):
        yield ctx.finding("uses a code it never declared", code="undeclared")

    found = [f for f in answer([message("x")], {"model": "m"}) if f.rule == "test.bad-code"]
    assert [f.code for f in found] == ["rule-crashed"] and "declares no finding 'undeclared'" in found[0].message


# -- selection reaches the runner's own findings -------------------------------------------------------

CASE = """\
id: refused
title: a refused connection
source: {document: test, section: selection}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - name: chat
    request:
      body: {model: "{model}", messages: [{role: user, content: hi}]}
"""


def run_cli(tmp_path: Path, *args: str, case: str = CASE) -> dict:
    (tmp_path / "cases").mkdir(exist_ok=True)
    (tmp_path / "cases" / "refused.yaml").write_text(case)
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--mode", "live", "--cases", "cases", "--no-bundled-cases", "--base-url", "http://127.0.0.1:9/v1",
         "--model", "m", "--auth", "none", "--retries", "0", "--connect-timeout", "2", "--format", "json", "--report-dir", "out", *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    return result


def test_exclude_checks_and_expect_disable_reach_the_runners_findings(tmp_path: Path):
    refused = run_cli(tmp_path)
    assert [(f["rule"], f["code"]) for f in refused["findings"]] == [("transport.failure", "no-answer")]
    assert run_cli(tmp_path, "--exclude-checks", "transport.failure")["findings"] == []
    disabled = CASE + "    expect:\n      disable: {transport.failure: the test wants no finding}\n"
    assert run_cli(tmp_path, case=disabled)["findings"] == []
    assert run_cli(tmp_path, "--checks", "http.status")["findings"] == []


# -- baselines by rule, code and location -----------------------------------------------------------


def baseline_run(tmp_path: Path, entry: str) -> subprocess.CompletedProcess:
    (tmp_path / "baseline.yaml").write_text("baseline:\n" + textwrap.indent(textwrap.dedent(entry), "  "))
    return subprocess.run(
        [sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--case", "stream-function-call-arguments", "--baseline", "baseline.yaml", "--format", "json", "--report-dir", "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip


def test_a_baseline_entry_names_one_finding_by_code_and_pointer(tmp_path: Path):
    done = baseline_run(tmp_path, """\
        - endpoint: vertex-docs
          rule: tool-calls.index-stable
          code: index-reused
          pointer: /choices/0/delta/tool_calls/*
          reason: Vertex reuses index 0 for the second call
          cite: shared/seed/vertex-openai-chat-completions-examples.de.txt:395-419
    """)
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    stable = {(f["code"], bool(f.get("known"))) for f in result["findings"] if f["rule"] == "tool-calls.index-stable"}
    assert stable == {("index-reused", True), ("index-changes", False)}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("message: index changes", "`message` is no longer matched"),
        ("code: index-moved", "rule tool-calls.index-stable has no finding 'index-moved' (did you mean index-reused?); its codes: index-changes, index-reused"),
    ],
)
def test_a_baseline_that_matches_on_prose_or_an_unknown_code_is_refused(tmp_path: Path, extra: str, says: str):
    done = baseline_run(tmp_path, f"""\
        - endpoint: vertex-docs
          rule: tool-calls.index-stable
          {extra}
          reason: x
          cite: y
    """)
    assert done.returncode == 2 and says in done.stderr and "baseline.yaml:" in done.stderr, done.stderr


# -- a 503 that asks to come back later is back-pressure ----------------------------------------------


def _attempts(*replies: tuple[int, list]) -> list[Attempt]:
    return [Attempt(HTTPRequest("POST", "http://x/v1/chat/completions", {}, b"{}"), HTTPResponse(status, headers, chunks=[b"{}"])) for status, headers in replies]


@pytest.mark.parametrize(
    ("replies", "codes"),
    [
        ([(503, [("retry-after", "1")]), (200, [("content-type", "application/json")])], {("back-pressure", "info")}),
        ([(503, []), (200, [("content-type", "application/json")])], {("server-error", "error")}),  # no Retry-After: a failure
        ([(503, [("retry-after", "1")]), (503, [("retry-after", "1")])], {("server-error", "error")}),  # never answered
        ([(500, [("retry-after", "1")]), (200, [("content-type", "application/json")])], {("server-error", "error")}),
    ],
)
def test_a_503_cured_by_the_retry_it_asked_for_is_back_pressure(replies, codes):
    exchange = Exchange("s", _attempts(*replies))
    findings = judge_exchange(exchange, Step(name="s", body={}, expect=Expect(status="2xx")), request={}).findings
    assert {(f.code, str(f.severity)) for f in findings if f.rule == "http.server-error"} == codes
