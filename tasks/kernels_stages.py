"""Compiled loops (numba) for the stages around the separator, the same values as the
numpy/Python code they stand in for (``tests/test_kernels_stages.py`` compares them).

Imports numba: the stages reach this module only through ``stage_kernels()`` in
``tasks.dedup`` (on first use, after ``tasks.tokens.compiled_kernels()``, so the same
switches apply: no numba, ``NEWSETL_NO_JIT=1`` or no writable cache folder -> the
numpy path). Compiled code is cached on disk like ``tasks.kernels``.
"""

from __future__ import annotations

import numpy as np

from tasks.kernels import _jit


@_jit
def word_crcs(
    data: np.ndarray, ends: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The CRC-32 (``zlib.crc32``) of every word of every body, and each body's word
    count: ``data`` holds the bodies' UTF-8 bytes back to back, body ``d`` ending at
    ``ends[d]``; its words are ``bytes.split(b" ")`` of its bytes (empty words included,
    so an empty body is one empty word). ``table``: ``crc_table()``."""
    total = len(ends)
    for i in range(len(data)):
        if data[i] == 32:
            total += 1
    out = np.empty(total, dtype=np.uint64)
    counts = np.empty(len(ends), dtype=np.int64)
    k = 0
    lo = 0
    for d in range(len(ends)):
        hi = ends[d]
        first = k
        c = np.int64(0xFFFFFFFF)
        for i in range(lo, hi):
            b = data[i]
            if b == 32:
                out[k] = c ^ 0xFFFFFFFF
                k += 1
                c = np.int64(0xFFFFFFFF)
            else:
                c = table[(c ^ b) & 0xFF] ^ (c >> 8)
        out[k] = c ^ 0xFFFFFFFF
        k += 1
        counts[d] = k - first
        lo = hi
    return out, counts


def crc_table() -> np.ndarray:
    """CRC-32's (reflected polynomial 0xEDB88320) byte table, as int64."""
    t = np.arange(256, dtype=np.int64)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ 0xEDB88320, t >> 1)
    return t


def warm() -> None:
    """Load (or compile) every kernel for the argument types the stages pass."""
    data = np.frombuffer(b"a b", dtype=np.uint8)  # read-only, as the stages pass it
    word_crcs(data, np.array([3], dtype=np.int64), crc_table())
