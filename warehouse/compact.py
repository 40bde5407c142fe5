"""Compaction: merge each partition's small files into one, in one manifest swap.

Every run adds a few files per partition (one per batch and table); many small files make
DuckDB open and plan more. ``compact`` rewrites each partition that holds more than one
live file as a single file, conformed to the current schema (columns added since an old
file was written are filled with NULL), and publishes the swap under the writer lock.
Row content does not change, except ``line_stats``, whose rows are summed per source and
line hash (what the template history reads). The replaced files are swept by the next
writer.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.schemas import GLOBAL_TABLES, TABLES
from warehouse.store import partition_of, publish, read_manifest, sweep, write_parquet_atomic


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in order (missing ones all NULL)."""
    cols = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(cols, schema=schema)


def _sum_line_stats(table: pa.Table) -> pa.Table:
    summed = table.group_by(["source", "line_hash"]).aggregate([("docs", "sum")])
    return pa.table(
        {
            "source": summed["source"],
            "line_hash": summed["line_hash"],
            "docs": summed["docs_sum"].cast(pa.int32()),
            "run_id": pa.array(["compacted"] * len(summed), pa.string()),
        },
        schema=TABLES["line_stats"],
    )


def compact(warehouse: Path, min_files: int = 2) -> dict[str, int]:
    """Merge partitions with at least ``min_files`` live files. Call under the writer lock."""
    sweep(warehouse)
    manifest = read_manifest(warehouse)
    tag = uuid.uuid4().hex[:12]
    add: list[str] = []
    retire: list[str] = []
    for name, rels in manifest["files"].items():
        if name in GLOBAL_TABLES:
            continue
        groups: dict[str | None, list[str]] = defaultdict(list)
        for rel in rels:
            groups[partition_of(rel)].append(rel)
        for _part, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
            if len(members) < min_files:
                continue
            schema = TABLES[name]
            merged = pa.concat_tables(
                [conform(pq.read_table(warehouse / rel), schema) for rel in members]
            )
            if name == "line_stats":  # only the per-source sums matter: one row per line
                merged = _sum_line_stats(merged)
            rel = f"{members[0].rsplit('/', 1)[0]}/compact-{tag}.parquet"
            write_parquet_atomic(merged, warehouse / rel)
            add.append(rel)
            retire += members
    if add:
        publish(warehouse, f"compact-{tag}", add, retire)
    return {"partitions": len(add), "files_before": len(retire), "files_after": len(add)}
