"""``newsetl run`` decides a strict no-op before starting Prefect (flows/preflight.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from flows.preflight import nothing_to_do
from tests.conftest import EXAMPLES, ROOT


@pytest.fixture()
def ingested(tmp_path: Path, prefect_server: None) -> tuple[Path, Path]:
    from flows.ingest import ingest

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    shutil.copytree(EXAMPLES, raw)
    ingest(str(raw), str(wh), logical_date=date(2024, 4, 1), workers=0)
    return raw, wh


def test_unchanged_input_needs_no_run(ingested: tuple[Path, Path], tmp_path: Path) -> None:
    raw, wh = ingested
    message = nothing_to_do(raw, wh)
    n = sum(1 for f in raw.rglob("*") if f.is_file())
    assert message is not None and message.startswith(f"nothing to do: all {n} files")
    assert nothing_to_do(raw, tmp_path / "empty-warehouse") is None  # first run: always run


def test_any_change_runs_the_flow(ingested: tuple[Path, Path]) -> None:
    raw, wh = ingested
    first = next(f for f in sorted(raw.rglob("*.txt")))
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 10**9))
    assert nothing_to_do(raw, wh) is None  # touched: the flow rehashes and records it
    (raw / "new.txt").write_text("A new page\n\nWith a paragraph of text in it.\n")
    assert nothing_to_do(raw, wh) is None


def test_interrupted_warehouse_runs_the_flow(ingested: tuple[Path, Path]) -> None:
    """Leftovers of a killed run (staging area, stale catalog) are the flow's to recover."""
    raw, wh = ingested
    (wh / "_staging" / "dead-run").mkdir(parents=True)
    assert nothing_to_do(raw, wh) is None
    shutil.rmtree(wh / "_staging")
    assert nothing_to_do(raw, wh) is not None
    manifest = wh / "_manifest.json"
    later = (wh / "catalog.duckdb").stat().st_mtime_ns + 10**9
    os.utime(manifest, ns=(later, later))  # swapped after the catalog was built
    assert nothing_to_do(raw, wh) is None


def test_cli_skips_prefect_when_nothing_changed(ingested: tuple[Path, Path]) -> None:
    """With an unreachable Prefect API the CLI still answers: it never started a flow."""
    raw, wh = ingested
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "flows.cli", "run", "--input", str(raw), "--warehouse", str(wh)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("nothing to do: all ")
    assert "Traceback" not in proc.stderr
