"""Compiled loops (numba) for the separator's hot spots: the same results as the numpy
code they stand in for, bit for bit, in one pass instead of many small numpy calls.

This module imports numba; the stages import it only when a kernel is first needed
(``tasks.kernels.load()``), so importing the stages stays cheap. Compiled code is cached
on disk (``cache=True``: in ``__pycache__`` beside this file, else under
``NUMBA_CACHE_DIR`` or the user's cache folder); with no writable place at all the
kernels are compiled in memory, once per process. Without numba, or with
``NEWSETL_NO_JIT=1``, ``load()`` is None and callers keep their numpy path, which gives
the same values (``tests/test_kernels.py`` checks every kernel against it).
"""

from __future__ import annotations

import os
from types import ModuleType

import numba
import numpy as np


def _jit(fn):  # type: ignore[no-untyped-def]
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # numba found no writable cache folder: compile in memory
        return numba.njit(nogil=True)(fn)


PAIRWISE_MAX = 128  # numpy's pairwise-summation block (PW_BLOCKSIZE)


@_jit
def pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """``a[lo:lo + n].sum()`` for ``n <= PAIRWISE_MAX``, in numpy's order (the
    ``pairwise_sum`` of its float add loop: 8 running sums over up to 128 values), so
    the same float. Above 128 numpy sums halves (callers keep numpy for those)."""
    res = 0.0
    if n < 8:
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    end = lo + n - (n % 8)
    for j in range(lo + 8, end, 8):
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(end, lo + n):
        res += a[j]
    return res


@_jit
def tree_raw(
    x: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    left: np.ndarray,
    value: np.ndarray,
    roots: np.ndarray,
    depth: int,
    baseline: float,
) -> np.ndarray:
    """``tasks.chrome.TreeEnsemble.raw(x)``: every tree walked ``depth`` steps from its
    root (``left[k] + (x[feature[k]] > threshold[k])``; leaves point to themselves), the
    reached leaves' values summed in numpy's order, plus ``baseline``. A row's trees
    advance together, one level at a time (independent loads, no branches)."""
    nt = len(roots)
    out = np.empty(len(x))
    at = np.empty(nt, dtype=np.intp)
    leaves = np.empty(nt)
    for r in range(len(x)):
        row = x[r]
        at[:] = roots
        for _ in range(depth):
            for t in range(nt):
                k = at[t]
                at[t] = left[k] + np.intp(row[feature[k]] > threshold[k])
        for t in range(nt):
            leaves[t] = value[at[t]]
        out[r] = pairwise_sum(leaves, 0, nt) + baseline
    return out


@_jit
def table_get(keys: np.ndarray, values: np.ndarray, shift: int, query: np.ndarray) -> np.ndarray:
    """``tasks.tokens.HashTable.get``: each query key's value (0 when absent), by linear
    probing from its home slot ``key >> shift`` until the key or an empty slot (key 0).
    The table is built by the same probing and never loses a key, so this finds what the
    numpy code finds (two probes, then its dict) for every key."""
    mask = len(keys) - 1
    out = np.zeros(len(query), dtype=np.int64)
    sh = np.uint64(shift)
    for i in range(len(query)):
        q = query[i]
        s = np.intp(q >> sh)
        while True:
            k = keys[s]
            if k == q:
                out[i] = values[s]
                break
            if k == 0:
                break
            s = (s + 1) & mask
    return out


def load() -> ModuleType | None:
    """This module, or None when kernels are turned off (``NEWSETL_NO_JIT``)."""
    import sys

    return None if os.environ.get("NEWSETL_NO_JIT") else sys.modules[__name__]
