"""One explicit pyarrow schema per table, all in this module.

Parquet files live under ``<warehouse>/<table>/logical_date=YYYY-MM-DD/``; the partition
column comes from the path (hive style), so it is not stored in the files.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("record", pa.int32(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("title", pa.string()),
        pa.field("body", pa.string(), nullable=False),
        pa.field("language", pa.string()),
        pa.field("language_confidence", pa.float32()),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("char_count", pa.int32(), nullable=False),
        pa.field("paragraph_count", pa.int32(), nullable=False),
        pa.field("chrome_ratio", pa.float32()),
        pa.field("content_sha256", pa.string(), nullable=False),
        pa.field("published_at", TS),
        pa.field("url", pa.string()),
        pa.field("format", pa.string(), nullable=False),
        pa.field("encoding", pa.string()),
        # input formats issue (#4): provenance and normalized fields, see README "Article fields"
        pa.field("encoding_source", pa.string()),
        pa.field("text_repair", pa.string()),
        pa.field("record_offset", pa.int64()),
        pa.field("domain", pa.string()),
        pa.field("source_from", pa.string()),
        pa.field("published_at_source", pa.string()),
        pa.field("fetched_at", TS),
        pa.field("author", pa.string()),
        pa.field("description", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("categories", pa.string()),
        pa.field("tags", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
    ]
)

CHROME_SEGMENTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("score", pa.float32()),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

REJECTS = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("record", pa.int32(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
    ]
)

RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("logical_date", pa.date32(), nullable=False),
        pa.field("input_dir", pa.string(), nullable=False),
        pa.field("started_at", TS, nullable=False),
        pa.field("finished_at", TS, nullable=False),
        pa.field("seconds", pa.float64(), nullable=False),
        pa.field("files_seen", pa.int64(), nullable=False),
        pa.field("documents", pa.int64(), nullable=False),
        pa.field("articles", pa.int64(), nullable=False),
        pa.field("rejects", pa.int64(), nullable=False),
        pa.field("chrome_segments", pa.int64(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "chrome_segments": CHROME_SEGMENTS,
    "rejects": REJECTS,
    "runs": RUNS,
}

PARTITION_COLUMN = "logical_date"
