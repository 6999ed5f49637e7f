"""Snapshots of an exchange's shape: `normalize_exchange`, and `--cc-snapshot` in the pytest plugin."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.runner import Mode, Runner, RunSettings
from harness.snapshots import completion_of, normalize_exchange, normalize_exchanges, shape
from harness.transport import Exchange
from harness.validators import rule_ids

from .test_pytest_plugin import ENDPOINT, outcomes
from .test_pytest_plugin import cc  # noqa: F401  (the fixture that runs pytest with the plugin)

pytest_plugins = ["pytester"]

RECORDED = ("image-generation", "multimodal-function-response", "stream-function-call-arguments")


@pytest.fixture(scope="module")
def cases():
    return {case.id: case for case in load_cases([bundled_cases_dir()], known_rules=rule_ids())}


def replay(case) -> list[Exchange]:
    result = Runner(RunSettings(mode=Mode.REPLAY)).run_case(case, bundled_endpoints()[ENDPOINT])
    assert result.exchanges, result
    return result.exchanges


def normalized(case, exchanges: list[Exchange]) -> list[dict[str, Any]]:
    return normalize_exchanges(exchanges, {step.name: step for step in case.steps})


def differences(a: Any, b: Any, path: tuple = ()) -> list[tuple]:
    """Paths (keys and indexes) at which two normalized values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append((*path, key))
            else:
                found.extend(differences(a[key], b[key], (*path, key)))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for index, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, (*path, index))]
    return [] if a == b else [path]


def with_body(exchange: Exchange, edit) -> Exchange:
    """A copy of a JSON exchange whose response body went through `edit(body)`."""
    changed = copy.deepcopy(exchange)
    body = json.loads(changed.response.body)
    edit(body)
    changed.response.chunks = [json.dumps(body).encode()]
    return changed


def with_events(exchange: Exchange, edit) -> Exchange:
    """A copy of a streamed exchange whose SSE payloads each went through `edit(payload)`."""
    changed = copy.deepcopy(exchange)
    chunks = []
    for chunk in changed.response.chunks:
        lines = []
        for line in chunk.decode().split("\n"):
            if line.startswith("data: {"):
                payload = json.loads(line[len("data: ") :])
                edit(payload)
                line = "data: " + json.dumps(payload)
            lines.append(line)
        chunks.append("\n".join(lines).encode())
    changed.response.chunks = chunks
    return changed


# -- normalize_exchange --------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", RECORDED)
def test_normalize_is_stable_across_two_replays(cases, case_id):
    case = cases[case_id]
    first, second = normalized(case, replay(case)), normalized(case, replay(case))
    assert first == second
    # Deterministic text: keys sorted at every level, so the JSON is the same however it is dumped.
    assert json.dumps(first) == json.dumps(first, sort_keys=True)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_normalize_keeps_the_structure_of_a_json_answer(cases):
    [exchange] = replay(cases["image-generation"])
    [shape_] = normalized(cases["image-generation"], [exchange])
    assert shape_["request"] == {"keys": ["messages", "modalities", "model"], "messages": ["user"], "method": "POST", "stream": False}
    assert shape_["response"] == {"content_type": "application/json", "status": 200, "streamed": False}
    completion = shape_["completion"]
    assert completion["choices"] == 1 and completion["finish_reasons"] == ["stop"]
    assert completion["keys"] == {
        "created": "integer",
        "id": "string",
        "model": "string",
        "object": "chat.completion",
        "system_fingerprint": "string",
    }
    message = completion["messages"][0]
    assert message["role"] == "assistant"
    assert message["keys"]["content"] == "null"
    assert message["keys"]["audio"] == {"data": "string", "extra_content": {"google": {"mime_type": "string"}}}
    assert completion["usage"]["keys"]["completion_tokens"] == "integer"
    assert completion["usage"]["completion_tokens_details"] == ["reasoning_tokens"]
    # No generated value survives: not the id, not the timestamp, not a token count, not the image.
    text = json.dumps(shape_)
    for volatile in ("hAmNaZb8BZOX4_UPlNXoEA", "1770850692", "1120", "BASE64_BYTES"):
        assert volatile not in text


def test_normalize_keeps_the_structure_of_a_stream(cases):
    case = cases["stream-function-call-arguments"]
    [exchange] = replay(case)
    [shape_] = normalized(case, [exchange])
    assert shape_["request"]["stream"] is True and shape_["request"]["tools"] == ["get_current_weather"]
    assert shape_["response"]["streamed"] is True and shape_["response"]["content_type"] == "text/event-stream"
    assert "sse_events" not in shape_["response"]  # chunking is not shape: a re-record must not churn snapshots
    calls = shape_["completion"]["messages"][0]["tool_calls"]
    assert [call["name"] for call in calls] == ["get_current_weather", "get_current_weather"]
    assert all(call["argument_keys"] == ["location", "unit"] for call in calls)
    assert shape_["completion"]["finish_reasons"] == ["tool_calls"]


def test_volatile_values_do_not_change_the_shape(cases):
    case = cases["image-generation"]
    [exchange] = replay(case)
    before = normalize_exchange(exchange, completion_of(exchange))

    def regenerate(body):
        body["id"], body["created"] = "another-id", body["created"] + 3600
        body["usage"] = {**body["usage"], "prompt_tokens": 99, "completion_tokens": 1, "total_tokens": 100}
        body["choices"][0]["message"]["audio"]["data"] = "b3RoZXIgYnl0ZXM="
        body["choices"][0]["message"]["extra_content"]["google"]["thought_signature"] = "other"

    changed = with_body(exchange, regenerate)
    assert normalize_exchange(changed, completion_of(changed)) == before

    stream_case = cases["stream-function-call-arguments"]
    [stream] = replay(stream_case)
    steps = {step.name: step for step in stream_case.steps}
    stream_before = normalize_exchange(stream, completion_of(stream, steps["weather"]))

    def rename_ids(payload):
        payload["id"], payload["created"] = "chunk-id", 1
        for choice in payload["choices"]:
            for call in choice.get("delta", {}).get("tool_calls", ()):
                call["id"] = call["id"].replace("function-call-", "call-")

    renamed = with_events(stream, rename_ids)
    assert normalize_exchange(renamed, completion_of(renamed, steps["weather"])) == stream_before


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda body: body.pop("usage"), [("completion", "usage")]),
        (lambda body: body["usage"].pop("completion_tokens_details"), None),
        (lambda body: body.update(system_fingerprint=None), [("completion", "keys", "system_fingerprint")]),
        (lambda body: body["choices"][0].update(finish_reason="length"), [("completion", "finish_reasons", 0)]),
        (
            lambda body: body["choices"][0]["message"].update(refusal=None),
            [("completion", "messages", 0, "keys", "refusal")],
        ),
        (lambda body: body["choices"].append(copy.deepcopy(body["choices"][0])), None),
    ],
    ids=["usage-dropped", "details-dropped", "type-changed", "finish-reason", "key-added", "choice-added"],
)
def test_structural_changes_change_the_shape_only_where_they_are(cases, edit, where):
    [exchange] = replay(cases["image-generation"])
    before = normalize_exchange(exchange, completion_of(exchange))
    changed = with_body(exchange, edit)
    after = normalize_exchange(changed, completion_of(changed))
    found = differences(before, after)
    assert found, "a structural change must show"
    assert all(path[0] == "completion" for path in found)  # request and response head unchanged
    if where is not None:
        assert found == where
    else:
        assert {path[1] for path in found} <= {"usage", "choices", "choice_keys", "finish_reasons", "messages"}


def test_an_error_answer_keeps_the_shape_of_its_body(cases):
    [exchange] = replay(cases["image-generation"])
    error = copy.deepcopy(exchange)
    error.response.status = 400
    error.response.chunks = [b'{"error": {"code": 400, "message": "Invalid model", "status": "INVALID_ARGUMENT"}}']
    shape_ = normalize_exchange(error, completion_of(error))
    assert shape_["completion"] is None
    assert shape_["response"]["body"] == {"error": {"code": "integer", "message": "string", "status": "string"}}
    assert shape([1, 2.5, None, True, {"b": [], "a": "x"}]) == ["integer", "number", "null", "boolean", {"a": "string", "b": []}]


# -- --cc-snapshot in the plugin ------------------------------------------------------------------


def copy_case(pytester: pytest.Pytester, case_id: str) -> Path:
    """The bundled case and its recording, in ./cases/ and ./cases/recordings/ of the pytester folder."""
    cases_dir = pytester.path / "cases"
    (cases_dir / "recordings" / ENDPOINT).mkdir(parents=True, exist_ok=True)
    (cases_dir / f"{case_id}.yaml").write_bytes((bundled_cases_dir() / f"{case_id}.yaml").read_bytes())
    recording = cases_dir / "recordings" / ENDPOINT / f"{case_id}.yaml"
    recording.write_bytes((bundled_cases_dir() / "recordings" / ENDPOINT / f"{case_id}.yaml").read_bytes())
    return recording


def edit_response_body(recording: Path, edit) -> None:
    data = yaml.safe_load(recording.read_text(encoding="utf-8"))
    chunk = data["exchanges"][-1]["response"]["chunks"][0]
    body = json.loads(chunk["text"])
    edit(body)
    chunk["text"] = json.dumps(body, indent=2) + "\n"
    recording.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.mark.slow(reason="five pytest runs in subprocesses: 23 s alone, 31-37 s beside another worker")
def test_a_changed_recording_fails_its_snapshot(cc, pytester):
    recording = copy_case(pytester, "image-generation")
    copy_case(pytester, "multimodal-function-response")
    base = ("--cc-endpoint", ENDPOINT, "--cc-cases", "cases", "--cc-no-bundled-cases", "--cc-snapshot")
    snapshots = pytester.path / "cases" / "__snapshots__" / ENDPOINT

    created = cc(*base, "--snapshot-update")
    created.assert_outcomes(passed=2)
    assert "2 snapshots generated." in created.stdout.str()
    image_snapshot = snapshots / "image-generation.ambr"
    other_snapshot = snapshots / "multimodal-function-response.ambr"
    assert f"# name: image-generation[{ENDPOINT}]" in image_snapshot.read_text(encoding="utf-8")
    other_before = other_snapshot.read_text(encoding="utf-8")

    unchanged = cc(*base)
    unchanged.assert_outcomes(passed=2)
    assert "2 snapshots passed." in unchanged.stdout.str()

    # The server changed its answer's structure; the request (and so the recording's validity) did not.
    def restructure(body):
        body.pop("usage")
        body["choices"][0]["message"]["refusal"] = None

    edit_response_body(recording, restructure)
    changed = cc(*base, "--junitxml=junit.xml")
    changed.assert_outcomes(failed=1, passed=1)
    assert changed.ret == pytest.ExitCode.TESTS_FAILED
    found = outcomes(pytester)
    assert found[f"image-generation[{ENDPOINT}]"][0] == "failed"
    assert found[f"multimodal-function-response[{ENDPOINT}]"][0] == "passed"
    output = changed.stdout.str()
    assert f"snapshot image-generation[{ENDPOINT}]" in output and "does not match the shape of the exchanges" in output
    lines = changed.stdout.lines
    assert any(line.lstrip().startswith("-") and "'usage'" in line for line in lines)  # in the snapshot, gone now
    assert any(line.lstrip().startswith("+") and "'refusal'" in line for line in lines)  # new in the answer
    assert "stale" not in output and "1 snapshot failed." in output
    assert "unused" not in output

    # Selecting one case leaves the other case's snapshot alone: not unused, not deleted.
    updated = cc(*base, "--snapshot-update", "-k", "image-generation")
    updated.assert_outcomes(passed=1)
    assert "1 snapshot updated." in updated.stdout.str() and "deleted" not in updated.stdout.str()
    assert other_snapshot.read_text(encoding="utf-8") == other_before
    assert "'refusal'" in image_snapshot.read_text(encoding="utf-8")

    again = cc(*base)
    again.assert_outcomes(passed=2)
    assert "2 snapshots passed." in again.stdout.str()


@pytest.mark.slow(reason="four pytest runs in subprocesses, two of them on two xdist workers: 18 s alone, 37 s beside another worker")
def test_snapshots_under_xdist_in_a_snapshot_folder(cc, pytester):
    recordings = pytester.path / "recordings" / ENDPOINT
    recordings.mkdir(parents=True)
    for case_id in ("image-generation", "multimodal-function-response"):
        source = bundled_cases_dir() / "recordings" / ENDPOINT / f"{case_id}.yaml"
        (recordings / f"{case_id}.yaml").write_bytes(source.read_bytes())
    bundled_snapshots = bundled_cases_dir() / "__snapshots__"
    existed = sorted(bundled_snapshots.rglob("*")) if bundled_snapshots.exists() else None
    base = (
        "--cc-endpoint", ENDPOINT, "--cc-recordings", "recordings", "--cc-snapshot", "--cc-snapshot-dir", "snaps",
        "-k", "image-generation or multimodal-function-response", "-n", "2",
    )  # fmt: skip

    created = cc(*base, "--snapshot-update")
    created.assert_outcomes(passed=2)
    assert sorted(p.name for p in (pytester.path / "snaps" / ENDPOINT).iterdir()) == [
        "image-generation.ambr",
        "multimodal-function-response.ambr",
    ]
    # Nothing written beside the bundled cases.
    assert (sorted(bundled_snapshots.rglob("*")) if bundled_snapshots.exists() else None) == existed

    checked = cc(*base)
    checked.assert_outcomes(passed=2)
    assert "2 snapshots passed." in checked.stdout.str()
