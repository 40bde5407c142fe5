"""``--runner dask`` on a 2-worker local cluster writes the same tables as the default runner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import EXAMPLES

QUERIES = {
    "articles": "select doc_id, source_path, record, title, body, language, content_sha256 "
    "from articles order by doc_id",
    "chrome_segments": "select doc_id, position, text, reason, score from chrome_segments "
    "order by doc_id, position",
    "rejects": "select source_path, record, stage, reason, detail from rejects "
    "order by source_path, record",
}


def _tables(wh: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}
    finally:
        con.close()


def test_dask_runner_matches_default_runner(prefect_server: None, tmp_path: Path) -> None:
    from flows.runners import run_ingest

    params = {"input_dir": str(EXAMPLES), "logical_date": None, "batch_size": 3}
    default = run_ingest(runner="threads", workers=0, warehouse_dir=str(tmp_path / "a"), **params)
    dask = run_ingest(runner="dask", workers=2, warehouse_dir=str(tmp_path / "b"), **params)
    assert default["run_id"] != dask["run_id"]
    expected, got = _tables(tmp_path / "a"), _tables(tmp_path / "b")
    assert len(expected["articles"]) == 5 and len(expected["rejects"]) == 2
    assert expected["chrome_segments"]
    for name in QUERIES:
        assert got[name] == expected[name], name


def test_remote_dask_needs_an_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.runners import RunnerError, api_for_workers

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with pytest.raises(RunnerError, match="PREFECT_API_URL"):
            with api_for_workers(remote=True):
                pass
