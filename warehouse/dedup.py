"""Duplicate clusters over every live article, computed at commit.

- exact duplicates: equal ``content_sha256`` (the whitespace/case-normalized body hash);
- near duplicates: MinHash LSH over the word-shingle signatures the workers computed
  (``tasks.dedup``): two bodies are candidates when they agree on all ``ROWS`` values of
  one of ``BANDS`` bands (datasketch ``MinHashLSH``'s banding for ``NEAR_THRESHOLD``), and
  a candidate pair counts only when its estimated Jaccard similarity is at least
  ``NEAR_THRESHOLD``.

Clusters are single-link (connected components of the duplicate pairs). Each cluster's
original is its earliest published member (unknown dates last), then the first ingested,
then path and record. The ``clusters`` table holds one row per article; the catalog's
``articles`` view joins it as ``cluster_id`` and ``duplicate_of``.

Memory stays flat as the warehouse grows: the whole computation runs in DuckDB (which
spills to disk beyond its memory limit) over the Parquet files, and only the documents
that share an LSH band with another body come back to Python, to check the pair's
similarity and join the components.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa

from tasks.dedup import jaccard

NEAR_THRESHOLD = 0.7  # estimated Jaccard of 3-word shingles


# (bands, rows): datasketch's optimal banding for NEAR_THRESHOLD and NUM_PERM (equal
# weights of false positives and negatives, as MinHashLSH picks by default), written
# out so a commit does not import datasketch and scipy (~0.5 s); a test recomputes it
LSH_BANDS = (14, 9)


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _similar_pairs(
    members: list[int], sigs: dict[int, np.ndarray], threshold: float
) -> Iterator[tuple[int, int]]:
    """Pairs of one LSH bucket whose estimated Jaccard is at least ``threshold``."""
    mat = np.stack([sigs[m] for m in members])
    for i in range(len(members) - 1):
        equal = np.count_nonzero(mat[i + 1 :] == mat[i], axis=1) / mat.shape[1]
        for j in np.flatnonzero(equal >= threshold):
            yield members[i], members[i + 1 + int(j)]


def cluster(
    con: duckdb.DuckDBPyConnection, docs: str, threshold: float = NEAR_THRESHOLD
) -> dict[str, int]:
    """Cluster the documents of the relation ``docs`` into the temp table ``clusters_out``
    (the ``clusters`` columns, plus nothing else), returning the count per match kind.

    ``docs`` has ``doc_id``, ``content_sha256``, ``minhash`` (``NUM_PERM`` little-endian
    uint32), ``published_at``, ``ingested_at``, ``source_path``, ``record``. Bodies with equal
    ``content_sha256`` have equal signatures, so LSH runs over one signature per hash.
    """
    bands, rows = LSH_BANDS
    width = rows * 4  # bytes of one band: rows uint32 values
    con.execute(
        "create or replace temp table _bodies as select content_sha256 as sha, "
        f"any_value(minhash) as minhash from {docs} group by 1"
    )
    # one key per (body, band): a 64-bit hash of the band's bytes (a slice of the blob:
    # 10x faster than hex() of the whole signature once per band); a collision can only
    # add a candidate pair, which the similarity check below then judges
    con.execute(
        "create or replace temp table _keys as "
        "select rowid as id, i::tinyint as band, "
        f"hash(minhash[i * {width} + 1 : (i + 1) * {width}]) as k "
        f"from _bodies, range({bands}) t(i) where minhash is not null"
    )
    hot = con.execute(
        "select list(id order by id) from _keys group by band, k having count(*) > 1"
    ).fetchall()
    ids = sorted({i for (members,) in hot for i in members})
    sigs: dict[int, np.ndarray] = {}
    shas: dict[int, str] = {}
    if ids:
        got = con.execute(
            "select rowid, sha, minhash from _bodies where rowid in (select unnest($ids))",
            {"ids": ids},
        ).fetchall()
        sigs = {i: np.frombuffer(bytes(mh), dtype="<u4") for i, _, mh in got}
        shas = {i: sha for i, sha, _ in got}
    parent = {i: i for i in ids}
    # a near-duplicate pair shares several bands: each distinct bucket is judged once (the
    # components do not depend on the order of the unions: a root is its smallest id)
    for members in dict.fromkeys(tuple(m) for (m,) in hot):
        for a, b in _similar_pairs(list(members), sigs, threshold):
            ra, rb = _find(parent, a), _find(parent, b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    candidates = [shas[i] for i in ids]
    roots = [shas[_find(parent, i)] for i in ids]  # a component is named by a member
    sigs_by_sha = {shas[i]: sig for i, sig in sigs.items()}
    comp = pa.table(
        {"sha": pa.array(candidates, pa.string()), "comp": pa.array(roots, pa.string())}
    )
    con.register("_near", comp)
    con.execute(
        "create or replace temp table _docs as "
        "select d.doc_id, d.content_sha256, coalesce(n.comp, d.content_sha256) as comp, "
        "{'p': coalesce(epoch_us(d.published_at), 9223372036854775807), "
        "'i': coalesce(epoch_us(d.ingested_at), 9223372036854775807), "
        "'s': d.source_path, 'r': d.record} as rank "
        f"from {docs} d left join _near n on n.sha = d.content_sha256"
    )
    con.execute(
        "create or replace temp table _orig as select comp, arg_min(doc_id, rank) as orig, "
        "arg_min(content_sha256, rank) as orig_sha from _docs group by comp"
    )
    pairs = con.execute(
        "select distinct d.content_sha256, o.orig_sha from _docs d join _orig o using (comp) "
        "where d.content_sha256 <> o.orig_sha"
    ).fetchall()
    sim = pa.table(
        {
            "sha": pa.array([a for a, _ in pairs], pa.string()),
            "orig_sha": pa.array([b for _, b in pairs], pa.string()),
            "sim": pa.array(
                [jaccard(sigs_by_sha[a], sigs_by_sha[b]) for a, b in pairs],
                pa.float64(),
            ),
        }
    )
    con.register("_sim", sim)
    con.execute(
        "create or replace temp table clusters_out as "
        "select d.doc_id, o.orig as cluster_id, "
        "case when d.doc_id = o.orig then null else o.orig end as duplicate_of, "
        "case when d.doc_id = o.orig then 'original' "
        "when d.content_sha256 = o.orig_sha then 'exact' else 'near' end as match, "
        "coalesce(s.sim, 1.0)::float as similarity "
        "from _docs d join _orig o using (comp) "
        "left join _sim s on s.sha = d.content_sha256 and s.orig_sha = o.orig_sha"
    )
    for name in ("_bodies", "_keys", "_docs", "_orig"):
        con.execute(f"drop table {name}")
    con.unregister("_near")
    con.unregister("_sim")
    counts = con.execute("select match, count(*) from clusters_out group by 1").fetchall()
    return {match: int(n) for match, n in counts}
