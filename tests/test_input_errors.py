"""The tool's own bad input: one line naming file, line and problem, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

GOOD = """\
id: good
title: a good case
source: {document: test, section: input errors}
feature: chat.basic
applies_to: [openai-compatible]
steps:
  - name: ask
    request:
      body:
        model: "{model}"
        messages: [{role: user, content: hi}]
"""


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=60, cwd=cwd, env={**os.environ, **(env or {})}
    )


def assert_one_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0], lines[0]


CASE_ERRORS = [
    ("bad YAML", GOOD.replace("title: a good case", "title: [unclosed"), "bad.yaml:3: invalid YAML"),
    ("unknown key", GOOD.replace("feature:", "strem: true\nfeature:"), "bad.yaml:4: unknown key 'strem'"),
    ("wrong type", GOOD.replace("applies_to: [openai-compatible]", "applies_to: openai-compatible"), "bad.yaml:5: applies_to: 'openai-compatible' is not of type 'array'"),
    ("unknown kind", GOOD.replace("[openai-compatible]", "[openai-compatibel]"), "bad.yaml:5: applies_to/0: unknown kind 'openai-compatibel' (did you mean openai-compatible?); use one of vertex, vertex-endpoint, openai-compatible"),
    ("missing field", GOOD.replace("feature: chat.basic\n", ""), "'feature' is a required property"),
    ("duplicate key", GOOD.replace("feature: chat.basic", "feature: chat.basic\nfeature: x"), "bad.yaml:5: duplicate key 'feature' (first at line 4)"),
    ("unknown placeholder", GOOD.replace('"{model}"', '"{modle}"'), "bad.yaml:10: unknown placeholder {modle}"),
    ("unknown rule", GOOD + "    expect:\n      disable: {no.such.rule: because}\n", "bad.yaml:13: unknown rule 'no.such.rule' in expect.disable"),
    ("$from unknown step", GOOD.replace("[{role: user, content: hi}]", "[{$from: earlier, pointer: /x}]"), "bad.yaml:11: $from 'earlier' names no earlier step"),
    ("credential header", GOOD.replace("    request:\n", "    request:\n      headers: {Authorization: Bearer x}\n"), "bad.yaml:9: header 'Authorization' may not be set by a case"),
    ("not a mapping", "- just\n- a list\n", "bad.yaml:1: a case file holds one mapping"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASE_ERRORS], ids=[c[0] for c in CASE_ERRORS])
def test_malformed_case(tmp_path: Path, text: str, expected: str):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "bad.yaml").write_text(text)
    result = cli("run", "--cases", "cases", "--no-bundled-cases", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", cwd=tmp_path)
    assert_one_line(result, expected)
    assert result.stderr.startswith("chat-conformance: error: cases/bad.yaml:") or "bad.yaml" in result.stderr


def test_duplicate_case_id_across_files(tmp_path: Path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text(GOOD)
    (tmp_path / "cases" / "b.yaml").write_text(GOOD)
    result = cli("list", "cases", "--cases", "cases", "--no-bundled-cases", cwd=tmp_path)
    assert_one_line(result, "cases/b.yaml:1: duplicate case id 'good' (also in cases/a.yaml)")


def test_config_with_missing_environment_variable(tmp_path: Path):
    (tmp_path / "chat-conformance.yaml").write_text(
        textwrap.dedent(
            """\
            endpoints:
              mine:
                kind: openai-compatible
                base_url: ${CC_MISSING_BASE_URL}
                model: m
            """
        )
    )
    result = cli("run", "--mode", "live", cwd=tmp_path)
    assert_one_line(result, "chat-conformance.yaml:4: environment variable CC_MISSING_BASE_URL is not set")


def test_config_with_unknown_kind(tmp_path: Path):
    (tmp_path / "my.yaml").write_text("endpoints:\n  mine:\n    kind: vllm\n    base_url: http://127.0.0.1:1/v1\n")
    result = cli("list", "endpoints", "--config", "my.yaml", cwd=tmp_path)
    assert_one_line(result, "my.yaml:3: ")
    assert "vllm" in result.stderr and "openai-compatible" in result.stderr


def test_bearer_token_variable_not_set(tmp_path: Path):
    result = cli(
        "run", "--mode", "live", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--auth", "bearer:CC_NOT_SET_TOKEN", cwd=tmp_path
    )
    assert_one_line(result, "CC_NOT_SET_TOKEN")


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda text: text.replace("version: 1", "version: 7"), "version 7 is not supported"),
        (lambda text: text.replace("status: 200", "status: ok"), "field exchanges/0/response/status has the wrong type"),
        (lambda text: text[: len(text) // 2] + "\n  - [broken", "invalid YAML"),
        (lambda text: text.replace("origin: documentation", "origin: made-up"), "origin 'made-up' is not one of"),
    ],
    ids=["future version", "wrong type", "truncated file", "bad origin"],
)
def test_corrupted_recording(tmp_path: Path, mangle, expected):
    from harness.cases import bundled_cases_dir

    recordings = tmp_path / "recordings" / "vertex-docs"
    recordings.mkdir(parents=True)
    source = bundled_cases_dir() / "recordings" / "vertex-docs" / "image-generation.yaml"
    (recordings / "image-generation.yaml").write_text(mangle(source.read_text()))
    result = cli("run", "--case", "image-generation", "--recordings", "recordings", cwd=tmp_path)
    assert_one_line(result, expected)
    assert "recordings/vertex-docs/image-generation.yaml:" in result.stderr
