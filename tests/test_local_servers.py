"""The whole suite live against four real servers on 127.0.0.1 (built by scripts/servers/all.sh,
which .ci/run calls), running the tiny model: every case gets a verdict, and the live verdicts
reproduce what the bundled recordings of those servers show, finding for finding."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.runner import Mode, Runner, RunSettings, Verdict
from harness.validators import rule_ids

from .conftest import REPO

sys.path.insert(0, str(REPO))
from scripts.record_local_servers import LIMITS, SERVERS  # noqa: E402

pytestmark = pytest.mark.live


# transformers serve stamps every chunk with the current second, so whether `created` changes
# within a stream depends on whether it crosses a second boundary: true when it happens, but not
# something two runs must agree on.
WALL_CLOCK = {("chunk.identity", "chunk created changes within the stream")}


def summary(result) -> tuple:
    kept = [f for f in result.findings if str(f.severity) != "info" and (f.rule, f.message) not in WALL_CLOCK]
    verdict = str(result.verdict)
    if verdict == "warn" and not any(str(f.severity) == "warning" for f in kept):
        verdict = "pass"
    return verdict, sorted({(f.rule, str(f.severity)) for f in kept})


@pytest.fixture(scope="module")
def cases():
    return load_cases([bundled_cases_dir()], known_rules=rule_ids())


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_suite_runs_live_and_matches_the_bundled_recordings(name, cases):
    configured = bundled_endpoints()[name]
    recorded = {r.case_id: summary(r) for r in Runner(RunSettings(mode=Mode.REPLAY)).run(cases, [configured])}
    with SERVERS[name]() as server:
        endpoint = dataclasses.replace(configured, base_url=server.base_url)
        live = Runner(RunSettings(mode=Mode.LIVE, limits=LIMITS)).run(cases, [endpoint])
    assert len(live) == len(cases)  # nothing silently dropped
    applicable = [r for r in live if r.skip_reason != "not-applicable"]
    assert applicable and all(r.verdict is not Verdict.SKIP for r in applicable)
    differences = {r.case_id: (recorded[r.case_id], summary(r)) for r in live if summary(r) != recorded[r.case_id]}
    assert not differences, f"{name} now answers differently from its recordings (re-record with scripts/record_local_servers.py): {differences}"
