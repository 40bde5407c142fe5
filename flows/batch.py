"""The unit of work a batch task runs: stages + staging write, in a worker process.

Plain Python (no Prefect), so it can run in a process pool, a Dask worker or inline.
Only a small summary travels back to the flow; the rows go straight to Parquet.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.chrome import freeze_results
from tasks.discover import as_file_list
from tasks.process import BatchResult, process_batch
from tasks.records import SourceFile
from tasks.settings import Settings
from warehouse.files import UNREAD, content_digest, hex_digests
from warehouse.load import line_stats_table, signature_table, template_history
from warehouse.store import stage, to_table

# The flow's closing log line, where its time went; bench/run.py parses it.
TIMINGS_LOG = (
    "timings: body %.2fs = discover %.2fs + batches %.2fs (work %.2fs in %d workers) + finish %.2fs"
)
# Where the workers waited in the batch phase (``pool_waits``), the line after it.
POOL_LOG = (
    "pool: %d workers idle %.2fs before their first batch, %.2fs between, %.2fs after their last"
)


@dataclass(frozen=True, slots=True)
class BatchSummary:
    index: int
    files: int
    documents: int
    articles: int
    rejects: int
    chrome_segments: int
    staged: list[str]
    languages: dict[str, int] = field(default_factory=dict)
    chrome_reasons: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # per source (site): files, articles, rejects, chrome_segments, words
    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    # the SHA-256 of each file's bytes, for the ``files`` table (the plan no longer reads
    # new files: warehouse.files): 32 bytes per file in the batch's order (``UNREAD``: not
    # read), ~32 bytes a file held by the flow until its commit instead of two str (~220)
    digests: bytes = b""
    worker: int = 0  # the process that ran it (pid)
    started: float = 0.0  # when it began there (time.time())


def run_batch(
    index: int,
    batch: Sequence[SourceFile],
    settings: Settings,
    warehouse: str,
    run_id: str,
    logical_date: date,
    ingested_at: datetime,
) -> BatchSummary:
    """Process ``batch`` and stage their rows under the run's staging area (its
    ``SourceFile`` records are made here: the flow sends a slice of its file columns)."""
    import os
    import time

    started, t0 = time.time(), time.perf_counter()
    files = list(batch)
    history = template_history(Path(warehouse), [f.source for f in files if f.source], logical_date)
    res = process_batch(files, settings, history)
    # a plain file was hashed from the bytes its reader read; any other (an archive, a
    # compressed file, one too large or unreadable) is read again here to hash it
    digests = b"".join(res.digests.get(f.rel_path) or content_digest(f.path) for f in files)
    consts = {"run_id": run_id}
    tables = {
        "articles": to_table("articles", res.articles, ingested_at=ingested_at, **consts),
        "chrome_segments": to_table("chrome_segments", res.segments, **consts),
        "rejects": to_table("rejects", res.rejects, ingested_at=ingested_at, **consts),
        "signatures": signature_table(res.articles, run_id, res.minhashes),
        "line_stats": line_stats_table(res.line_counts, run_id),
    }
    staged = stage(Path(warehouse), run_id, logical_date, f"{index:05d}", tables)
    del tables
    summary = BatchSummary(
        index=index,
        files=len(files),
        documents=res.documents,
        articles=len(res.articles),
        rejects=len(res.rejects),
        chrome_segments=len(res.segments),
        staged=staged,
        languages=dict(Counter(a.language or "??" for a in res.articles)),
        chrome_reasons=dict(Counter(map(attrgetter("reason"), res.segments))),
        reject_reasons=dict(Counter(f"{r.stage}:{r.reason}" for r in res.rejects)),
        seconds=time.perf_counter() - t0,
        sources=_per_source(files, res),
        digests=digests,
        worker=os.getpid(),
        started=started,
    )
    del res
    give_back_memory()
    return summary


class FileDigests(Mapping[str, str]):
    """Relative path -> SHA-256 (hex) of the files the batches read, as the commit takes
    them (``warehouse.load.finish_load``), from each summary's ``digests`` and its batch's
    files (``batches[summary.index]``). The commit takes them as columns (``arrays``); the
    path index behind the mapping is built on its first look-up only; a file no worker
    could read is absent (the commit reads it itself)."""

    def __init__(
        self, batches: Sequence[Sequence[SourceFile]], summaries: Sequence[BatchSummary]
    ) -> None:
        self._parts = [(batches[s.index], s.digests) for s in summaries]
        self._at: dict[str, str] | None = None

    def _index(self) -> dict[str, str]:
        """Path -> hex digest, from ``arrays`` (made on the first look-up only)."""
        if self._at is None:
            paths, shas = self.arrays()
            self._at = dict(zip(paths.to_pylist(), shas.to_pylist(), strict=True))
        return self._at

    def arrays(self) -> tuple[pa.Array, pa.Array]:
        """The files read as two Arrow columns, relative path and SHA-256 (hex), in batch
        order: what the commit matches against the ``files`` table, with no Python object
        per file (the path index below costs ~0.5 CPU-s at 100,000 files)."""
        for files, digests in self._parts:
            if len(digests) != 32 * len(files):
                raise ValueError("a batch reported digests for other files than its own")
        paths = [as_file_list(files).rel_paths for files, _ in self._parts]
        raw = np.frombuffer(b"".join(d for _, d in self._parts), np.uint8).reshape(-1, 32)
        read = (raw != np.frombuffer(UNREAD, np.uint8)).any(axis=1)
        every = pa.concat_arrays(paths) if paths else pa.array([], pa.string())
        return every.filter(pa.array(read)), hex_digests(raw[read])

    def __getitem__(self, path: str) -> str:
        return self._index()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())


def pool_waits(
    summaries: list[BatchSummary], begin: float, end: float
) -> tuple[int, float, float, float]:
    """How long the processes that ran ``summaries`` (a batch phase from ``begin`` to
    ``end``, ``time.time()`` values) sat without a batch: summed over them, before their
    first batch, between batches and after their last. Returns (workers, before, between,
    after)."""
    runs: dict[int, list[tuple[float, float]]] = {}
    for s in summaries:
        runs.setdefault(s.worker, []).append((s.started, s.started + s.seconds))
    before = between = after = 0.0
    for spans in runs.values():
        spans.sort()
        before += max(0.0, spans[0][0] - begin)
        after += max(0.0, end - spans[-1][1])
        between += sum(max(0.0, b[0] - a[1]) for a, b in zip(spans, spans[1:], strict=False))
    return len(runs), before, between, after


def give_back_memory() -> None:
    """Return a finished batch's freed memory to the system: Arrow's pool keeps freed
    pages, and glibc's heap keeps the holes the batch's large numpy arrays left (past
    the first large frees its mmap threshold rises, so later arrays come from the heap).
    Without this a worker's RSS climbed for its first ~20 batches before levelling off,
    so the peak grew with N beyond one batch's needs."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once per process among the symbols the process
    has loaded (None without glibc: musl, macOS have nothing to trim). Not through
    ``ctypes.util.find_library``: it runs ``ldconfig -p`` in a child process, a fork of
    the worker that the summed-RSS measure counted as one more ~240 MB process when a
    sample caught it (``bench/NOTES.md``, branch ``flowmem``)."""
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


NO_SOURCE = "(no source folder)"


def _per_source(files: list[SourceFile], res: BatchResult) -> dict[str, dict[str, int]]:
    """Counts per source for the run's per-source artifact: the input folder's source, so
    that files, articles and rejects of one folder share a row (an article's own source,
    e.g. its URL's domain, only for files outside a source folder).

    Runs in the worker after the batch's timer stops, between two batches: the segments
    (~3,000 a batch) are counted per document in one C pass (``Counter``), then per source,
    instead of one dict look-up and counter update per segment (7.6 -> 1.8 ms a batch)."""
    folder = {f.rel_path: f.source for f in files}
    out: dict[str, Counter[str]] = {}
    for site, n in Counter(f.source or NO_SOURCE for f in files).items():
        out[site] = Counter(files=n)
    doc_source = {}
    for a in res.articles:
        site = folder.get(a.source_path) or a.source or NO_SOURCE
        c = out.setdefault(site, Counter())
        c["articles"] += 1
        c["words"] += a.word_count
        doc_source[a.doc_id] = site
    for r in res.rejects:
        out.setdefault(folder.get(r.source_path) or NO_SOURCE, Counter())["rejects"] += 1
    for doc_id, n in Counter(map(attrgetter("doc_id"), res.segments)).items():
        out.setdefault(doc_source.get(doc_id, NO_SOURCE), Counter())["chrome_segments"] += n
    return {k: dict(v) for k, v in out.items()}


_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()  # batch tasks run in threads: create the pool once
_WARMED: ProcessPoolExecutor | None = None  # the pool ``warm_pool`` has started already
# Imported once in the forkserver, so every worker starts warm instead of importing the
# stages (and trafilatura, lxml, pyarrow, the compiled kernels) itself.
_PRELOAD = [
    "flows.batch",
    "tasks.process",
    "tasks.html",
    "trafilatura",
    "warehouse.store",
    "flows.preload",
]


def worker_pool(workers: int) -> Executor | None:
    """A process pool shared by the batch tasks of this process (None: run inline)."""
    global _POOL, _POOL_SIZE
    if workers <= 0:
        return None
    with _POOL_LOCK:
        if _POOL is None or _POOL_SIZE != workers:
            if _POOL is not None:
                _POOL.shutdown()
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _POOL = ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=freeze_results
            )
            _POOL_SIZE = workers
        return _POOL


def warm_pool(workers: int, wait: bool = True) -> None:
    """Start the pool's ``workers`` processes now (the forkserver imports the stages first,
    seconds of CPU), so that a run can overlap that with its own start-up. ``wait=False``:
    in a background thread, the caller goes on (spawning blocks until the forkserver has
    imported everything). A pool warmed already is left as it is (a flow run after
    ``newsetl run`` warmed it: no jobs queued before its first batches)."""
    if not wait:
        if workers > 0:
            threading.Thread(target=_warm_quietly, args=(workers,), name="warm-pool").start()
        return
    global _WARMED
    pool = worker_pool(workers)
    with _POOL_LOCK:
        if pool is None or pool is _WARMED:  # ``newsetl run`` warmed it before the flow
            return
        _WARMED = pool
    for _ in range(workers):
        # spawns one worker each (a job that keeps its worker busy a moment: a worker
        # already idle again would take the next job instead of a new one starting)
        pool.submit(time.sleep, 0.05)


def _warm_quietly(workers: int) -> None:
    """``warm_pool`` in a thread, where no error may surface: a pool the run shut down
    first (RuntimeError), a forkserver killed by Ctrl-C (EOFError) or a failed fork; the
    run's own first ``submit`` meets any lasting one and reports it."""
    try:
        warm_pool(workers)
    except Exception:  # noqa: BLE001, S110 - see above
        pass


def shutdown_pool(cancel: bool = False) -> None:
    """Stop the pool once its running jobs end; ``cancel``: its queued jobs are dropped
    (a failed run: up to 4 tasks' batches wait there, minutes of HTML)."""
    global _POOL, _POOL_SIZE, _WARMED
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=cancel)
        _POOL, _POOL_SIZE, _WARMED = None, 0, None
