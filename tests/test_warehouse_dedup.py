"""Duplicate clusters on constructed exact and near duplicates, through a real load."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tasks.dedup import SCHEME, jaccard, signature
from tasks.normalize import body_sha256, make_doc_id
from tests.test_warehouse_checks import article, load
from warehouse.catalog import build_catalog
from warehouse.dedup import NEAR_THRESHOLD, cluster
from warehouse.load import signature_table
from warehouse.store import stage

STORY = (
    "The city council voted on Tuesday to close the old harbour bridge for repairs that "
    "are expected to last until the end of next summer. Engineers found corrosion in the "
    "steel supports during a routine inspection in March, and the mayor said the closure "
    "was the only responsible choice. Ferries will run every twenty minutes during the "
    "works, and a temporary footbridge is planned for pedestrians and cyclists. Local "
    "shop owners near the bridge worry that fewer visitors will reach the old town, and "
    "the council promised a support fund for businesses that lose trade."
)
OTHER = (
    "A new exhibition of early photographs opens at the museum this weekend, showing the "
    "harbour district as it looked a century ago, with fishing boats, market stalls and "
    "the first electric trams. The curator spent two years collecting prints from family "
    "archives across the region, and many of them have never been shown in public."
)


def _edit(text: str, n: int, seed: int) -> str:
    words = text.split()
    rng = random.Random(seed)
    for i in rng.sample(range(len(words)), n):
        words[i] = words[i].upper() + "s"
    return " ".join(words)


def test_signatures_separate_near_from_unrelated() -> None:
    base = signature(STORY)
    assert signature(STORY) == base  # stable across calls (and processes: no seeded hash)
    assert jaccard(base, signature("  " + STORY.upper() + "\n")) == 1.0
    assert jaccard(base, signature(_edit(STORY, 2, 1))) >= NEAR_THRESHOLD
    assert jaccard(base, signature(OTHER)) < 0.2


def test_clusters_and_articles_unique_view(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    early = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        article("site-a/original.txt", STORY, published_at=early),
        article("site-b/copy.txt", STORY.replace(". ", ".  ").lower()),  # exact after normalizing
        article("site-c/edited.txt", _edit(STORY, 2, 7) + " Updated at noon."),  # near
        article("site-d/other.txt", OTHER),
    ]
    sigs = signature_table([_as_article(r) for r in rows], "r1")
    stage(wh, "r1", rows[0]["ingested_at"].date(), "sig", {"signatures": sigs})
    result = load(wh, "r1", rows)
    assert result.clusters == {"original": 2, "exact": 1, "near": 1}
    build_catalog(wh)
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        got = con.execute(
            "select source_path, duplicate_match, cluster_id = doc_id, duplicate_of is null "
            "from articles order by source_path"
        ).fetchall()
        unique = con.execute("select source_path from articles_unique order by 1").fetchall()
        (cluster,) = con.execute("select articles, exact, near from duplicate_clusters").fetchall()
    finally:
        con.close()
    assert got == [
        ("site-a/original.txt", "original", True, True),
        ("site-b/copy.txt", "exact", False, False),
        ("site-c/edited.txt", "near", False, False),
        ("site-d/other.txt", "original", True, True),
    ]
    assert unique == [("site-a/original.txt",), ("site-d/other.txt",)]
    assert cluster == (3, 1, 1)


def test_articles_without_signatures_are_signed_at_commit(tmp_path: Path) -> None:
    """Articles written before ``signatures`` existed (none staged for them) still cluster:
    the commit signs their bodies; with every signature present it reads no body."""
    wh = tmp_path / "wh"
    rows = [
        article("site-a/original.txt", STORY, published_at=datetime(2024, 1, 1, tzinfo=UTC)),
        article("site-c/edited.txt", _edit(STORY, 2, 7) + " Updated at noon."),
        article("site-d/other.txt", OTHER),
    ]
    sigs = signature_table([_as_article(rows[0])], "r1")  # the other two have none
    stage(wh, "r1", rows[0]["ingested_at"].date(), "sig", {"signatures": sigs})
    assert load(wh, "r1", rows).clusters == {"original": 2, "near": 1}


def _as_article(row: dict[str, object]) -> object:
    from tasks.records import Article

    fields = {k: v for k, v in row.items() if k in Article.__dataclass_fields__}
    return Article(**fields)  # type: ignore[arg-type]


def _reference(docs: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str, float]]:
    """The in-memory clustering the warehouse used before it moved into DuckDB: datasketch
    ``MinHashLSH`` over one signature per body hash, single link, earliest original."""
    from datasketch import LeanMinHash, MinHashLSH

    parent = {d["doc_id"]: d["doc_id"] for d in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_hash: dict[str, dict[str, Any]] = {}
    for d in docs:
        first = by_hash.setdefault(d["content_sha256"], d)
        if first is not d:
            union(first["doc_id"], d["doc_id"])
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=128)
    sketch = {
        d["doc_id"]: LeanMinHash(
            seed=1, hashvalues=np.frombuffer(d["minhash"], "<u4"), scheme=SCHEME
        )
        for d in by_hash.values()
    }
    for key, s in sketch.items():
        lsh.insert(key, s)
    minhash = {d["doc_id"]: d["minhash"] for d in docs}
    for key, s in sketch.items():
        for other in lsh.query(s):
            if jaccard(minhash[key], minhash[other]) >= NEAR_THRESHOLD:
                union(key, other)
    groups: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        groups.setdefault(find(d["doc_id"]), []).append(d)
    out = []
    for group in groups.values():
        first = min(
            group,
            key=lambda d: (d["published_at"] or datetime.max.replace(tzinfo=UTC), d["source_path"]),
        )
        for d in group:
            if d is first:
                out.append((d["doc_id"], first["doc_id"], None, "original", 1.0))
            elif d["content_sha256"] == first["content_sha256"]:
                out.append((d["doc_id"], first["doc_id"], first["doc_id"], "exact", 1.0))
            else:
                sim = jaccard(d["minhash"], first["minhash"])
                out.append((d["doc_id"], first["doc_id"], first["doc_id"], "near", sim))
    return sorted(out)


def test_duckdb_clusters_match_the_in_memory_lsh() -> None:
    rng = random.Random(3)
    words = (STORY + " " + OTHER).split()
    docs = []
    for family in range(25):
        base = " ".join(rng.choice(words) for _ in range(120))
        for member in range(rng.randint(1, 5)):
            edits = rng.choice([0, 0, 1, 3, 8, 30])  # exact, near, and too far apart
            body = _edit(base, edits, family * 10 + member) if edits else base
            path = f"s{family}/{member}.txt"
            published = (
                None if rng.random() < 0.3 else datetime(2024, 1, rng.randint(1, 28), tzinfo=UTC)
            )
            docs.append(
                {
                    "doc_id": make_doc_id(path, 0),
                    "content_sha256": body_sha256(body),
                    "minhash": signature(body),
                    "published_at": published,
                    "ingested_at": datetime(2024, 2, 1, tzinfo=UTC),
                    "source_path": path,
                    "record": 0,
                }
            )
    con = duckdb.connect()
    con.register("docs", pa.Table.from_pylist(docs))
    counts = cluster(con, "docs")
    got = con.execute(
        "select doc_id, cluster_id, duplicate_of, match, similarity from clusters_out order by 1"
    ).fetchall()
    want = _reference(docs)
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert [round(g[4], 4) for g in got] == [round(w[4], 4) for w in want]
    assert counts["near"] > 3 and counts["exact"] > 3  # the corpus exercises both kinds
    assert sum(counts.values()) == len(docs)


def test_signature_is_datasketch_minhash_of_the_shingles() -> None:
    """The numpy signature gives datasketch's affine32 MinHash values (stored signatures
    of earlier runs stay comparable)."""
    from datasketch import MinHash

    from tasks.dedup import NUM_PERM, SEED, shingle_hashes

    for body in ("", "one", "two words", STORY, OTHER, _edit(STORY, 5, 2)):
        m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=lambda v: v)
        m.update_batch(shingle_hashes(body).tolist())
        assert signature(body) == np.asarray(m.hashvalues, dtype="<u4").tobytes()


def test_batch_signatures_equal_one_by_one() -> None:
    """A batch's MinHashes (one numpy pass, blocks that cut through bodies) are each
    body's own signature, whatever the neighbours and the block size."""
    import tasks.dedup as dedup

    bodies = ["", "one", "two words", "a b c", STORY, OTHER, _edit(STORY, 5, 2), OTHER * 9]
    alone = [signature(b) for b in bodies]
    keys = [dedup.normalized_body(b) for b in bodies]
    assert dedup.signatures(keys) == alone
    assert dedup.signatures(keys[::-1]) == alone[::-1]
    rows = dedup._ROWS
    try:
        dedup._ROWS = 7  # every block boundary inside some body
        assert dedup.signatures(keys) == alone
    finally:
        dedup._ROWS = rows
    assert dedup.signatures([]) == []


def test_permutations_are_datasketchs() -> None:
    from datasketch import MinHash

    from tasks.dedup import NUM_PERM, SEED, _permutations

    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    ours = _permutations()
    assert ours[0].dtype == a.dtype and (ours[0] == a).all() and (ours[1] == b).all()


@given(st.text(alphabet="aZß İΣ\u00a0\t\n\n\n    x", max_size=60))
def test_normalized_body_is_the_joined_words(body: str) -> None:
    from tasks.dedup import normalized_body

    assert normalized_body(body) == " ".join(body.casefold().split())


def test_lsh_bands_are_datasketchs() -> None:
    from datasketch.lsh import _optimal_param

    from tasks.dedup import NUM_PERM
    from warehouse.dedup import LSH_BANDS, NEAR_THRESHOLD

    assert LSH_BANDS == tuple(int(x) for x in _optimal_param(NEAR_THRESHOLD, NUM_PERM, 0.5, 0.5))
