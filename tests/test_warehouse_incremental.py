"""Incremental runs, changed files, partition re-runs, backfill and compaction, through the
real ``ingest`` flow into temporary warehouses."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import EXAMPLES

D1, D2, D3 = date(2024, 4, 1), date(2024, 4, 2), date(2024, 4, 3)


def _ingest(raw: Path, wh: Path, day: date, replace: bool = False) -> dict[str, Any]:
    from flows.ingest import ingest

    return ingest(str(raw), str(wh), logical_date=day, workers=0, replace=replace)


def _sql(wh: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _content(wh: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "articles": _sql(wh, "select * exclude (run_id, ingested_at) from articles order by all"),
        "segments": _sql(wh, "select * exclude (run_id) from chrome_segments order by all"),
        "rejects": _sql(wh, "select * exclude (run_id, ingested_at) from rejects order by all"),
    }


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    out = tmp_path / "raw"
    shutil.copytree(EXAMPLES, out)
    return out


def test_unchanged_rerun_is_a_no_op(raw: Path, tmp_path: Path, prefect_server: None) -> None:
    wh = tmp_path / "wh"
    first = _ingest(raw, wh, D1)
    before = _content(wh)
    parquet_before = sorted(p.name for p in (wh / "articles").rglob("*.parquet"))
    for f in raw.rglob("*"):  # touched, same bytes: hashed, still unchanged
        if f.is_file() and f.name == "markt.txt":
            os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    second = _ingest(raw, wh, D2)
    assert first["documents"] == 7 and second["documents"] == 0
    assert second["files"] == {
        "new": 0,
        "changed": 0,
        "unchanged": 6,
        "rehashed": 1,
        "removed": 0,
    }
    assert _content(wh) == before
    assert sorted(p.name for p in (wh / "articles").rglob("*.parquet")) == parquet_before
    runs = _sql(wh, "select documents, articles, status from runs order by started_at")
    assert runs == [(7, 5, "completed"), (0, 0, "completed")]
    assert _sql(wh, "select count(*), count(distinct last_seen) from files") == [(7, 1)]


def test_changed_file_replaces_its_rows(raw: Path, tmp_path: Path, prefect_server: None) -> None:
    wh = tmp_path / "wh"
    _ingest(raw, wh, D1)
    seed = raw / "000_59be5f47db3bc1db.txt"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("Multiple UN resolutions", "Several UN resolutions"))
    (raw / "empty.txt").write_text(
        "Harbour ferry returns after winter break\n\n"
        "The harbour ferry resumed its service on Monday after the winter break, the city "
        "said, with departures every twenty minutes until the end of October.\n\n"
        "Passengers will pay the same fares as last year, and bicycles travel free of charge "
        "on weekdays before seven in the morning.\n"
    )
    totals = _ingest(raw, wh, D2)
    assert totals["files"]["changed"] == 2 and totals["documents"] == 2
    rows = _sql(
        wh,
        "select logical_date, body from articles where source_path = '000_59be5f47db3bc1db.txt'",
    )
    assert len(rows) == 1 and rows[0][0] == D2 and "Several UN resolutions" in rows[0][1]
    ids = _sql(wh, "select count(*), count(distinct doc_id) from articles")
    assert ids == [(6, 6)]  # empty.txt became an article; its reject is gone
    assert _sql(wh, "select source_path from rejects") == [("pixel.png",)]
    (doc_id,) = _sql(wh, "select doc_id from articles where source_path like '000_%'")[0]
    segs = _sql(
        wh,
        f"select count(*), count(distinct position) from chrome_segments where doc_id = '{doc_id}'",
    )
    assert segs[0][0] == segs[0][1] > 0  # one set of segments, not two
    history = _sql(
        wh, "select status, logical_date from files where path = 'empty.txt' order by status"
    )
    assert history == [("current", D2), ("superseded", D1)]


def test_rerun_of_a_date_replaces_its_partition(
    raw: Path, tmp_path: Path, prefect_server: None
) -> None:
    wh = tmp_path / "wh"
    _ingest(raw, wh, D1)
    (raw / "stadtblatt.example" / "schule.txt").unlink()
    before = _content(wh)
    totals = _ingest(raw, wh, D1, replace=True)
    assert totals["documents"] == 6 and totals["files"]["removed"] == 1
    after = _content(wh)
    assert len(after["articles"]) == 4
    # same documents minus the removed file (bodies may differ: fewer pages of the site
    # leave fewer cross-document template lines)
    assert [r[:3] for r in before["articles"] if "schule" not in r[1]] == [
        r[:3] for r in after["articles"]
    ]
    assert _sql(wh, "select status from files where path like '%schule.txt'") == [("removed",)]
    manifest = json.loads((wh / "_manifest.json").read_text())
    partitions = {r.split("/")[1] for r in manifest["files"]["articles"]}
    assert partitions == {"logical_date=2024-04-01"}


def test_backfill_runs_each_date(tmp_path: Path, prefect_server: None) -> None:
    from flows.cli import main

    for day, names in ((D1, ["markt.txt"]), (D2, ["radweg.txt"]), (D3, ["schule.txt"])):
        folder = tmp_path / "raw" / day.isoformat() / "stadtblatt.example"
        folder.mkdir(parents=True)
        for name in names:
            shutil.copy(EXAMPLES / "stadtblatt.example" / name, folder / name)
    wh = tmp_path / "wh"
    args = ["--input", str(tmp_path / "raw" / "{date}"), "--warehouse", str(wh), "--workers", "0"]
    assert main(["backfill", "--from", "2024-04-01", "--to", "2024-04-03", *args]) == 0
    rows = _sql(wh, "select logical_date, source_path from articles order by 1")
    assert [(d, p.split("/")[-1]) for d, p in rows] == [
        (D1, "markt.txt"),
        (D2, "radweg.txt"),
        (D3, "schule.txt"),
    ]
    # backfill again: each date's partition is replaced, nothing doubles
    assert main(["backfill", "--from", "2024-04-01", "--to", "2024-04-03", *args]) == 0
    assert _sql(wh, "select count(*), count(distinct doc_id) from articles") == [(3, 3)]
    assert _sql(wh, "select count(*) from runs") == [(6,)]
    assert main(["backfill", "--from", "2024-04-03", "--to", "2024-04-01", *args]) == 2


def test_compact_merges_small_files_same_rows(
    raw: Path, tmp_path: Path, prefect_server: None
) -> None:
    from flows.cli import main
    from flows.ingest import ingest

    wh = tmp_path / "wh"
    ingest(str(raw), str(wh), logical_date=D1, workers=0, batch_size=2)
    before = _content(wh)
    n_before = len(json.loads((wh / "_manifest.json").read_text())["files"]["articles"])
    assert main(["compact", "--warehouse", str(wh)]) == 0
    manifest = json.loads((wh / "_manifest.json").read_text())
    assert n_before > 1 and len(manifest["files"]["articles"]) == 1
    assert _content(wh) == before
    _ingest(raw, wh, D2)  # the next writer sweeps the retired files
    on_disk = {p.relative_to(wh).as_posix() for p in (wh / "articles").rglob("*.parquet")}
    assert on_disk == set(json.loads((wh / "_manifest.json").read_text())["files"]["articles"])


def test_template_lines_learned_in_earlier_runs(tmp_path: Path, prefect_server: None) -> None:
    """A site's nav lines seen in two pages of run 1 are template in a third page of run 2
    (min 3 documents), while a fresh warehouse with that page alone cannot tell."""
    site = tmp_path / "raw" / "stadtblatt.example"
    site.mkdir(parents=True)
    for name in ("markt.txt", "radweg.txt"):
        shutil.copy(EXAMPLES / "stadtblatt.example" / name, site / name)
    wh, fresh = tmp_path / "wh", tmp_path / "fresh"
    _ingest(tmp_path / "raw", wh, D1)
    assert _sql(wh, "select count(*) from chrome_segments where reason = 'template'") == [(0,)]
    shutil.copy(EXAMPLES / "stadtblatt.example" / "schule.txt", site / "schule.txt")
    _ingest(tmp_path / "raw", wh, D2)
    alone = tmp_path / "alone" / "stadtblatt.example"
    alone.mkdir(parents=True)
    shutil.copy(EXAMPLES / "stadtblatt.example" / "schule.txt", alone / "schule.txt")
    _ingest(tmp_path / "alone", fresh, D2)
    query = (
        "select count(*) from chrome_segments s join articles a using (doc_id) "
        "where a.source_path like '%schule.txt' and s.reason = 'template'"
    )
    learned, (without,) = _sql(wh, query)[0][0], _sql(fresh, query)[0]
    assert learned > 0 and without == 0
    assert (
        "Startseite"
        not in _sql(wh, "select body from articles where source_path like '%schule.txt'")[0][0]
    )
