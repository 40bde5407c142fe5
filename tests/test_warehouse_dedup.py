"""Duplicate clusters on constructed exact and near duplicates, through a real load."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tasks.dedup import jaccard, signature
from tests.test_warehouse_checks import article, load
from warehouse.catalog import build_catalog
from warehouse.dedup import NEAR_THRESHOLD
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


def _as_article(row: dict[str, object]) -> object:
    from tasks.records import Article

    fields = {k: v for k, v in row.items() if k in Article.__dataclass_fields__}
    return Article(**fields)  # type: ignore[arg-type]
