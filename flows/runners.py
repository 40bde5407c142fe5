"""Where the batch tasks run: threads in this process (default) or a Dask cluster.

- ``threads``: Prefect's ThreadPoolTaskRunner; each batch task hands its CPU work to a
  local process pool (``flows.batch.worker_pool``), ``workers`` processes.
- ``dask``: prefect-dask's DaskTaskRunner on a local cluster of ``workers`` processes
  (one thread each) or on an existing scheduler (``dask_address``). Each batch runs
  ``run_batch`` inline in its Dask worker, so no second process pool is started.

Dask workers are other processes that report task states to the Prefect API. Without
``PREFECT_API_URL`` each would start its own temporary server, so the Dask path starts
one temporary server for the run and points every worker at it (a local cluster), or
requires ``PREFECT_API_URL`` (a remote scheduler, whose workers must reach the API).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RUNNERS = ("threads", "dask")
BACKSTOP_SECONDS = 60.0


class RunnerError(ValueError):
    """An unusable runner choice; the message is one line for the user."""


def make_task_runner(kind: str, workers: int | None = None, address: str | None = None) -> Any:
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=4)
    if kind != "dask":
        raise RunnerError(f"unknown runner {kind!r} (choose from {', '.join(RUNNERS)})")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - prefect-dask is a dependency
        raise RunnerError("--runner dask needs prefect-dask: pip install prefect-dask") from exc
    _quiet_dask_logs()
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": max(1, workers or os.cpu_count() or 1),
            "threads_per_worker": 1,  # CPU-bound Python: one batch per worker process
            "processes": True,
            "dashboard_address": None,
        }
    )


def _quiet_dask_logs() -> None:
    """Dask's scheduler/nanny chatter at INFO would bury the batch-level run log."""
    import logging

    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # worker processes
    logging.getLogger("distributed").setLevel(logging.WARNING)


@contextmanager
def api_for_workers(remote: bool) -> Iterator[str]:
    """A Prefect API URL every Dask worker can use, for the duration of the run."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = PREFECT_API_URL.value()
    server = None
    if not url:
        if remote:
            raise RunnerError(
                "--dask-address needs PREFECT_API_URL set to a Prefect server the Dask "
                "workers can reach (start one with `newsetl ui --host 0.0.0.0`)"
            )
        from prefect.server.api.server import SubprocessASGIServer
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        server = SubprocessASGIServer()  # the server this process would use anyway
        server.start(timeout=PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        url = server.api_url
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url  # inherited by the local cluster's worker processes
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def run_ingest(
    *,
    runner: str = "threads",
    workers: int | None = None,
    dask_address: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Run the ``ingest`` flow with the chosen task runner; returns the run's totals.

    ``params`` are the flow's parameters (``input_dir``, ``warehouse_dir``, ...). With
    ``runner="dask"``, ``workers`` is the local cluster's size and batches run inline in
    the Dask workers.
    """
    from flows.ingest import ingest
    from flows.resilience import load_ops

    config = params.get("config_path")
    ops = load_ops(Path(config) if config else None)
    # The flow itself fails the batch phase at flow_timeout_seconds, naming the unfinished
    # batches; Prefect's own flow timeout (state TimedOut) is the backstop for a hang
    # elsewhere (discovery, commit), a little later so the clearer message wins.
    backstop = ops.flow_timeout_seconds + BACKSTOP_SECONDS if ops.flow_timeout_seconds else None
    flow = ingest.with_options(
        task_runner=make_task_runner(runner, workers, dask_address),
        timeout_seconds=backstop,
    )
    if runner != "dask":
        return dict(flow(workers=workers, **params))
    with api_for_workers(remote=bool(dask_address)):
        return dict(flow(workers=0, **params))
