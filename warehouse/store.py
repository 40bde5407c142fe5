"""Atomic Parquet writes and the manifest that says which files are live.

A run writes each batch to ``_staging/<run_id>/`` (temp name, then rename). At commit,
under the warehouse lock, the staged files are renamed into their partitions and a new
``_manifest.json`` is swapped in with ``os.replace``. Readers only ever see files the
manifest lists, so a crash at any moment leaves the previous state intact; files left
behind by a dead run are swept by ``sweep``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import is_dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.schemas import GLOBAL_TABLES, PARTITION_COLUMN, TABLES

MANIFEST = "_manifest.json"
STAGING = "_staging"
LOCK = ".lock"


class WarehouseBusy(Exception):
    """Another run holds the warehouse lock."""


def to_table(name: str, rows: Sequence[Any], **constants: Any) -> pa.Table:
    """Dataclass records (or dicts) -> an Arrow table with the table's explicit schema."""
    schema = TABLES[name]
    columns: dict[str, list[Any]] = {}
    for f in schema:
        if f.name in constants:
            columns[f.name] = [constants[f.name]] * len(rows)
        elif rows and is_dataclass(rows[0]):
            columns[f.name] = list(map(attrgetter(f.name), rows))
        else:
            columns[f.name] = list(map(itemgetter(f.name), rows))
    return pa.Table.from_pydict(columns, schema=schema)


def _write_atomic(path: Path, write: Callable[[Path], None], durable: bool = True) -> None:
    """``write`` to a temporary name in the same folder, fsync (unless not ``durable``),
    then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    if durable:
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_parquet_atomic(table: pa.Table, path: Path, durable: bool = True) -> None:
    """Write ``table`` to ``path`` atomically (temporary name, fsync, rename). Not
    ``durable``: no fsync, for a file a later ``publish`` makes durable with the rest."""
    _write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"), durable)


def write_batches_atomic(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path) -> None:
    """``write_parquet_atomic`` for a stream of record batches, cast to ``schema`` one at a
    time (a table too large to hold is never built in memory)."""

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in batches:
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))

    _write_atomic(path, write)


def partition_dir(name: str, logical_date: date) -> str:
    """``<table>/logical_date=YYYY-MM-DD``; whole-warehouse tables have no partitions."""
    if name in GLOBAL_TABLES:
        return name
    return f"{name}/{PARTITION_COLUMN}={logical_date.isoformat()}"


def partition_of(rel: str) -> str | None:
    """The ``YYYY-MM-DD`` of a table file's partition (None for a global table file)."""
    parts = rel.split("/")
    prefix = f"{PARTITION_COLUMN}="
    return parts[1][len(prefix) :] if len(parts) > 2 and parts[1].startswith(prefix) else None


def stage(
    warehouse: Path, run_id: str, logical_date: date, part: str, tables: dict[str, pa.Table]
) -> list[str]:
    """Write one batch's tables into the run's staging area; returns staged paths."""
    staged = []
    for name, table in tables.items():
        if table.num_rows == 0:
            continue
        rel = f"{partition_dir(name, logical_date)}/{run_id}-{part}.parquet"
        # no fsync per staged file (5 a batch, each blocking a worker for a disk flush):
        # ``publish`` flushes the warehouse's file system once before its manifest swap
        write_parquet_atomic(table, warehouse / STAGING / run_id / rel, durable=False)
        staged.append(rel)
    return staged


def read_manifest(warehouse: Path) -> dict[str, Any]:
    path = warehouse / MANIFEST
    if not path.exists():
        return {"version": 0, "files": {name: [] for name in TABLES}}
    with open(path, encoding="utf-8") as fh:
        manifest: dict[str, Any] = json.load(fh)
    for name in TABLES:
        manifest["files"].setdefault(name, [])
    return manifest


def write_manifest(warehouse: Path, manifest: dict[str, Any]) -> None:
    tmp = warehouse / f".{MANIFEST}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, warehouse / MANIFEST)


def move_staged(warehouse: Path, run_id: str, staged: Sequence[str]) -> None:
    """Rename a run's staged files into their partitions (still invisible: not listed)."""
    for rel in staged:
        dest = warehouse / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(warehouse / STAGING / run_id / rel, dest)


def publish(
    warehouse: Path, run_id: str, add: Sequence[str], retire: Sequence[str] = ()
) -> dict[str, Any]:
    """One manifest swap: list ``add``, unlist ``retire``. The only moment readers' view changes.

    Retired files stay on disk until the next writer's ``sweep``, so a query that opened the
    previous catalog keeps working meanwhile.
    """
    manifest = read_manifest(warehouse)
    gone = set(retire)
    for table, rels in manifest["files"].items():
        manifest["files"][table] = [r for r in rels if r not in gone]
    for rel in add:
        table = rel.split("/", 1)[0]
        if rel not in manifest["files"][table]:
            manifest["files"][table].append(rel)
    manifest["version"] = int(manifest["version"]) + 1
    manifest["last_run_id"] = run_id
    sync_filesystem(warehouse)  # every file it lists on disk before the manifest says so
    crash_point("before-manifest-swap")
    write_manifest(warehouse, manifest)
    crash_point("after-manifest-swap")
    drop_staging(warehouse, run_id)
    return manifest


def sync_filesystem(warehouse: Path) -> None:
    """Flush the file system holding ``warehouse`` to disk (Linux ``syncfs``; elsewhere
    ``os.sync``): staged files are written without an fsync each, and the renames that
    moved them into their partitions are directory changes an fsync of a file does not
    cover. One flush before the manifest swap makes all of them durable first."""
    libc = _libc()
    if libc is not None and hasattr(libc, "syncfs"):
        fd = os.open(warehouse, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    os.sync()


@lru_cache(maxsize=1)
def _libc() -> Any:
    """The C library's symbols as the process has them loaded (``dlopen(NULL)``), not
    through ``ctypes.util.find_library``, which runs ``ldconfig -p`` in a child process:
    a fork of the flow process, at the commit its largest."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def drop_staging(warehouse: Path, run_id: str) -> None:
    shutil.rmtree(warehouse / STAGING / run_id, ignore_errors=True)
    try:
        (warehouse / STAGING).rmdir()  # only when no other staging area is left
    except OSError:
        pass


def commit(warehouse: Path, run_id: str, staged: Sequence[str]) -> dict[str, Any]:
    """Move a run's staged files into place and publish them in one manifest swap."""
    move_staged(warehouse, run_id, staged)
    return publish(warehouse, run_id, staged)


def crash_point(name: str) -> None:
    """Test hook: ``NEWSETL_CRASH_AT=<name>`` kills this process here with SIGKILL.

    Crash-safety tests use it to stop a real run at named points of the commit.
    """
    if os.environ.get("NEWSETL_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def sweep(warehouse: Path) -> int:
    """Remove staging areas and table files that no manifest lists (a dead run's leftovers)."""
    removed = 0
    staging = warehouse / STAGING
    if staging.exists():
        shutil.rmtree(staging)
        removed += 1
    live = {rel for files in read_manifest(warehouse)["files"].values() for rel in files}
    for name in TABLES:
        for path in (warehouse / name).glob("**/*.parquet") if (warehouse / name).exists() else ():
            if path.relative_to(warehouse).as_posix() not in live:
                path.unlink()
                removed += 1
        for tmp in (warehouse / name).glob("**/.*.tmp-*") if (warehouse / name).exists() else ():
            tmp.unlink()
            removed += 1
    return removed


def live_files(warehouse: Path, name: str) -> list[Path]:
    return [warehouse / rel for rel in read_manifest(warehouse)["files"][name]]


@contextmanager
def writer_lock(warehouse: Path) -> Iterator[None]:
    """One writer at a time: an exclusive, non-blocking flock on ``<warehouse>/.lock``."""
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"another run is writing to {warehouse}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
