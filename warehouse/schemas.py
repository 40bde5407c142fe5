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

FILES = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),  # relative to the input folder
        pa.field("source", pa.string()),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),  # of the file's bytes
        pa.field("first_seen", TS, nullable=False),  # this version, first run that saw it
        pa.field("last_seen", TS, nullable=False),  # this version, last run that saw it
        pa.field("status", pa.string(), nullable=False),  # current | superseded | removed
        pa.field("run_id", pa.string(), nullable=False),  # the run that processed this version
        pa.field("rows_date", pa.date32(), nullable=False),  # partition holding its rows
    ]
)

CHECKS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("check_name", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("column_name", pa.string()),
        pa.field("severity", pa.string(), nullable=False),  # error | warn
        pa.field("status", pa.string(), nullable=False),  # pass | fail
        pa.field("failures", pa.int64(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("checked_at", TS, nullable=False),
    ]
)

LINE_STATS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("line_hash", pa.int64(), nullable=False),
        pa.field("docs", pa.int32(), nullable=False),  # documents of the batch with this line
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

SIGNATURES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("minhash", pa.binary(), nullable=False),  # uint32 little-endian x num_perm
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

CLUSTERS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("cluster_id", pa.string(), nullable=False),  # doc_id of the cluster's original
        pa.field("duplicate_of", pa.string()),  # null for the original itself
        pa.field("match", pa.string(), nullable=False),  # original | exact | near
        pa.field("similarity", pa.float32()),  # estimated Jaccard to the original
    ]
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "chrome_segments": CHROME_SEGMENTS,
    "rejects": REJECTS,
    "runs": RUNS,
    "checks": CHECKS,
    "line_stats": LINE_STATS,
    "signatures": SIGNATURES,
    "files": FILES,
    "clusters": CLUSTERS,
}

PARTITION_COLUMN = "logical_date"

# Whole-warehouse state tables: one Parquet file, rewritten copy-on-write at each commit.
GLOBAL_TABLES = frozenset({"files", "clusters"})
# Per-document tables: a partition re-run replaces them; a changed file supersedes its rows.
DOCUMENT_TABLES = ("articles", "chrome_segments", "rejects", "signatures", "line_stats")
# Append-only logs: every run adds rows, nothing replaces them.
LOG_TABLES = ("runs", "checks")

# Bump with every schema change and say what changed; the catalog exposes this history as
# the ``schema_versions`` table. Columns are only ever added (nullable), so old partitions
# stay readable: the catalog fills a column missing from old files with NULL.
SCHEMA_VERSION = 3
SCHEMA_HISTORY = (
    (1, "articles, chrome_segments, rejects, runs"),
    (2, "files, checks, line_stats, signatures, clusters (incremental runs, checks, dedup)"),
    (
        3,
        "articles: encoding_source, text_repair, record_offset, domain, source_from, "
        "published_at_source, fetched_at, author, description, site_name, categories, tags",
    ),
)

# Declared checks (dbt-style), run by ``warehouse.checks`` after every load, before it is
# published. Besides these, every column a schema marks non-nullable gets ``not_null``,
# and each run must account for every document it found:
# count(articles) + count(rejects) of the run = documents found (``documents_accounted``).
# Severity ``error`` fails the run without publishing its rows; ``warn`` is only recorded.
COLUMN_CHECKS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "articles": {
        "doc_id": (("unique", "error"),),
        "body": (("not_empty", "error"),),
        "language": (("language_code", "error"),),
    },
    "clusters": {"doc_id": (("unique", "error"),)},
    "files": {"path": (("unique_current", "error"),)},
}
