"""Run progress as batches finish: a Prefect progress artifact, a log line (at most every
REPORT_EVERY seconds) and a terminal progress bar (files, articles/s, ETA) when ``newsetl run``
is on a TTY.

Batch-level only: nothing here ever reports a single document.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flows.batch import BatchSummary

PROGRESS_KEY = "ingest-progress"
# Seconds between progress log lines / artifact updates. Each update costs ~10 ms of CPU
# (the artifact's API call, in the flow and in Prefect's server), taken from the workers
# on 2 cores: every 2 s is ~35 updates at 100,000 files. The terminal bar moves per batch.
REPORT_EVERY = 2.0

_terminal_bar = False  # set by the CLI (``terminal_bar``) when stdout/stderr is a terminal


@contextmanager
def terminal_bar(enabled: bool) -> Iterator[None]:
    """Within this block, runs in this process draw a progress bar on the terminal."""
    global _terminal_bar
    previous, _terminal_bar = _terminal_bar, enabled
    try:
        yield
    finally:
        _terminal_bar = previous


class RunTimedOut(TimeoutError):
    """The run's batches did not finish within ``flow_timeout_seconds``."""


def _eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RunProgress:
    """Progress of one run over its batches (files, articles, rate, ETA)."""

    def __init__(self, total_files: int, total_batches: int, logger: logging.Logger | Any):
        self.total_files = total_files
        self.total_batches = total_batches
        self.logger = logger
        self.files = self.articles = self.batches = 0
        self.t0 = time.perf_counter()
        # batch tasks report their batches from the flow's task threads as each finishes,
        # and ``collect`` again when the task is done: each batch counts once
        self._lock = threading.Lock()
        self._seen: set[int] = set()
        self._closed = False
        self._artifact_id: Any = None
        self._reported = float("-inf")  # when the log line and artifact were last updated
        self._bar: Any = None
        self._bar_task: Any = None
        self._start_artifact()
        if _terminal_bar:
            self._start_bar()

    def _start_artifact(self) -> None:
        from prefect.artifacts import create_progress_artifact

        try:
            self._artifact_id = create_progress_artifact(
                0.0, key=PROGRESS_KEY, description=self._describe()
            )
        except Exception as exc:  # progress must never fail a run
            self.logger.warning("progress artifact unavailable: %s", exc)

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]ingest[/] files"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} articles/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        self._bar_task = self._bar.add_task("ingest", total=self.total_files, rate="-")

    def _describe(self) -> str:
        return (
            f"{self.batches}/{self.total_batches} batches, "
            f"{self.files}/{self.total_files} files, {self.articles} articles"
        )

    def batch_done(self, summary: BatchSummary) -> None:
        with self._lock:
            if self._closed or summary.index in self._seen:
                return
            self._seen.add(summary.index)
            self._report(summary)

    def _report(self, summary: BatchSummary) -> None:
        self.batches += 1
        self.files += summary.files
        self.articles += summary.articles
        elapsed = max(time.perf_counter() - self.t0, 1e-9)
        rate = self.articles / elapsed
        left = elapsed / self.files * (self.total_files - self.files) if self.files else 0.0
        pct = 100.0 * self.files / self.total_files if self.total_files else 100.0
        if self._bar is not None:
            self._bar.update(self._bar_task, completed=self.files, rate=f"{rate:,.1f}")
        now = time.perf_counter()
        if now - self._reported < REPORT_EVERY and self.batches < self.total_batches:
            return  # at most one line and one API call every REPORT_EVERY seconds
        self._reported = now
        if self._bar is None:
            self.logger.info(
                "progress: %s, %.1f articles/s, ETA %s", self._describe(), rate, _eta(left)
            )
        if self._artifact_id is not None:
            from prefect.artifacts import update_progress_artifact

            try:
                update_progress_artifact(self._artifact_id, pct, description=self._describe())
            except Exception as exc:
                self.logger.warning("progress artifact not updated: %s", exc)

    @property
    def closed(self) -> bool:
        """The run stopped waiting for its batches (all done, failed or timed out)."""
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True  # a task still running after a timeout reports nothing more
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def collect(
    futures: Sequence[Any],
    labels: Sequence[str],
    progress: RunProgress,
    deadline: float | None,
) -> list[BatchSummary]:
    """Wait for the batch futures, reporting each as it finishes; results in batch order.

    ``deadline`` is a ``time.monotonic()`` value (None: no limit). A failed batch raises
    its error (which names the batch, file and stage); passing the deadline raises
    :class:`RunTimedOut` naming the unfinished batches.
    """
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i, fut in enumerate(futures):
        fut.add_done_callback(lambda _f, i=i: finished.put(i))
    done: dict[int, BatchSummary] = {}
    try:
        while len(done) < len(futures):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                i = finished.get(timeout=left)
            except queue.Empty:
                pending = [labels[k] for k in range(len(futures)) if k not in done]
                more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
                raise RunTimedOut(
                    f"run exceeded flow_timeout_seconds with {len(pending)} batch(es) "
                    f"unfinished: {', '.join(pending[:3])}{more}"
                ) from None
            result = futures[i].result()  # one batch's summary, or a task's list of them
            done[i] = result if isinstance(result, list) else [result]
            for summary in done[i]:
                progress.batch_done(summary)
    finally:
        progress.close()
    return [summary for i in range(len(futures)) for summary in done[i]]
