"""Compiled loops (numba) for the stages around the separator, the same values as the
numpy/Python code they stand in for (``tests/test_kernels_stages.py`` compares them).

Imports numba: the stages reach this module only through ``tasks.tokens.stage_kernels()``
(on first use, after ``tasks.tokens.compiled_kernels()``, so the same
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


@_jit
def word_count(cp: np.ndarray, table: np.ndarray, alnum: int) -> int:
    """``tasks.fields.word_count`` of the text with code points ``cp`` (``table``:
    ``tasks.chars.char_table()``, ``alnum``: ``tasks.chars.ALNUM``): word-character runs
    (CJK characters excluded), less the single joiners between two word characters,
    plus one per CJK character; -1 for a code point beyond the BMP (the caller's numpy
    path classes those one by one)."""
    n = len(cp)
    word = np.empty(n, dtype=np.bool_)
    n_cjk = 0
    for i in range(n):
        c = cp[i]
        if (
            (0x3040 <= c <= 0x30FF)
            or (0x3400 <= c <= 0x4DBF)
            or (0x4E00 <= c <= 0x9FFF)
            or (0xAC00 <= c <= 0xD7AF)
        ):
            n_cjk += 1
            word[i] = False
        elif c > 0xFFFF:
            return -1
        else:
            word[i] = (table[c] & alnum) != 0 or c == 95
    count = n_cjk
    for i in range(n):
        if word[i] and (i == 0 or not word[i - 1]):
            count += 1
    for i in range(1, n - 1):
        c = cp[i]
        if (c == 45 or c == 39 or c == 0x2019) and word[i - 1] and word[i + 1]:
            count -= 1
    return count


@_jit
def minhash_rows(
    x: np.ndarray, ends: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray
) -> None:
    """Each body's MinHash into ``out`` (bodies x permutations, uint32): for body ``d``
    (shingle hashes ``x[ends[d - 1]:ends[d]]``, uint32) and permutation ``p``, the least
    ``a[p] * x + b[p]`` modulo 2**32 (numpy's uint32 product and sum, as
    ``tasks.dedup.signatures`` computes them); a body without shingles keeps its row.
    The permutations are the inner loop: one shingle against all of them is a short
    vector loop (7x faster than a loop over the shingles per permutation)."""
    n_perm = len(a)
    m = np.empty(n_perm, dtype=np.uint32)
    lo = 0
    for d in range(len(ends)):
        hi = ends[d]
        if hi > lo:
            m[:] = 0xFFFFFFFF
            for i in range(lo, hi):
                xi = x[i]
                for p in range(n_perm):
                    v = np.uint32(a[p] * xi + b[p])
                    if v < m[p]:
                        m[p] = v
            out[d, :] = m
        lo = hi


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
    u32 = np.ones(2, dtype=np.uint32)
    minhash_rows(u32, np.array([2], dtype=np.int64), u32, u32, np.zeros((1, 2), np.uint32))
    from tasks.chars import ALNUM, char_table

    word_count(np.frombuffer("a b".encode("utf-32-le"), dtype=np.uint32), char_table(), ALNUM)
