"""Looking up libc (``malloc_trim`` in a worker, ``syncfs`` at the commit) starts no child
process: ``ctypes.util.find_library`` ran ``ldconfig -p``, a fork of a ~240-600 MB process
that the summed-RSS measure counted whole whenever a sample caught it."""

from __future__ import annotations

import sys
from pathlib import Path

from flows import batch
from warehouse import store

_SPAWNS = ("subprocess.Popen", "os.fork", "os.posix_spawn", "os.exec")
_seen: list[str] = []
_watching = [False]


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _watching[0] and event in _SPAWNS:
        _seen.append(event)


sys.addaudithook(_hook)  # audit hooks cannot be removed: it records only while watching


def test_libc_lookups_spawn_nothing(tmp_path: Path) -> None:
    batch._malloc_trim.cache_clear()
    store._libc.cache_clear()
    _watching[0] = True
    try:
        batch.give_back_memory()
        store.sync_filesystem(tmp_path)
        libc = store._libc()
    finally:
        _watching[0] = False
    assert _seen == []
    if sys.platform == "linux":  # glibc here: both symbols found
        assert batch._malloc_trim() is not None and hasattr(libc, "syncfs")
