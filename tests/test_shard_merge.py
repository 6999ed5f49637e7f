"""`run --shard i/n` and `chat-conformance merge`: shards that together are one run.

The run replays the bundled recordings of two endpoints (deterministic, no network), once whole
and once in three shards; merging the shards must give the whole run's report.json results, in
the same order, and every registered report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.report import report_files, strip_volatile
from harness.runner import Shard

RUN = ["run", "--endpoint", "vertex-docs", "--endpoint", "llama-server", "--clients", "none", "--quiet"]


def _run(*args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(cli, list(args))
    return outcome.exit_code, outcome.output


def _results(report_dir: Path) -> list[dict]:
    return strip_volatile(json.loads((report_dir / "report.json").read_text(encoding="utf-8")))["results"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("shards")
    dirs = {"whole": root / "whole", **{f"{i}/3": root / f"shard-{i}" for i in (1, 2, 3)}}
    for name, folder in dirs.items():
        code, output = _run(*RUN, "--report-dir", str(folder), *(["--shard", name] if name != "whole" else []))
        assert code in (0, 1), output
    return dirs


def test_shards_split_the_pairs_evenly_and_disjointly(runs):
    whole = [(r["case"], r["endpoint"]) for r in _results(runs["whole"])]
    shards = [[(r["case"], r["endpoint"]) for r in _results(runs[f"{i}/3"])] for i in (1, 2, 3)]
    assert len(whole) > 30  # a real split, not three empty shards
    assert sorted(p for shard in shards for p in shard) == sorted(whole)
    assert len({p for shard in shards for p in shard}) == len(whole)
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1, sizes
    # Every third pair, starting at the shard's own: shard 2 holds positions 1, 4, 7...
    assert shards[1] == whole[1::3]
    header = json.loads((runs["2/3"] / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert header["shard"] == "2/3"
    assert [c["id"] for c in header["cases"]] == [c["id"] for c in json.loads((runs["whole"] / "report.json").read_text())["cases"]]


def test_merged_shards_give_the_whole_runs_report(runs, tmp_path):
    out = tmp_path / "merged"
    # Given in another order than 1, 2, 3: the merge orders results as the whole run did.
    code, output = _run("merge", str(runs["3/3"]), str(runs["1/3"]), str(runs["2/3"] / "results.jsonl"), "--report-dir", str(out))
    assert code == 0, output
    assert _results(out) == _results(runs["whole"])
    merged = json.loads((out / "report.json").read_text(encoding="utf-8"))
    whole = json.loads((runs["whole"] / "report.json").read_text(encoding="utf-8"))
    for key in ("summary", "matrix", "parameters", "cases", "endpoints", "mode"):
        assert merged[key] == whole[key], key
    assert "shard" not in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()[0]
    for name in report_files():
        assert (out / name).is_file(), name
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase ") == len(_results(runs["whole"]))


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (("1/3", "3/3"), "shard 2/3 missing"),
        (("1/3", "2/3", "3/3", "2/3"), "shard 2/3 again"),
        (("1/3", "2/3", "3/3", "whole"), "not a shard"),
    ],
)
def test_merge_refuses_what_is_not_one_run(runs, tmp_path, inputs, expected):
    code, output = _run("merge", *(str(runs[name]) for name in inputs), "--report-dir", str(tmp_path / "out"))
    assert code == 2
    assert expected in output
    assert not (tmp_path / "out" / "report.json").exists()


def test_merge_names_a_folder_without_results(tmp_path):
    code, output = _run("merge", str(tmp_path), "--report-dir", str(tmp_path / "out"))
    assert code == 2 and "no results.jsonl there" in output


@pytest.mark.parametrize("value", ["0/3", "4/3", "1/0", "x", "1-3", "/3"])
def test_bad_shard_is_one_line_and_exit_2(tmp_path, value):
    code, output = _run(*RUN, "--report-dir", str(tmp_path), "--shard", value)
    assert code == 2
    assert output.strip().count("\n") == 0 and "--shard" in output


def test_shard_of_a_list():
    assert Shard.parse("1/1").pick(range(5)) == [0, 1, 2, 3, 4]
    assert Shard.parse("3/4").pick(range(10)) == [2, 6]
    assert [len(Shard(i, 4).pick(range(10))) for i in range(1, 5)] == [3, 3, 2, 2]
