"""Collecting batch results: batch order, one progress report per batch, and the flow
timeout naming the batches that did not finish."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flows.progress import RunTimedOut, _eta, collect


class _Future:
    def __init__(self, value: Any, finishes: bool = True) -> None:
        self.value, self.finishes = value, finishes

    def add_done_callback(self, fn: Any) -> None:
        if self.finishes:
            fn(self)

    def result(self) -> Any:
        if isinstance(self.value, BaseException):
            raise self.value
        return self.value


class _Progress:
    def __init__(self) -> None:
        self.reported: list[Any] = []
        self.closed = False

    def batch_done(self, summary: Any) -> None:
        self.reported.append(summary)

    def close(self) -> None:
        self.closed = True


def test_results_come_back_in_batch_order() -> None:
    progress = _Progress()
    futures = [_Future("b0"), _Future("b1"), _Future("b2")]
    assert collect(futures, ["l0", "l1", "l2"], progress, None) == ["b0", "b1", "b2"]  # type: ignore[arg-type]
    assert sorted(progress.reported) == ["b0", "b1", "b2"] and progress.closed


def test_timeout_names_unfinished_batches() -> None:
    progress = _Progress()
    futures = [_Future("b0"), _Future(None, finishes=False), _Future(None, finishes=False)]
    labels = ["files 0-9", "files 10-19", "files 20-29"]
    t0 = time.monotonic()
    with pytest.raises(RunTimedOut) as info:
        collect(futures, labels, progress, time.monotonic() + 0.2)  # type: ignore[arg-type]
    assert time.monotonic() - t0 < 5
    assert str(info.value) == (
        "run exceeded flow_timeout_seconds with 2 batch(es) unfinished: files 10-19, files 20-29"
    )
    assert progress.reported == ["b0"] and progress.closed


def test_failed_batch_raises_its_own_error() -> None:
    futures = [_Future(RuntimeError("batch 0 (a .. b) failed in stage read on file a"))]
    with pytest.raises(RuntimeError, match="failed in stage read on file a"):
        collect(futures, ["l0"], _Progress(), None)  # type: ignore[arg-type]


def test_eta_format() -> None:
    assert _eta(3725.4) == "1:02:05" and _eta(-3) == "0:00:00"


class _Logger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str, *args: Any) -> None:
        self.lines.append(msg % args)


def _summary(index: int, files: int = 10) -> Any:
    from flows.batch import BatchSummary

    return BatchSummary(index, files, files, files - 1, 1, 0, [])


def test_a_batch_reported_by_its_task_and_by_collect_counts_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.progress import RunProgress

    monkeypatch.setattr(RunProgress, "_start_artifact", lambda self: None)  # no Prefect API
    logger = _Logger()
    progress = RunProgress(30, 3, logger)
    progress.batch_done(_summary(0))  # from the batch task, as the batch ends
    futures = [_Future([_summary(0), _summary(1)]), _Future([_summary(2)])]
    summaries = collect(futures, ["l0", "l1"], progress, None)  # type: ignore[arg-type]
    assert [s.index for s in summaries] == [0, 1, 2]
    assert (progress.batches, progress.files, progress.articles) == (3, 30, 27)
    assert logger.lines[-1].startswith("progress: 3/3 batches, 30/30 files, 27 articles")
    progress.batch_done(_summary(3))  # a task still running after the run gave up on it
    assert progress.batches == 3


def test_the_batch_task_reports_each_batch_as_it_ends(tmp_path: Any) -> None:
    from datetime import UTC, date, datetime

    from prefect.logging import disable_run_logger

    from flows.ingest import process_batches_task
    from tasks.discover import discover
    from tasks.settings import load_settings
    from tests.conftest import EXAMPLES

    files, _ = discover(EXAMPLES)
    batches = [files[:3], files[3:5]]

    class Seen:
        closed = False

        def __init__(self) -> None:
            self.indexes: list[int] = []

        def batch_done(self, summary: Any) -> None:
            self.indexes.append(summary.index)

    seen = Seen()
    args = (batches, load_settings(workers=0), str(tmp_path), "run-1", date(2026, 1, 1))
    with disable_run_logger():
        out = process_batches_task.fn(5, "label", *args, datetime(2026, 1, 1, tzinfo=UTC), seen)
    assert seen.indexes == [5, 6] == [s.index for s in out]
    assert [s.files for s in out] == [3, 2]


def test_a_task_that_begins_after_the_run_stopped_runs_nothing(tmp_path: Any) -> None:
    from datetime import UTC, date, datetime

    from flows.ingest import process_batches_task
    from tasks.settings import load_settings

    class Stopped:
        closed = True

        def batch_done(self, summary: Any) -> None:
            raise AssertionError("nothing may run")

    args = ([[]], load_settings(workers=2), str(tmp_path), "run-1", date(2026, 1, 1))
    with pytest.raises(RuntimeError, match="batches 3-3 not run: the run stopped"):
        process_batches_task.fn(3, "label", *args, datetime(2026, 1, 1, tzinfo=UTC), Stopped())


def test_a_failed_run_drops_the_pools_queued_batches() -> None:
    from flows.batch import shutdown_pool, worker_pool

    pool = worker_pool(1)
    assert pool is not None
    pool.submit(int).result()  # the worker is up
    running = pool.submit(time.sleep, 1.0)
    queued = [pool.submit(time.sleep, 1.0) for _ in range(5)]
    time.sleep(0.2)
    t0 = time.monotonic()
    shutdown_pool(cancel=True)
    # the running job and the one the pool already handed to its call queue, not all six
    assert time.monotonic() - t0 < 4.5
    assert running.done() and not running.cancelled()
    assert sum(f.cancelled() for f in queued) >= 3


def test_a_flow_warms_its_pool_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """``warm_pool(wait=False)`` (what ``newsetl run`` calls first) returns at once and
    every worker comes up meanwhile; a warm-up that fails (a pool the run shut down
    first, a forkserver killed by Ctrl-C) leaves no error behind; no pool, no thread."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    import flows.batch as batch

    def join_warm_ups() -> None:
        for t in threading.enumerate():
            if t.name == "warm-pool":
                t.join(timeout=120)
                assert not t.is_alive()

    t0 = time.monotonic()
    batch.warm_pool(2, wait=False)
    assert time.monotonic() - t0 < 0.5  # the forkserver's imports take seconds
    join_warm_ups()
    pool = batch.worker_pool(2)
    assert pool is not None and len(pool._processes) == 2  # noqa: SLF001 - what was spawned
    batch.shutdown_pool()

    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    gone = ProcessPoolExecutor(max_workers=1)
    gone.shutdown()
    monkeypatch.setattr(batch, "worker_pool", lambda workers: gone)  # submit: RuntimeError
    batch.warm_pool(1, wait=False)
    join_warm_ups()

    def killed(workers: int) -> None:
        raise EOFError("unexpected EOF")  # what spawning meets when the forkserver died

    monkeypatch.setattr(batch, "worker_pool", killed)
    batch.warm_pool(1, wait=False)
    join_warm_ups()
    assert errors == []

    before = threading.active_count()
    batch.warm_pool(0, wait=False)
    assert threading.active_count() == before


def test_a_warmed_pool_is_not_warmed_again() -> None:
    """The flow's warm-up after ``newsetl run``'s queues nothing before the batches."""
    import flows.batch as batch

    batch.warm_pool(1)
    pool = batch.worker_pool(1)
    assert pool is not None
    pool.submit(int).result()  # the warm-up's job is done, the worker is idle
    queued: list[object] = []
    original = pool.submit
    pool.submit = lambda *a, **k: queued.append(a) or original(*a, **k)  # type: ignore[method-assign]
    try:
        batch.warm_pool(1)
        assert queued == []
    finally:
        batch.shutdown_pool()
    batch.warm_pool(1)  # a new pool (the old one shut down) is warmed again
    new = batch.worker_pool(1)
    assert new is not None and new is not pool and len(new._processes) == 1  # noqa: SLF001
    batch.shutdown_pool()
