"""Finishing a load, under the writer lock: everything is prepared as unlisted files, then
checked, then published in one manifest swap.

1. the run's staged files are renamed into their partitions (invisible: not listed);
2. a partition re-run (``plan.replace``) retires every document-table file of its date;
3. a changed file supersedes its earlier rows copy-on-write: each live file holding some
   of them is rewritten without them under a new name, and the old one is retired;
4. the next ``files`` table and the duplicate ``clusters`` are written (new names);
5. the declared checks run over exactly the files about to be live;
6. an error-level failure publishes only the run's ``runs`` (status ``failed_checks``) and
   ``checks`` rows and raises ``LoadFailed``; otherwise one manifest swap publishes all.

A crash anywhere before the swap leaves the previous manifest in force; ``sweep`` removes
the unlisted leftovers at the next start. Retired files stay until that sweep too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.normalize import make_doc_id
from tasks.records import Article
from warehouse.checks import cache_metadata, failed, in_check_order, run_checks
from warehouse.dedup import cluster
from warehouse.files import Plan
from warehouse.schemas import DOCUMENT_TABLES, TABLES
from warehouse.store import (
    STAGING,
    crash_point,
    move_staged,
    partition_dir,
    partition_of,
    publish,
    read_manifest,
    to_table,
    write_batches_atomic,
    write_parquet_atomic,
)

MEMORY_LIMIT = "256MB"  # DuckDB's, for commit-time work (it spills beyond)


class LoadFailed(Exception):
    """An error-level check failed; the load was not published."""

    def __init__(self, checks: list[dict[str, Any]]) -> None:
        self.checks = checks
        bad = ", ".join(
            f"{c['check_name']}({c['table_name']}.{c['column_name'] or '*'}): {c['failures']}"
            for c in failed(checks)
        )
        super().__init__(f"checks failed, load not published: {bad}")


@dataclass(slots=True)
class LoadResult:
    version: int
    checks: list[dict[str, Any]]
    rewritten: int = 0  # files rewritten copy-on-write to drop superseded rows
    retired: int = 0
    clusters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # the whole run's, commit included


def _table_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def _copy_on_write(
    warehouse: Path, run_id: str, lists: dict[str, list[str]], plan: Plan, skip: set[str]
) -> tuple[list[str], list[str]]:
    """Rewrite the live files holding rows of ``plan.supersede`` without them."""
    dates = {d.isoformat() for d in plan.supersede_dates}
    paths = pa.array(sorted(plan.supersede), pa.string())
    doc_ids: set[str] = set()
    retire: list[str] = []
    add: list[str] = []
    for name in ("articles", "rejects", "signatures", "chrome_segments"):
        for n, rel in enumerate(lists[name]):
            if rel in skip or partition_of(rel) not in dates:
                continue
            table = pq.read_table(warehouse / rel)
            if name == "chrome_segments":
                mask = pc.is_in(table["doc_id"], pa.array(sorted(doc_ids), pa.string()))
            else:
                mask = pc.is_in(table["source_path"], paths)
            if not pc.any(mask).as_py():
                continue
            if name in ("articles", "rejects"):
                gone = table.filter(mask).select(["source_path", "record"]).to_pylist()
                doc_ids.update(make_doc_id(r["source_path"], r["record"]) for r in gone)
            kept = table.filter(pc.invert(mask))
            retire.append(rel)
            if kept.num_rows:
                new_rel = f"{rel.rsplit('/', 1)[0]}/{run_id}-cow-{n:05d}.parquet"
                write_parquet_atomic(kept, warehouse / new_rel)
                add.append(new_rel)
    return retire, add


def _listing(warehouse: Path, rels: Sequence[str | Path]) -> str:
    quoted = ("'" + str(warehouse / r).replace("'", "''") + "'" for r in rels)
    return "[" + ", ".join(quoted) + "]"


def connect(temp_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for commit-time work over the warehouse: bounded memory (it
    spills to ``temp_dir`` beyond ``MEMORY_LIMIT``), so the flow process stays flat."""
    con = cache_metadata(duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2}))
    con.execute("set temp_directory = $d", {"d": str(temp_dir)})
    con.execute("set preserve_insertion_order = false")
    return con


def _missing_signatures(
    con: duckdb.DuckDBPyConnection, articles: str, sigs: str, target: Path
) -> bool:
    """Signatures of articles that have none (written before ``signatures`` existed), into
    ``target``, a batch at a time. True when there were any."""
    from tasks.dedup import normalized_body, signatures

    # asked first without the bodies: reading every body only to find none missing was
    # 2.1 of the commit's seconds at 100,000 articles (0.4 s without them)
    missing = f"select a.doc_id from {articles} a anti join {sigs} s using (doc_id)"
    if not con.execute(f"select exists ({missing})").fetchall()[0][0]:
        return False
    sql = f"select a.doc_id, a.source_path, a.body from {articles} a anti join {sigs} s "
    writer: pq.ParquetWriter | None = None
    for batch in con.sql(sql + "using (doc_id)").to_arrow_reader(1000):
        ids, paths, bodies = (batch.column(i).to_pylist() for i in range(3))
        minhashes = signatures([normalized_body(b or "") for b in bodies])
        rows = [
            {"doc_id": d, "source_path": p, "minhash": m}
            for d, p, m in zip(ids, paths, minhashes, strict=True)
        ]
        table = to_table("signatures", rows, run_id="")
        if writer is None:
            writer = pq.ParquetWriter(target, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    return writer is not None


def _write_clusters(
    warehouse: Path, run_id: str, articles: list[str], signatures: list[str], target: Path
) -> dict[str, int]:
    """Cluster every live article (``warehouse.dedup``) and write the ``clusters`` table to
    ``target``, streamed out of DuckDB in doc_id order; returns the count per match."""
    if not articles:
        write_parquet_atomic(to_table("clusters", []), target)
        return {}
    scratch = warehouse / STAGING / run_id / "_dedup"
    scratch.mkdir(parents=True, exist_ok=True)
    arts = f"read_parquet({_listing(warehouse, articles)}, union_by_name = true)"
    sigs = "(select null::varchar as doc_id, null::blob as minhash where false)"
    if signatures:
        sigs = f"read_parquet({_listing(warehouse, signatures)}, union_by_name = true)"
    con = connect(scratch)
    try:
        extra = scratch / "missing-signatures.parquet"
        if _missing_signatures(con, arts, sigs, extra):
            more = f"read_parquet({_listing(warehouse, [extra])})"
            sigs = (
                f"(select doc_id, minhash from {sigs} union all select doc_id, minhash from {more})"
            )
        # a table, not a view: the clustering reads it twice (bodies, then documents),
        # and each read of a view re-scanned and re-joined both tables' files
        con.execute(
            "create temp table docs as select a.doc_id, "
            # a row without a hash (it fails the not_null check) is nobody's duplicate
            "coalesce(a.content_sha256, 'doc:' || coalesce(a.doc_id, '')) as content_sha256, "
            "s.minhash, a.published_at, a.ingested_at, a.source_path, a.record "
            f"from {arts} a left join {sigs} s using (doc_id)"
        )
        counts = cluster(con, "docs")
        ordered = con.sql("select * from clusters_out order by doc_id")
        write_batches_atomic(ordered.to_arrow_reader(65536), TABLES["clusters"], target)
    finally:
        con.close()
    return counts


def finish_load(
    warehouse: Path,
    run_id: str,
    plan: Plan,
    staged: Sequence[str],
    run_row: dict[str, Any],
    documents: int,
    checked_at: datetime,
    hashes: Mapping[str, str] | None = None,
) -> LoadResult:
    """Supersede, dedup, check and publish a run's staged files (see the module doc).

    ``hashes``: relative path -> SHA-256 of the files the run processed, as its workers
    read them (``Plan.files_with_hashes`` reads any other the plan left open)."""
    t0 = time.perf_counter()
    day = plan.logical_date
    move_staged(warehouse, run_id, staged)
    crash_point("after-move")
    manifest = read_manifest(warehouse)
    lists: dict[str, list[str]] = {t: list(manifest["files"][t]) for t in TABLES}
    retire: list[str] = []
    add = list(staged)
    if plan.replace:
        retire += [
            rel for t in DOCUMENT_TABLES for rel in lists[t] if partition_of(rel) == day.isoformat()
        ]
    rewritten = 0
    if plan.supersede:
        more_retire, more_add = _copy_on_write(warehouse, run_id, lists, plan, set(retire))
        retire += more_retire
        add += more_add
        rewritten = len(more_add)
    crash_point("after-copy-on-write")

    def candidate(name: str) -> list[str]:
        gone = set(retire)
        return [r for r in lists[name] if r not in gone] + [r for r in add if _table_of(r) == name]

    files_rel = f"{partition_dir('files', day)}/{run_id}.parquet"
    write_parquet_atomic(plan.files_with_hashes(hashes), warehouse / files_rel)
    retire += lists["files"]
    add.append(files_rel)

    # The checks of every table but ``clusters`` run in a thread while the clusters are
    # computed: both are mostly DuckDB (which releases the GIL), and the commit has both
    # cores to itself (the worker pool is gone); then the checks of ``clusters``.
    first = [name for name in TABLES if name != "clusters"]
    with ThreadPoolExecutor(max_workers=1) as side:
        early = side.submit(
            run_checks,
            {name: [warehouse / r for r in candidate(name)] for name in first},
            run_id,
            documents,
            checked_at,
            first,
        )
        clusters: dict[str, int] = {}
        if any(_table_of(r) in ("articles", "signatures") for r in [*add, *retire]):
            clusters_rel = f"{partition_dir('clusters', day)}/{run_id}.parquet"
            clusters = _write_clusters(
                warehouse,
                run_id,
                candidate("articles"),
                candidate("signatures"),
                warehouse / clusters_rel,
            )
            retire += lists["clusters"]
            add.append(clusters_rel)
        crash_point("before-checks")
        late = run_checks(
            {"clusters": [warehouse / r for r in candidate("clusters")]},
            run_id,
            documents,
            checked_at,
            ["clusters"],
        )
        checks = in_check_order([*early.result(), *late])
    errors = failed(checks)
    spent = time.perf_counter() - t0  # the run row's times include this commit
    row = run_row | {
        "status": "failed_checks" if errors else "completed",
        "seconds": round(run_row["seconds"] + spent, 3),
        "finished_at": run_row["finished_at"] + timedelta(seconds=spent),
    }
    log = []
    for name, table in (("runs", to_table("runs", [row])), ("checks", to_table("checks", checks))):
        rel = f"{partition_dir(name, day)}/{run_id}-{name}.parquet"
        write_parquet_atomic(table, warehouse / rel)
        log.append(rel)
    if errors:
        publish(warehouse, run_id, log)
        raise LoadFailed(checks)
    published = publish(warehouse, run_id, [*add, *log], retire)
    return LoadResult(
        version=int(published["version"]),
        checks=checks,
        rewritten=rewritten,
        retired=len(retire),
        clusters=clusters,
        seconds=row["seconds"],
    )


def template_history(
    warehouse: Path, sources: Sequence[str], logical_date: date | None = None
) -> dict[str, dict[int, int]]:
    """Per source, in how many documents of earlier runs each line hash occurred.

    The run's own partition is left out: a re-run of a date replaces it, and must not
    count its documents twice.
    """
    skip = logical_date.isoformat() if logical_date else None
    files = [
        warehouse / r
        for r in read_manifest(warehouse)["files"]["line_stats"]
        if partition_of(r) != skip
    ]
    wanted = sorted({s for s in sources if s})
    if not files or not wanted:
        return {}
    listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"select source, line_hash, sum(docs)::bigint from read_parquet([{listing}]) "
            "where source in (select unnest($wanted)) group by all",
            {"wanted": wanted},
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[int, int]] = {}
    for source, h, n in rows:
        out.setdefault(source, {})[h] = n
    return out


def signature_table(
    articles: Sequence[Article], run_id: str, minhashes: Sequence[bytes] | None = None
) -> pa.Table:
    """The ``signatures`` rows of a batch's articles (MinHash of each body; ``minhashes``:
    already computed, one per article, as ``tasks.process.BatchResult.minhashes``)."""
    from tasks.dedup import normalized_body, signatures

    if minhashes is None:
        minhashes = signatures([normalized_body(a.body) for a in articles])
    rows = [
        {"doc_id": a.doc_id, "source_path": a.source_path, "minhash": m}
        for a, m in zip(articles, minhashes, strict=True)
    ]
    return to_table("signatures", rows, run_id=run_id)


def line_stats_table(counts: Mapping[str, Mapping[int, int]], run_id: str) -> pa.Table:
    """The ``line_stats`` rows of a batch: per source, documents containing each line hash."""
    rows = [
        {"source": src, "line_hash": h, "docs": n}
        for src, hashes in sorted(counts.items())
        for h, n in hashes.items()
    ]
    return to_table("line_stats", rows, run_id=run_id)
