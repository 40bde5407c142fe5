"""The catalog: old partitions stay readable after a column is added; schema versions;
cross-run template history from ``line_stats``."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from tests.test_warehouse_checks import article, load
from warehouse.catalog import build_catalog
from warehouse.load import line_stats_table, template_history
from warehouse.schemas import ARTICLES, SCHEMA_VERSION
from warehouse.store import commit, publish, stage, write_parquet_atomic


def test_old_partition_without_new_columns_stays_readable(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(wh, "new", [article("new.txt")])  # written with today's schema, 2024-06-01
    # A partition written before ``url`` and ``encoding`` existed.
    old_schema = pa.schema([f for f in ARTICLES if f.name not in ("url", "encoding")])
    row = {k: v for k, v in article("old.txt").items() if k in old_schema.names}
    old = pa.Table.from_pylist([row | {"run_id": "old"}], schema=old_schema)
    rel = "articles/logical_date=2023-01-01/old-00000.parquet"
    write_parquet_atomic(old, wh / rel)
    publish(wh, "old", [rel])
    build_catalog(wh)
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select source_path, encoding, logical_date from articles order by logical_date"
        ).fetchall()
        versions = con.execute("select max(version) from schema_versions").fetchone()
        mart = con.execute("select sum(articles) from articles_per_source_day").fetchone()
    finally:
        con.close()
    assert rows == [("old.txt", None, date(2023, 1, 1)), ("new.txt", "utf-8", date(2024, 6, 1))]
    assert versions == (SCHEMA_VERSION,)
    assert mart == (2,)


def test_every_table_has_a_typed_view_on_an_empty_warehouse(tmp_path: Path) -> None:
    build_catalog(tmp_path)
    con = duckdb.connect(str(tmp_path / "catalog.duckdb"), read_only=True)
    try:
        for view in ("articles", "articles_unique", "files", "checks", "line_stats", "runs"):
            assert con.execute(f"select count(*) from {view}").fetchone() == (0,)
        cols = [r[0] for r in con.execute("describe articles").fetchall()]
    finally:
        con.close()
    assert cols[:2] == ["doc_id", "source_path"] and "duplicate_of" in cols


def test_template_history_sums_earlier_runs(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    day1, day2 = date(2024, 6, 1), date(2024, 6, 2)
    for day, counts in ((day1, {"s": Counter({11: 2, 12: 1})}), (day2, {"s": Counter({11: 1})})):
        staged = stage(wh, f"r{day.day}", day, "0", {"line_stats": line_stats_table(counts, "r")})
        commit(wh, f"r{day.day}", staged)
    assert template_history(wh, ["s", "t"]) == {"s": {11: 3, 12: 1}}
    assert template_history(wh, ["s"], logical_date=day2) == {"s": {11: 2, 12: 1}}
    assert template_history(wh, ["t"]) == {}
