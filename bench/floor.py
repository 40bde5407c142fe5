"""The physical floor of an ingest: read every file and write its raw text to one Parquet
table with pyarrow, nothing else (one process, streaming in row groups, zstd like the
warehouse).

    python bench/floor.py INPUT_DIR OUT.parquet
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([("source_path", pa.string()), ("text", pa.string())])


def floor(root: Path, out: Path, rows_per_group: int = 2000) -> int:
    paths: list[str] = []
    texts: list[str] = []
    n = 0
    with pq.ParquetWriter(out, SCHEMA, compression="zstd") as writer:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    texts.append(fh.read().decode("utf-8", errors="replace"))
                paths.append(os.path.relpath(path, root))
                if len(paths) >= rows_per_group:
                    writer.write_table(pa.table([paths, texts], schema=SCHEMA))
                    n += len(paths)
                    paths, texts = [], []
        if paths:
            writer.write_table(pa.table([paths, texts], schema=SCHEMA))
            n += len(paths)
    return n


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python bench/floor.py INPUT_DIR OUT.parquet", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    n = floor(Path(argv[0]), Path(argv[1]))
    print(f"floor: {n} files in {time.perf_counter() - t0:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
