"""Pure pipeline stages: plain typed functions on small records, no Prefect import."""
