"""Reporters behind one protocol and a registry: a format added in this one file is written by a
run, listed by the command, and rebuilt by `chat-conformance report DIR`.

The reporter is defined inside a fixture and unregistered afterwards: defined at module level it
would be registered when pytest collects this file, and every other test's run would write it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.report import Reporter, report_files, reporters, unregister_reporter

from .conftest import REPO

BUILT_IN = ("report.json", "junit.xml", "report.md", "report.html", "github-summary.md")


@pytest.fixture(scope="module")
def csv_reporter():
    class CsvReporter(Reporter):
        name = "csv"
        filename = "verdicts.csv"
        description = "one line per case x endpoint, for a spreadsheet"

        def render(self, report):
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["case", "endpoint", "verdict"])
            writer.writerows([r["case"], r["endpoint"], r["verdict"]] for r in report["results"])
            return out.getvalue()

    yield CsvReporter
    unregister_reporter("csv")


def test_the_built_in_reporters_in_order() -> None:
    assert report_files()[: len(BUILT_IN)] == BUILT_IN
    assert list(reporters())[: len(BUILT_IN)] == ["json", "junit", "markdown", "html", "github-summary"]
    with pytest.raises(TypeError):
        reporters()["json"] = reporters()["html"]  # type: ignore[index]


def test_the_readme_reports_table_lists_every_built_in_reporter() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Reports\n", 1)[1].split("\n## ", 1)[0]
    documented = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert documented == list(BUILT_IN)


def test_a_reporter_added_in_one_file_is_written_listed_and_rebuilt(tmp_path: Path, csv_reporter) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(cli, ["run", "--endpoint", "vertex-docs", "--report-dir", str(out), "--quiet"])
    assert result.exit_code == 1, result.output  # Google's own sample stream has a real finding
    assert f"reports in {out}/: {', '.join(BUILT_IN)}, verdicts.csv, results.jsonl" in result.output
    rows = list(csv.reader((out / "verdicts.csv").read_text().splitlines()))
    report = json.loads((out / "report.json").read_text())
    assert rows == [["case", "endpoint", "verdict"], *([r["case"], r["endpoint"], r["verdict"]] for r in report["results"])]
    assert len(rows) > 10

    # `report DIR` rebuilds every registered format, the new one included.
    (out / "verdicts.csv").unlink()
    rebuilt = runner.invoke(cli, ["report", str(out)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "verdicts.csv" in rebuilt.output
    assert list(csv.reader((out / "verdicts.csv").read_text().splitlines())) == rows
    # The --report-dir help lists the registered files when it is shown.
    help_text = " ".join(runner.invoke(cli, ["run", "--help"]).output.split())
    assert "report.html, github-summary.md, verdicts.csv go." in help_text
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in out.iterdir()) == sorted([*BUILT_IN, "verdicts.csv", "results.jsonl"])


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"name": "json", "filename": "other.json"}, r"reporter 'json' \(.*\) clashes with 'json'"),
        ({"name": "json2", "filename": "report.json"}, r"clashes with 'json'.*names and file names must be unique"),
        ({"name": "log", "filename": "results.jsonl"}, r"must be a plain file name other than results.jsonl"),
        ({"name": "nested", "filename": "sub/x.txt"}, r"must be a plain file name"),
        ({"name": "Bad Name", "filename": "x.txt"}, r"reporter name 'Bad Name' must match"),
    ],
    ids=["same-name", "same-file", "results-file", "path", "bad-name"],
)
def test_a_reporter_that_would_clash_fails_when_it_is_defined(attributes: dict[str, str], message: str) -> None:
    before = dict(reporters())
    with pytest.raises(ValueError, match=message):
        type("Clash", (Reporter,), {**attributes, "description": "clash", "render": lambda self, report: ""})
    assert dict(reporters()) == before
