"""Incremental planning against the ``files`` table, without a flow: cheap decisions by
size and mtime, hashing only when those moved."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.compute as pc

from tasks.discover import discover
from tasks.records import Reject
from warehouse.files import Plan, plan_run
from warehouse.store import publish, write_parquet_atomic

D1, D2 = date(2024, 7, 1), date(2024, 7, 2)


def _save(wh: Path, plan: Plan, run: str) -> None:
    rel = f"files/{run}.parquet"
    write_parquet_atomic(plan.files_with_hashes(), wh / rel)  # as the commit does
    publish(wh, run, [rel], retire=[f"files/r{int(run[1:]) - 1}.parquet"])


def _plan(wh: Path, raw: Path, day: date, run: str, replace: bool = False) -> Plan:
    files, refused = discover(raw)
    return plan_run(wh, files, refused, day, datetime.now(UTC), run, replace)


def test_plan_decisions(tmp_path: Path) -> None:
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    (raw / "site").mkdir(parents=True)
    for name in ("a", "b", "c", "d"):
        (raw / "site" / f"{name}.txt").write_text(f"text {name}")
    first = _plan(wh, raw, D1, "r1")
    assert first.counts["new"] == 4 and len(first.todo) == 4 and not first.supersede
    _save(wh, first, "r1")

    b = raw / "site" / "b.txt"
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 5 * 10**9))  # touched
    (raw / "site" / "c.txt").write_text("text c, edited")  # changed
    (raw / "site" / "e.txt").write_text("text e")  # new
    (raw / "site" / "d.txt").unlink()  # gone from this input
    second = _plan(wh, raw, D2, "r2")
    assert second.counts == {"new": 1, "changed": 1, "unchanged": 1, "rehashed": 1, "removed": 0}
    assert sorted(f.rel_path for f in second.todo) == ["site/c.txt", "site/e.txt"]
    assert second.supersede == {"site/c.txt"} and second.supersede_dates == {D1}
    status = sorted((r["path"], r["status"], r["rows_date"]) for r in second.files.to_pylist())
    assert status == [
        ("site/a.txt", "current", D1),
        ("site/b.txt", "current", D1),
        ("site/c.txt", "current", D2),
        ("site/c.txt", "superseded", D1),
        ("site/d.txt", "current", D1),  # kept: an incremental run never drops rows
        ("site/e.txt", "current", D2),
    ]
    _save(wh, second, "r2")

    third = _plan(wh, raw, D1, "r3", replace=True)  # re-run of 2024-07-01
    assert len(third.todo) == 4 and third.counts["removed"] == 1  # d.txt's partition
    assert third.supersede == {"site/a.txt", "site/b.txt", "site/c.txt", "site/e.txt"}
    assert third.supersede_dates == {D2}  # D1 is replaced whole
    removed = [r["path"] for r in third.files.to_pylist() if r["status"] == "removed"]
    assert removed == ["site/d.txt"]


def test_refused_files_are_recorded_once(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    refused = [Reject("site/link.txt", 0, "discover", "symlink_outside_input")]
    first = plan_run(wh, [], refused, D1, datetime.now(UTC), "r1")
    assert first.refused == refused
    _save(wh, first, "r1")
    second = plan_run(wh, [], refused, D2, datetime.now(UTC), "r2")
    assert second.refused == [] and second.noop


def test_new_files_are_hashed_by_whoever_reads_them(tmp_path: Path) -> None:
    """The plan reads no new file: their hashes come from the workers at commit, and any
    the workers did not report are read then (an unreadable file: no hash)."""
    import hashlib

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    (raw / "site").mkdir(parents=True)
    for name in ("a", "b", "c"):
        (raw / "site" / f"{name}.txt").write_text(f"text {name}")
    first = _plan(wh, raw, D1, "r1")
    assert first.files["sha256"].null_count == 3  # nothing read yet
    (raw / "site" / "c.txt").unlink()  # gone before anyone read it
    table = first.files_with_hashes({"site/a.txt": "from-the-worker"})
    shas = dict(zip(table["path"].to_pylist(), table["sha256"].to_pylist(), strict=True))
    assert shas == {
        "site/a.txt": "from-the-worker",
        "site/b.txt": hashlib.sha256(b"text b").hexdigest(),
        "site/c.txt": "",
    }

    # a touched file of the same size is still hashed by the plan (that decides it); one
    # whose size changed is a new version without being read
    write_parquet_atomic(table, wh / "files/r1.parquet")
    publish(wh, "r1", ["files/r1.parquet"])
    b = raw / "site" / "b.txt"
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 5 * 10**9))
    (raw / "site" / "a.txt").write_text("text a, longer now")
    second = _plan(wh, raw, D2, "r2")
    assert second.counts == {"new": 0, "changed": 1, "unchanged": 0, "rehashed": 1, "removed": 0}
    assert [f.rel_path for f in second.todo] == ["site/a.txt"]
    current = second.files.filter(pc.equal(second.files["status"], "current"))
    assert dict(zip(current["path"].to_pylist(), current["sha256"].to_pylist(), strict=True)) == {
        "site/a.txt": None,  # to be filled in at commit
        "site/b.txt": shas["site/b.txt"],
        "site/c.txt": "",  # not seen by this run: kept as it was
    }
