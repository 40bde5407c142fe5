"""Format detection by content and the documents each format yields (tasks.read)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.process import process_batch
from tasks.read import ReadLimits, read_file
from tasks.records import RawDoc, Reject, SourceFile
from tasks.settings import load_settings
from tests.inputs_helpers import ARTICLE_TEXT, build_warc, build_wet, fixture, jsonl


def _file(path: Path, source: str | None = None) -> SourceFile:
    st = path.stat()
    return SourceFile(str(path), path.name, source, st.st_size, st.st_mtime_ns)


def _read(path: Path, **limits: int) -> list[RawDoc | Reject]:
    return list(read_file(_file(path), ReadLimits(**limits)))


def _docs(items: list[RawDoc | Reject]) -> list[RawDoc]:
    return [d for d in items if isinstance(d, RawDoc)]


HTML = fixture("article_de.html")


def test_plain_file_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "a.dat"  # no telling extension: the content decides
    path.write_bytes(ARTICLE_TEXT.encode())
    (doc,) = _read(path)
    assert isinstance(doc, RawDoc) and doc.record == 0 and doc.offset == 0
    assert doc.data == ARTICLE_TEXT.encode() and doc.format_hint is None


@pytest.mark.parametrize("wrapper", ["gzip", "zstd"])
def test_compressed_wrappers_are_detected_by_magic(tmp_path: Path, wrapper: str) -> None:
    import zstandard

    data = ARTICLE_TEXT.encode()
    packed = gzip.compress(data) if wrapper == "gzip" else zstandard.compress(data)
    path = tmp_path / "article.bin"
    path.write_bytes(packed)
    (doc,) = _read(path)
    assert isinstance(doc, RawDoc) and doc.data == data


def test_warc_responses_become_html_documents_with_url_date_offset(tmp_path: Path) -> None:
    pages = [
        ("https://www.inselbote.example/a?utm_source=x", HTML, "text/html; charset=utf-8"),
        ("https://www.inselbote.example/b", HTML, "text/html"),
        ("https://www.inselbote.example/logo.png", b"\x89PNG....", "image/png"),
    ]
    path = build_warc(tmp_path / "crawl.warc.gz", pages)
    items = _read(path)
    docs = _docs(items)
    assert [d.url for d in docs] == [u for u, _, _ in pages[:2]]
    assert all(d.format_hint == "html" and d.data == HTML for d in docs)
    assert docs[0].declared_charset == "utf-8" and docs[1].declared_charset is None
    assert all(d.fetched_at is not None and d.fetched_at.year == 2022 for d in docs)
    # records: 0 warcinfo, 1 request, 2 response, 3 request, 4 response, 5 request, 6 png
    assert [d.record for d in docs] == [2, 4]
    (png,) = [r for r in items if isinstance(r, Reject)]
    assert (png.record, png.reason, png.detail) == (6, "unsupported_content_type", "image/png")
    # offsets point at the gzip member of each record: decompressing from there gives it
    raw = path.read_bytes()
    for d in docs:
        assert d.offset is not None
        member = gzip.GzipFile(fileobj=__import__("io").BytesIO(raw[d.offset :])).read(200)
        assert member.startswith(b"WARC/1") and d.url is not None and d.url.encode() in member


def test_uncompressed_and_zstd_warc(tmp_path: Path) -> None:
    import zstandard

    pages = [("https://x.example/1", HTML, "text/html")] * 2
    plain = build_warc(tmp_path / "a.warc", pages, gz=False)
    assert [d.record for d in _docs(_read(plain))] == [2, 4]
    zst = tmp_path / "a.warc.zst"
    zst.write_bytes(zstandard.compress(plain.read_bytes()))
    assert [d.url for d in _docs(_read(zst))] == ["https://x.example/1"] * 2


@pytest.mark.parametrize("gz", [True, False])
def test_corrupt_warc_record_among_good_ones_keeps_the_good(tmp_path: Path, gz: bool) -> None:
    pages = [(f"https://x.example/{i}", HTML, "text/html") for i in range(3)]
    path = build_warc(tmp_path / "c.warc", pages, gz=gz, corrupt_before=1)
    items = _read(path)
    docs = _docs(items)
    assert [d.url for d in docs] == [u for u, _, _ in pages]
    (bad,) = [r for r in items if isinstance(r, Reject)]
    assert bad.reason == "corrupt_warc_record" and bad.stage == "read"
    assert len({d.record for d in docs} | {bad.record}) == 4  # distinct record numbers


def test_wet_conversion_records_take_the_text_path(tmp_path: Path) -> None:
    texts = [("https://news.example/a", ARTICLE_TEXT), ("https://news.example/b", ARTICLE_TEXT)]
    path = build_wet(tmp_path / "x.warc.wet.gz", texts)
    docs = _docs(_read(path))
    assert [(d.url, d.format_hint) for d in docs] == [(u, "text") for u, _ in texts]
    assert docs[0].data.decode() == ARTICLE_TEXT


def test_jsonl_lines_are_documents_and_bad_lines_rejects(tmp_path: Path) -> None:
    rows: list[object] = [
        {"url": "https://a.example/1", "text": ARTICLE_TEXT, "date": "2020-10-31"},
        b"{not json",
        {"url": "https://a.example/2", "html": HTML.decode()},
        {"url": "https://a.example/3"},
    ]
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(rows)))
    items = _read(path)
    kinds = [(i.record, i.format_hint if isinstance(i, RawDoc) else i.reason) for i in items]
    assert kinds == [(0, "text"), (1, "bad_json_line"), (2, "html"), (3, "no_content_field")]
    first = items[0]
    assert isinstance(first, RawDoc) and first.meta == {"container_date": "2020-10-31"}


def test_jsonl_title_field_becomes_the_title_line(tmp_path: Path) -> None:
    body = "First paragraph of the story, long enough to be kept as body text here.\n"
    path = tmp_path / "t.jsonl"
    path.write_bytes(jsonl([{"url": "https://a.example/1", "title": "Headline", "text": body}]))
    (doc,) = _read(path)
    assert isinstance(doc, RawDoc) and doc.data.decode().startswith("Headline\n\nFirst")
    f = _file(path)
    (article,) = process_batch([f], load_settings(workers=0)).articles
    assert article.title == "Headline" and article.body == body.strip()


def test_mixed_folder_every_document_is_an_article_or_a_reject(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    (root / "inselbote.example").mkdir(parents=True)
    (root / "inselbote.example" / "page.html").write_bytes(HTML)
    pages = [(f"https://www.inselbote.example/{i}", HTML, "text/html") for i in range(2)]
    build_warc(root / "crawl.warc.gz", pages, corrupt_before=1)
    build_wet(root / "crawl.wet.gz", [("https://news.example/a", ARTICLE_TEXT)])
    (root / "export.jsonl").write_bytes(jsonl([{"url": "https://a.example/1", "text": "  "}]))
    (root / "empty.txt").write_bytes(b"")
    from tasks.discover import discover

    files, refused = discover(root)
    res = process_batch(files, load_settings(workers=0))
    assert res.documents == len(res.articles) + len(res.rejects) == 7
    by_path = {(a.source_path, a.record): a for a in res.articles}
    assert set(by_path) == {
        ("inselbote.example/page.html", 0),
        ("crawl.warc.gz", 2),
        ("crawl.warc.gz", 5),
        ("crawl.wet.gz", 1),
    }
    assert {(r.source_path, r.reason) for r in res.rejects} == {
        ("crawl.warc.gz", "corrupt_warc_record"),
        ("export.jsonl", "no_content_field"),
        ("empty.txt", "empty"),
    }
    warc_doc = by_path[("crawl.warc.gz", 2)]
    assert warc_doc.url == "https://www.inselbote.example/0" and warc_doc.record_offset
    assert warc_doc.source == "inselbote.example" and warc_doc.source_from == "url"


_PREFIXES = st.sampled_from(
    [b"", b"\x1f\x8b\x08\x00", b"\x28\xb5\x2f\xfd", b"WARC/1.0\r\n", b'{"url": "u", "text": ']
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=_PREFIXES, data=st.binary(max_size=400))
def test_any_file_bytes_yield_documents_or_rejects(prefix: bytes, data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz"
        path.write_bytes(prefix + data)
        items = _read(path)
    assert all(isinstance(i, RawDoc | Reject) for i in items)
    assert len({(i.record, type(i)) for i in items}) == len(items)  # distinct records
