"""The ``files`` table and incremental planning: which input files a run must process.

A file is decided cheaply first: same path, size and mtime as its current row means
unchanged, without reading it. Only when size or mtime moved is it hashed (SHA-256 of the
bytes); equal content is still unchanged (a touched file), different content is a new
version that supersedes the earlier one's rows. Every version stays in ``files`` with
status ``current``, ``superseded`` (an older version of a changed file) or ``removed`` (its
partition was re-run without it).

In replace mode (a partition re-run, ``--replace`` / backfill) every discovered file is
processed, and the run's partition is replaced whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tasks.records import Reject, SourceFile
from warehouse.store import live_files

REFUSED_HASH = ""  # a file discovery refused (never read): no content hash


def file_sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_files_table(warehouse: Path) -> list[dict[str, Any]]:
    """Every row of the live ``files`` table (all versions)."""
    rows: list[dict[str, Any]] = []
    for path in live_files(warehouse, "files"):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


@dataclass(slots=True)
class Plan:
    """What one run does: files to process, rows to supersede, the next ``files`` table."""

    logical_date: date
    replace: bool
    todo: list[SourceFile] = field(default_factory=list)
    refused: list[Reject] = field(default_factory=list)  # discovery rejects to record
    supersede: set[str] = field(default_factory=set)  # paths whose earlier rows must go
    supersede_dates: set[date] = field(default_factory=set)  # partitions holding those rows
    files_rows: list[dict[str, Any]] = field(default_factory=list)  # the next ``files``
    counts: dict[str, int] = field(default_factory=dict)  # new / changed / unchanged / ...

    @property
    def noop(self) -> bool:
        return not self.todo and not self.refused and not self.replace


def plan_run(
    warehouse: Path,
    files: list[SourceFile],
    refused: list[Reject],
    logical_date: date,
    seen_at: datetime,
    run_id: str,
    replace: bool = False,
) -> Plan:
    """Compare discovered files with the ``files`` table; nothing is written here."""
    plan = Plan(logical_date, replace)
    history = read_files_table(warehouse)
    current = {r["path"]: r for r in history if r["status"] == "current"}
    rows = [r for r in history if r["status"] != "current"]  # older versions, unchanged
    counts = dict.fromkeys(("new", "changed", "unchanged", "rehashed", "removed"), 0)

    def version(path: str, source: str | None, size: int, mtime: int, sha: str) -> None:
        rows.append(
            {
                "path": path,
                "source": source,
                "size": size,
                "mtime_ns": mtime,
                "sha256": sha,
                "first_seen": seen_at,
                "last_seen": seen_at,
                "status": "current",
                "run_id": run_id,
                "rows_date": logical_date,
            }
        )

    def supersede(cur: dict[str, Any]) -> None:
        plan.supersede.add(cur["path"])
        plan.supersede_dates.add(cur["rows_date"])

    seen: set[str] = set()
    for f in files:
        seen.add(f.rel_path)
        cur = current.pop(f.rel_path, None)
        if (
            cur is not None
            and not replace
            and (cur["size"], cur["mtime_ns"]) == (f.size, f.mtime_ns)
        ):
            rows.append(cur | {"last_seen": seen_at})
            counts["unchanged"] += 1
            continue
        sha = file_sha256(f.path)
        if cur is None:
            counts["new"] += 1
        elif cur["sha256"] == sha:
            counts["rehashed"] += 1  # touched, same bytes
            if not replace:
                rows.append(cur | {"last_seen": seen_at, "size": f.size, "mtime_ns": f.mtime_ns})
                continue
        else:
            counts["changed"] += 1
        plan.todo.append(f)
        if cur is not None:
            supersede(cur)
            if cur["sha256"] == sha:  # re-run of the same bytes: same version, new rows
                rows.append(
                    cur | {"last_seen": seen_at, "run_id": run_id, "rows_date": logical_date}
                )
                continue
            rows.append(cur | {"status": "superseded"})
        version(f.rel_path, f.source, f.size, f.mtime_ns, sha)

    for rej in refused:
        seen.add(rej.source_path)
        cur = current.pop(rej.source_path, None)
        if cur is not None and cur["sha256"] == REFUSED_HASH and not replace:
            rows.append(cur | {"last_seen": seen_at})
            counts["unchanged"] += 1
            continue
        if cur is not None:
            supersede(cur)
            rows.append(cur | {"status": "superseded"})
        counts["new" if cur is None else "changed"] += 1
        plan.refused.append(rej)
        source = rej.source_path.split("/")[0] if "/" in rej.source_path else None
        version(rej.source_path, source, 0, 0, REFUSED_HASH)

    for cur in current.values():  # known files this run did not see
        if replace and cur["rows_date"] == logical_date:
            rows.append(cur | {"status": "removed"})  # its partition is replaced without it
            counts["removed"] += 1
        else:
            rows.append(cur)  # another input folder's file, or delivered on another date
    if replace:
        plan.supersede_dates.discard(logical_date)  # that partition is replaced whole
    plan.files_rows = sorted(rows, key=lambda r: (r["path"], r["first_seen"], r["status"]))
    plan.counts = counts
    return plan
