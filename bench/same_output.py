"""Same warehouse from two checkouts: a generated corpus through ``newsetl run`` on each,
then every table compared row for row in DuckDB (``EXCEPT ALL`` both ways).

    python bench/same_output.py --base /work/main            # this checkout vs /work/main
    python bench/same_output.py --base /work/main --n 2000 --html-share 0.1 --seed 11

Columns that differ by design between two runs (``run_id``, ``ingested_at`` and the run
log's times) are left out; everything else, the article text, fields, chrome segments,
rejects, signatures, line stats and duplicate clusters, must match. Prints one line per
table and exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("articles", "chrome_segments", "rejects", "signatures", "line_stats", "clusters", "files")
IGNORED = {"run_id", "ingested_at", "first_seen", "last_seen"}


def run(repo: Path, corpus: Path, warehouse: Path, workers: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(repo), "DO_NOT_TRACK": "1"}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    cmd = [sys.executable, "-m", "flows.cli", "run", "--input", str(corpus)]
    cmd += ["--warehouse", str(warehouse), "--logical-date", "2024-05-01"]
    cmd += ["--workers", str(workers)]
    subprocess.run(cmd, cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)


def compare(a: Path, b: Path) -> list[tuple[str, int, int, int]]:
    """Per table: rows in a, rows in b, rows that are not in both (as multisets)."""
    con = duckdb.connect()
    out = []
    for name in TABLES:
        globs = [f"{w}/{name}/**/*.parquet" for w in (a, b)]
        if not all(list(Path(w).glob(f"{name}/**/*.parquet")) for w in (a, b)):
            out.append((name, 0, 0, 0))
            continue
        cols = [
            c
            for (c,) in con.execute(
                f"select column_name from (describe select * from read_parquet('{globs[0]}'))"
            ).fetchall()
            if c not in IGNORED
        ]
        sel = ", ".join(f'"{c}"' for c in cols)
        x, y = (f"(select {sel} from read_parquet('{g}'))" for g in globs)
        na, nb = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (x, y))  # type: ignore[index]
        diff = con.execute(
            f"select (select count(*) from ({x} except all {y})) "
            f"+ (select count(*) from ({y} except all {x}))"
        ).fetchone()[0]  # type: ignore[index]
        out.append((name, na, nb, diff))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="the other checkout (e.g. /work/main)")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--html-share", type=float, default=0.1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--keep", help="folder to keep the corpus and warehouses in")
    args = p.parse_args(argv)
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="same-output-"))
    corpus = tmp / "corpus"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--n", str(args.n)]
            + ["--seed", str(args.seed), "--html-share", str(args.html_share)]
            + ["--out", str(corpus)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    base, ours = tmp / "wh-base", tmp / "wh-ours"
    for repo, wh in ((Path(args.base), base), (ROOT, ours)):
        if not wh.exists():
            run(repo, corpus, wh, args.workers)
    bad = 0
    for name, na, nb, diff in compare(base, ours):
        bad += diff > 0 or na != nb
        verdict = "same" if diff == 0 and na == nb else "DIFFERENT"
        print(f"{name:16s} {na:>8d} {nb:>8d} rows  {diff:>6d} differ  {verdict}")
    print(f"corpus and warehouses in {tmp}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
