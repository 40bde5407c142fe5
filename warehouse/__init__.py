"""The warehouse: table schemas, atomic Parquet writes, the manifest and the DuckDB catalog."""
