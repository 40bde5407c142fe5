"""Duplicate clusters over every live article, computed at commit.

- exact duplicates: equal ``content_sha256`` (the whitespace/case-normalized body hash);
- near duplicates: MinHash LSH (datasketch ``MinHashLSH``) over the word-shingle
  signatures the workers computed (``tasks.dedup``); an LSH candidate pair counts only
  when its estimated Jaccard similarity is at least ``NEAR_THRESHOLD``.

Clusters are single-link (connected components of the duplicate pairs). Each cluster's
original is its earliest published member (unknown dates last), then the first ingested,
then path and record. The ``clusters`` table holds
one row per article; the catalog's ``articles`` view joins it as ``cluster_id`` and
``duplicate_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from tasks.dedup import NUM_PERM, SCHEME, SEED, jaccard

NEAR_THRESHOLD = 0.7  # estimated Jaccard of 3-word shingles


@dataclass(frozen=True, slots=True)
class Doc:
    doc_id: str
    content_sha256: str
    minhash: bytes
    published_at: datetime | None
    source_path: str
    record: int
    ingested_at: datetime | None = None

    def order(self) -> tuple[Any, ...]:
        """Originals first: earliest published (unknown dates last), then first ingested,
        then path and record."""
        ts = self.published_at.timestamp() if self.published_at else float("inf")
        seen = self.ingested_at.timestamp() if self.ingested_at else float("inf")
        return (ts, seen, self.source_path, self.record)


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def cluster(docs: Sequence[Doc], threshold: float = NEAR_THRESHOLD) -> list[dict[str, Any]]:
    """One ``clusters`` row per document."""
    from datasketch import LeanMinHash, MinHashLSH

    parent = {d.doc_id: d.doc_id for d in docs}

    def union(a: str, b: str) -> None:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_hash: dict[str, Doc] = {}
    for d in docs:
        first = by_hash.setdefault(d.content_sha256, d)
        if first is not d:
            union(first.doc_id, d.doc_id)
    reps = list(by_hash.values())
    if len(reps) > 1:
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        sketches = {
            d.doc_id: LeanMinHash(
                seed=SEED, hashvalues=np.frombuffer(d.minhash, dtype="<u4"), scheme=SCHEME
            )
            for d in reps
        }
        with lsh.insertion_session() as session:
            for doc_id, sketch in sketches.items():
                session.insert(doc_id, sketch, check_duplication=False)
        sig = {d.doc_id: d.minhash for d in reps}
        for d in reps:
            for other in lsh.query(sketches[d.doc_id]):
                if other != d.doc_id and jaccard(d.minhash, sig[other]) >= threshold:
                    union(d.doc_id, other)

    members: dict[str, list[Doc]] = {}
    for d in docs:
        members.setdefault(_find(parent, d.doc_id), []).append(d)
    rows: list[dict[str, Any]] = []
    for group in members.values():
        original = min(group, key=Doc.order)
        for d in group:
            if d is original:
                match, dup_of, sim = "original", None, 1.0
            elif d.content_sha256 == original.content_sha256:
                match, dup_of, sim = "exact", original.doc_id, 1.0
            else:
                match, dup_of = "near", original.doc_id
                sim = jaccard(d.minhash, original.minhash)
            rows.append(
                {
                    "doc_id": d.doc_id,
                    "cluster_id": original.doc_id,
                    "duplicate_of": dup_of,
                    "match": match,
                    "similarity": sim,
                }
            )
    rows.sort(key=lambda r: r["doc_id"])
    return rows
