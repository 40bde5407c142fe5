"""A per-document time limit, so one pathological page cannot stall a batch.

Uses a real-time interval timer (``SIGALRM``): the work in progress is interrupted with
``DocumentTimeout`` when the limit passes. Signals reach only a process's main thread,
which is where batches run (worker processes, or ``--workers 0``'s inline run under the
CLI). Elsewhere (a thread, or a platform without ``setitimer``) the limit is not
enforced and the document runs to completion; the size caps still apply.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DocumentTimeout(Exception):
    """The document took longer than its time limit."""


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
