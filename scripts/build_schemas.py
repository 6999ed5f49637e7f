#!/usr/bin/env python3
"""Build the JSON Schemas (2020-12) of the Chat Completions API from OpenAI's OpenAPI spec.

    python scripts/build_schemas.py [--spec PATH] [--check]

Reads `openai-openapi.yaml` from the shared reference folder (`../shared/spec/` beside the
repository; `--spec DIR_OR_FILE` or the environment variable `CHAT_CONFORMANCE_SHARED`, the shared
folder, point elsewhere) and writes, for each profile:

    schemas/<profile>/chat-completions.schema.json   every component under $defs, no root type
    schemas/<profile>/request.schema.json            $ref to CreateChatCompletionRequest
    schemas/<profile>/response.schema.json           $ref to CreateChatCompletionResponse
    schemas/<profile>/chunk.schema.json              $ref to CreateChatCompletionStreamResponse
    schemas/<profile>/error.schema.json              $ref to ErrorResponse

Profile `openai` is the published spec, converted and nothing else. Profile `vertex` is `openai`
plus the hand-written patches of `schemas/profiles/vertex.yaml`, each with its reason and the
document line it rests on.

The components taken are those the `/chat/completions` paths and the five root schemas reach
through `$ref`; the set is cross-checked against `chat-completions-components.yaml` (the subset
cut from the same file) and the script fails if the two differ.

Conversion (see shared/spec/README.md, "Converting the OpenAPI schemas to JSON Schema 2020-12"):
`nullable: true` wraps the whole subschema as `anyOf: [<it>, {type: null}]`; `discriminator` is
dropped (no `mapping` anywhere: `oneOf` plus the `enum`s decide); `example` becomes `examples`;
`x-stainless-const: true` turns the one-value `enum` beside it into `const`; other `x-*` keys are
dropped; `#/components/schemas/X` becomes `#/$defs/X`; formats stay (annotations: the validators
run without a format checker); objects stay open. Any keyword the script does not know stops it,
so a spec update cannot slip something past the conversion unnoticed.

`--check` writes nothing and exits 1 listing the files that differ from what would be written
(the test suite runs it that way).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from scripts.shared_folder import shared_folder  # noqa: E402

SCHEMAS = REPO / "schemas"
PROFILE_DIR = SCHEMAS / "profiles"

SPEC_FILE = "openai-openapi.yaml"
SUBSET_FILE = "chat-completions-components.yaml"
PATH_PREFIX = "/chat/completions"
ROOTS = (
    "CreateChatCompletionRequest",
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "ErrorResponse",
    "Error",
)
ENTRIES = {
    "request": "CreateChatCompletionRequest",
    "response": "CreateChatCompletionResponse",
    "chunk": "CreateChatCompletionStreamResponse",
    "error": "ErrorResponse",
}
MAIN = "chat-completions.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Identifiers only (never fetched): `.invalid` is reserved so that it can never resolve.
BASE_URI = "https://chat-conformance.invalid/schemas/"
USAGE_MARKER = "x-usage-accounting"
OPENAI_USAGE_ACCOUNTING = "total = prompt + completion"
PATCH_OPS = ("add", "replace", "merge", "any_of_add")

# -- keywords, by what their value is ---------------------------------------------------------------
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
SCHEMA_VALUES = {
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties",
}
DATA_VALUES = {"enum", "const", "default", "examples"}
PLAIN = {
    "type", "description", "title", "required", "format", "deprecated", "readOnly", "writeOnly",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "dependentRequired", "$comment",
    "contentEncoding", "contentMediaType", "contentSchema",
}
COMPONENT_REF = "#/components/schemas/"
ANNOTATIONS = {"description", "title", "deprecated", "default", "examples", "$comment"}


class BuildError(Exception):
    """The spec or the profile is not what this script can convert; the message says where."""


# -- reading ----------------------------------------------------------------------------------------
def load_yaml(path: Path) -> Any:
    if not path.is_file():
        raise BuildError(f"{path}: not found (the shared reference folder sits beside the repository; "
                         "set CHAT_CONFORMANCE_SHARED or pass --spec)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the spec is 3 MB: the C loader takes 1 s
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def spec_dir(option: str | None) -> Path:
    if option:
        path = Path(option)
        return path.parent if path.is_file() else path
    return shared_folder() / "spec"


# -- reachability -----------------------------------------------------------------------------------
def refs_in(node: Any, found: set[str]) -> set[str]:
    """Every `$ref` string under `node`, skipping data (examples, defaults, enums, x-* extensions)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value)
            elif key in DATA_VALUES or key == "example" or key.startswith("x-"):
                continue
            else:
                refs_in(value, found)
    elif isinstance(node, list):
        for value in node:
            refs_in(value, found)
    return found


def lookup(spec: dict, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise BuildError(f"external $ref {ref!r}: only local references are supported")
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise BuildError(f"$ref {ref!r} does not resolve")
        node = node[part]
    return node


def reachable_schemas(spec: dict, roots: list[str]) -> set[str]:
    """Names of components/schemas reached from `roots` (refs), following refs through any component."""
    seen_refs: set[str] = set()
    names: set[str] = set()
    todo = list(roots)
    while todo:
        ref = todo.pop()
        if ref in seen_refs:
            continue
        seen_refs.add(ref)
        if ref.startswith(COMPONENT_REF):
            names.add(ref[len(COMPONENT_REF):])
        todo.extend(refs_in(lookup(spec, ref), set()))
    return names


def chat_paths(spec: dict) -> dict[str, Any]:
    return {path: item for path, item in spec["paths"].items()
            if path == PATH_PREFIX or path.startswith(PATH_PREFIX + "/")}


def chat_component_names(spec: dict) -> tuple[set[str], set[str]]:
    """(reached from the five roots, reached from the /chat/completions paths)."""
    from_roots = reachable_schemas(spec, [COMPONENT_REF + name for name in ROOTS])
    from_paths = reachable_schemas(spec, sorted(refs_in(chat_paths(spec), set())))
    return from_roots, from_paths


def cross_check(names: set[str], subset: dict) -> None:
    expected = set(subset.get("components", {}).get("schemas", {}))
    if names != expected:
        raise BuildError(
            f"reachability gives {len(names)} schemas, {SUBSET_FILE} lists {len(expected)}: "
            f"only reached {sorted(names - expected)}, only listed {sorted(expected - names)}"
        )


# -- conversion -------------------------------------------------------------------------------------
def convert(node: Any, where: str) -> Any:
    """One OpenAPI 3.1 schema object as a JSON Schema 2020-12 schema (a new object)."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise BuildError(f"{where}: a schema must be an object or a boolean, got {type(node).__name__}")
    out: dict[str, Any] = {}
    for key, value in node.items():
        at = f"{where}/{key}"
        if key == "nullable":
            if not isinstance(value, bool):
                raise BuildError(f"{at}: nullable must be a boolean")
        elif key == "discriminator":
            if not isinstance(value, dict) or set(value) - {"propertyName"}:
                raise BuildError(f"{at}: only a bare propertyName can be dropped (found {sorted(value)})")
            if "oneOf" not in node and "anyOf" not in node:
                raise BuildError(f"{at}: a discriminator without oneOf/anyOf")
        elif key == "example":
            if "examples" in node:
                raise BuildError(f"{at}: both example and examples")
            out["examples"] = [data(value, at)]
        elif key == "x-stainless-const":
            if value is not True or not isinstance(node.get("enum"), list) or len(node["enum"]) != 1:
                raise BuildError(f"{at}: expected `x-stainless-const: true` beside a one-value enum")
        elif key.startswith("x-"):
            continue
        elif key == "$ref":
            if not isinstance(value, str) or not value.startswith(COMPONENT_REF):
                raise BuildError(f"{at}: unsupported $ref {value!r}")
            out[key] = "#/$defs/" + value[len(COMPONENT_REF):]
        elif key in SCHEMA_MAPS:
            if not isinstance(value, dict):
                raise BuildError(f"{at}: must map names to schemas")
            out[key] = {name: convert(sub, f"{at}/{name}") for name, sub in value.items()}
        elif key in SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                raise BuildError(f"{at}: must be a non-empty list of schemas")
            out[key] = [convert(sub, f"{at}/{i}") for i, sub in enumerate(value)]
        elif key in SCHEMA_VALUES:
            out[key] = convert(value, at)
        elif key in DATA_VALUES or key in PLAIN:
            out[key] = data(value, at)
        else:
            raise BuildError(f"{at}: unknown keyword {key!r} (teach build_schemas.py what it means)")
    if node.get("x-stainless-const") is True:
        out["const"] = out.pop("enum")[0]
    if node.get("nullable") is True:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def data(value: Any, where: str) -> Any:
    """A JSON value copied as is; YAML's extra types (dates...) are refused."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [data(item, where) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise BuildError(f"{where}: non-string key in {value!r}")
        return {key: data(item, where) for key, item in value.items()}
    raise BuildError(f"{where}: {type(value).__name__} is not a JSON value ({value!r})")


def openai_document(spec: dict, names: set[str]) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    info = spec.get("info", {})
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_URI}openai/{MAIN}",
        "title": "OpenAI Chat Completions: the published schema",
        "description": (
            f"The {len(names)} component schemas that the {PATH_PREFIX} paths of OpenAI's OpenAPI spec "
            f"(openapi {spec.get('openapi')}, info.version {info.get('version')}) reach, converted to "
            "JSON Schema 2020-12 by scripts/build_schemas.py. Generated: do not edit."
        ),
        USAGE_MARKER: OPENAI_USAGE_ACCOUNTING,
        "$defs": {name: convert(schemas[name], f"#/components/schemas/{name}") for name in sorted(names)},
    }


def entry_document(profile: str, entry: str, definition: str) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_URI}{profile}/{entry}.schema.json",
        "title": f"{definition} ({profile} profile)",
        "$ref": f"{MAIN}#/$defs/{definition}",
    }


# -- profiles (overlays) ----------------------------------------------------------------------------
CITE = re.compile(r"^(?P<path>[^\s:]+):(?P<first>\d+)(?:-(?P<last>\d+))?(?:\s+.*)?$")


def check_cite(cite: Any, shared: Path, where: str) -> None:
    """`PATH:LINE[-LINE] section`, PATH relative to the shared folder: the file must have those lines."""
    match = CITE.match(cite) if isinstance(cite, str) else None
    if match is None:
        raise BuildError(f"{where}: cite must read 'PATH:FIRST[-LAST] section', got {cite!r}")
    path = shared / match["path"]
    if not path.is_file():
        raise BuildError(f"{where}: cited file {match['path']} not found under {shared}")
    first, last = int(match["first"]), int(match["last"] or match["first"])
    count = len(path.read_text(encoding="utf-8").splitlines())
    if not 1 <= first <= last <= count:
        raise BuildError(f"{where}: lines {first}-{last} are outside {match['path']} ({count} lines)")


def pointer_parts(pointer: str, where: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise BuildError(f"{where}: pointer {pointer!r} must be empty or start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def merge_into(target: dict, value: dict, where: str) -> None:
    for key, item in value.items():
        if key in target and isinstance(target[key], dict) and isinstance(item, dict):
            merge_into(target[key], item, f"{where}/{key}")
        elif key in target:
            raise BuildError(f"{where}/{key}: merge would overwrite {target[key]!r} (use replace)")
        else:
            target[key] = copy.deepcopy(item)


def apply_patch(defs: dict[str, Any], patch: dict[str, Any], where: str) -> None:
    op, pointer, value = patch["op"], patch.get("pointer", ""), patch.get("value")
    for name in [patch["def"]] if isinstance(patch["def"], str) else patch["def"]:
        at = f"{where} ({name}{pointer})"
        parts = pointer_parts(pointer, at)
        if not parts:  # the whole definition
            if op != "add" or name in defs:
                raise BuildError(f"{at}: a whole definition can only be added, and only if it is new")
            defs[name] = copy.deepcopy(value)
            continue
        if name not in defs:
            raise BuildError(f"{at}: no definition {name!r}")
        parent: Any = defs[name]
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.get(part)
            if parent is None:
                raise BuildError(f"{at}: {part!r} does not exist")
        last = parts[-1]
        if isinstance(parent, list):
            if op != "add" or last != "-":
                raise BuildError(f"{at}: in a list only `add` at '/-' (append) is supported")
            if value in parent:
                raise BuildError(f"{at}: {value!r} is already there")
            parent.append(copy.deepcopy(value))
            continue
        exists = last in parent
        if "expect" in patch and (not exists or parent[last] != patch["expect"]):
            raise BuildError(f"{at}: expected {patch['expect']!r}, found {parent.get(last)!r}: the spec moved")
        if op == "add":
            if exists:
                raise BuildError(f"{at}: already exists (use replace or merge)")
            parent[last] = copy.deepcopy(value)
        elif not exists:
            raise BuildError(f"{at}: nothing to {op}")
        elif op == "replace":
            parent[last] = copy.deepcopy(value)
        elif op == "merge":
            if not isinstance(parent[last], dict) or not isinstance(value, dict):
                raise BuildError(f"{at}: merge needs objects on both sides")
            merge_into(parent[last], value, at)
        elif op == "any_of_add":
            target = parent[last]
            if isinstance(target, dict) and "anyOf" in target and set(target) <= {"anyOf", *ANNOTATIONS}:
                target["anyOf"].append(copy.deepcopy(value))
            else:
                parent[last] = {"anyOf": [target, copy.deepcopy(value)]}


def check_refs(document: dict, where: str) -> None:
    for ref in refs_in(document["$defs"], set()):
        if not ref.startswith("#/$defs/") or ref[len("#/$defs/"):] not in document["$defs"]:
            raise BuildError(f"{where}: $ref {ref!r} does not name a definition")


def profile_document(openai: dict, overlay_path: Path, shared: Path) -> tuple[str, dict[str, Any]]:
    overlay = load_yaml(overlay_path)
    where = overlay_path.relative_to(REPO) if overlay_path.is_relative_to(REPO) else overlay_path
    name = overlay.get("profile")
    if overlay.get("base") != "openai" or not isinstance(name, str) or name == "openai":
        raise BuildError(f"{where}: needs `profile: <name>` (not openai) and `base: openai`")
    for key in ("title", "description"):
        if not isinstance(overlay.get(key), str):
            raise BuildError(f"{where}: `{key}` (a string) is missing")
    accounting = overlay.get("usage_accounting")
    if not isinstance(accounting, dict) or set(accounting) != {"value", "why", "cite"}:
        raise BuildError(f"{where}: `usage_accounting` needs value, why and cite")
    check_cite(accounting["cite"], shared, f"{where}, usage_accounting")
    document = copy.deepcopy(openai)
    defs = document["$defs"]
    for number, patch in enumerate(overlay.get("patches") or [], start=1):
        at = f"{where}, patch {number}"
        missing = {"why", "cite", "def", "op"} - set(patch)
        if missing or set(patch) - {"why", "cite", "def", "op", "pointer", "value", "expect"}:
            raise BuildError(f"{at}: needs why, cite, def, op (and pointer, value, expect only); "
                             f"missing {sorted(missing)}")
        if patch["op"] not in PATCH_OPS:
            raise BuildError(f"{at}: op must be one of {PATCH_OPS}")
        if not isinstance(patch["why"], str) or "\n" in patch["why"].strip():
            raise BuildError(f"{at}: why must be one line")
        check_cite(patch["cite"], shared, at)
        apply_patch(defs, patch, at)
    check_refs(document, str(where))
    document["$id"] = f"{BASE_URI}{name}/{MAIN}"
    document["title"] = overlay["title"]
    document["description"] = overlay["description"].strip()
    document[USAGE_MARKER] = accounting["value"]
    return name, document


# -- output -----------------------------------------------------------------------------------------
def dump(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build(spec_folder: Path) -> dict[Path, str]:
    """Every generated file's path and text."""
    spec = load_yaml(spec_folder / SPEC_FILE)
    subset = load_yaml(spec_folder / SUBSET_FILE)
    from_roots, from_paths = chat_component_names(spec)
    names = from_roots | from_paths
    cross_check(names, subset)
    openai = openai_document(spec, names)
    check_refs(openai, "openai")
    documents = {"openai": openai}
    for overlay_path in sorted(PROFILE_DIR.glob("*.yaml")):
        name, document = profile_document(openai, overlay_path, spec_folder.parent)
        if name in documents or overlay_path.stem != name:
            raise BuildError(f"{overlay_path}: profile {name!r} must be unique and match the file name")
        documents[name] = document
    files: dict[Path, str] = {}
    for name, document in documents.items():
        files[SCHEMAS / name / MAIN] = dump(document)
        for entry, definition in ENTRIES.items():
            files[SCHEMAS / name / f"{entry}.schema.json"] = dump(
                entry_document(name, entry, definition))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", help=f"the folder holding {SPEC_FILE} (or the file itself)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    try:
        files = build(spec_dir(args.spec))
    except BuildError as error:
        print(f"build_schemas: {error}", file=sys.stderr)
        return 2
    stale = [path for path, text in files.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(REPO)}", file=sys.stderr)
        if stale:
            print("run: python scripts/build_schemas.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
