"""Printing query results: an aligned table, expanded records for long values, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

_WIDE = 60


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "json":
        records = [dict(zip(columns, r, strict=True)) for r in rows]
        return json.dumps(records, ensure_ascii=False, indent=2, default=_cell)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in r] for r in rows])
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in r] for r in rows]
    if any(len(c) > _WIDE or "\n" in c for r in cells for c in r):
        return _expanded(columns, cells)
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _expanded(columns: list[str], cells: list[list[str]]) -> str:
    out = []
    for n, r in enumerate(cells, 1):
        out.append(f"-[ record {n} ]" + "-" * 30)
        for c, v in zip(columns, r, strict=True):
            out.append(f"{c}:")
            out.extend("    " + line for line in v.split("\n"))
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)
