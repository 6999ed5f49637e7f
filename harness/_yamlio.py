"""YAML in, plain Python out, with the line of every value kept for error messages.

PyYAML forgets where a value came from and silently keeps the last of two duplicate keys; a
conformance tool that says `cases/foo.yaml:12: unknown key 'strem'` needs both fixed. `load_yaml`
returns the data together with a `Lines` map from JSON pointers to 1-based line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = ["Lines", "load_yaml", "load_yaml_file", "pointer", "dump_yaml"]


def pointer(parts: Iterable[str | int]) -> str:
    """JSON pointer (RFC 6901) for a path of keys and indexes."""
    out = []
    for part in parts:
        out.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "".join("/" + p for p in out)


@dataclass
class Lines:
    """Maps a JSON pointer to the line where that value (or key) starts."""

    by_pointer: dict[str, int] = field(default_factory=dict)

    def line_of(self, parts: Iterable[str | int]) -> int | None:
        """The line of the deepest known value on the path (a missing key points at its parent)."""
        parts = list(parts)
        while True:
            line = self.by_pointer.get(pointer(parts))
            if line is not None or not parts:
                return line
            parts.pop()


# libyaml's parser (shipped in PyYAML's wheels) is several times faster than the pure-Python one
# and keeps the same marks; recordings and cases load much faster with it.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


def _build(loader: _Loader, node: yaml.Node, path: list[str | int], lines: Lines, error_cls, source) -> Any:
    lines.by_pointer.setdefault(pointer(path), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise error_cls(f"mapping keys must be plain strings, got {key!r}", path=source, line=key_node.start_mark.line + 1)
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise error_cls(
                    f"duplicate key {key!r} (first at line {lines.by_pointer[pointer([*path, key])]})",
                    path=source,
                    line=key_node.start_mark.line + 1,
                )
            # A key's own line is where a message about its value should point.
            lines.by_pointer[pointer([*path, key])] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, [*path, key], lines, error_cls, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, [*path, i], lines, error_cls, source) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    # Timestamps and other YAML-only types would not survive a trip through JSON; keep text.
    if not isinstance(value, (str, int, float, bool, type(None))):
        value = node.value
    return value


def load_yaml(text: str, *, source: str | Path, error_cls: type[InputError] = InputError) -> tuple[Any, Lines]:
    """Parse one YAML document. Errors name `source:line` and are `error_cls` instances."""
    lines = Lines()
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, lines
            return _build(loader, node, [], lines, error_cls, source), lines
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise error_cls(f"invalid YAML: {problem}", path=source, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise error_cls(f"invalid YAML: character {exc.character!r} is not allowed in YAML ({exc.reason})", path=source, line=line) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error_cls(f"invalid YAML: {first}", path=source) from None


def load_yaml_file(path: Path, *, error_cls: type[InputError] = InputError) -> tuple[Any, Lines]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error_cls("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise error_cls(f"not UTF-8 text (byte {exc.start})", path=path) from None
    except OSError as exc:
        raise error_cls(f"cannot read: {exc.strerror}", path=path) from None
    return load_yaml(text, source=path, error_cls=error_cls)


class _Dumper(yaml.SafeDumper):
    pass


# YAML folds these into plain line breaks in every style but double-quoted, where they are escaped.
_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str):
    # Multi-line text as a literal block keeps recordings and cases readable in a diff; PyYAML
    # falls back to a quoted style by itself when a block cannot hold the text exactly.
    if any(ch in value for ch in _YAML_LINE_BREAKS):
        style = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
