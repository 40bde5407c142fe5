"""The DuckDB catalog: one view per table over the manifest's live Parquet files, then the
SQL files in ``warehouse/sql`` (staging and marts), applied in name order.

The catalog is built into a temporary file and swapped in with ``os.replace``, so a
reader opening ``catalog.duckdb`` sees the old catalog or the new one, never a half.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.schemas import PARTITION_COLUMN, TABLES
from warehouse.store import live_files

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
}


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    return _DUCK_TYPES[t]


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_view_sql(name: str, files: list[Path]) -> str:
    """``create view`` over the given Parquet files (a typed empty view when there are none)."""
    schema = TABLES[name]
    if not files:
        cols = [f"cast(null as {_duck_type(f.type)}) as {f.name}" for f in schema]
        cols.append(f"cast(null as DATE) as {PARTITION_COLUMN}")
        return f"create or replace view {name} as select {', '.join(cols)} where false"
    listing = ", ".join(_sql_str(str(p)) for p in files)
    return (
        f"create or replace view {name} as select * from read_parquet([{listing}], "
        "hive_partitioning = true, union_by_name = true)"
    )


def build_catalog(warehouse: Path) -> Path:
    """(Re)build ``<warehouse>/catalog.duckdb`` atomically; returns its path."""
    warehouse.mkdir(parents=True, exist_ok=True)
    final = warehouse / CATALOG
    tmp = warehouse / f".{CATALOG}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name in TABLES:
            con.execute(table_view_sql(name, live_files(warehouse, name)))
        for sql_file in sorted(SQL_DIR.glob("*.sql")):
            con.execute(sql_file.read_text(encoding="utf-8"))
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
