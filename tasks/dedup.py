"""Near-duplicate signatures: a MinHash of each article body's word shingles.

Computed per document in the worker batch (pure, no warehouse access); the clustering
over all signatures happens at commit (``warehouse.dedup``). Bodies are compared after the
same whitespace/case normalization as ``content_sha256``, so exact duplicates have equal
signatures too.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np

NUM_PERM = 128  # MinHash permutations: Jaccard estimate error ~ 1/sqrt(128) ~ 0.09
SHINGLE_WORDS = 3  # a shingle is three consecutive words
SEED = 1
SCHEME = "affine32"  # datasketch >= 2: uint32 hash values


_MUL1 = np.uint64(0x9E3779B97F4A7C15)
_MUL2 = np.uint64(0xBF58476D1CE4E5B9)


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)`` permutations
    ``(a, b)`` (uint32); generating them costs more than hashing a document."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix for the affine32 scheme)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(body: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct stable 32-bit hashes of the casefolded body's word k-shingles.

    Each word is hashed once (CRC-32), shingles combine k word hashes in numpy: a few
    microseconds per document instead of one SHA-1 per shingle.
    """
    words = body.casefold().split() or [""]
    w = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint64, len(words))
    n = max(len(words) - k + 1, 1)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(min(k, len(words))):
        h += w[j : j + n]
        h *= _MUL1 if j % 2 == 0 else _MUL2
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def signature(body: str) -> bytes:
    """The body's MinHash as ``NUM_PERM`` little-endian uint32 values: the same values as
    datasketch's ``MinHash(..., scheme="affine32").update_batch`` over the shingle hashes,
    computed as one numpy expression (no Python call per shingle)."""
    a, b = _permutations()
    phv = _fmix32(shingle_hashes(body).reshape(-1, 1)) * a
    phv += b
    return phv.min(axis=0).astype("<u4").tobytes()


def jaccard(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal hash values), as
    stored bytes or as their uint32 arrays."""
    x = np.frombuffer(a, dtype="<u4") if isinstance(a, bytes) else a
    y = np.frombuffer(b, dtype="<u4") if isinstance(b, bytes) else b
    return float(np.count_nonzero(x == y)) / len(x)
