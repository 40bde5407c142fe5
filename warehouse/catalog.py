"""The DuckDB catalog, dbt-style layers: ``raw_<table>`` views over the manifest's live
Parquet files (built here), then the SQL files in ``warehouse/sql`` applied in name order:
``00_staging.sql`` (``stg_<table>``: only renames and casts), ``05_tables.sql`` (the
public table names, ``articles`` with its duplicate cluster), ``10_marts.sql``. Also a
``schema_versions`` table.

The catalog is built into a temporary file and swapped in with ``os.replace``, so a
reader opening ``catalog.duckdb`` sees the old catalog or the new one, never a half.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.checks import cache_metadata
from warehouse.schemas import (
    GLOBAL_TABLES,
    PARTITION_COLUMN,
    SCHEMA_HISTORY,
    SCHEMA_VERSION,
    TABLES,
)
from warehouse.store import live_files, read_manifest

CATALOG = "catalog.duckdb"
SQL_DIR = Path(__file__).resolve().parent / "sql"

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.binary(): "BLOB",
}


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    return _DUCK_TYPES[t]


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_view_sql(name: str, files: list[Path], present: set[str] | None = None) -> str:
    """``create view raw_<name>`` over the given Parquet files, with every schema column.

    ``present`` is the set of columns the files hold (None: all); a column added to the
    schema after older files were written reads as NULL there, so old partitions stay
    readable. With no files the view is typed and empty.
    """
    schema = TABLES[name]
    partitioned = name not in GLOBAL_TABLES
    cols = [
        f.name
        if present is None or f.name in present
        else f"cast(null as {_duck_type(f.type)}) as {f.name}"
        for f in schema
    ]
    if not files:
        cols = [f"cast(null as {_duck_type(f.type)}) as {f.name}" for f in schema]
        if partitioned:
            cols.append(f"cast(null as DATE) as {PARTITION_COLUMN}")
        return f"create or replace view raw_{name} as select {', '.join(cols)} where false"
    if partitioned:
        cols.append(f"cast({PARTITION_COLUMN} as DATE) as {PARTITION_COLUMN}")
    return (
        f"create or replace view raw_{name} as select {', '.join(cols)} from "
        f"{_read_sql(files, partitioned)}"
    )


def _read_sql(files: list[Path], partitioned: bool) -> str:
    listing = ", ".join(_sql_str(str(p)) for p in files)
    hive = "true" if partitioned else "false"
    return f"read_parquet([{listing}], hive_partitioning = {hive}, union_by_name = true)"


def create_table_views(con: duckdb.DuckDBPyConnection, files: Mapping[str, list[Path]]) -> None:
    """One ``raw_<table>`` view per table over the given files, then the ``.sql`` layers."""
    for name in TABLES:
        listed = files.get(name, [])
        present = None
        if listed:
            described = con.execute(
                f"describe select * from {_read_sql(listed, name not in GLOBAL_TABLES)}"
            ).fetchall()
            present = {row[0] for row in described}
        con.execute(table_view_sql(name, listed, present))
    for sql_file in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql_file.read_text(encoding="utf-8"))


def build_catalog(warehouse: Path) -> Path:
    """(Re)build ``<warehouse>/catalog.duckdb`` atomically; returns its path."""
    warehouse.mkdir(parents=True, exist_ok=True)
    final = warehouse / CATALOG
    tmp = warehouse / f".{CATALOG}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        cache_metadata(con)
        create_table_views(con, {name: live_files(warehouse, name) for name in TABLES})
        con.execute("create table schema_versions (version integer, description varchar)")
        con.executemany("insert into schema_versions values (?, ?)", list(SCHEMA_HISTORY))
        con.execute(
            "create table catalog_info as select ?::integer as schema_version, "
            "?::integer as manifest_version",
            [SCHEMA_VERSION, int(read_manifest(warehouse)["version"])],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, final)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return final


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the catalog."""
    path = warehouse / CATALOG
    if not path.exists():
        raise FileNotFoundError(f"no catalog at {path}: run `newsetl run` first")
    return duckdb.connect(str(path), read_only=True)
