"""Discovery started early by ``newsetl run``, taken over by the flow's discover task.

``newsetl run`` waits 1-3 s for Prefect's temporary server (``flows.server``) before the
flow can start, and the flow then lists the input folder first thing (~1 s of one core
at 100,000 files). ``start`` runs that listing in a thread while the server starts (and
the no-op preflight uses it too); the flow's discover task ``take``\\ s the result for the
same folder, or discovers itself (deployments, backfills, a second run in a process).

Discovery only reads the input folder (sizes and mtimes): listing it a few seconds before
the run takes the warehouse lock changes nothing a run decides — a file that changes
after the listing is seen as changed by the next run, as one that changes mid-run is.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from tasks.discover import FileList, discover
from tasks.records import Reject

Found = tuple[FileList, list[Reject]]

_lock = threading.Lock()
_pending: dict[str, Future[Found]] = {}


def start(input_dir: Path) -> None:
    """List ``input_dir`` in a background thread (replacing an earlier listing of it)."""
    key = str(input_dir.resolve())
    future: Future[Found] = Future()
    with _lock:
        _pending[key] = future

    def run() -> None:
        try:
            future.set_result(discover(Path(key)))
        except BaseException as exc:  # handed to whoever takes it
            future.set_exception(exc)

    threading.Thread(target=run, name="prefetch-discover", daemon=True).start()


def peek(input_dir: Path) -> Found:
    """The listing ``start`` began (waiting for it), left for ``take``; else a new one."""
    with _lock:
        future = _pending.get(str(input_dir.resolve()))
    return future.result() if future is not None else discover(input_dir)


def discard(input_dir: Path) -> None:
    """Forget a listing nobody took (the run ended before its flow listed the folder)."""
    with _lock:
        _pending.pop(str(input_dir.resolve()), None)


def take(input_dir: Path) -> Found | None:
    """The listing ``start`` began for ``input_dir`` (waiting for it), once; else None."""
    with _lock:
        future = _pending.pop(str(input_dir.resolve()), None)
    return future.result() if future is not None else None
