"""Baselines: findings an endpoint is known to produce, accepted with a reason and a citation.

    baseline:
      - endpoint: vertex-docs                 # glob
        case: stream-function-call-*          # glob, default *
        rule: tool-calls.index-stable
        message: "index changes"              # optional: a substring of the finding's message
        reason: Vertex's streamed function-call arguments change a call's index
        cite: shared/seed/vertex-openai-chat-completions-examples.de.txt:395-419

A matching finding is reported as known and does not fail the run. An entry that matched nothing
in a case × endpoint it covers is a fixed quirk: strict like xfail(strict=True), it fails the
run with "fixed upstream: remove it from the baseline", so baselines never rot silently.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path

from .._yamlio import load_yaml_file
from ..errors import ConfigError
from ..validators import BASELINE_FIXED, Finding, Location, Severity
from ._results import CaseResult, Verdict, verdict_for

__all__ = ["Baseline", "BaselineEntry", "load_baseline"]

_KEYS = {"endpoint", "case", "rule", "message", "reason", "cite"}


@dataclass(frozen=True)
class BaselineEntry:
    endpoint: str
    rule: str
    reason: str
    cite: str
    case: str = "*"
    message: str | None = None
    where: str = ""
    """file:line of the entry, for messages."""

    def covers(self, result: CaseResult) -> bool:
        return fnmatch.fnmatchcase(result.endpoint, self.endpoint) and fnmatch.fnmatchcase(result.case_id, self.case)

    def matches(self, result: CaseResult, finding: Finding) -> bool:
        return self.covers(result) and finding.rule == self.rule and (self.message is None or self.message in finding.message)


@dataclass
class Baseline:
    entries: list[BaselineEntry]
    path: Path

    def apply(self, results: list[CaseResult]) -> None:
        """Mark known findings, add a fixed-upstream finding for each entry that no longer matches,
        and recompute the verdicts."""
        for result in results:
            if result.verdict in (Verdict.SKIP, Verdict.STALE):
                continue
            used: set[BaselineEntry] = set()
            marked = []
            for finding in result.findings:
                entry = next((e for e in self.entries if e.matches(result, finding)), None)
                if entry is not None:
                    used.add(entry)
                    finding = replace(finding, known=f"{entry.reason} ({entry.cite})")
                marked.append(finding)
            for entry in self.entries:
                if entry.covers(result) and entry not in used:
                    marked.append(
                        Finding(
                            BASELINE_FIXED,
                            Severity.ERROR,
                            f"known finding {entry.rule} no longer occurs: fixed upstream, remove it from the baseline ({entry.where})",
                            Location(),
                            evidence=entry.reason,
                        )
                    )
            result.findings = marked
            if result.verdict is not Verdict.FLAKY:
                result.verdict = verdict_for(marked)


def load_baseline(path: Path, *, known_rules: set[str]) -> Baseline:
    data, lines = load_yaml_file(path, error_cls=ConfigError)
    if not isinstance(data, dict) or not isinstance(data.get("baseline"), list):
        raise ConfigError("a baseline file holds `baseline:` with a list of entries (endpoint, rule, reason, cite)", path=path, line=1)
    entries = []
    for number, raw in enumerate(data["baseline"]):
        where = ["baseline", number]
        line = lines.line_of(where)
        if not isinstance(raw, dict):
            raise ConfigError("a baseline entry is a mapping (endpoint, case, rule, message, reason, cite)", path=path, line=line)
        unknown = set(raw) - _KEYS
        if unknown:
            raise ConfigError(f"unknown key {', '.join(map(repr, sorted(unknown)))} (allowed: {', '.join(sorted(_KEYS))})", path=path, line=line)
        for key in ("endpoint", "rule", "reason", "cite"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise ConfigError(f"baseline entry needs `{key}` (every accepted quirk says why and where that is documented)", path=path, line=line)
        if raw["rule"] not in known_rules:
            raise ConfigError(f"unknown rule {raw['rule']!r} (see `chat-conformance rules`)", path=path, line=lines.line_of([*where, "rule"]))
        for key in ("case", "message"):
            if key in raw and not isinstance(raw[key], str):
                raise ConfigError(f"`{key}` must be a string", path=path, line=lines.line_of([*where, key]))
        entries.append(
            BaselineEntry(
                endpoint=raw["endpoint"],
                rule=raw["rule"],
                reason=raw["reason"],
                cite=raw["cite"],
                case=raw.get("case", "*"),
                message=raw.get("message"),
                where=f"{path}:{line}",
            )
        )
    return Baseline(entries, path)
