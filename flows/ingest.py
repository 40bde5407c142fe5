"""The ``ingest`` flow: discover -> batch tasks (stages + staged Parquet) -> commit ->
catalog -> run summary artifact. Prefect wiring only; the work lives in tasks/ and
warehouse/.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows.artifacts import publish
from flows.batch import (
    POOL_LOG,
    TIMINGS_LOG,
    BatchSummary,
    FileDigests,
    give_back_memory,
    pool_waits,
    run_batch,
    shutdown_pool,
    warm_pool,
    worker_pool,
)
from flows.prefetch import take
from flows.progress import RunProgress, collect
from flows.resilience import BatchFailed, describe_failure, io_task_options, load_ops
from tasks.discover import FileList, discover
from tasks.records import Reject, SourceFile
from tasks.settings import Settings, load_settings
from warehouse.catalog import build_catalog
from warehouse.files import Plan, plan_run
from warehouse.load import LoadFailed, LoadResult, finish_load
from warehouse.store import STAGING, stage, sweep, to_table, writer_lock


@task(name="discover-files", cache_policy=NONE)
def discover_task(input_dir: str) -> tuple[FileList, list[Reject]]:
    # the listing ``newsetl run`` began while Prefect's server started, if any
    return take(Path(input_dir)) or discover(Path(input_dir))


# Batches per Prefect task when a worker pool runs them: a task run costs ~38 ms of CPU
# (measured: ~33 ms in the temporary server, which records and persists its three state
# events, ~5 ms in the flow process), taken from the workers on 2 cores; each batch stays
# its own pool job (the pool's unit of load balancing, so the tail does not grow) and its
# own template unit, so the output does not depend on this number, and the task reports
# each batch's progress as it finishes. 40 (10,000 files at the default batch size): 10
# task runs at 100,000 files.
TASK_BATCHES = 40


@task(
    name="process-batches",
    task_run_name="batches-{index:04d} ({label})",
    cache_policy=NONE,
)
def process_batches_task(
    index: int,
    label: str,
    batches: list[Sequence[SourceFile]],
    settings: Settings,
    warehouse: str,
    run_id: str,
    logical_date: date,
    ingested_at: datetime,
    progress: RunProgress | None = None,
) -> list[BatchSummary]:
    """Process consecutive batches ``index``, ``index + 1``, ... in the worker pool, each
    its own job, and stage their rows (one task run for ``TASK_BATCHES`` batches).
    ``progress``: the run's, told of each batch as it finishes (in the flow's process)."""
    if progress is not None and progress.closed:  # the run failed while this task waited
        raise RuntimeError(f"batches {index}-{index + len(batches) - 1} not run: the run stopped")
    rest = (warehouse, run_id, logical_date, ingested_at)
    pool = worker_pool(settings.workers)
    jobs = [
        None if pool is None else pool.submit(run_batch, index + j, files, settings, *rest)
        for j, files in enumerate(batches)
    ]
    summaries = []
    for j, (files, job) in enumerate(zip(batches, jobs, strict=True)):
        try:
            summary = run_batch(index + j, files, settings, *rest) if job is None else job.result()
        except Exception as exc:
            for later in jobs[j + 1 :]:  # a retry or a failed run does not need them
                if later is not None:
                    later.cancel()
            raise BatchFailed(describe_failure(index + j, files, settings, exc)) from exc
        # a log line costs ~2.5 ms of CPU in this process and Prefect's server: one a
        # batch at DEBUG, one a task at INFO (the run's progress line and the batches
        # artifact have each batch)
        get_run_logger().debug(
            "batch %d: %d files, %d articles, %d rejects in %.2fs",
            summary.index,
            summary.files,
            summary.articles,
            summary.rejects,
            summary.seconds,
        )
        if progress is not None:
            progress.batch_done(summary)
        summaries.append(summary)
    seconds = [s.seconds for s in summaries]
    get_run_logger().info(
        "batches %d-%d: %d files, %d articles, %d rejects; %.2f-%.2fs a batch",
        index,
        index + len(summaries) - 1,
        sum(s.files for s in summaries),
        sum(s.articles for s in summaries),
        sum(s.rejects for s in summaries),
        min(seconds, default=0.0),
        max(seconds, default=0.0),
    )
    return summaries


@task(name="commit-run", cache_policy=NONE)
def commit_task(
    warehouse: str,
    run_id: str,
    plan: Plan,
    staged: list[str],
    run_row: dict[str, Any],
    documents: int,
    hashes: Mapping[str, str] | None = None,
) -> LoadResult:
    """Supersede, dedup, check, then publish the run in one manifest swap."""
    try:
        return finish_load(
            Path(warehouse),
            run_id,
            plan,
            staged,
            run_row,
            documents,
            run_row["finished_at"],
            hashes=hashes,
        )
    except LoadFailed as exc:  # failed, without a logged traceback (the caller re-raises)
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]


@task(name="build-catalog", cache_policy=NONE)
def catalog_task(warehouse: str) -> str:
    return str(build_catalog(Path(warehouse)))


def _as_is(value: Any) -> Any:
    return value


def _chunks(files: FileList, size: int) -> list[FileList]:
    """Batches of ``size`` files: slices of the plan's columns (no copy); a batch's
    ``SourceFile`` records are made in the process that runs it."""
    return [files[i : i + size] for i in range(0, len(files), size)]


def _label(index: int, batches: Sequence[Sequence[SourceFile]], size: int) -> str:
    """What a batch task works on (consecutive batches, the first ``index``): its file
    range and first/last file."""
    start, n = index * size, sum(map(len, batches))
    first, last = batches[0][0].rel_path, batches[-1][-1].rel_path
    return f"files {start}-{start + n - 1}: {first} .. {last}"


def _resolve_logical_date(value: date | str | None) -> date:
    if isinstance(value, date):
        return value
    if value:
        return date.fromisoformat(value)
    scheduled = flow_run.scheduled_start_time
    return scheduled.date() if scheduled else datetime.now(UTC).date()


@flow(
    name="ingest",
    description="Raw web text/HTML -> articles, chrome segments and rejects in Parquet.",
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]
)
def ingest(
    input_dir: str = "data/raw",
    warehouse_dir: str = "data/warehouse",
    logical_date: date | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    config_path: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Ingest the new and changed files under ``input_dir`` into the warehouse at
    ``warehouse_dir`` (``replace``: every file, replacing the logical date's partition)."""
    logger = get_run_logger()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    settings = load_settings(
        Path(config_path) if config_path else None, batch_size=batch_size, workers=workers
    )
    ops = load_ops(Path(config_path) if config_path else None)
    deadline = time.monotonic() + ops.flow_timeout_seconds if ops.flow_timeout_seconds else None
    run_id = str(flow_run.id or uuid.uuid4())
    day = _resolve_logical_date(logical_date)
    warehouse = str(Path(warehouse_dir).resolve())
    with writer_lock(Path(warehouse)):
        swept = sweep(Path(warehouse))
        if swept:
            logger.info("swept %d leftovers of an interrupted run", swept)
        files, refused = discover_task.with_options(**io_task_options(ops))(input_dir)
        plan = plan_run(Path(warehouse), files, refused, day, started, run_id, replace)
        if plan.todo:
            # ``newsetl run`` started the workers before Prefect; a flow run begun
            # otherwise (a deployment, ``newsetl serve``) starts them here, beside its
            # spill and task submission (a run with nothing to do starts none)
            warm_pool(settings.workers, wait=False)
        seen = len(files) + len(refused)
        del files  # the plan keeps the files to process (all of them on a first run)
        # the next ``files`` table waits for the commit on disk, not in this process
        plan.spill(Path(warehouse) / STAGING / run_id / "plan-files.parquet")
        # Arrow's pool keeps the plan's freed pages (~30 MB at 100,000 files) through the
        # batch phase, when the workers need the memory, unless told to give them back
        give_back_memory()
        t_discovered = time.perf_counter()  # discovery and the incremental plan
        batches_began = time.time()
        batches = _chunks(plan.todo, settings.batch_size)
        logger.info(
            "%d files (%s) -> %d to process in %d batches (logical date %s)",
            seen,
            ", ".join(f"{k} {v}" for k, v in plan.counts.items()),
            len(plan.todo),
            len(batches),
            day,
        )
        # one task per TASK_BATCHES batches with a worker pool (inline: one per batch, so
        # the Dask runner still spreads single batches over its workers)
        per_task = TASK_BATCHES if settings.workers > 0 else 1
        groups = [
            list(range(i, min(i + per_task, len(batches))))
            for i in range(0, len(batches), per_task)
        ]
        labels = [_label(g[0], [batches[i] for i in g], settings.batch_size) for g in groups]
        batch_task = process_batches_task.with_options(**io_task_options(ops))
        # quote(): a task's batches are not traversed by Prefect (see the commit), unless a
        # Dask runner ships them (Dask takes the quote, a tuple, for a tuple of one)
        own = quote if settings.workers > 0 else _as_is
        progress = RunProgress(len(plan.todo), len(batches), logger)
        # the pool's tasks run in this process's threads and report each batch as it ends;
        # a task elsewhere (the Dask runner) is reported when it is done, by ``collect``
        reporter = quote(progress) if settings.workers > 0 else None
        futures = [
            batch_task.submit(
                g[0],
                labels[k],
                own([batches[i] for i in g]),
                settings,
                warehouse,
                run_id,
                day,
                started,
                reporter,
            )
            for k, g in enumerate(groups)
        ]
        failed = True
        try:
            summaries = collect(futures, labels, progress, deadline)
            failed = False
        finally:
            batches_ended = time.time()
            # the workers' memory is not held through the commit; a failed run's queued
            # batches are dropped (the tasks not yet begun see the progress closed)
            shutdown_pool(cancel=failed)
        t_batches = time.perf_counter()
        staged = [rel for s in summaries for rel in s.staged]
        if plan.refused:
            table = to_table("rejects", plan.refused, run_id=run_id, ingested_at=started)
            staged += stage(Path(warehouse), run_id, day, "discover", {"rejects": table})
        totals = _totals(summaries, plan.refused, seen - len(plan.refused))
        finished = datetime.now(UTC)
        run_row = {
            "run_id": run_id,
            "logical_date": day,
            "input_dir": str(Path(input_dir).resolve()),
            "started_at": started,
            "finished_at": finished,
            "seconds": round(time.perf_counter() - t0, 3),
            "status": "completed",
            **{k: totals[k] for k in ("files_seen", "documents", "articles", "rejects")},
            "chrome_segments": totals["chrome_segments"],
        }
        # quote(): Prefect would otherwise walk every object of the plan (its file lists)
        # and the staged paths looking for futures, ~65 us of flow CPU per file (6 s at
        # 100,000 files, serial after the batch phase); the same for each task's batches
        state = commit_task(
            warehouse,
            run_id,
            quote(plan),
            quote(staged),
            run_row,
            totals["documents"],
            quote(FileDigests(batches, summaries)),
            return_state=True,
        )
        loaded = state.result(raise_on_failure=False)
        failed_checks = isinstance(loaded, LoadFailed)
        if state.is_failed() and not failed_checks:
            state.result()  # any other error: raise it
        catalog = catalog_task.with_options(**io_task_options(ops))(warehouse)
    totals.update(run_id=run_id, logical_date=day.isoformat(), catalog=catalog)
    totals.update(warehouse=warehouse, files=plan.counts, checks=loaded.checks)
    if failed_checks:
        publish(totals, summaries)  # the report shows the failing checks
        # A failed state, not a raise: the run fails (the caller gets ``LoadFailed``)
        # without the engine logging a traceback for an expected, explained outcome.
        return Failed(message=str(loaded), data=loaded)  # type: ignore[return-value]
    totals.update(seconds=loaded.seconds, duplicates=loaded.clusters)
    publish(totals, summaries)
    # Where the flow's time went (bench/run.py reads this line). Work is summed over the
    # worker processes, so work / workers against the batch phase shows the pool's use.
    logger.info(
        TIMINGS_LOG,
        time.perf_counter() - t0,
        t_discovered - t0,
        t_batches - t_discovered,
        sum(s.seconds for s in summaries),
        settings.workers,
        time.perf_counter() - t_batches,
    )
    if summaries:
        logger.info(POOL_LOG, *pool_waits(summaries, batches_began, batches_ended))
    return totals


def _totals(
    summaries: list[BatchSummary], refused: list[Reject], files_seen: int
) -> dict[str, Any]:
    languages: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    rejects: Counter[str] = Counter(f"{r.stage}:{r.reason}" for r in refused)
    for s in summaries:
        languages.update(s.languages)
        reasons.update(s.chrome_reasons)
        rejects.update(s.reject_reasons)
    return {
        "files_seen": files_seen + len(refused),
        "documents": sum(s.documents for s in summaries) + len(refused),
        "articles": sum(s.articles for s in summaries),
        "rejects": sum(s.rejects for s in summaries) + len(refused),
        "chrome_segments": sum(s.chrome_segments for s in summaries),
        "languages": dict(languages.most_common()),
        "chrome_reasons": dict(reasons.most_common()),
        "reject_reasons": dict(rejects.most_common()),
    }
