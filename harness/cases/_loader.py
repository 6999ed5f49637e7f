"""Loading case files: YAML, then the case schema, then the cross-checks a schema cannot make.

Every problem is a `CaseError` reading `path:line: what is wrong`, raised before any request is
sent, so a typo in a case never turns into a confusing verdict.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from .._resources import bundled_dir
from .._yamlio import Lines, load_yaml_file
from ..endpoints import endpoint_kinds, unknown_kind_message
from ..errors import CaseError
from ._model import Case, Expect, Source, Step
from ._render import is_known_placeholder, iter_placeholders, iter_step_refs

__all__ = ["RECORDINGS_DIRNAME", "bundled_cases_dir", "case_files", "load_case_file", "load_cases", "select_cases"]

RECORDINGS_DIRNAME = "recordings"
# Credentials belong to the endpoint config (and are redacted); a case file is shared and committed.
_ENDPOINT_HEADERS = frozenset({"authorization", "cookie", "x-goog-api-key", "x-api-key", "api-key"})


def bundled_cases_dir() -> Path:
    return bundled_dir("cases")


@cache
def _case_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((bundled_dir("schemas") / "case.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def _from_step_validator() -> jsonschema.protocols.Validator:
    schema = _case_validator().schema
    return type(_case_validator())({"$ref": "#/$defs/from_step", "$defs": schema["$defs"]})


def case_files(directory: Path) -> list[Path]:
    """The case files of a folder: every *.yaml/*.yml below it, except recordings."""
    if not directory.is_dir():
        raise CaseError("not a folder of cases (give --cases a directory)", path=directory)
    found = [
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.rglob(pattern)
        if RECORDINGS_DIRNAME not in path.relative_to(directory).parts
    ]
    return sorted(found)


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "the case"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"unknown key {', '.join(repr(k) for k in extra)} in {where} (allowed: {', '.join(allowed)})"
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "enum":
        return f"{where}: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return f"{where}: {error.message}"


def _schema_error(data: Any, lines: Lines, path: Path) -> CaseError | None:
    errors = sorted(_case_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if not errors:
        return None
    # The deepest error is the most specific one; oneOf/anyOf wrappers say little.
    best = jsonschema.exceptions.best_match(errors)
    where = list(best.absolute_path)
    if best.validator == "additionalProperties":
        # Point at the offending key itself, not at the mapping that holds it.
        extra = sorted(set(best.instance) - set(best.schema.get("properties", {})))
        where.append(extra[0])
    return CaseError(_describe(best), path=path, line=lines.line_of(where))


def load_case_file(path: Path, *, known_rules: Collection[str], recordings_dir: Path | None = None) -> Case:
    data, lines = load_yaml_file(path, error_cls=CaseError)
    if not isinstance(data, dict):
        raise CaseError("a case file holds one mapping (id, title, source, feature, applies_to, steps)", path=path, line=1)
    error = _schema_error(data, lines, path)
    if error is not None:
        raise error
    # Kinds come from the registry, not from the schema, so a kind added in one file is valid here.
    kinds = endpoint_kinds()
    for number, kind in enumerate(data["applies_to"]):
        if kind not in kinds:
            raise CaseError(f"applies_to/{number}: {unknown_kind_message(kind)}", path=path, line=lines.line_of(["applies_to", number]))

    steps: list[Step] = []
    for number, raw in enumerate(data["steps"]):
        where = ["steps", number]
        name = raw.get("name", f"step{number + 1}")
        if any(step.name == name for step in steps):
            raise CaseError(f"two steps are named {name!r}", path=path, line=lines.line_of([*where, "name"]))
        body = raw["request"]["body"]
        for body_path, placeholder in iter_placeholders(body):
            if not is_known_placeholder(placeholder):
                raise CaseError(
                    f"unknown placeholder {{{placeholder}}} (known: {{model}}, {{model.ROLE}}, {{project}}, "
                    "{location}, {endpoint_id}; write {{name}} for a literal {name})",
                    path=path,
                    line=lines.line_of([*where, "request", "body", *body_path]),
                )
        for ref_path, ref in iter_step_refs(body):
            line = lines.line_of([*where, "request", "body", *ref_path])
            problem = next(iter(_from_step_validator().iter_errors(ref)), None)
            if problem is not None:
                raise CaseError(f"bad {{$from: ...}} reference: {problem.message}", path=path, line=line)
            if not any(step.name == ref["$from"] for step in steps):
                earlier = ", ".join(step.name for step in steps) or "none"
                raise CaseError(f"$from {ref['$from']!r} names no earlier step (earlier steps: {earlier})", path=path, line=line)
        for header in raw["request"].get("headers", {}):
            if header.lower() in _ENDPOINT_HEADERS:
                raise CaseError(
                    f"header {header!r} may not be set by a case: credentials come from the endpoint's auth",
                    path=path,
                    line=lines.line_of([*where, "request", "headers", header]),
                )
        raw_expect = raw.get("expect", {})
        for section in ("rules", "disable"):
            for rule_id in raw_expect.get(section, {}):
                if rule_id not in known_rules:
                    raise CaseError(
                        f"unknown rule {rule_id!r} in expect.{section} (run `chat-conformance rules` for the list)",
                        path=path,
                        line=lines.line_of([*where, "expect", section, rule_id]),
                    )
        expect = Expect(
            status=raw_expect.get("status", 200),
            streamed=raw_expect.get("streamed"),
            accept_rejection=raw_expect.get("accept_rejection", False),
            differential=raw_expect.get("differential", False),
            rules=raw_expect.get("rules", {}),
            disable=raw_expect.get("disable", {}),
        )
        steps.append(Step(name=name, body=body, headers=raw["request"].get("headers", {}), expect=expect))

    return Case(
        id=data["id"],
        title=data["title"],
        source=Source(**data["source"]),
        feature=data["feature"],
        applies_to=tuple(data["applies_to"]),
        steps=tuple(steps),
        path=path,
        tags=tuple(data.get("tags", ())),
        description=data.get("description"),
        documented_target={key: value for key, value in data.get("vertex", {}).items() if key != "pinned"},
        pinned=_pinned(data, lines, path),
        profile=data.get("profile"),
        parameter=data.get("parameter"),
        recordings_dir=recordings_dir,
    )


def _pinned(data: dict[str, Any], lines: Lines, path: Path) -> frozenset[str]:
    """The `vertex.pinned` names: each one given in the section, and pinnable on every kind the
    case applies to that takes it (a self-deployed endpoint lives in one location only)."""
    section = data.get("vertex", {})
    pinned = frozenset(section.get("pinned", ()))
    for number, name in enumerate(section.get("pinned", ())):
        where = lines.line_of(["vertex", "pinned", number])
        if name not in section:
            raise CaseError(f"vertex.pinned names {name}, but the vertex section gives no {name}", path=path, line=where)
        for kind_name in data["applies_to"]:
            kind = endpoint_kinds()[kind_name]
            if name in kind.url_overrides and name not in kind.pinnable:
                raise CaseError(
                    f"vertex.pinned: a case cannot pin the {name} of a {kind_name} endpoint (it is served where it was "
                    f"deployed); remove {name} from pinned or {kind_name} from applies_to",
                    path=path,
                    line=where,
                )
    return pinned


def load_cases(directories: Sequence[Path] | Iterable[Path], *, known_rules: Collection[str]) -> list[Case]:
    """All cases of the given folders, in folder order then file name order; ids must be unique."""
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for directory in directories:
        for path in case_files(Path(directory)):
            case = load_case_file(path, known_rules=known_rules, recordings_dir=Path(directory) / RECORDINGS_DIRNAME)
            if case.id in seen:
                raise CaseError(f"duplicate case id {case.id!r} (also in {seen[case.id]})", path=path, line=1)
            seen[case.id] = path
            cases.append(case)
    return cases


def select_cases(cases: Iterable[Case], *, ids: Sequence[str] = (), tags: Sequence[str] = (), features: Sequence[str] = ()) -> list[Case]:
    """The cases whose id matches one of the `ids` globs, that carry one of the `tags`, and whose
    feature matches one of the `features` globs (an empty filter lets every case through)."""
    return [
        case
        for case in cases
        if (not ids or any(fnmatch.fnmatchcase(case.id, g) for g in ids))
        and (not tags or any(t in case.tags for t in tags))
        and (not features or any(fnmatch.fnmatchcase(case.feature, f) for f in features))
    ]
