"""Joining the results of several runs (the shards of one run, as `run --shard i/n` makes them)
into one run's record, from which every report is then written as if one run had made it.

Shards name themselves in their header (`"shard": "2/3"`) and each lists the whole run's cases
and endpoints, so the merged results come out in the order one unsharded run gives them
(endpoint by endpoint, case by case), and a missing or doubled shard is an error, not a report
that quietly covers less than the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ._log import RunRecord

__all__ = ["merge_records"]

# Header fields that must be the same in every input: runs that differ here are not one run.
_SAME = ("mode", "repeat", "baseline", "harness_version")


def _names(header: dict[str, Any], key: str, field: str) -> list[str]:
    return [item[field] for item in header.get(key, [])]


def merge_records(records: Sequence[tuple[Path, RunRecord]]) -> RunRecord:
    """One record holding every result of `records` (each with the file it came from, for
    messages). Raises UsageError when they cannot be one run."""
    if not records:
        raise UsageError("merge needs at least one results.jsonl")
    (first_path, first), *_ = records
    for path, record in records[1:]:
        for key in _SAME:
            if record.header.get(key) != first.header.get(key):
                raise UsageError(
                    f"{path}: {key} {record.header.get(key)!r} differs from {first_path}'s {first.header.get(key)!r}; these are not shards of one run"
                )
    _check_shards(records)
    header = dict(first.header)
    header.pop("shard", None)
    # Shards of one run list the same cases and endpoints; runs split another way (by endpoint,
    # say) contribute what they have, in the order first seen.
    for key in ("cases", "endpoints"):
        seen: dict[str, Any] = {}
        for _, record in records:
            for item in record.header.get(key, []):
                seen.setdefault(item.get("id") or item.get("name"), item)
        header[key] = list(seen.values())
    clients: dict[str, Any] = {}
    for _, record in records:
        for client in record.header.get("clients", []):
            clients.setdefault(client["name"], client)
    header["clients"] = list(clients.values())
    header["started"] = min((r.header.get("started") or "" for _, r in records), default=None) or None

    endpoint_order = {name: index for index, name in enumerate(_names(header, "endpoints", "name"))}
    case_order = {name: index for index, name in enumerate(_names(header, "cases", "id"))}
    owner: dict[tuple[str, str], Path] = {}
    results = []
    for path, record in records:
        for result in record.results:
            key = (result.case_id, result.endpoint)
            if key in owner:
                raise UsageError(f"{path}: case {key[0]} × endpoint {key[1]} is also in {owner[key]}; a pair belongs to one shard")
            owner[key] = path
            results.append(result)
    results.sort(key=lambda r: (endpoint_order.get(r.endpoint, len(endpoint_order)), case_order.get(r.case_id, len(case_order))))

    ends = [record.end for _, record in records]
    finished = max((end.get("finished") or "" for end in ends if end), default="") or None
    interrupted = any(record.interrupted for _, record in records)
    merged = RunRecord(header=header, results=results, end={"type": "end", "finished": finished, "interrupted": interrupted})
    merged.damaged_lines = sum(record.damaged_lines for _, record in records)
    return merged


def _check_shards(records: Sequence[tuple[Path, RunRecord]]) -> None:
    shards = [(path, record.header.get("shard")) for path, record in records]
    named = [(path, shard) for path, shard in shards if shard]
    if not named:
        return
    if len(named) != len(shards):
        unnamed = next(path for path, shard in shards if not shard)
        raise UsageError(f"{unnamed}: not a shard, while {named[0][0]} is shard {named[0][1]}; merge the shards of one run")
    totals = {shard.split("/")[1] for _, shard in named}
    if len(totals) != 1:
        raise UsageError(f"shards of different splits: {', '.join(sorted(shard for _, shard in named))}")
    total = int(totals.pop())
    seen: dict[str, Path] = {}
    for path, shard in named:
        if shard in seen:
            raise UsageError(f"{path}: shard {shard} again (also {seen[shard]})")
        seen[shard] = path
    missing = [f"{index}/{total}" for index in range(1, total + 1) if f"{index}/{total}" not in seen]
    if missing:
        raise UsageError(f"shard {', '.join(missing)} missing: the merged report would leave out part of the run")
