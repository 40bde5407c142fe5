"""Decide "nothing to do" before paying for Prefect.

A no-op rerun spends almost all its time starting Prefect's temporary server (20–30 s
here), while the decision itself — discovery plus the incremental plan against the
``files`` table — takes a few seconds. ``newsetl run`` therefore plans first, without
importing Prefect, and starts a flow run only when some file is new or changed.

Only a strict no-op is skipped: every discovered file unchanged by path, size and mtime
(nothing to hash, nothing refused, no partition to replace), and a warehouse with nothing
to recover (no staging area left by an interrupted run, a catalog as new as the
manifest). A skipped run writes no ``runs`` row; the flow itself (deployments,
``--replace``, backfills) always plans again under the warehouse lock, so this check
never decides what gets written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flows.prefetch import peek
from warehouse.files import plan_run
from warehouse.store import MANIFEST, STAGING

CATALOG = "catalog.duckdb"  # warehouse.catalog.CATALOG (that module imports duckdb)


def nothing_to_do(input_dir: Path, warehouse: Path) -> str | None:
    """A one-line message when a run over ``input_dir`` would change nothing, else None."""
    manifest, catalog = warehouse / MANIFEST, warehouse / CATALOG
    if not manifest.exists() or (warehouse / STAGING).exists():
        return None  # a first run, or an interrupted run's leftovers for the flow to sweep
    if not catalog.exists() or catalog.stat().st_mtime_ns < manifest.stat().st_mtime_ns:
        return None  # a run died between its manifest swap and the catalog rebuild
    files, refused = peek(input_dir)  # the listing the run began, if any (flows.prefetch)
    now = datetime.now(UTC)
    plan = plan_run(warehouse, files, refused, now.date(), now, "preflight")
    unchanged = plan.counts.get("unchanged", 0)
    if not plan.noop or unchanged != sum(plan.counts.values()) or not unchanged:
        return None
    return (
        f"nothing to do: all {unchanged} files under {input_dir} are unchanged since they "
        "were ingested (no flow run started; --replace reprocesses them)"
    )
