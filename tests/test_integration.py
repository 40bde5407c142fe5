"""A real Prefect flow run over the bundled examples into a temporary warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    from flows.ingest import ingest

    wh = tmp_path_factory.mktemp("warehouse")
    totals = ingest(input_dir=str(EXAMPLES), warehouse_dir=str(wh), logical_date=None, workers=2)
    assert totals["files_seen"] == 7
    return wh


def _sql(wh: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_file_is_an_article_or_a_reject(warehouse: Path) -> None:
    (articles,) = _sql(warehouse, "select count(*) from articles")[0]
    (rejects,) = _sql(warehouse, "select count(*) from rejects")[0]
    assert (articles, rejects) == (5, 2)
    reasons = set(_sql(warehouse, "select source_path, reason from rejects"))
    assert reasons == {("empty.txt", "empty"), ("pixel.png", "binary")}


def test_seed_row_and_its_chrome(warehouse: Path, seed_expected: dict[str, object]) -> None:
    rows = _sql(
        warehouse,
        "select doc_id, title, body from articles "
        "where source_path like '%000_59be5f47db3bc1db.txt'",
    )
    assert len(rows) == 1
    doc_id, title, body = rows[0]
    assert title == seed_expected["title"]
    assert body == "\n\n".join(seed_expected["article_paragraphs"])  # type: ignore[arg-type]
    chrome = _sql(
        warehouse,
        f"select text, reason from chrome_segments where doc_id = '{doc_id}' order by position",
    )
    assert [t for t, _ in chrome] == seed_expected["chrome"]
    assert chrome[0][1] == "close_button"


def test_site_template_lines_are_chrome(warehouse: Path) -> None:
    # the title suffix "| Stadtblatt" names the source before the folder stadtblatt.example
    bodies = _sql(
        warehouse,
        "select body from articles where source = 'Stadtblatt' and source_from = 'title'",
    )
    assert len(bodies) == 3
    for (body,) in bodies:
        assert "Startseite" not in body and "cookies" not in body and "©" not in body
        assert len(body.split()) > 30


def test_html_page_goes_through_trafilatura(warehouse: Path) -> None:
    ((title, body, lang, published),) = _sql(
        warehouse,
        "select title, body, language, published_at from articles where format = 'html'",
    )
    assert title.startswith("Las lluvias vuelven")
    assert "Portada" not in body and "Compartir" not in body
    assert body.startswith("Las precipitaciones regresan")
    assert lang == "es"
    assert published is not None and published.year == 2024


def test_runs_row_and_marts(warehouse: Path) -> None:
    ((files, articles, rejects, status),) = _sql(
        warehouse, "select files_seen, articles, rejects, status from runs"
    )
    assert (files, articles, rejects, status) == (7, 5, 2, "completed")
    mix = dict(_sql(warehouse, "select language, articles from language_mix"))
    assert mix == {"de": 3, "en": 1, "es": 1}
    manifest = json.loads((warehouse / "_manifest.json").read_text())
    assert manifest["version"] == 1 and not (warehouse / "_staging").exists()
