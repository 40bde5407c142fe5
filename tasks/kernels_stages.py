"""Compiled loops (numba) for the stages around the separator, the same values as the
numpy/Python code they stand in for (``tests/test_kernels_stages.py`` compares them).

Imports numba: the stages reach this module only through ``tasks.tokens.stage_kernels()``
(on first use, after ``tasks.tokens.compiled_kernels()``, so the same
switches apply: no numba, ``NEWSETL_NO_JIT=1`` or no writable cache folder -> the
numpy path). Compiled code is cached on disk like ``tasks.kernels``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tasks.chars import (
    MARK_MOJI_CONT,
    MARK_MOJI_LEAD2,
    MARK_MOJI_LEAD3,
    MARK_MOJI_LEAD4,
    MARK_MOJI_STRICT,
    MARK_MOJIBAKE,
    MARK_NFC,
)
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


_B2_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
# casefold table entries at or above this are an index (minus it) into the table of
# characters that fold to several (``fold_tables``)
FOLD_MULTI = 0x110000


@_jit
def _rotr(x: np.uint64, r: int) -> np.uint64:
    return (x >> np.uint64(r)) | (x << np.uint64(64 - r))


@_jit
def _b2_g(
    a: np.uint64, b: np.uint64, c: np.uint64, d: np.uint64, x: np.uint64, y: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """BLAKE2b's mixing function G (RFC 7693, 3.1)."""
    a = a + b + x
    d = _rotr(d ^ a, 32)
    c = c + d
    b = _rotr(b ^ c, 24)
    a = a + b + y
    d = _rotr(d ^ a, 16)
    c = c + d
    b = _rotr(b ^ c, 63)
    return a, b, c, d


# fmt: off
@_jit
def _b2_round(  # type: ignore[no-untyped-def]
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15,
):
    """One BLAKE2b round (RFC 7693, 3.2): G on the columns, then on the diagonals, with
    the message words ``m0..m15`` already in the round's SIGMA order."""
    v0, v4, v8, v12 = _b2_g(v0, v4, v8, v12, m0, m1)
    v1, v5, v9, v13 = _b2_g(v1, v5, v9, v13, m2, m3)
    v2, v6, v10, v14 = _b2_g(v2, v6, v10, v14, m4, m5)
    v3, v7, v11, v15 = _b2_g(v3, v7, v11, v15, m6, m7)
    v0, v5, v10, v15 = _b2_g(v0, v5, v10, v15, m8, m9)
    v1, v6, v11, v12 = _b2_g(v1, v6, v11, v12, m10, m11)
    v2, v7, v8, v13 = _b2_g(v2, v7, v8, v13, m12, m13)
    v3, v4, v9, v14 = _b2_g(v3, v4, v9, v14, m14, m15)
    return v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15


@_jit
def _b2_compress(h: np.ndarray, w: np.ndarray, at: int, t: int, last: bool) -> None:
    """BLAKE2b's compression function F (RFC 7693, 3.2) on the block ``w[at:at + 16]``,
    ``t`` bytes in so far, ``last``: the final block; updates ``h``. Work and message
    words are locals and the twelve rounds are written out, each with its row of SIGMA
    (RFC 7693, 2.7): with the rounds as a loop over a SIGMA table the compiled code is
    2-3x slower than ``hashlib``'s, written out it is as fast."""
    m0, m1, m2, m3 = w[at], w[at + 1], w[at + 2], w[at + 3]
    m4, m5, m6, m7 = w[at + 4], w[at + 5], w[at + 6], w[at + 7]
    m8, m9, m10, m11 = w[at + 8], w[at + 9], w[at + 10], w[at + 11]
    m12, m13, m14, m15 = w[at + 12], w[at + 13], w[at + 14], w[at + 15]
    v0, v1, v2, v3, v4, v5, v6, v7 = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    v8, v9, v10, v11, v13, v15 = _B2_IV[0], _B2_IV[1], _B2_IV[2], _B2_IV[3], _B2_IV[5], _B2_IV[7]
    v12 = _B2_IV[4] ^ np.uint64(t)
    v14 = ~_B2_IV[6] if last else _B2_IV[6]
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m11, m8, m12, m0, m5, m2, m15, m13, m10, m14, m3, m6, m7, m1, m9, m4)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m7, m9, m3, m1, m13, m12, m11, m14, m2, m6, m5, m10, m4, m0, m15, m8)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m9, m0, m5, m7, m2, m4, m10, m15, m14, m1, m11, m12, m6, m8, m3, m13)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m2, m12, m6, m10, m0, m11, m8, m3, m4, m13, m7, m5, m15, m14, m1, m9)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m12, m5, m1, m15, m14, m13, m4, m10, m0, m7, m6, m3, m9, m2, m8, m11)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m13, m11, m7, m14, m12, m1, m3, m9, m5, m0, m15, m4, m8, m6, m2, m10)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m6, m15, m14, m9, m11, m3, m0, m8, m12, m2, m13, m7, m1, m4, m10, m5)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m10, m2, m8, m4, m7, m6, m1, m5, m15, m11, m9, m14, m3, m12, m13, m0)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 = _b2_round(
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15,
        m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)
    h[0] ^= v0 ^ v8
    h[1] ^= v1 ^ v9
    h[2] ^= v2 ^ v10
    h[3] ^= v3 ^ v11
    h[4] ^= v4 ^ v12
    h[5] ^= v5 ^ v13
    h[6] ^= v6 ^ v14
    h[7] ^= v7 ^ v15
# fmt: on


@_jit
def text_lines(
    cp: np.ndarray, table: np.ndarray, space: int, fold: np.ndarray, multi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """The text path's segmentation and line hashes in one pass over the code points
    ``cp`` of a text: the stripped non-blank lines' ``starts`` and ``ends`` (as
    ``line_spans``: ``table[c] & space`` marks a blank, lines end at ``\n``), each
    line's ``tasks.templates.line_hash`` of its ``str.casefold()`` (BLAKE2b, 8-byte
    digest, read big-endian signed), and the casefolded lines back to back (``folded``,
    code points; line ``k`` is ``folded[fstarts[k]:fends[k]]``). ``fold``, ``multi``:
    ``fold_tables()``. ``ok`` is False, and the arrays empty, for a text with a code
    point beyond ``fold`` (planes 2 and up) or a surrogate (the caller's Python path
    handles those)."""
    n = len(cp)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    k = -1
    line = 0
    last_line = -1
    for i in range(n):
        c = cp[i]
        if c >= len(fold) or (0xD800 <= c <= 0xDFFF):
            e = np.empty(0, dtype=np.int64)
            return e, e, e, np.empty(0, dtype=np.uint32), e, e, False
        if c == 10:
            line += 1
        if c <= 0xFFFF and table[c] & space:  # (no blank beyond the BMP)
            continue
        if k < 0 or line != last_line:
            k += 1
            starts[k] = i
            last_line = line
        ends[k] = i + 1
    lines = k + 1
    hashes = np.empty(lines, dtype=np.int64)
    fstarts = np.empty(lines, dtype=np.int64)
    fends = np.empty(lines, dtype=np.int64)
    folded = np.empty(3 * n, dtype=np.uint32)
    longest = 0
    for li in range(lines):
        longest = max(longest, ends[li] - starts[li])
    # one line's casefold in UTF-8 (at most 3 characters of 4 bytes each a character),
    # zero-padded to whole 128-byte blocks, read as little-endian 64-bit words
    words = np.zeros(16 * ((12 * longest + 127) // 128 + 1), dtype=np.uint64)
    utf8 = words.view(np.uint8)
    h = np.empty(8, dtype=np.uint64)
    f = 0
    for li in range(lines):
        fstarts[li] = f
        size = 0
        for i in range(starts[li], ends[li]):
            x = np.int64(fold[cp[i]])
            count = 1
            if x >= FOLD_MULTI:
                count = 3 if multi[x - FOLD_MULTI, 2] else 2
            for q in range(count):
                u = x if count == 1 else np.int64(multi[x - FOLD_MULTI, q])
                folded[f] = u
                f += 1
                if u < 0x80:
                    utf8[size] = u
                    size += 1
                elif u < 0x800:
                    utf8[size] = 0xC0 | (u >> 6)
                    utf8[size + 1] = 0x80 | (u & 0x3F)
                    size += 2
                elif u < 0x10000:
                    utf8[size] = 0xE0 | (u >> 12)
                    utf8[size + 1] = 0x80 | ((u >> 6) & 0x3F)
                    utf8[size + 2] = 0x80 | (u & 0x3F)
                    size += 3
                else:
                    utf8[size] = 0xF0 | (u >> 18)
                    utf8[size + 1] = 0x80 | ((u >> 12) & 0x3F)
                    utf8[size + 2] = 0x80 | ((u >> 6) & 0x3F)
                    utf8[size + 3] = 0x80 | (u & 0x3F)
                    size += 4
        fends[li] = f
        blocks = max(1, (size + 127) // 128)
        utf8[size : blocks * 128] = 0
        for j in range(8):
            h[j] = _B2_IV[j]
        h[0] ^= np.uint64(0x01010008)  # digest 8 bytes, no key, fanout and depth 1
        for blk in range(blocks - 1):
            _b2_compress(h, words, 16 * blk, 128 * (blk + 1), False)
        _b2_compress(h, words, 16 * (blocks - 1), size, True)
        d = h[0]  # the digest's 8 bytes are h[0] little-endian; read big-endian:
        r = np.uint64(0)
        for j in range(8):
            r = (r << np.uint64(8)) | ((d >> np.uint64(8 * j)) & np.uint64(0xFF))
        hashes[li] = np.int64(r)
    out = folded[:f].copy()
    return starts[:lines].copy(), ends[:lines].copy(), hashes, out, fstarts, fends, True


@_jit
def utf8_marks(data: np.ndarray, table: np.ndarray) -> tuple[int, int, int]:
    """What ``tasks.decode`` looks for in a text, in one pass over its UTF-8 bytes
    ``data`` (valid UTF-8): the OR of ``table[c]`` over its code points ``c``, with
    ``MARK_MOJIBAKE`` (``tasks.chars``) where ``tasks.decode._MOJIBAKE`` matches (a
    ``MARK_MOJI_LEAD2`` code point followed by a ``MARK_MOJI_CONT`` one, a
    ``MARK_MOJI_LEAD3`` by two ``MARK_MOJI_STRICT``, a ``MARK_MOJI_LEAD4`` by three),
    and the character offsets of the first ``MARK_NFC`` code point and one past the
    last (-1, -1: none). A code point beyond the BMP is ``MARK_NFC`` alone. Bytes that
    end inside a character give (-1, -1, -1) instead of reading past them."""
    n = len(data)
    marks = np.int64(0)
    lo = -1
    hi = -1
    m1 = m2 = m3 = np.int64(0)  # the marks of the last three code points
    i = 0
    k = 0
    while i < n:
        b = np.int64(data[i])
        if b < 0x80:
            m = np.int64(table[b])
            i += 1
        elif i + (2 if b < 0xE0 else 3) > n:  # truncated: not UTF-8 (no bounds checks)
            return -1, -1, -1
        elif b < 0xE0:
            m = np.int64(table[((b & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)])
            i += 2
        elif b < 0xF0:
            c = ((b & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6)
            m = np.int64(table[c | (np.int64(data[i + 2]) & 0x3F)])
            i += 3
        else:
            m = np.int64(MARK_NFC)
            i += 4
        if m:
            if m & MARK_NFC:
                if lo < 0:
                    lo = k
                hi = k + 1
            marks |= m
            if (
                (m & MARK_MOJI_CONT and m1 & MARK_MOJI_LEAD2)
                or (m & m1 & MARK_MOJI_STRICT and m2 & MARK_MOJI_LEAD3)
                or (m & m1 & m2 & MARK_MOJI_STRICT and m3 & MARK_MOJI_LEAD4)
            ):
                marks |= MARK_MOJIBAKE
        m3, m2, m1 = m2, m1, m
        k += 1
    return int(marks), lo, hi


@lru_cache(maxsize=1)
def fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """``str.casefold`` of every code point of planes 0 and 1 (the BMP, and the one with
    emoji and every cased script beyond it) for ``text_lines``: ``fold[c]`` is the one
    code point ``chr(c)`` folds to, or ``FOLD_MULTI + row`` when it folds to several
    (``multi[row]``: up to three, zero-padded; no character folds to more or to NUL)."""
    fold = np.empty(0x20000, dtype=np.uint32)
    rows: list[list[int]] = []
    for c in range(0x20000):
        f = chr(c).casefold()
        if len(f) == 1:
            fold[c] = ord(f)
        else:
            fold[c] = FOLD_MULTI + len(rows)
            rows.append([ord(x) for x in f] + [0] * (3 - len(f)))
    return fold, np.array(rows, dtype=np.uint32).reshape(-1, 3)


def crc_table() -> np.ndarray:
    """CRC-32's (reflected polynomial 0xEDB88320) byte table, as int64."""
    t = np.arange(256, dtype=np.int64)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ 0xEDB88320, t >> 1)
    return t


def warm() -> None:
    """Load (or compile) every kernel for the argument types the stages pass."""
    from tasks.chars import ALNUM, SPACE, char_table
    from tasks.decode import marks_table

    data = np.frombuffer(b"a b", dtype=np.uint8)  # read-only, as the stages pass it
    word_crcs(data, np.array([3], dtype=np.int64), crc_table())
    u32 = np.ones(2, dtype=np.uint32)
    minhash_rows(u32, np.array([2], dtype=np.int64), u32, u32, np.zeros((1, 2), np.uint32))
    cp = np.frombuffer("a b".encode("utf-32-le"), dtype=np.uint32)
    word_count(cp, char_table(), ALNUM)
    text_lines(cp, char_table(), SPACE, *fold_tables())
    utf8_marks(data, marks_table())
