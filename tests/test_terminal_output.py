"""What a person at a terminal sees: the bundled replay in an 80-, 100- and 120-column terminal
(a real pseudo-terminal, so the tool measures it as it would a user's), skips summarised, no
command that cannot work, and closing lines that explain the exit code."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import selectors
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml

from harness.endpoints import bundled_endpoints

from .conftest import REPO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_terminal(columns: int, *args: str, cwd: Path) -> tuple[int, list[str], str]:
    """`chat-conformance ARGS` with stdout on a pseudo-terminal `columns` wide; (exit code, stdout lines, stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "harness", *args], stdout=follower, stderr=subprocess.PIPE, cwd=cwd, env=env)
    os.close(follower)
    output = bytearray()
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        output += data
    os.close(leader)
    stderr = process.stderr.read().decode()
    process.wait(timeout=120)
    text = ANSI.sub("", output.decode("utf-8", "replace")).replace("\r\n", "\n")
    return process.returncode, text.splitlines(), stderr


def run_on_terminals(columns: int, *args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, list[str], list[str]]:
    """`chat-conformance ARGS` with stdout and stderr each on a pseudo-terminal `columns` wide, as
    in a user's terminal; (exit code, stdout lines, stderr lines)."""
    terminals = {}
    for name in ("stdout", "stderr"):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        terminals[name] = (leader, follower)
    env = {k: v for k, v in (env or os.environ).items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", *args], stdin=subprocess.DEVNULL, stdout=terminals["stdout"][1], stderr=terminals["stderr"][1], cwd=cwd, env=env
    )  # fmt: skip
    for _, follower in terminals.values():
        os.close(follower)
    output = {leader: bytearray() for leader, _ in terminals.values()}
    with selectors.DefaultSelector() as selector:
        for leader in output:
            selector.register(leader, selectors.EVENT_READ)
        while selector.get_map():
            ready = selector.select(timeout=300)
            assert ready, "the command printed nothing for 300 s"
            for key, _ in ready:
                try:
                    data = os.read(key.fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if data:
                    output[key.fd] += data
                else:
                    selector.unregister(key.fd)
    for leader in output:
        os.close(leader)
    process.wait(timeout=120)
    out, err = (screen_lines(output[terminals[name][0]]) for name in ("stdout", "stderr"))
    return process.returncode, out, err


def screen_lines(raw: bytes) -> list[str]:
    """The lines a terminal shows once `raw` is written: carriage return, line feed, cursor up and
    erase line are followed (a progress bar drawn in place, then erased, leaves nothing), other
    escape sequences (colours) are dropped."""
    rows: list[list[str]] = [[]]
    row = column = 0
    for token in re.finditer(r"\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]", raw.decode("utf-8", "replace")):
        text = token.group(0)
        if text == "\r":
            column = 0
        elif text == "\n":
            row, column = row + 1, 0
            rows += [[] for _ in range(row + 1 - len(rows))]
        elif token.group(2) == "A":
            row = max(row - int(token.group(1) or 1), 0)
        elif token.group(2) == "K" and token.group(1) == "2":
            rows[row] = []
        elif not text.startswith("\x1b"):
            line = rows[row]
            line += [" "] * (column - len(line))
            line[column : column + 1] = [text]
            column += 1
    lines = ["".join(line).rstrip() for line in rows]
    return lines[:-1] if lines and not lines[-1] else lines


def too_wide(lines: list[str], columns: int) -> list[str]:
    return [line for line in lines if len(line) > columns]


def whole(name: str, lines: list[str]) -> bool:
    """`name` stands on one line as a word of its own (not inside a longer name)."""
    return any(re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)", line) for line in lines)


def continuations_keep_their_indent(lines: list[str], starts: list[str]) -> list[str]:
    """The lines that start at column 0 though they begin with none of `starts` (a line of wrapped
    text that lost its indent)."""
    return [line for line in lines if line and not line[0].isspace() and not line.startswith(tuple(starts))]


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_bundled_replay_fits_the_terminal(columns: int, tmp_path: Path):
    code, lines, stderr = run_in_terminal(columns, "run", "--report-dir", "out", cwd=tmp_path)
    assert code == 1, stderr
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines() if '"type": "result"' in line]
    assert len(results) == len(bundled_endpoints()) * len(list((REPO / "cases").glob("*.yaml")))
    assert all(len(line) <= columns for line in lines), [line for line in lines if len(line) > columns]
    ran = [r for r in results if r["verdict"] != "skip"]
    # At most three lines per case × endpoint: here one per result that ran, a header per endpoint,
    # and a closing summary; skips are counted in the headers, not listed.
    assert len(lines) <= 3 * len(results)
    assert len(lines) <= len(ran) * 2 + len(bundled_endpoints()) + 2
    for result in ran:  # every name whole, so it can be pasted into --case
        assert any(re.search(rf"\b{re.escape(result['case'])}\b", line) for line in lines), result["case"]
    if columns == 80:
        one_line = sum(1 for line in lines if re.match(r"^  (pass|warn|fail|stale|flaky) ", line))
        assert one_line == len(ran)


def test_bundled_replay_names_no_impossible_command_and_explains_its_exit(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "harness", "run", "-v", "--report-dir", "out"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    everything = done.stdout + done.stderr
    assert "--endpoint vertex-docs" not in everything  # the documentation cannot be recorded
    assert "not-documented" in everything and "not-recorded" not in everything
    last = done.stderr.strip().splitlines()[-3:]
    assert any(line.startswith("exit 1: ") and "error findings" in line for line in last), last
    assert any("real defects" in line and "out/report.html" in line for line in last), last


def test_skips_are_listed_when_asked(tmp_path: Path):
    summarised = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--report-dir", "out"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    listed = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--report-dir", "out", "--show-skips"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert not any(line.startswith("  skip ") for line in summarised.stdout.splitlines())
    cases = len(list((REPO / "cases").glob("*.yaml")))
    documented = len(list((REPO / "cases" / "recordings" / "vertex-docs").glob("*.yaml")))
    inapplicable = sum(1 for path in (REPO / "cases").glob("*.yaml") if "vertex" not in yaml.safe_load(path.read_text())["applies_to"])
    skipped = cases - documented
    assert f"{skipped} skipped ({inapplicable} not-applicable, {skipped - inapplicable} not-documented)" in summarised.stdout
    assert sum(1 for line in listed.stdout.splitlines() if line.startswith("  skip ")) == skipped


def test_a_clean_run_says_why_it_exits_0(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--endpoint", "vertex-docs", "--case", "gemini-chat", "--report-dir", "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("exit 0: no finding at or above error")


def test_did_you_mean_comes_from_close_matches(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "harness", "show", "gemini-chta"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "did you mean gemini-chat" in done.stderr and "error-malformed-messages" not in done.stderr
    endpoint = subprocess.run([sys.executable, "-m", "harness", "run", "--endpoint", "llama-sever"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert endpoint.returncode == 2 and "did you mean llama-server" in endpoint.stderr


# -- every command a user reads fits the terminal: list, rules, run, clients install --------------

WIDTHS = [80, 100, 120]


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_fits_the_terminal_and_keeps_every_name_whole(columns: int, tmp_path: Path):
    from harness.cases import bundled_cases_dir, load_cases
    from harness.endpoints import endpoint_kinds
    from harness.validators import rule_ids

    code, out, err = run_on_terminals(columns, "list", cwd=tmp_path)
    assert code == 0, err
    assert not too_wide(out, columns), too_wide(out, columns)
    cases = load_cases([bundled_cases_dir()], known_rules=rule_ids())
    names = [c.id for c in cases] + [c.feature for c in cases] + list(bundled_endpoints()) + list(endpoint_kinds())
    assert [name for name in names if not whole(name, out)] == []
    titles = [f"{len(cases)} cases", f"{len(bundled_endpoints())} endpoints", f"{len(endpoint_kinds())} endpoint kinds", "case", "endpoint", "kind"]
    assert continuations_keep_their_indent(out, titles + names) == []


@pytest.mark.parametrize("columns", WIDTHS)
def test_rules_fit_the_terminal_with_only_rule_ids_at_column_0(columns: int, tmp_path: Path):
    from harness.report import declared_findings
    from harness.validators import registry

    code, out, err = run_on_terminals(columns, "rules", cwd=tmp_path)
    assert code == 0, err
    assert not too_wide(out, columns), too_wide(out, columns)
    rules = registry()
    assert sorted(line.split()[0] for line in out if line and not line[0].isspace()) == sorted(rules)  # the rule heads alone
    codes = {finding["code"] for rule in rules.values() for finding in declared_findings(rule)}
    assert [name for name in [*rules, *codes] if not whole(name, out)] == []
    # A wrapped line goes on deeper than the line it continues: a rule's findings, why and source
    # start at 2, and their continuations at 6.
    assert {len(line) - len(line.lstrip()) for line in out if line.strip()} <= {0, 2, 4, 6}


@pytest.mark.parametrize("columns", WIDTHS)
def test_run_fits_the_terminal_closing_lines_included(columns: int, tmp_path: Path):
    from harness.validators import rule_ids

    code, out, err = run_on_terminals(columns, "run", "--report-dir", "out", cwd=tmp_path)
    assert code == 1, err
    assert not too_wide(out, columns), too_wide(out, columns)
    assert not too_wide(err, columns), too_wide(err, columns)
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines() if '"type": "result"' in line]
    names = {r["case"] for r in results if r["verdict"] != "skip"} | set(bundled_endpoints())
    assert [name for name in names if not whole(name, out)] == []
    shown_rules = {m.group(1) for line in out for m in [re.match(r"^\s+(?:pass|warn|fail|stale|flaky)\s+\S+\s+([\w.-]+)[:…]", line)] if m}
    assert shown_rules and shown_rules <= set(rule_ids())  # no rule id cut short
    # The summary (stdout) and the closing lines (stderr) wrap with their continuations indented.
    summary = next(i for i, line in enumerate(out) if re.match(r"^\d+ case\(s\) × 7 endpoint\(s\): ", line))
    assert all(line.startswith("    ") for line in out[summary + 1 :]), out[summary:]
    assert any(line.endswith("skip (not-documented)") for line in out[summary:])  # a count stays on one line
    starts = ("reports in ", "exit 1: ", "These are real defects", "chat-conformance: ")
    assert continuations_keep_their_indent(err, list(starts)) == []
    closing = " ".join(" ".join(err).split())
    assert "exit 1: " in closing and f"See {Path('out') / 'report.html'} for every finding with its evidence." in closing
    if columns < 120:
        assert any(line.startswith("    ") for line in err)  # the long closing lines did wrap


@pytest.mark.parametrize("columns", WIDTHS)
def test_clients_install_says_what_its_path_is(columns: int, tmp_path: Path):
    from harness.clients._install import js_home

    from .clients_support import ensure_js_clients
    from .servers_local import cache_dir

    ensure_js_clients()
    home = str(js_home(cache_dir()))
    code, out, err = run_on_terminals(columns, "clients", "install", "--cache-dir", str(cache_dir()), cwd=tmp_path)
    assert code == 0, err
    assert out == []  # no bare path in the middle of `clients install && run`: the notice names it
    assert not too_wide(err, columns), too_wide(err, columns)
    assert continuations_keep_their_indent(err, ["chat-conformance: "]) == []
    assert any(home in line for line in err)  # whole, on one line
    assert " ".join(" ".join(err).split()) == f"chat-conformance: JavaScript clients already installed in {home}"
