"""The per-source counts a batch sends back for the run's ``ingest-sources`` artifact."""

from __future__ import annotations

from types import SimpleNamespace

from flows.batch import NO_SOURCE, _per_source
from tasks.process import BatchResult
from tasks.records import Reject, SourceFile


def _file(rel: str, source: str | None) -> SourceFile:
    return SourceFile(f"/in/{rel}", rel, source, 10, 0)


def test_counts_per_source_folder_and_own_source() -> None:
    files = [
        _file("a/1.txt", "a"),
        _file("a/2.txt", "a"),
        _file("x.txt", None),
        _file("y.txt", None),
    ]
    art = SimpleNamespace  # only the fields the counts read
    res = BatchResult(
        articles=[
            art(doc_id="d1", source_path="a/1.txt", source="ignored.example", word_count=5),
            art(doc_id="d2", source_path="x.txt", source="site.example", word_count=7),
            art(doc_id="d3", source_path="y.txt", source=None, word_count=1),
        ],  # type: ignore[list-item]
        segments=[  # type: ignore[list-item]
            *(SimpleNamespace(doc_id="d1", reason="template") for _ in range(3)),
            SimpleNamespace(doc_id="d2", reason="body"),
            SimpleNamespace(doc_id="gone", reason="body"),  # no article: no source
        ],
        rejects=[Reject("a/2.txt", 0, "decode", "empty")],
    )
    assert _per_source(files, res) == {
        "a": {"files": 2, "articles": 1, "words": 5, "rejects": 1, "chrome_segments": 3},
        NO_SOURCE: {"files": 2, "articles": 1, "words": 1, "chrome_segments": 1},
        "site.example": {"articles": 1, "words": 7, "chrome_segments": 1},
    }
