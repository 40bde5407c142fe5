"""Interleaved A/B of ``newsetl run`` between two checkouts (this one and ``--base``).

    python bench/ab.py --base /work/main --corpus bench/out/corpus-10000-s7 --pairs 3

Each pair runs both checkouts one after the other (the order alternates from pair to
pair) into fresh warehouses, measured like ``make bench`` does (``bench/run.py``'s
``run_ingest``: wall, CPU seconds per process, the flow's phase timings, peak RSS).
Prints one line per run and, at the end, each side's medians and the median of the
pairs' branch/base ratios: on a shared machine compare CPU seconds and phases, not walls.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py)

KEYS = (
    "wall",
    "cpu_flow",
    "cpu_prefect-server",
    "cpu_pool",
    "startup",
    "batches",
    "finish",
    "idle_between",
    "others",
    "peak_rss",
)


def _at(root: str) -> Any:
    """``subprocess.Popen`` running in ``root`` with only ``root`` on PYTHONPATH
    (``python -m`` puts the working folder first on ``sys.path``)."""
    popen = subprocess.Popen

    def start(cmd: list[str], **kw: Any) -> subprocess.Popen[bytes]:
        kw["cwd"], kw["env"] = root, {**kw["env"], "PYTHONPATH": root}
        return popen(cmd, **kw)

    return start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the other checkout (e.g. /work/main)")
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--jsonl", type=Path, help="append every run's figures here")
    args = ap.parse_args(argv)
    sides = {"base": str(Path(args.base).resolve()), "branch": str(bench.ROOT)}
    runs: list[dict[str, Any]] = []
    scratch = Path(tempfile.mkdtemp(prefix="newsetl-ab-"))
    try:
        for pair in range(args.pairs):
            for side in list(sides) if pair % 2 == 0 else list(reversed(sides)):
                bench.subprocess.Popen = _at(sides[side])  # type: ignore[misc]
                try:
                    res = bench.run_ingest(args.corpus, scratch / side, args.workers)
                finally:
                    bench.subprocess.Popen = subprocess.Popen  # type: ignore[misc]
                shutil.rmtree(scratch / side, ignore_errors=True)
                res.update(side=side, pair=pair)
                runs.append(res)
                if args.jsonl:
                    with args.jsonl.open("a") as fh:
                        fh.write(json.dumps(res) + "\n")
                print(side, pair, {k: round(float(res.get(k, 0)), 2) for k in KEYS}, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for side in sides:
        mine = [r for r in runs if r["side"] == side]
        print(
            side, {k: round(statistics.median(float(r.get(k, 0)) for r in mine), 2) for k in KEYS}
        )
    for k in KEYS:
        ratios = [
            b[k] / a[k]
            for a in runs
            for b in runs
            if a["side"] == "base"
            and b["side"] == "branch"
            and a["pair"] == b["pair"]
            and a.get(k)
            and k in b
        ]
        if ratios:
            print(f"{k}: branch/base {statistics.median(ratios):.3f} (pairs {len(ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
