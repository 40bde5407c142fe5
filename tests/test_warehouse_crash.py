"""Crash safety and the writer lock, with real ``newsetl run`` subprocesses.

Runs are killed with SIGKILL at several points (during batch staging, by the test; at named
points of the commit, by the ``NEWSETL_CRASH_AT`` hook), then run again; the warehouse
must then hold exactly what clean runs produce. The subprocesses share the session's
Prefect test server, so each costs a few seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import EXAMPLES, ROOT

# Row content compared between warehouses: every column except run ids and timestamps.
COMPARE = {
    "articles": "select * exclude (run_id, ingested_at) from articles order by doc_id",
    "chrome_segments": "select * exclude (run_id) from chrome_segments order by doc_id, position",
    "rejects": "select * exclude (run_id, ingested_at) from rejects order by source_path, record",
    "files": "select path, size, sha256, status, logical_date from files order by all",
    "line_stats": "select source, line_hash, sum(docs) from line_stats group by all order by all",
}


@pytest.fixture(scope="module")
def env(prefect_server: None) -> dict[str, str]:
    """Environment for subprocess runs: the session's Prefect API, the worktree first."""
    from prefect.settings import PREFECT_API_URL

    out = dict(os.environ)
    out["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    out.pop("NEWSETL_CRASH_AT", None)
    return out


def _cmd(raw: Path, wh: Path, day: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--input",
        str(raw),
        "--warehouse",
        str(wh),
        "--logical-date",
        day,
        "--batch-size",
        "1",
        "--workers",
        "0",
    ]


def _run(
    env: dict[str, str], raw: Path, wh: Path, day: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One run in its own process group; whatever the run leaves (orphaned pool workers of
    a killed run) is killed with the group afterwards."""
    run_env = env | ({"NEWSETL_CRASH_AT": crash_at} if crash_at else {})
    out, err = wh.parent / "run.out", wh.parent / "run.err"
    with open(out, "w") as fo, open(err, "w") as fe:
        proc = subprocess.Popen(
            _cmd(raw, wh, day), env=run_env, cwd=ROOT, stdout=fo, stderr=fe, start_new_session=True
        )
        code = proc.wait(timeout=300)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(proc.args, code, out.read_text(), err.read_text())


def _kill_while_staging(env: dict[str, str], raw: Path, wh: Path, day: str) -> None:
    """Start a run and SIGKILL its whole process group once batches are being staged."""
    proc = subprocess.Popen(
        _cmd(raw, wh, day),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any((wh / "_staging").glob("*/**/*.parquet")):
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    code = proc.wait(timeout=60)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    assert code == -signal.SIGKILL, "the run finished before it was killed"


def _clean_run(raw: Path, wh: Path, day: str) -> None:
    """The reference: the same run in this process, never interrupted."""
    from datetime import date

    from flows.ingest import ingest

    ingest(str(raw), str(wh), logical_date=date.fromisoformat(day), batch_size=1, workers=0)


def _tables(wh: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in COMPARE.items()}
    finally:
        con.close()


def test_killed_runs_then_rerun_equal_clean_runs(tmp_path: Path, env: dict[str, str]) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(EXAMPLES, raw)
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"

    _clean_run(raw, clean, "2024-03-01")
    _kill_while_staging(env, raw, crashed, "2024-03-01")
    for point in ("after-move", "before-manifest-swap"):
        res = _run(env, raw, crashed, "2024-03-01", crash_at=point)
        assert res.returncode == -signal.SIGKILL, (point, res.stderr[-500:])
        assert not (crashed / "catalog.duckdb").exists() or not _tables(crashed)["articles"]
    assert _run(env, raw, crashed, "2024-03-01").returncode == 0
    assert _tables(crashed) == _tables(clean)
    assert len(_tables(clean)["articles"]) == 5

    # A changed file: its rows are superseded copy-on-write; crash inside that commit too.
    edited = raw / "stadtblatt.example" / "markt.txt"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("überwiegend zufrieden", "überwiegend sehr zufrieden"))
    _clean_run(raw, clean, "2024-03-02")
    for point in ("after-copy-on-write", "after-manifest-swap"):
        res = _run(env, raw, crashed, "2024-03-02", crash_at=point)
        assert res.returncode == -signal.SIGKILL, (point, res.stderr[-500:])
    assert _run(env, raw, crashed, "2024-03-02").returncode == 0
    after = _tables(crashed)
    assert after == _tables(clean)
    markt = [r for r in after["articles"] if r[1] == "stadtblatt.example/markt.txt"]
    assert len(markt) == 1 and "sehr zufrieden" in markt[0][5]
    assert not any(p.name.startswith(".") for p in crashed.rglob("*.parquet*"))


def test_second_writer_exits_with_a_clear_message(tmp_path: Path, env: dict[str, str]) -> None:
    from warehouse.store import writer_lock

    wh = tmp_path / "wh"
    with writer_lock(wh):
        res = _run(env, EXAMPLES, wh, "2024-03-01")
    assert res.returncode == 2
    assert any(
        line.startswith("newsetl: error: another run is writing")
        for line in res.stderr.splitlines()
    ), res.stderr[-500:]
    assert "Traceback" not in res.stderr
    assert not (wh / "_manifest.json").exists()


def test_two_concurrent_runs_never_corrupt(tmp_path: Path, env: dict[str, str]) -> None:
    wh = tmp_path / "wh"
    procs = [
        subprocess.Popen(
            _cmd(EXAMPLES, wh, "2024-03-01"),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    assert any(code == 0 for code, _ in results)
    for code, err in results:
        assert code == 0 or (code == 2 and "another run is writing" in err), err[-500:]
    tables = _tables(wh)
    ids = [r[0] for r in tables["articles"]]
    assert len(ids) == len(set(ids)) == 5
    assert len(tables["rejects"]) == 2
