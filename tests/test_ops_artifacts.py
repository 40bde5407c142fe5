"""What the UI shows for a run: artifacts read back through the Prefect API, the report's
sections (with and without warehouse checks), retries only for transient I/O, and
failures that name the batch, the file and the stage."""

from __future__ import annotations

import errno
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.artifacts import report
from flows.resilience import BatchFailed, is_transient, stage_of
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def run_artifacts(
    prefect_server: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any]]:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.ingest import ingest

    wh = tmp_path_factory.mktemp("wh")
    totals = ingest(input_dir=str(EXAMPLES), warehouse_dir=str(wh), workers=0, batch_size=4)
    flt = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[totals["run_id"]]))
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=flt)
    return totals, {a.key: a for a in artifacts}


def test_run_publishes_report_sources_batches_and_progress(run_artifacts: Any) -> None:
    totals, artifacts = run_artifacts
    assert {"ingest-report", "ingest-summary", "ingest-sources", "ingest-batches"} <= set(artifacts)
    md = artifacts["ingest-report"].data
    for section in ("Rejects by reason", "chrome reasons", "Languages", "Checks"):
        assert section in md
    assert "| decode:empty | 1 |" in md and "| de | 3 |" in md
    assert totals["warehouse"] in md and "newsetl query" in md

    sources = {r["source"]: r for r in json.loads(artifacts["ingest-sources"].data)}
    assert sources["stadtblatt.example"]["articles"] == 3
    assert sum(r["files"] for r in sources.values()) == 7
    assert sum(r["articles"] for r in sources.values()) == totals["articles"]

    batches = json.loads(artifacts["ingest-batches"].data)
    assert [b["index"] for b in batches] == [0, 1]  # 7 files in batches of 4

    progress = artifacts["ingest-progress"]
    assert progress.type == "progress" and float(progress.data) == pytest.approx(100.0)


def test_report_lists_checks_passed_and_failed() -> None:
    totals = {"run_id": "r1", "articles": 3, "seconds": 1.0, "checks": {"unique_doc_id": True}}
    totals["checks"]["not_null_body"] = {"passed": False, "detail": "2 rows"}
    md = report(totals)
    assert "1 passed, 1 failed" in md
    assert "| not_null_body | **FAILED** | 2 rows |" in md
    assert "no checks ran" in report({"run_id": "r2"})


def test_report_reads_warehouse_check_rows_and_file_counts() -> None:
    checks = [
        {"check_name": "unique", "table_name": "articles", "column_name": "doc_id"}
        | {"severity": "error", "status": "pass", "failures": 0, "detail": None},
        {"check_name": "documents_accounted", "table_name": "articles", "column_name": None}
        | {"severity": "error", "status": "fail", "failures": 2, "detail": "3 vs 5"},
    ]
    md = report({"run_id": "r3", "checks": checks, "files": {"new": 4, "unchanged": 9}})
    assert "1 passed, 1 failed" in md
    assert "| documents_accounted (articles) | **FAILED** | 2 failing: 3 vs 5 |" in md
    assert "| unique (articles.doc_id) | passed |  |" in md
    assert "| new | 4 |" in md and "| unchanged | 9 |" in md


def test_only_transient_io_errors_are_retried() -> None:
    assert is_transient(OSError(errno.EIO, "I/O error"))
    assert is_transient(TimeoutError("nfs"))  # an OSError subclass
    assert not is_transient(FileNotFoundError("gone"))
    assert not is_transient(PermissionError("denied"))
    assert not is_transient(ValueError("a bug in a stage"))
    wrapped = BatchFailed("batch 3 ...")
    wrapped.__cause__ = OSError(errno.EIO, "I/O error")
    assert is_transient(wrapped)


def _run_one_batch(tmp_path: Path) -> tuple[list[Any], str]:
    """Run the batch task's function (no engine) inline over the examples; its error."""
    from flows.ingest import process_batches_task
    from tasks.discover import discover
    from tasks.settings import load_settings

    files, _ = discover(EXAMPLES)
    args = ("label", [files], load_settings(workers=0), str(tmp_path), "run-1")
    with pytest.raises(BatchFailed) as info:
        process_batches_task.fn(7, *args, date(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC))
    return files, str(info.value)


def test_failure_names_batch_file_and_stage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import builtins

    import tasks.read

    bad = sorted(p.name for p in EXAMPLES.rglob("*.txt"))[0]

    def flaky_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(bad):
            raise RuntimeError("controller reset")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(tasks.read, "open", flaky_open, raising=False)
    files, message = _run_one_batch(tmp_path)
    culprit = next(f.rel_path for f in files if f.rel_path.endswith(bad))
    assert message.startswith(f"batch 7 ({files[0].rel_path} .. {files[-1].rel_path})")
    assert f"failed in stage read on file {culprit}: RuntimeError: controller reset" in message


def test_write_failure_names_the_write_stage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import warehouse.store

    class FullDisk:
        def write_table(self, *args: Any, **kwargs: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(warehouse.store, "pq", FullDisk())
    _, message = _run_one_batch(tmp_path)
    assert "failed in stage write: OSError: [Errno 28] No space left on device" in message


def test_stage_is_read_from_the_worker_traceback() -> None:
    class _Remote(Exception):
        pass

    exc = ValueError("x")
    exc.__cause__ = _Remote('File "/repo/tasks/process.py", line 9\nFile "/repo/tasks/html.py"')
    assert stage_of(exc) == "html"
    assert stage_of(OSError("disk")) == "batch"
    write = OSError("disk full")
    write.__cause__ = _Remote('File "/repo/warehouse/store.py", line 3, in stage')
    assert stage_of(write) == "write"
