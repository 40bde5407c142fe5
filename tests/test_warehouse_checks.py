"""Every declared check fires on a constructed bad load, and an error-level failure
publishes nothing but the failed run's ``runs`` and ``checks`` rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from tasks.normalize import body_sha256, make_doc_id
from warehouse.catalog import build_catalog
from warehouse.files import Plan
from warehouse.load import LoadFailed, LoadResult, finish_load
from warehouse.schemas import ARTICLES
from warehouse.store import read_manifest, stage, to_table

DAY = date(2024, 6, 1)
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def article(path: str, body: str = "A body of several words.", **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ARTICLES.names)  # columns not set here: NULL
    row |= {
        "doc_id": make_doc_id(path, 0),
        "source_path": path,
        "record": 0,
        "source": "site",
        "title": "T",
        "body": body,
        "language": "en",
        "language_confidence": 0.9,
        "word_count": len(body.split()),
        "char_count": len(body),
        "paragraph_count": 1,
        "chrome_ratio": 0.1,
        "content_sha256": body_sha256(body),
        "published_at": None,
        "url": None,
        "format": "text",
        "encoding": "utf-8",
        "ingested_at": NOW,
    }
    return row | over


def load(
    wh: Path,
    run_id: str,
    rows: list[dict[str, Any]],
    documents: int | None = None,
    schema: pa.Schema | None = None,
    files_rows: list[dict[str, Any]] | None = None,
) -> LoadResult:
    if schema is None:
        table = to_table("articles", rows, run_id=run_id)
    else:
        table = pa.Table.from_pylist([r | {"run_id": run_id} for r in rows], schema=schema)
    staged = stage(wh, run_id, DAY, "00000", {"articles": table})
    plan = Plan(DAY, replace=False, files=to_table("files", files_rows or []))
    run_row = {
        "run_id": run_id,
        "logical_date": DAY,
        "input_dir": "/in",
        "started_at": NOW,
        "finished_at": NOW,
        "seconds": 0.1,
        "files_seen": len(rows),
        "documents": len(rows) if documents is None else documents,
        "articles": len(rows),
        "rejects": 0,
        "chrome_segments": 0,
        "status": "completed",
    }
    return finish_load(wh, run_id, plan, staged, run_row, run_row["documents"], NOW)


def _failing(wh: Path, run_id: str) -> set[tuple[str, str, str | None]]:
    build_catalog(wh)
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select check_name, table_name, column_name from checks "
            "where run_id = ? and status = 'fail'",
            [run_id],
        ).fetchall()
        (status,) = con.execute("select status from runs where run_id = ?", [run_id]).fetchone()
        assert status == ("failed_checks" if rows else "completed")
        return set(rows)
    finally:
        con.close()


@pytest.fixture()
def wh(tmp_path: Path) -> Path:
    """A warehouse holding one good load (two articles)."""
    out = tmp_path / "wh"
    result = load(out, "good", [article("a.txt"), article("b.txt", "Another body here.")])
    assert not [c for c in result.checks if c["status"] == "fail"]
    assert len(result.checks) > 40
    return out


def _published_articles(wh: Path) -> list[str]:
    return list(read_manifest(wh)["files"]["articles"])


def _bad(wh: Path, run_id: str, **kwargs: Any) -> set[tuple[str, str, str | None]]:
    before = _published_articles(wh)
    with pytest.raises(LoadFailed) as info:
        load(wh, run_id, **kwargs)
    assert "load not published" in str(info.value)
    assert _published_articles(wh) == before  # nothing of the bad load is visible
    return _failing(wh, run_id)


def test_good_load_passes(wh: Path) -> None:
    assert _failing(wh, "good") == set()


def test_duplicate_doc_id_within_and_across_loads(wh: Path) -> None:
    twice = [article("c.txt"), article("c.txt")]
    assert ("unique", "articles", "doc_id") in _bad(wh, "dup1", rows=twice)
    again = [article("a.txt")]  # already published by the good load
    assert ("unique", "articles", "doc_id") in _bad(wh, "dup2", rows=again)


def test_required_column_null(wh: Path) -> None:
    relaxed = pa.schema([f.with_nullable(True) for f in ARTICLES])
    rows = [article("d.txt", content_sha256=None)]
    failing = _bad(wh, "nulls", rows=rows, schema=relaxed)
    assert failing == {("not_null", "articles", "content_sha256")}


def test_empty_body(wh: Path) -> None:
    assert _bad(wh, "empty", rows=[article("e.txt", body="  \n ")]) == {
        ("not_empty", "articles", "body")
    }


def test_invalid_language_code(wh: Path) -> None:
    assert _bad(wh, "lang", rows=[article("f.txt", language="english")]) == {
        ("language_code", "articles", "language")
    }


def test_documents_not_accounted(wh: Path) -> None:
    assert _bad(wh, "count", rows=[article("g.txt")], documents=3) == {
        ("documents_accounted", "articles", None)
    }


def test_two_current_versions_of_a_file(wh: Path) -> None:
    row = {
        "path": "h.txt",
        "source": None,
        "size": 1,
        "mtime_ns": 1,
        "sha256": "x",
        "first_seen": NOW,
        "last_seen": NOW,
        "status": "current",
        "run_id": "files",
        "rows_date": DAY,
    }
    failing = _bad(wh, "files", rows=[article("h.txt")], files_rows=[row, row | {"sha256": "y"}])
    assert failing == {("unique_current", "files", "path")}


def test_failed_checks_fail_the_run_and_the_next_run_retries(
    tmp_path: Path, prefect_server: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A real flow run whose load breaks a check (German is made an invalid code): the CLI
    exits 2 with one line, readers see only the failed run and its checks, and the next
    run processes the same files again."""
    import warehouse.checks
    from flows.cli import main
    from tests.conftest import EXAMPLES

    wh = tmp_path / "wh"
    args = ["run", "--input", str(EXAMPLES), "--warehouse", str(wh), "--workers", "0"]
    monkeypatch.setattr(warehouse.checks, "ISO_639_1", frozenset({"en", "es"}))
    assert main([*args, "--logical-date", "2024-06-01"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("newsetl: error: checks failed, load not published: language_code")
    )
    assert "Traceback" not in err
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from articles").fetchone() == (0,)
        assert con.execute("select count(*) from files").fetchone() == (0,)
        assert con.execute("select status from runs").fetchall() == [("failed_checks",)]
        assert con.execute("select count(*) from checks where status = 'fail'").fetchone() == (1,)
    finally:
        con.close()
    monkeypatch.undo()
    assert main([*args, "--logical-date", "2024-06-02"]) == 0
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from articles").fetchone() == (5,)
        assert con.execute("select documents from runs order by started_at").fetchall() == [
            (7,),
            (7,),
        ]
    finally:
        con.close()


def test_not_empty_sql_is_the_trim_definition() -> None:
    """The regex form of ``not_empty`` flags exactly what trimming spaces, tabs and
    newlines empties (and NULL)."""
    import duckdb

    from warehouse.checks import _column_check

    values = ["", " ", "\t\n\r ", " x ", "\n\nword", "\u00a0", None, "a" * 1000 + " "]
    con = duckdb.connect()
    con.execute("create table raw_t (doc_id varchar, body varchar)")
    con.executemany("insert into raw_t values (?, ?)", [(str(i), v) for i, v in enumerate(values)])
    got = con.execute(_column_check("not_empty", "t", "body", "error").sql).fetchone()
    expected = [v for v in values if (v or "").strip(" \t\n\r") == ""]
    assert got == (len(expected), "0")
