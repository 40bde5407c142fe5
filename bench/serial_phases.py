"""The serial phases of a run, in one process, for the checkout on ``PYTHONPATH``.

    PYTHONPATH=. python bench/serial_phases.py CORPUS WAREHOUSE [EMPTY_DIR]

Measures (wall and CPU seconds, one JSON line): discovery of CORPUS; the incremental plan
of all its files against an empty warehouse (EMPTY_DIR, a fresh temp folder by default:
every file is new); Prefect's traversal of the commit task's inputs (the plan), as the
task engine does it; the commit's dedup and checks over WAREHOUSE, an existing warehouse
(e.g. one ``newsetl run`` over CORPUS left); the commit's ``files`` table for the plan
(``Plan.files_with_hashes`` with every file's digest as the workers report them: random
bytes here); the catalog build. Run it for two checkouts
one after the other (``PYTHONPATH=/work/main ...``) to compare them: it only reads
CORPUS and writes a scratch clusters file, a staging area and the catalog in WAREHOUSE.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str]) -> int:
    importlib.import_module("flows")  # Prefect offline, before Prefect is imported
    from prefect.utilities.annotations import quote
    from prefect.utilities.engine import collect_task_run_inputs_sync, resolve_inputs_sync

    import flows.ingest as ingest
    from flows.batch import BatchSummary, FileDigests
    from tasks.discover import discover
    from warehouse import load
    from warehouse.catalog import build_catalog
    from warehouse.checks import run_checks
    from warehouse.files import plan_run
    from warehouse.schemas import TABLES
    from warehouse.store import read_manifest

    src, wh = Path(argv[0]), Path(argv[1])
    empty = Path(argv[2]) if len(argv) > 2 else Path(tempfile.mkdtemp())
    out: dict[str, Any] = {"checkout": str(Path(ingest.__file__).parent.parent)}

    def timed(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        w0, c0 = time.perf_counter(), _cpu()
        result = fn(*args)
        out[name] = {"wall": round(time.perf_counter() - w0, 2), "cpu": round(_cpu() - c0, 2)}
        return result

    files, refused = timed("discover", discover, src)
    day, now = date(2026, 1, 1), datetime.now(UTC)
    plan = timed("plan", plan_run, empty, files, refused, day, now, "bench")
    arg = quote(plan) if "quote(plan)" in inspect.getsource(ingest) else plan
    timed(
        "prefect_commit_inputs",
        lambda: (collect_task_run_inputs_sync(arg), resolve_inputs_sync({"plan": arg})),
    )
    batches = ingest._chunks(plan.todo, 250)
    summaries = [
        BatchSummary(i, len(b), 0, 0, 0, 0, [], digests=os.urandom(32 * len(b)))
        for i, b in enumerate(batches)
    ]
    timed("files_table", lambda: plan.files_with_hashes(FileDigests(batches, summaries)))
    live = read_manifest(wh)["files"]
    listed = {name: [wh / rel for rel in live[name]] for name in TABLES}
    scratch = wh / "_staging" / "bench-clusters.parquet"

    def commit_work() -> None:  # as finish_load runs them in the checkout
        clusters = (wh, "bench", live["articles"], live["signatures"], scratch)
        if "in_check_order" in inspect.getsource(load):  # checks beside the clusters
            from concurrent.futures import ThreadPoolExecutor

            first = [n for n in TABLES if n != "clusters"]
            with ThreadPoolExecutor(1) as side:
                early = side.submit(
                    run_checks, {n: listed[n] for n in first}, "bench", 0, now, first
                )
                load._write_clusters(*clusters)
                run_checks({"clusters": listed["clusters"]}, "bench", 0, now, ["clusters"])
                early.result()
        else:
            load._write_clusters(*clusters)
            run_checks(listed, "bench", 0, now)

    timed("commit_dedup_checks", commit_work)
    timed("catalog", build_catalog, wh)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
