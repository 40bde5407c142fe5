"""A per-document time limit, so one pathological page cannot stall a batch.

Uses a real-time interval timer (``SIGALRM``): the work in progress is interrupted with
``DocumentTimeout`` when the limit passes. Signals reach only a process's main thread,
which is where batches run in the worker processes (``--workers 1`` or more) and in
direct calls of ``process_batch``. Elsewhere (``--workers 0`` runs batches in the flow's
task threads; a platform without ``setitimer``) the limit is not
enforced and the document runs to completion; the size caps still apply. Python
handles the signal between bytecodes, so a single long C call (one lxml parse) finishes
before the document is stopped.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DocumentTimeout(BaseException):
    """The document took longer than its time limit.

    A BaseException, so that a library's own ``except Exception`` (trafilatura has
    several) cannot swallow it and carry on past the limit.
    """


def _enforceable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise DocumentTimeout()


@contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise DocumentTimeout in the block after ``seconds``; yields whether it is enforced."""
    if seconds <= 0 or not _enforceable():
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
