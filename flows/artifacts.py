"""What the Prefect UI shows for a run: a markdown report, a per-source table, batch rows.

Artifacts are built from the run's totals dict (see ``flows.ingest._totals``) and the
batch summaries; keys that a given version of the flow does not fill in (``checks``,
``sources``) are simply left out of the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.batch import BatchSummary

REPORT_KEY = "ingest-report"
SUMMARY_KEY = "ingest-summary"
SOURCES_KEY = "ingest-sources"
BATCHES_KEY = "ingest-batches"
TOP_REASONS = 10
HEADLINE = ("files_seen", "documents", "articles", "rejects", "chrome_segments", "seconds")


def publish(totals: dict[str, Any], summaries: list[BatchSummary]) -> None:
    """Create the run's artifacts (markdown report, headline, per-source and per-batch)."""
    headline = [{"metric": k, "value": totals[k]} for k in HEADLINE if k in totals]
    create_table_artifact(headline, key=SUMMARY_KEY, description="newsetl run: headline numbers")
    create_markdown_artifact(report(totals), key=REPORT_KEY, description="newsetl run report")
    sources = source_rows(summaries)
    if sources:
        create_table_artifact(sources, key=SOURCES_KEY, description="newsetl run: per source")
    if summaries:
        create_table_artifact(
            batch_rows(summaries), key=BATCHES_KEY, description="newsetl run: per batch"
        )


def report(totals: dict[str, Any]) -> str:
    """The run as markdown: headline, rejects, chrome reasons, languages, checks, warehouse."""
    files, docs = totals.get("files_seen", 0), totals.get("documents", 0)
    articles, rejects = totals.get("articles", 0), totals.get("rejects", 0)
    seconds = float(totals.get("seconds") or 0.0)
    rate = f"{articles / seconds:,.0f} articles/s" if seconds > 0 else "n/a"
    lines = [
        f"# newsetl run `{totals.get('run_id', '?')}`",
        "",
        "| logical date | files | documents | articles | rejects | chrome segments | time |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| {totals.get('logical_date', '?')} | {files:,} | {docs:,} | {articles:,} "
        f"| {rejects:,} | {totals.get('chrome_segments', 0):,} | {seconds:.1f} s ({rate}) |",
        "",
    ]
    lines += _count_table("Rejects by reason", "stage:reason", totals.get("reject_reasons"))
    lines += _count_table(
        f"Top {TOP_REASONS} chrome reasons",
        "reason",
        dict(Counter(totals.get("chrome_reasons") or {}).most_common(TOP_REASONS)),
    )
    lines += _count_table("Languages", "language", totals.get("languages"))
    if isinstance(totals.get("files"), dict) and totals["files"]:
        lines += _count_table("Input files since the last run", "files", totals["files"])
    if isinstance(totals.get("duplicates"), dict) and totals["duplicates"]:
        lines += _count_table("Near-duplicates", "metric", totals["duplicates"])
    lines += _checks(totals.get("checks"))
    catalog = totals.get("catalog")
    warehouse = totals.get("warehouse")
    lines += ["## Where the data is", ""]
    if warehouse:
        lines.append(f"- warehouse: `{warehouse}`")
    if catalog:
        lines.append(f"- catalog: `{catalog}` (open with any DuckDB client)")
    wh_flag = f" --warehouse {warehouse}" if warehouse else ""
    lines += [
        "",
        "Start with:",
        "",
        "```sh",
        f"newsetl query{wh_flag} \\",
        f'  "select source, language, count(*) as articles from articles '
        f"where run_id = '{totals.get('run_id', '')}' group by all order by articles desc\"",
        "```",
    ]
    return "\n".join(lines)


def _count_table(title: str, label: str, counts: dict[str, int] | None) -> list[str]:
    lines = [f"## {title}", ""]
    if not counts:
        return lines + ["none", ""]
    lines += [f"| {label} | count |", "|---|---:|"]
    lines += [f"| {k} | {v:,} |" for k, v in counts.items()]
    return lines + [""]


def _check_row(name: str, item: dict[str, Any]) -> tuple[str, bool, str]:
    """One check: ``{check_name, table_name, column_name, status, failures, detail}`` rows
    of the warehouse's ``checks`` table, or ``{name, passed, detail}``."""
    if "check_name" in item:
        target = ".".join(str(p) for p in (item.get("table_name"), item.get("column_name")) if p)
        name = f"{item['check_name']} ({target})" if target else str(item["check_name"])
    passed = item["passed"] if "passed" in item else item.get("status") == "pass"
    detail = str(item.get("detail") or "")
    if not passed and item.get("failures"):
        detail = f"{item['failures']} failing" + (f": {detail}" if detail else "")
    if item.get("severity") and item["severity"] != "error":
        detail = f"[{item['severity']}] {detail}".strip()
    return name, bool(passed), detail


def _checks(checks: Any) -> list[str]:
    """The run's warehouse checks, in whatever the totals carry: a list of check rows, or
    a mapping name -> passed (bool) / row. Absent: no checks ran."""
    lines = ["## Checks", ""]
    rows: list[tuple[str, bool, str]] = []
    if isinstance(checks, dict):
        for name, value in checks.items():
            if isinstance(value, dict):
                rows.append(_check_row(str(name), value))
            else:
                rows.append((str(name), bool(value), ""))
    elif isinstance(checks, list):
        rows = [_check_row(str(c.get("name", "?")), c) for c in checks if isinstance(c, dict)]
    if not rows:
        return lines + ["no checks ran in this run", ""]
    failed = sum(1 for _, ok, _ in rows if not ok)
    lines += [f"**{len(rows) - failed} passed, {failed} failed**", ""]
    lines += ["| check | result | detail |", "|---|---|---|"]
    rows.sort(key=lambda r: r[1])  # failures first
    lines += [f"| {n} | {'passed' if ok else '**FAILED**'} | {d} |" for n, ok, d in rows]
    return lines + [""]


def source_rows(summaries: list[BatchSummary]) -> list[dict[str, Any]]:
    """One row per source (site): files, documents, articles, rejects, chrome segments."""
    merged: dict[str, Counter[str]] = {}
    for s in summaries:
        for source, counts in getattr(s, "sources", {}).items():
            merged.setdefault(source, Counter()).update(counts)
    rows = []
    for source, c in sorted(merged.items(), key=lambda kv: (-kv[1]["articles"], kv[0])):
        docs = c["articles"] + c["rejects"]
        rows.append(
            {
                "source": source,
                "files": c["files"],
                "articles": c["articles"],
                "rejects": c["rejects"],
                "reject_share": round(c["rejects"] / docs, 3) if docs else 0.0,
                "chrome_segments": c["chrome_segments"],
                "words": c["words"],
            }
        )
    return rows


def batch_rows(summaries: list[BatchSummary]) -> list[dict[str, Any]]:
    skip = ("staged", "sources", "languages", "chrome_reasons", "reject_reasons")
    skip += ("digests", "started")
    return [
        {k: v for k, v in asdict(s).items() if k not in skip}
        | {"seconds": round(s.seconds, 2), "languages": str(s.languages)}
        for s in summaries
    ]
