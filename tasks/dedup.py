"""Near-duplicate signatures: a MinHash of each article body's word shingles.

Computed in the worker batch (pure, no warehouse access); the clustering over all
signatures happens at commit (``warehouse.dedup``). Bodies are compared after the same
whitespace/case normalization as ``content_sha256`` (``normalized_body``), so exact
duplicates have equal signatures too.

A batch's signatures are computed together (``signatures``): the words of all its bodies
are hashed in one pass, the shingles of all bodies in one numpy expression, and each
body's minimum per permutation is one ``np.minimum.reduceat`` over its rows.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import numpy as np

from tasks.chars import has_odd_blank
from tasks.tokens import stage_kernels

NUM_PERM = 128  # MinHash permutations: Jaccard estimate error ~ 1/sqrt(128) ~ 0.09
SHINGLE_WORDS = 3  # a shingle is three consecutive words
SEED = 1
SCHEME = "affine32"  # datasketch >= 2: uint32 hash values

_MUL1 = np.uint64(0x9E3779B97F4A7C15)
_MUL2 = np.uint64(0xBF58476D1CE4E5B9)
_ROWS = 4096  # shingles per block of the (shingles x permutations) product: ~2 MB


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations``
    ``(a, b)`` (uint32), drawn the way datasketch 2 draws them (odd ``a``), without
    importing datasketch (and scipy) in every worker; a test compares the two."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix for the affine32 scheme)."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def normalized_body(body: str, clean: bool = False) -> str:
    """The body casefolded, its words joined by single spaces: what exact duplicates
    share (``tasks.normalize.body_sha256`` hashes it) and what the shingles are cut from.

    ``" ".join(body.casefold().split())``; a body joined from stripped lines whose only
    blanks are single spaces, newlines and blank lines (every text-path body) gets there
    by two replacements instead of a list of its words. ``clean``: the body is known to
    be such (stripped lines of ``tasks.decode.clean_text``'s output, joined by
    ``tasks.segment.join_blocks``)."""
    folded = body.casefold()
    if clean or (
        "  " not in folded
        and " \n" not in folded
        and "\n " not in folded
        and "\n\n\n" not in folded
        and not folded[:1].isspace()
        and not folded[-1:].isspace()
        and not has_odd_blank(folded)
    ):
        return folded.replace("\n\n", " ").replace("\n", " ")
    return " ".join(folded.split())


@lru_cache(maxsize=1)
def _crc_table() -> np.ndarray:
    from tasks.kernels_stages import crc_table

    return crc_table()


def word_hashes(normalized: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The CRC-32 of each word (``str.encode().split(b" ")``: empty words count) of every
    ``normalized_body``, back to back (uint64), and each body's word count (int64); in
    one compiled pass over the bodies' bytes when the kernels run."""
    kernels = stage_kernels()
    if kernels is not None:
        enc = [t.encode() for t in normalized]
        data = np.frombuffer(b"".join(enc), dtype=np.uint8)
        ends = np.cumsum(np.fromiter(map(len, enc), np.int64, len(enc)))
        w, counts = kernels.word_crcs(data, ends, _crc_table())
        return w, counts
    words = [t.encode().split(b" ") for t in normalized]  # "" -> [b""], as `or [""]`
    counts = np.fromiter(map(len, words), np.int64, len(words))
    w = np.fromiter(map(zlib.crc32, chain.from_iterable(words)), np.uint64, int(counts.sum()))
    return w, counts


def _combine(w: np.ndarray, n: int, k: int) -> np.ndarray:
    """The first ``n`` shingle hashes (uint64) of the word hashes ``w``."""
    h = np.zeros(n, dtype=np.uint64)
    for j in range(min(k, len(w))):
        h += w[j : j + n]
        h *= _MUL1 if j % 2 == 0 else _MUL2
    return h


def shingle_hashes(body: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct stable 32-bit hashes of the casefolded body's word k-shingles.

    Each word is hashed once (CRC-32 of its UTF-8), shingles combine k word hashes in
    numpy (a few microseconds per document instead of one SHA-1 per shingle).
    """
    words = body.casefold().split() or [""]
    w = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint64, len(words))
    h = _combine(w, max(len(words) - k + 1, 1), k)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def signatures(normalized: Sequence[str]) -> list[bytes]:
    """The MinHash of each ``normalized_body``: ``NUM_PERM`` little-endian uint32 values,
    the same as datasketch's ``MinHash(..., scheme="affine32").update_batch`` over the
    body's ``shingle_hashes`` (a minimum does not need them distinct)."""
    if not normalized:
        return []
    k = SHINGLE_WORDS
    w, counts = word_hashes(normalized)
    n = len(normalized)
    # every run of k words, then only those inside one body
    h = _combine(w, max(len(w) - k + 1, 0), k) if len(w) >= k else np.zeros(0, np.uint64)
    doc = np.repeat(np.arange(n), counts)
    inside = doc[: len(h)] == doc[k - 1 :]
    x = _fmix32((h[inside] >> np.uint64(32)).astype(np.uint32))
    per_doc = np.maximum(counts - (k - 1), 0)
    out = np.full((n, NUM_PERM), 0xFFFFFFFF, dtype=np.uint32)
    ends = np.cumsum(counts)
    for i in np.flatnonzero(per_doc == 0).tolist():  # bodies shorter than a shingle
        short = _combine(w[ends[i] - counts[i] : ends[i]], 1, k) >> np.uint64(32)
        out[i] = _minhash(_fmix32(short.astype(np.uint32)))
    a, b = _permutations()
    kernels = stage_kernels()
    if kernels is not None:  # each body's rows in one compiled pass, no product in memory
        kernels.minhash_rows(x, np.cumsum(per_doc), a, b, out)
        return [row.tobytes() for row in out.astype("<u4", copy=False)]
    owner = np.repeat(np.arange(n), per_doc)  # body of each shingle row
    a, b = a.reshape(-1, 1), b.reshape(-1, 1)
    # (permutations x shingles) blocks: a row per permutation is contiguous, so the
    # product and the per-body minimum run over long rows (3-5x faster than shingles x
    # permutations)
    buf = np.empty((NUM_PERM, min(_ROWS, len(x))), dtype=np.uint32)
    for lo in range(0, len(x), _ROWS):
        cols = x[lo : lo + _ROWS]
        own = owner[lo : lo + _ROWS]
        block = buf[:, : len(cols)]
        np.multiply(a, cols, out=block)
        block += b
        cuts = np.flatnonzero(np.concatenate(([True], own[1:] != own[:-1])))
        ids = own[cuts]
        out[ids] = np.minimum(out[ids], np.minimum.reduceat(block, cuts, axis=1).T)
    return [row.tobytes() for row in out.astype("<u4", copy=False)]


def _minhash(x: np.ndarray) -> np.ndarray:
    a, b = _permutations()
    phv = x.reshape(-1, 1) * a
    phv += b
    return phv.min(axis=0)


def signature(body: str) -> bytes:
    """One body's MinHash (``signatures`` of its ``normalized_body``)."""
    return signatures([normalized_body(body)])[0]


def jaccard(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal hash values), as
    stored bytes or as their uint32 arrays."""
    x = np.frombuffer(a, dtype="<u4") if isinstance(a, bytes) else a
    y = np.frombuffer(b, dtype="<u4") if isinstance(b, bytes) else b
    return float(np.count_nonzero(x == y)) / len(x)
