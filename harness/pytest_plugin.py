"""pytest plugin: the conformance cases as pytest items, run by the same `Runner` as the CLI.

Registered as the `pytest11` entry point `chat_conformance`, so an installed chat-conformance
offers it to every pytest run; it does nothing until `--cc-endpoint` is given. From a checkout
without the entry point, load it with `-p harness.pytest_plugin`.

    pytest --cc-endpoint vertex-docs                    # replay the bundled recordings
    pytest --cc-endpoint my-vllm --cc-mode live -n 4    # pytest-xdist spreads the cases
    pytest --cc-endpoint my-vllm -m tag_streaming -k tool

Collection: one item per case × endpoint, named `cases/<id>.yaml::<id>[<endpoint>]`: the case
file's path relative to the rootdir, or, for a case folder outside it (the bundled cases of an
installed package), the folder's own name and the file's path inside it. Without path arguments, pytest collects the case folders
(the bundled one, unless `--cc-no-bundled-cases`, and each `--cc-cases DIR`) instead of
`testpaths` or the current folder; with path arguments, the case files among them are collected.

Markers, registered for every loaded case so `--strict-markers` accepts them:
  chat_conformance            every case item
  tag_<tag>                   one per tag of the case (`-m tag_streaming`)
  feature_<feature>           the case's feature, `.` and `-` as `_` (`-m feature_tools_tool_choice_auto`)
The case id, its tags, feature and the endpoint name are also `-k` keywords.

Outcomes: verdict fail, stale or flaky fails the item and lists the findings; skip skips it with
the reason (not-applicable, or not-recorded and the command that records it); warn passes unless
`--cc-fail-on warning`. Findings of passing items are in the item's report section
(shown with `-rP`). `--cc-baseline FILE` and `--cc-repeat K` are the CLI's --baseline and
--repeat; `--cc-recordings DIR` its --recordings; `--cc-no-bundled-cases` its --no-bundled-cases.

Snapshots (`--cc-snapshot`): each item also compares the normalized shape of its exchanges
(`harness.snapshots.normalize_exchange`) with a syrupy snapshot; `--snapshot-update` (syrupy's
flag) writes them. One amber file per case and endpoint, `<case folder>/__snapshots__/<endpoint>/`
or `--cc-snapshot-dir DIR`; the syrupy glue is `harness.pytest_snapshots`.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ._lazy import require_extra
from .cases import Case, bundled_cases_dir, load_cases
from .endpoints import Endpoint, bundled_endpoints, find_config, load_config
from .errors import InputError
from .runner import Baseline, CaseResult, Mode, Runner, RunSettings, Verdict, load_baseline
from .validators import Finding, Severity, rule_ids

__all__ = ["RESULT_KEY", "CaseFile", "CaseItem", "describe_result", "marker_name"]

ENTRY_POINT = "chat_conformance"
_FAILING = (Verdict.FAIL, Verdict.STALE, Verdict.FLAKY)


# -- options and registration --------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chat-conformance", "chat-conformance: conformance cases as test items")
    group.addoption(
        "--cc-endpoint",
        action="append",
        default=[],
        metavar="NAME",
        help="Run the cases against this endpoint (repeatable). Without it the plugin does nothing.",
    )
    group.addoption(
        "--cc-mode",
        choices=[m.value for m in Mode],
        default=Mode.REPLAY.value,
        help="replay: judge recordings, no network (default). live: send requests. record: send them and save the answers.",
    )
    group.addoption("--cc-cases", action="append", default=[], metavar="DIR", help="A folder of case files, added to the bundled cases (repeatable).")
    group.addoption("--cc-no-bundled-cases", action="store_true", default=False, help="Use only the --cc-cases folders.")
    group.addoption("--cc-config", metavar="FILE", default=None, help="Endpoint config file (default: ./chat-conformance.yaml if present).")
    group.addoption("--cc-recordings", metavar="DIR", default=None, help="Read/write recordings here instead of beside each case folder.")
    group.addoption(
        "--cc-baseline",
        metavar="FILE",
        default=None,
        help="Known quirks per endpoint (the CLI's --baseline): matching findings are known and do not fail an item.",
    )
    group.addoption("--cc-repeat", type=int, default=1, metavar="K", help="Run each case K times; mixed outcomes give the verdict flaky.")
    group.addoption(
        "--cc-clients",
        default="all",
        metavar="all|none|NAME,...",
        help="Real clients run on every answer (openai-python, openai-node, ai-sdk, langchain-openai); default all that are installed.",
    )
    group.addoption(
        "--cc-fail-on",
        choices=["error", "warning"],
        default="error",
        help="Lowest finding severity that fails an item: error (default; verdict fail), or warning (verdict warn fails too).",
    )
    group.addoption(
        "--cc-snapshot",
        action="store_true",
        default=False,
        help="Also compare the shape of each item's exchanges with a syrupy snapshot (--snapshot-update writes them).",
    )
    group.addoption(
        "--cc-snapshot-dir",
        metavar="DIR",
        default=None,
        help="Keep --cc-snapshot files in DIR/<endpoint>/ instead of <case folder>/__snapshots__/<endpoint>/.",
    )


def pytest_plugin_registered(plugin: object, plugin_name: str, manager: pytest.PytestPluginManager) -> None:
    """Loaded once, under whichever name came first.

    `-p harness.pytest_plugin` registers this module under its module name before pytest loads the
    `chat_conformance` entry point, which would then register the same module again and fail
    ("Plugin already registered under a different name"). Blocking the other name makes the
    second registration a no-op, in either order.
    """
    if plugin is not sys.modules[__name__]:
        return
    for alias in (ENTRY_POINT, __name__):
        if alias != plugin_name and manager.get_plugin(alias) is None and not manager.is_blocked(alias):
            manager.set_blocked(alias)


# -- per-process state ---------------------------------------------------------------------------


@dataclass
class _State:
    settings: RunSettings
    cases: dict[str, Case]
    by_path: dict[Path, str]
    directories: list[Path]
    endpoints: dict[str, Endpoint]
    fail_on_warning: bool
    snapshot: bool
    snapshot_dir: Path | None
    baseline: Baseline | None = None
    cli_args: tuple[str, ...] = ()
    """The CLI flags that select the same cases, config and recordings (for "the same from the CLI")."""
    _runner: Runner | None = field(default=None, repr=False)

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            self._runner = Runner(self.settings)
        return self._runner

    def close(self) -> None:
        """Close the runner's HTTP clients (items run cases one by one, so nothing else does)."""
        if self._runner is not None:
            self._runner.close()


_STATE = pytest.StashKey[_State]()
RESULT_KEY = pytest.StashKey[CaseResult]()
"""`item.stash[RESULT_KEY]`: the `CaseResult` of a case item that ran (for a conftest's own reporting)."""


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


def marker_name(prefix: str, value: str) -> str:
    """`tag_streaming`, `feature_tools_tool_choice_auto`: a marker name usable in `-m`."""
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in value)
    return f"{prefix}_{cleaned}"


def _paths(config: pytest.Config, values: list[str]) -> list[Path]:
    base = config.invocation_params.dir
    return [(base / value).resolve() for value in values]


def _load_state(config: pytest.Config) -> _State:
    option = config.option
    mode = Mode(option.cc_mode)
    directories: list[Path] = [] if option.cc_no_bundled_cases else [bundled_cases_dir().resolve()]
    for directory in _paths(config, option.cc_cases):
        if directory not in directories:
            directories.append(directory)
    if not directories:
        raise pytest.UsageError("chat-conformance: --cc-no-bundled-cases needs at least one --cc-cases DIR")
    cases = load_cases(directories, known_rules=rule_ids())

    config_path = _paths(config, [option.cc_config])[0] if option.cc_config else find_config(config.invocation_params.dir)
    known = {**bundled_endpoints(), **(load_config(config_path) if config_path else {})}
    unknown = [name for name in option.cc_endpoint if name not in known]
    if unknown:
        raise pytest.UsageError(
            f"chat-conformance: unknown endpoint {', '.join(map(repr, unknown))} (known: {', '.join(known) or 'none'})"
        )
    endpoints = {name: known[name] for name in dict.fromkeys(option.cc_endpoint)}

    recordings = _paths(config, [option.cc_recordings])[0] if option.cc_recordings else None
    if not 1 <= option.cc_repeat <= 100:
        raise pytest.UsageError("chat-conformance: --cc-repeat takes 1 to 100")
    from .clients import choose_clients

    try:
        clients, notices = choose_clients(option.cc_clients)
    except ValueError as error:
        raise pytest.UsageError(f"chat-conformance: --cc-clients: {error}") from None
    for notice in notices:
        config.issue_config_time_warning(pytest.PytestConfigWarning(f"chat-conformance: {notice}"), stacklevel=2)
    settings = RunSettings(mode=mode, recordings_dir=recordings, repeat=option.cc_repeat, clients=clients)
    baseline_path = _paths(config, [option.cc_baseline])[0] if option.cc_baseline else None
    baseline = load_baseline(baseline_path, known_rules=set(rule_ids())) if baseline_path else None
    cli_args = [arg for directory in _paths(config, option.cc_cases) for arg in ("--cases", str(directory))]
    if option.cc_no_bundled_cases:
        cli_args.append("--no-bundled-cases")
    if option.cc_config:
        cli_args += ["--config", str(config_path)]
    if recordings is not None:
        cli_args += ["--recordings", str(recordings)]
    if baseline_path is not None:
        cli_args += ["--baseline", str(baseline_path)]
    if option.cc_repeat > 1:
        cli_args += ["--repeat", str(option.cc_repeat)]
    if option.cc_clients != "all":
        cli_args += ["--clients", option.cc_clients]
    return _State(
        settings=settings,
        cases={case.id: case for case in cases},
        by_path={case.path.resolve(): case.id for case in cases},
        directories=directories,
        endpoints=endpoints,
        fail_on_warning=option.cc_fail_on == "warning",
        snapshot=option.cc_snapshot,
        snapshot_dir=_paths(config, [option.cc_snapshot_dir])[0] if option.cc_snapshot_dir else None,
        baseline=baseline,
        cli_args=tuple(cli_args),
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("cc_endpoint", None):
        return
    try:
        state = _load_state(config)
        # Credentials that cannot work fail here, once, not in every item (replay needs none).
        state.runner.prepare(state.endpoints.values())
        if state.snapshot:
            require_extra("syrupy", extra="pytest", needed_by="--cc-snapshot")
    except InputError as error:
        raise pytest.UsageError(f"chat-conformance: {error}") from None
    if state.snapshot:
        from .pytest_snapshots import syrupy_ready

        if not syrupy_ready(config):
            raise pytest.UsageError("chat-conformance: --cc-snapshot needs syrupy's pytest plugin, which is disabled (-p no:syrupy)")
    config.stash[_STATE] = state

    config.addinivalue_line("markers", "chat_conformance: a chat-conformance case run against an endpoint")
    seen: set[str] = set()
    for case in state.cases.values():
        for prefix, value in [("tag", tag) for tag in case.tags] + [("feature", case.feature)]:
            name = marker_name(prefix, value)
            if name not in seen:
                seen.add(name)
                config.addinivalue_line("markers", f"{name}: chat-conformance cases with {prefix} {value}")

    # No path arguments: collect the case folders, not testpaths or the current folder.
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args = [str(directory) for directory in state.directories]
        config.args_source = pytest.Config.ArgsSource.ARGS  # the header must not claim testpaths


def pytest_unconfigure(config: pytest.Config) -> None:
    """Session end, in every process (each xdist worker has its own runner)."""
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    folders = ", ".join(str(d) for d in state.directories)
    return [
        f"chat-conformance: mode {state.settings.mode}, endpoints {', '.join(state.endpoints)}, "
        f"{len(state.cases)} cases from {folders}"
    ]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.suffix not in (".yaml", ".yml"):
        return None
    resolved = file_path.resolve()
    case_id = state.by_path.get(resolved)
    if case_id is None:
        return None
    nodeid = None
    try:
        file_path.relative_to(parent.config.rootpath)
    except ValueError:
        # Outside the rootdir (the bundled cases of an installed package, or a folder elsewhere):
        # named from the case folder's own name, `cases/<file>`, wherever it is.
        folder = next((d for d in state.directories if resolved.is_relative_to(d)), resolved.parent)
        nodeid = (Path(folder.name) / resolved.relative_to(folder)).as_posix()
    return CaseFile.from_parent(parent, path=file_path, case_id=case_id, nodeid=nodeid)


# -- collection nodes ----------------------------------------------------------------------------


class CaseFile(pytest.File):
    """A case file: one item per endpoint. Holds the case id only; the case is looked up per process."""

    def __init__(self, *, case_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case_id = case_id

    def collect(self):
        state = _state(self.config)
        case = state.cases[self.case_id]
        for endpoint in state.endpoints.values():
            item = CaseItem.from_parent(self, name=f"{case.id}[{endpoint.name}]", case_id=case.id, endpoint=endpoint.name)
            item.add_marker("chat_conformance")
            for tag in case.tags:
                item.add_marker(marker_name("tag", tag))
            item.add_marker(marker_name("feature", case.feature))
            item.extra_keyword_matches.update({case.id, case.feature, endpoint.name, *case.tags})
            yield item


class CaseFailed(Exception):
    """An item's verdict (or snapshot) failed; `str()` is the whole explanation."""


class CaseItem(pytest.Item):
    """One case against one endpoint, run by the CLI's `Runner`."""

    def __init__(self, *, case_id: str, endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case_id = case_id
        self.endpoint_name = endpoint

    def runtest(self) -> None:
        state = _state(self.config)
        case = state.cases[self.case_id]
        try:
            result = state.runner.run_case(case, state.endpoints[self.endpoint_name])
        except InputError as error:  # e.g. a recording that cannot be read
            raise CaseFailed(f"chat-conformance: error: {error}") from None
        if state.baseline is not None:
            state.baseline.apply([result])  # as the CLI does, result by result
        self.stash[RESULT_KEY] = result
        self.user_properties.append(("verdict", str(result.verdict)))
        if result.origin:
            self.user_properties.append(("origin", result.origin))
        if result.verdict is Verdict.SKIP:
            reason = f"{result.skip_reason}: {result.detail}" if result.detail else str(result.skip_reason)
            self.user_properties.append(("skip_reason", str(result.skip_reason)))
            raise pytest.skip.Exception(reason, _use_item_location=True)

        snapshot_problem = self._check_snapshot(state, case, result) if state.snapshot and result.exchanges else None
        failing = result.verdict in _FAILING or (state.fail_on_warning and result.verdict is Verdict.WARN)
        text = describe_result(result, mode=state.settings.mode, cli_args=state.cli_args)
        if failing or snapshot_problem:
            raise CaseFailed("\n\n".join(part for part in (text if failing else None, snapshot_problem) if part))
        if result.findings:
            self.add_report_section("call", "chat-conformance", text)

    def _check_snapshot(self, state: _State, case: Case, result: CaseResult) -> str | None:
        from .pytest_snapshots import compare_snapshot

        return compare_snapshot(self, case, self.endpoint_name, result.exchanges, snapshot_dir=state.snapshot_dir)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.case_id} against {self.endpoint_name}"


# -- failure text --------------------------------------------------------------------------------


def _finding_lines(finding: Finding) -> list[str]:
    where = str(finding.location)
    head = f"[{finding.severity}] {finding.rule}"
    if where:
        head += f" at {where}"
    if finding.count > 1:
        head += f" ({finding.count} places)"
    if finding.known is not None:
        head += f" (known: {finding.known})"
    lines = [head, f"    {finding.message}"]
    if finding.evidence:
        evidence = finding.evidence.splitlines() or [""]
        lines.append(f"    evidence: {evidence[0]}")
        lines.extend(f"              {line}" for line in evidence[1:])
    for note in finding.clients:
        lines.append(f"    {note.outcome}: {note.name} {note.version or ''}: {note.detail}")
    return lines


def describe_result(result: CaseResult, *, mode: Mode, cli_args: Sequence[str] = ()) -> str:
    """The verdict of one item and every finding, worst first: the text of a failed item."""
    origin = f", {result.origin} recording" if result.origin and result.origin != "live" else ""
    lines = [f"chat-conformance: {result.case_id} against {result.endpoint}: {result.verdict} ({mode}{origin})"]
    if result.detail:
        lines.append(result.detail)
    findings = sorted(result.findings, key=lambda f: (f.known is not None, -f.severity))
    if findings:
        counts = {s: sum(1 for f in findings if f.severity is s and f.known is None) for s in Severity}
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), reverse=True) if n)
        lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({summary or 'all known'}):")
        for finding in findings:
            lines.extend(_finding_lines(finding))
    if result.command:
        lines.append(f"to fix: {result.command}")
    else:
        command = ["chat-conformance", "run", "--mode", str(mode), "--endpoint", result.endpoint, "--case", result.case_id, *cli_args]
        lines.append(f"the same from the CLI: {shlex.join(command)}")
    return "\n".join(lines)
