"""Scheduled runs: the served deployment is registered with its cron schedule, and a
triggered run executes through the runner and writes the partition of its scheduled date."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.serve import deployment_parameters, to_deployment
from tests.conftest import EXAMPLES

# A schedule that will not fire during the test: only the triggered run executes.
CRON = "0 0 1 1 *"


def test_served_deployment_runs_with_its_scheduled_date(prefect_server: None, tmp_path: Path):
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.runner import Runner

    warehouse = tmp_path / "wh"
    params = deployment_parameters(str(EXAMPLES), str(warehouse), workers=0)
    runner = Runner(name="ops-test", limit=1)
    deployment_id = runner.add_deployment(to_deployment("ops-test", CRON, params))

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment(deployment_id)
        assert deployment.name == "ops-test"
        assert [s.schedule.cron for s in deployment.schedules] == [CRON]
        assert deployment.parameters["warehouse_dir"] == str(warehouse.resolve())

    scheduled = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    flow_run = run_deployment("ingest/ops-test", timeout=0, scheduled_time=scheduled)
    asyncio.run(runner.start(run_once=True))

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run.id).state
    assert state is not None and state.is_completed(), state
    con = duckdb.connect(str(warehouse / "catalog.duckdb"), read_only=True)
    try:
        rows = con.execute("select run_id, logical_date, articles from runs").fetchall()
    finally:
        con.close()
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [(str(flow_run.id), "2026-03-01", 5)]
