"""Peak memory of the commit-time work over a synthetic warehouse of N articles.

    python bench/commit_memory.py make 100000 /tmp/syn-100000   # articles, signatures, files
    python bench/commit_memory.py dedup /tmp/syn-100000         # duplicate clusters
    python bench/commit_memory.py plan /tmp/syn-100000          # incremental files plan

Each measure runs in a fresh process and prints the peak RSS above the process's RSS
after its imports (so Prefect, DuckDB and pyarrow themselves are not counted), and the
CPU seconds. The synthetic warehouse has one file of 250 articles per batch, 5% near
duplicates (a copy of the previous signature with 20 of 128 values changed) and 3% exact
duplicates; bodies are short (the dedup reads signatures, hashes and dates, not bodies).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _path(i: int) -> str:
    return f"site{i % 50}/doc{i:07d}.txt"


def make(n: int, wh: Path) -> None:
    from tasks.normalize import make_doc_id
    from warehouse.schemas import ARTICLES, FILES, SIGNATURES
    from warehouse.store import publish, write_parquet_atomic

    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**32, size=(n, 128), dtype=np.uint64).astype("<u4")
    rels = []
    ts = ARTICLES.field("ingested_at").type
    for k in range(0, n, 250):
        idx = list(range(k, min(n, k + 250)))
        paths = [_path(i) for i in idx]
        sigs, shas = [], []
        for i in idx:
            sig = base[i].copy()
            if i % 20 == 1:  # near duplicate of the previous document
                sig = base[i - 1].copy()
                sig[:20] = base[i][:20]
            exact = i % 33 == 2  # exact duplicate of the previous document
            sigs.append((base[i - 1] if exact else sig).tobytes())
            shas.append(f"{(i - 1 if exact else i):064x}")
        m = len(idx)
        cols = {f.name: pa.nulls(m, f.type) for f in ARTICLES}
        cols |= {
            "doc_id": pa.array([make_doc_id(p, 0) for p in paths]),
            "source_path": pa.array(paths),
            "record": pa.array([0] * m, pa.int32()),
            "body": pa.array(["word " * 20] * m),
            "word_count": pa.array([20] * m, pa.int32()),
            "char_count": pa.array([100] * m, pa.int32()),
            "paragraph_count": pa.array([1] * m, pa.int32()),
            "content_sha256": pa.array(shas),
            "format": pa.array(["text"] * m),
            "run_id": pa.array(["r"] * m),
            "ingested_at": pa.array([NOW] * m, ts),
            "published_at": pa.array([None if i % 3 else NOW for i in idx], ts),
        }
        rel = f"articles/logical_date=2026-01-01/r-{k:07d}.parquet"
        write_parquet_atomic(pa.table(cols, schema=ARTICLES), wh / rel)
        rels.append(rel)
        sig_cols = [
            cols["doc_id"],
            cols["source_path"],
            pa.array(sigs, pa.binary()),
            cols["run_id"],
        ]
        rel = f"signatures/logical_date=2026-01-01/r-{k:07d}.parquet"
        write_parquet_atomic(pa.table(sig_cols, schema=SIGNATURES), wh / rel)
        rels.append(rel)
    files = {
        "path": [_path(i) for i in range(n)],
        "source": [f"site{i % 50}" for i in range(n)],
        "size": [1000 + i for i in range(n)],
        "mtime_ns": [10**18 + i for i in range(n)],
        "sha256": [f"{i:064x}" for i in range(n)],
        "first_seen": [NOW] * n,
        "last_seen": [NOW] * n,
        "status": ["current"] * n,
        "run_id": ["r"] * n,
        "rows_date": [date(2026, 1, 1)] * n,
    }
    write_parquet_atomic(pa.table(files, schema=FILES).sort_by("path"), wh / "files/r.parquet")
    publish(wh, "r", [*rels, "files/r.parquet"])


def dedup(wh: Path) -> tuple[int, float, object]:
    import datasketch  # noqa: F401 - imported before the baseline, as in a run
    import duckdb  # noqa: F401

    import warehouse.load as load
    from warehouse.store import read_manifest

    live = read_manifest(wh)["files"]
    base, t0 = rss(), time.process_time()
    counts = load._write_clusters(
        wh, "m", live["articles"], live["signatures"], wh / "m-clusters.parquet"
    )
    return base, time.process_time() - t0, counts


def plan(wh: Path) -> tuple[int, float, object]:
    from tasks.records import SourceFile
    from warehouse.files import plan_run
    from warehouse.store import write_parquet_atomic

    n = pq.read_metadata(wh / "files/r.parquet").num_rows
    files = [
        SourceFile(f"/x/{_path(i)}", _path(i), f"site{i % 50}", 1000 + i, 10**18 + i)
        for i in range(n)
    ]
    base, t0 = rss(), time.process_time()
    p = plan_run(wh, files, [], date(2026, 1, 2), datetime(2026, 1, 2, tzinfo=UTC), "m")
    write_parquet_atomic(p.files_with_hashes(), wh / "m-files.parquet")
    return base, time.process_time() - t0, p.counts


def main(argv: list[str]) -> int:
    if argv[:1] == ["make"]:
        make(int(argv[1]), Path(argv[2]))
        return 0
    if len(argv) != 2 or argv[0] not in ("dedup", "plan"):
        print(__doc__, file=sys.stderr)
        return 2
    base, cpu, info = (dedup if argv[0] == "dedup" else plan)(Path(argv[1]))
    over, after = (peak() - base) / 2**20, base / 2**20
    print(
        f"{argv[0]}: peak {over:.0f} MB over {after:.0f} MB after imports, {cpu:.1f} CPU-s: {info}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
