"""Regenerate the published compatibility matrix: reports/matrix.md and reports/matrix.html.

    python scripts/update_matrix.py [--check]

It replays the bundled recordings (no network) through every real client (as `chat-conformance run`
does by default; they must be installed: `chat-conformance clients install`) and renders the report without wall-clock facts
(start and end times, durations, latencies), so the files change only when a verdict, a finding
or a case does. `--check` writes nothing and exits 1 if the committed files are out of date (a
test runs it that way).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cases import bundled_cases_dir, load_cases
from harness.clients import choose_clients
from harness.endpoints import bundled_endpoints
from harness.report import RunRecord, build_report, render_markdown, run_header, strip_volatile
from harness.report._html import render_html
from harness.runner import Mode, Runner, RunSettings
from harness.validators import rule_ids

REPO = Path(__file__).resolve().parent.parent
TITLE = "Chat Completions compatibility matrix (bundled recordings)"


def render() -> dict[Path, str]:
    cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
    endpoints = list(bundled_endpoints().values())
    clients, missing = choose_clients("all")
    if missing:
        raise SystemExit("update_matrix.py: the published matrix needs every client: " + "; ".join(missing))
    with Runner(RunSettings(mode=Mode.REPLAY, clients=clients)) as runner:
        results = runner.run(cases, endpoints)
    header = run_header(Mode.REPLAY, cases, endpoints, clients=clients)
    record = RunRecord(header=header, results=results, end={"finished": None, "interrupted": False})
    report = strip_volatile(build_report(record))
    return {
        REPO / "reports" / "matrix.md": render_markdown(report, title=TITLE),
        REPO / "reports" / "matrix.html": render_html(report, title=TITLE),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    args = parser.parse_args()
    stale = []
    for path, text in render().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(REPO)))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run: python scripts/update_matrix.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
