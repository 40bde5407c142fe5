"""Scheduled runs: serve the ``ingest`` flow as a Prefect deployment on a cron schedule.

``newsetl serve --cron "0 * * * *"`` (Prefect's ``serve``) registers the deployment
``ingest/<name>`` with the Prefect API and runs its flow runs in this process's runner
until interrupted. Each run's scheduled time becomes its logical date (the flow reads
``prefect.runtime.flow_run.scheduled_start_time`` when no date is given), so a late or
re-run schedule still writes the partition it was scheduled for.

For work pools and workers instead of a long-lived ``serve`` process, see ``prefect.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_NAME = "newsetl"


def deployment_parameters(
    input_dir: str,
    warehouse_dir: str,
    batch_size: int | None = None,
    workers: int | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Flow parameters of a scheduled run (absolute paths: runs start in other processes).

    ``logical_date`` is left out on purpose: each run takes its scheduled date.
    """
    params: dict[str, Any] = {
        "input_dir": str(Path(input_dir).resolve()),
        "warehouse_dir": str(Path(warehouse_dir).resolve()),
    }
    if batch_size is not None:
        params["batch_size"] = batch_size
    if workers is not None:
        params["workers"] = workers
    if config_path:
        params["config_path"] = str(Path(config_path).resolve())
    return params


def to_deployment(name: str, cron: str | None, parameters: dict[str, Any]) -> Any:
    """The ``ingest`` flow as a RunnerDeployment (what ``serve`` registers)."""
    from flows.ingest import ingest

    return ingest.to_deployment(
        name=name,
        cron=cron,
        parameters=parameters,
        description="newsetl: raw web text/HTML -> Parquet warehouse, on a schedule",
        tags=["newsetl"],
    )


def serve(name: str, cron: str | None, parameters: dict[str, Any], limit: int | None) -> None:
    """Register the deployment and execute its runs until interrupted.

    This is ``ingest.serve(...)`` spelled as ``prefect.serve(ingest.to_deployment(...))``:
    the same Runner, but each run loads the flow from its entrypoint
    (``flows/ingest.py:ingest``) instead of unpickling the flow object, which loses the
    module globals that the flow's postponed annotations (``date | None``) need.
    """
    from prefect import serve as prefect_serve

    prefect_serve(to_deployment(name, cron, parameters), limit=limit, print_starting_message=True)
