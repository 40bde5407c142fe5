"""The ``files`` table and incremental planning: which input files a run must process.

A file is decided cheaply first: same path, size and mtime as its current row means
unchanged, without reading it. Only when the mtime moved and the size did not is it
hashed here (SHA-256 of the bytes); equal content is still unchanged (a touched file),
different content is a new version that supersedes the earlier one's rows. A new file, or
one whose size changed, is processed whatever its bytes: its hash is taken by the worker
that reads it (``flows.batch.run_batch``), in parallel, and filled in at commit
(``Plan.files_with_hashes``); before, the plan read and hashed every new file alone
(~25 us of CPU each plus the reads: 2.5-5 s at 100,000 files, serial). Every version
stays in ``files`` with status ``current``, ``superseded`` (an older version of a changed
file) or ``removed`` (its partition was re-run without it).

In replace mode (a partition re-run, ``--replace`` / backfill) every discovered file is
processed, and the run's partition is replaced whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.discover import FileList, as_file_list
from tasks.records import Reject, SourceFile
from warehouse.schemas import FILES
from warehouse.store import live_files, write_parquet_atomic

REFUSED_HASH = ""  # a file discovery refused (never read), or unreadable: no content hash


def file_digest(path: str) -> bytes:
    """The SHA-256 of a file's bytes (32 raw bytes); OSError when it cannot be read."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def file_sha256(path: str) -> str:
    return file_digest(path).hex()


def content_sha256(path: str) -> str:
    """``file_sha256``, or ``REFUSED_HASH`` when the file cannot be read (it is then a
    reject of the read stage, and a later change of its size or mtime brings it back)."""
    try:
        return file_sha256(path)
    except OSError:
        return REFUSED_HASH


# ``content_digest`` of a file that could not be read (what ``REFUSED_HASH`` is in hex)
UNREAD = bytes(32)


def content_digest(path: str) -> bytes:
    """``file_digest`` (``content_sha256`` is its hex), or ``UNREAD`` when the file
    cannot be read."""
    try:
        return file_digest(path)
    except OSError:
        return UNREAD


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", np.uint8)


def hex_digests(raw: bytes | np.ndarray) -> pa.Array:
    """SHA-256 digests (32 raw bytes each, concatenated) as their hex strings, one Arrow
    string each, without a Python object per digest."""
    d = np.frombuffer(raw, np.uint8).reshape(-1, 32) if isinstance(raw, bytes) else raw
    n = len(d)
    out = np.empty((n, 64), np.uint8)
    out[:, 0::2] = _HEX_DIGITS[d >> 4]
    out[:, 1::2] = _HEX_DIGITS[d & 15]
    offsets = np.arange(0, 64 * n + 1, 64, dtype=np.int64)
    text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out))
    return text.cast(pa.string())


def read_files_table(warehouse: Path) -> pa.Table:
    """Every row of the live ``files`` table (all versions), as Arrow columns."""
    parts = [pq.read_table(path).cast(FILES) for path in live_files(warehouse, "files")]
    return pa.concat_tables(parts) if parts else FILES.empty_table()


def _empty_files() -> pa.Table:
    return FILES.empty_table()


def _no_files() -> FileList:
    return FileList.from_records([])


@dataclass(slots=True)
class Plan:
    """What one run does: files to process, rows to supersede, the next ``files`` table."""

    logical_date: date
    replace: bool
    todo: FileList = field(default_factory=_no_files)  # in path order
    refused: list[Reject] = field(default_factory=list)  # discovery rejects to record
    supersede: set[str] = field(default_factory=set)  # paths whose earlier rows must go
    supersede_dates: set[date] = field(default_factory=set)  # partitions holding those rows
    # the next ``files`` table; ``sha256`` is null for the versions whose bytes the plan did
    # not read (see the module doc): ``files_with_hashes`` fills them in. Empty once
    # ``spill`` has written it to the staging area: read it through ``next_files()``
    files: pa.Table = field(default_factory=_empty_files)
    counts: dict[str, int] = field(default_factory=dict)  # new / changed / unchanged / ...
    spilled: Path | None = None  # where ``files`` waits for the commit (``spill``)

    @property
    def noop(self) -> bool:
        return not self.todo and not self.refused and not self.replace

    def files_with_hashes(self, hashes: Mapping[str, str] | None = None) -> pa.Table:
        """The next ``files`` table with every version's hash: from ``hashes`` (relative
        path -> SHA-256, as the workers report them), else read here (``content_sha256``).

        ``hashes`` with an ``arrays()`` method (``flows.batch.FileDigests``) gives its
        paths and hashes as two Arrow columns, matched here without a Python object per
        file."""
        files = self.next_files()
        sha = files["sha256"].combine_chunks()
        if sha.null_count == 0:
            return files
        missing = pc.is_null(sha)
        paths = files["path"].combine_chunks().filter(missing)
        known_paths, known = _hash_columns(hashes)
        got = known.take(pc.index_in(paths, value_set=known_paths))
        if got.null_count:  # not read by any worker: read here
            rest = pc.indices_nonzero(pc.is_null(got))
            at = pc.index_in(paths.take(rest), value_set=self.todo.rel_paths).to_pylist()
            more = [
                content_sha256(self.todo[_known(k, p)].path)
                for p, k in zip(paths.take(rest).to_pylist(), at, strict=True)
            ]
            got = pc.replace_with_mask(got, pc.is_null(got), pa.array(more, pa.string()))
        filled = pc.replace_with_mask(sha, missing, got)
        i = files.schema.get_field_index("sha256")
        return files.set_column(i, FILES.field("sha256"), filled)

    def spill(self, path: Path) -> None:
        """Keep the next ``files`` table in ``path`` (Parquet, e.g. in the run's staging
        area) until the commit, instead of in memory: the flow process held it through
        the batch phase (~11 MB of Arrow at 100,000 new files). ``files`` is then empty;
        ``next_files`` (and ``files_with_hashes``) read it back."""
        open_hashes = pa.schema([f.with_nullable(True) for f in self.files.schema])
        write_parquet_atomic(self.files.cast(open_hashes), path, durable=False)
        self.files, self.spilled = _empty_files(), path

    def next_files(self) -> pa.Table:
        """The next ``files`` table (hashes pending), from memory or from its ``spill``."""
        if self.spilled is None:
            return self.files
        table = pq.read_table(self.spilled)  # nullable columns: ``sha256`` is open
        return pa.Table.from_arrays(table.columns, schema=FILES)


def _hash_columns(hashes: Mapping[str, str] | None) -> tuple[pa.Array, pa.Array]:
    arrays = getattr(hashes, "arrays", None)
    if arrays is not None:
        paths, shas = arrays()
        return paths, shas
    hashes = hashes or {}
    return pa.array(list(hashes), pa.string()), pa.array(list(hashes.values()), pa.string())


def _known(index: int | None, path: str) -> int:
    if index is None:
        raise KeyError(path)
    return index


class _Next:
    """The next ``files`` table, gathered as row indices into the current rows (with the
    columns to change) plus the new versions' columns: no Python object per kept row."""

    def __init__(self, current: pa.Table, seen_at: datetime, run_id: str, day: date) -> None:
        self.current, self.seen_at, self.run_id, self.day = current, seen_at, run_id, day
        self.kept: dict[str, list[int]] = {}  # how the row changes -> indices into current
        self.stat: tuple[list[int], list[int]] = ([], [])  # sizes, mtimes of "restat" rows
        self.new: dict[str, list[Any]] = {c: [] for c in ("path", "source", "size", "mtime_ns")}
        self.new["sha256"] = []
        self.new_files: list[pa.Table] = []  # whole columns of new files (hash pending)

    def keep(self, how: str, index: int) -> None:
        """``same`` as it is, ``seen`` last_seen now, ``restat`` + new size/mtime, ``rerun``
        processed again by this run, ``superseded`` / ``removed`` status."""
        self.kept.setdefault(how, []).append(index)

    def restat(self, index: int, size: int, mtime_ns: int) -> None:
        self.keep("restat", index)
        self.stat[0].append(size)
        self.stat[1].append(mtime_ns)

    def version(
        self, path: str, source: str | None, size: int, mtime: int, sha: str | None
    ) -> None:
        """A new version (``sha`` None: to be filled in at commit)."""
        for col, value in zip(self.new, (path, source, size, mtime, sha), strict=True):
            self.new[col].append(value)

    def versions(self, cols: dict[str, pa.Array]) -> None:
        """New versions as whole columns (path, source, size, mtime_ns), hashes pending."""
        self.new_files.append(pa.table(cols))

    def table(self) -> pa.Table:
        def put(t: pa.Table, name: str, values: Any) -> pa.Table:
            i = t.schema.get_field_index(name)
            return t.set_column(i, FILES.field(name), pa.array(values, FILES.field(name).type))

        parts = []
        for how, idx in self.kept.items():
            t = self.current.take(pa.array(idx, pa.int64()))
            n = t.num_rows
            if how in ("seen", "restat", "rerun"):
                t = put(t, "last_seen", [self.seen_at] * n)
            if how == "restat":
                t = put(put(t, "size", self.stat[0]), "mtime_ns", self.stat[1])
            if how == "rerun":
                t = put(put(t, "run_id", [self.run_id] * n), "rows_date", [self.day] * n)
            if how in ("superseded", "removed"):
                t = put(t, "status", [how] * n)
            parts.append(t)
        consts = {"first_seen": self.seen_at, "last_seen": self.seen_at, "status": "current"}
        consts |= {"run_id": self.run_id, "rows_date": self.day}
        listed = {c: pa.array(v, FILES.field(c).type) for c, v in self.new.items()}
        for new in [pa.table(listed), *self.new_files]:
            n = new.num_rows
            cols = {
                f.name: new[f.name] if f.name in new.column_names else [consts.get(f.name)] * n
                for f in FILES
            }
            parts.append(pa.table(cols, schema=FILES))
        return pa.concat_tables(parts)


def plan_run(
    warehouse: Path,
    files: Sequence[SourceFile],
    refused: list[Reject],
    logical_date: date,
    seen_at: datetime,
    run_id: str,
    replace: bool = False,
) -> Plan:
    """Compare discovered files with the ``files`` table; nothing is written here.

    The comparison is vectorized (Arrow), new files too: only known files whose size or
    mtime moved are looked at one by one (hashed when the size is the same).
    ``files``: discovery's ``FileList`` (any sequence of ``SourceFile`` is listed first).
    """
    files = as_file_list(files)
    plan = Plan(logical_date, replace)
    history = read_files_table(warehouse)
    is_current = pc.equal(history["status"], "current")
    older = history.filter(pc.invert(is_current))  # older versions: unchanged
    current = history.filter(is_current)
    del history, is_current
    nxt = _Next(current, seen_at, run_id, logical_date)
    counts = dict.fromkeys(("new", "changed", "unchanged", "rehashed", "removed"), 0)

    def lookup(paths: list[str]) -> list[int | None]:
        return pc.index_in(pa.array(paths, pa.string()), value_set=current["path"]).to_pylist()

    def supersede(i: int) -> None:
        plan.supersede.add(current["path"][i].as_py())
        plan.supersede_dates.add(current["rows_date"][i].as_py())

    paths, sizes, mtimes = files.rel_paths, files.sizes, files.mtimes
    found = pc.index_in(paths, value_set=current["path"])
    same = pa.array([False] * len(files), pa.bool_())
    if current.num_rows:  # same path, size and mtime as the current version
        known = found.fill_null(0)
        same = pc.and_(
            pc.and_(pc.is_valid(found), pc.equal(current["size"].take(known), sizes)),
            pc.equal(current["mtime_ns"].take(known), mtimes),
        ).fill_null(False)
    if not replace:
        unchanged = pc.filter(found, same)
        nxt.kept["seen"] = unchanged.to_pylist()
        counts["unchanged"] += len(unchanged)
        look = pc.indices_nonzero(pc.invert(same))
    else:
        look = pa.array(range(len(files)), pa.uint64())
    # new files: processed whatever their bytes, hashed by the workers (whole columns)
    is_new = pc.is_null(found.take(look))
    new = pc.filter(look, is_new)
    if len(new):
        sources = files.sources
        nxt.versions(
            {
                "path": paths.take(new),
                "source": sources.take(new),
                "size": sizes.take(new),
                "mtime_ns": mtimes.take(new),
            }
        )
        counts["new"] += len(new)
    todo = new.to_pylist()
    for k in pc.filter(look, pc.invert(is_new)).to_pylist():  # known files that moved
        f, cur = files[k], found[k].as_py()
        cur_sha = current["sha256"][cur].as_py()
        # another size: other bytes, whatever they are (the worker hashes them)
        sha = file_sha256(f.path) if f.size == current["size"][cur].as_py() else None
        if cur_sha == sha:
            counts["rehashed"] += 1  # touched, same bytes
            if not replace:
                nxt.restat(cur, f.size, f.mtime_ns)
                continue
        else:
            counts["changed"] += 1
        todo.append(k)
        supersede(cur)
        if cur_sha == sha:  # re-run of the same bytes: same version, new rows
            nxt.keep("rerun", cur)
            continue
        nxt.keep("superseded", cur)
        nxt.version(f.rel_path, f.source, f.size, f.mtime_ns, sha)
    todo.sort()  # in path order, as discovered
    # every file (a first run): the same list, not a copy of it
    plan.todo = files if len(todo) == len(files) else files.take(todo)

    for rej, cur in zip(refused, lookup([r.source_path for r in refused]), strict=True):
        cur_sha = current["sha256"][cur].as_py() if cur is not None else None
        if cur is not None and cur_sha == REFUSED_HASH and not replace:
            nxt.keep("seen", cur)
            counts["unchanged"] += 1
            continue
        if cur is not None:
            supersede(cur)
            nxt.keep("superseded", cur)
        counts["new" if cur is None else "changed"] += 1
        plan.refused.append(rej)
        source = rej.source_path.split("/")[0] if "/" in rej.source_path else None
        nxt.version(rej.source_path, source, 0, 0, REFUSED_HASH)

    seen = pa.concat_arrays([paths, pa.array([r.source_path for r in refused], pa.string())])
    unseen = pc.indices_nonzero(pc.invert(pc.is_in(current["path"], value_set=seen)))
    if replace:  # a file of the replaced partition that is gone from the input is removed
        in_day = pc.equal(current["rows_date"].take(unseen), pa.scalar(logical_date))
        removed = pc.filter(unseen, in_day).to_pylist()
        nxt.kept["removed"] = removed
        counts["removed"] += len(removed)
        unseen = pc.filter(unseen, pc.invert(in_day))
    # another input folder's file, or delivered on another date: kept as it is
    nxt.kept["same"] = unseen.to_pylist()
    if replace:
        plan.supersede_dates.discard(logical_date)  # that partition is replaced whole
    plan.files = pa.concat_tables([older, nxt.table()]).sort_by(
        [("path", "ascending"), ("first_seen", "ascending"), ("status", "ascending")]
    )
    plan.counts = counts
    # the comparison's transient columns are freed, but Arrow's allocator keeps their
    # pages: give them back, or the flow process holds them through the whole run
    # (~45 MB at 100,000 files)
    pa.default_memory_pool().release_unused()
    return plan
