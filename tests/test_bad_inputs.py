"""The bad-input catalogue: every bad file or record is a reject with a precise reason.

Each case builds its input in a temporary folder and runs the real batch stage
(``process_batch``); the last test runs the Prefect flow over all of them at once.
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import duckdb
import pytest

import tasks.read
from tasks.discover import discover
from tasks.process import BatchResult, process_batch
from tasks.records import Decoded
from tasks.settings import load_settings
from tests.conftest import fresh_python
from tests.inputs_helpers import ARTICLE_TEXT, build_warc, fixture

GOOD = ARTICLE_TEXT.encode()


def _run(root: Path, **overrides: object) -> BatchResult:
    files, _ = discover(root)
    return process_batch(files, load_settings(workers=0, **overrides))


def _only_reject(root: Path, **overrides: object) -> tuple[str, str, str]:
    res = _run(root, **overrides)
    assert not res.articles and res.documents == 1, res
    (r,) = res.rejects
    return r.stage, r.reason, r.detail


def _deep_html(depth: int) -> bytes:
    inner = "<p>" + "Words of a real paragraph that would be article text. " * 5 + "</p>"
    return f"<html><body>{'<div>' * depth}{inner}{'</div>' * depth}</body></html>".encode()


CASES: dict[str, tuple[bytes, tuple[str, str]]] = {
    "empty.txt": (b"", ("decode", "empty")),
    "blank.txt": (b" \n\t\r\n \x0c \n\n   ", ("decode", "blank")),
    "image.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4, ("decode", "binary")),
    "paper.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj", ("decode", "binary")),
    "tool.exe": (b"MZ\x90\x00\x03" + bytes(300), ("decode", "binary")),
    "program": (b"\x7fELF\x02\x01\x01" + bytes(300), ("decode", "binary")),
    "nul.txt": (b"Some text\x00with zero\x00bytes in it\x00", ("decode", "nul_bytes")),
    "deep.html": (_deep_html(20_000), ("html", "html_too_deep")),
    "truncated.txt.gz": (gzip.compress(GOOD * 50)[:-40], ("read", "truncated_or_corrupt_gzip")),
    "not-really.gz": (
        b"\x1f\x8b\x08\x00garbage that is not deflate",
        ("read", "truncated_or_corrupt_gzip"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_catalogue_case(tmp_path: Path, name: str) -> None:
    data, (stage, reason) = CASES[name]
    (tmp_path / name).write_bytes(data)
    got = _only_reject(tmp_path)
    assert got[:2] == (stage, reason), got


def test_binary_detail_names_the_kind(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(CASES["paper.pdf"][0])
    assert _only_reject(tmp_path) == ("decode", "binary", "pdf")


def test_undecodable_bytes(tmp_path: Path) -> None:
    import random

    rng = random.Random(4)
    (tmp_path / "noise.txt").write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(4000)))
    assert _only_reject(tmp_path)[:2] == ("decode", "undecodable")


def test_a_single_50_mb_line(tmp_path: Path) -> None:
    with open(tmp_path / "line.txt", "wb") as fh:
        fh.write(b"word " * (10 * 1024 * 1024))  # 50 MiB, no newline
    stage, reason, detail = _only_reject(tmp_path)
    assert (stage, reason) == ("decode", "line_too_long") and detail.startswith("52428")


def test_huge_html(tmp_path: Path) -> None:
    body = b"<p>" + b"x" * 100 + b"</p>\n"
    (tmp_path / "huge.html").write_bytes(b"<html><body>" + body * 170_000 + b"</body></html>")
    assert _only_reject(tmp_path)[:2] == ("decode", "html_too_large")


def test_decompression_bomb_is_capped(tmp_path: Path) -> None:
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"\n" * (20 * 1024 * 1024), 9))
    assert (tmp_path / "bomb.txt.gz").stat().st_size < 100_000
    stage, reason, detail = _only_reject(tmp_path, max_decompressed_bytes=2 * 1024 * 1024)
    assert (stage, reason) == ("read", "decompression_bomb") and "2097152" in detail


def test_decompression_bomb_zstd(tmp_path: Path) -> None:
    import zstandard

    (tmp_path / "bomb.zst").write_bytes(zstandard.compress(b"\0" * (8 * 1024 * 1024), 19))
    stage, reason, _ = _only_reject(tmp_path, max_decompressed_bytes=1024 * 1024)
    assert (stage, reason) == ("read", "decompression_bomb")


def test_warc_with_a_corrupt_record_keeps_the_good_ones(tmp_path: Path) -> None:
    html = fixture("article_de.html")
    pages = [(f"https://www.inselbote.example/{i}", html, "text/html") for i in range(3)]
    build_warc(tmp_path / "c.warc.gz", pages, corrupt_before=2)
    res = _run(tmp_path)
    assert len(res.articles) == 3 and res.documents == 4
    assert [r.reason for r in res.rejects] == ["corrupt_warc_record"]


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_keeps_the_complete_records(tmp_path: Path, gz: bool) -> None:
    html = fixture("article_de.html")
    pages = [(f"https://www.inselbote.example/{i}", html, "text/html") for i in range(2)]
    path = build_warc(tmp_path / "t.warc", pages, gz=gz)
    path.write_bytes(path.read_bytes()[:-200])  # the download stopped early
    res = _run(tmp_path)
    assert len(res.articles) == 1 and res.documents == 2
    assert [(r.record, r.reason) for r in res.rejects] == [(4, "truncated_warc_record")]


def test_unreadable_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_bytes(GOOD)
    path.chmod(0)
    if os.geteuid() == 0:
        # root reads anything: simulate the kernel's answer for an ordinary user
        def denied(*args: object, **kwargs: object) -> object:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tasks.read, "open", denied, raising=False)
    try:
        assert _only_reject(tmp_path)[:2] == ("read", "permission_denied")
    finally:
        path.chmod(0o644)


def test_symlink_outside_the_input_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    root.mkdir()
    (tmp_path / "outside.txt").write_bytes(GOOD)
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    files, refused = discover(root)
    assert files == [] and [(r.stage, r.reason) for r in refused] == [
        ("discover", "symlink_outside_input")
    ]


def test_file_that_disappears_mid_run(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(GOOD)
    (tmp_path / "b.txt").write_bytes(GOOD)
    files, _ = discover(tmp_path)
    (tmp_path / "b.txt").unlink()  # gone between discovery and reading
    res = process_batch(files, load_settings(workers=0))
    assert [a.source_path for a in res.articles] == ["a.txt"]
    assert [(r.source_path, r.stage, r.reason) for r in res.rejects] == [
        ("b.txt", "read", "vanished")
    ]


def test_time_limit_stops_a_pathological_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tasks.process

    def stuck(doc: Decoded, options: dict[str, bool]) -> tuple[str, dict[str, str], None]:
        time.sleep(30)  # stands in for a page the extractor chews on for ever
        return "", {}, None

    monkeypatch.setattr(tasks.process, "extract_html", stuck)
    (tmp_path / "slow.html").write_bytes(fixture("article_de.html"))
    (tmp_path / "fine.txt").write_bytes(GOOD)
    t0 = time.perf_counter()
    res = _run(tmp_path, doc_time_limit=0.3)
    assert time.perf_counter() - t0 < 5
    assert [a.source_path for a in res.articles] == ["fine.txt"]
    assert [(r.stage, r.reason) for r in res.rejects] == [("prepare", "time_limit")]


# --- the real flow over a folder with every format and every bad input --------------


def _mixed_folder(root: Path) -> None:
    import zstandard

    from tests.inputs_helpers import build_wet, jsonl

    site = root / "inselbote.example"
    site.mkdir(parents=True)
    (site / "article.html").write_bytes(fixture("article_de.html"))
    (root / "haber.txt").write_bytes(fixture("haber_tr_cp1254.txt"))
    (root / "ferry.txt.gz").write_bytes(gzip.compress(fixture("ferry_en_utf16.txt")))
    (root / "ferry.txt.zst").write_bytes(zstandard.compress(GOOD))
    html = fixture("article_de.html")
    pages = [(f"https://www.inselbote.example/{i}", html, "text/html") for i in range(2)]
    build_warc(root / "crawl.warc.gz", pages, corrupt_before=1)  # 2 articles, 1 reject
    build_wet(root / "crawl.wet.gz", [("https://news.example/a", ARTICLE_TEXT)])  # 1 article
    rows: list[object] = [{"url": "https://a.example/1", "text": ARTICLE_TEXT}, b"{oops"]
    (root / "export.jsonl").write_bytes(jsonl(rows))  # 1 article, 1 reject
    for name in ("empty.txt", "paper.pdf", "nul.txt", "truncated.txt.gz", "deep.html"):
        (root / name).write_bytes(CASES[name][0])
    (root / "bomb.txt.gz").write_bytes(gzip.compress(b"\n" * (3 * 1024 * 1024), 9))
    os.symlink("/etc/hostname", root / "escape.txt")


def test_flow_run_accounts_for_every_document(tmp_path: Path, prefect_server: None) -> None:
    from flows.ingest import ingest

    root, wh = tmp_path / "raw", tmp_path / "wh"
    _mixed_folder(root)
    config = tmp_path / "newsetl.toml"
    base = (Path(load_settings().config_dir) / "newsetl.toml").read_text()
    config.write_text(
        base.replace("max_decompressed_bytes = 268435456", "max_decompressed_bytes = 1048576")
    )
    # the lexicons are found beside the config file
    os.symlink(Path(load_settings().config_dir) / "lexicons", tmp_path / "lexicons")
    totals = ingest(input_dir=str(root), warehouse_dir=str(wh), workers=0, config_path=str(config))
    con = duckdb.connect(str(wh / "catalog.duckdb"), read_only=True)
    try:
        articles = con.execute("select source_path, record from articles").fetchall()
        rejects = con.execute("select source_path, stage, reason from rejects").fetchall()
        (documents,) = con.execute("select documents from runs").fetchone() or (None,)
    finally:
        con.close()
    assert len(articles) + len(rejects) == documents == totals["documents"] == 17
    assert sorted(p for p, _ in articles) == sorted(
        ["inselbote.example/article.html", "haber.txt", "ferry.txt.gz", "ferry.txt.zst"]
        + ["crawl.warc.gz"] * 2
        + ["crawl.wet.gz", "export.jsonl"]
    )
    assert sorted(rejects) == sorted(
        [
            ("crawl.warc.gz", "read", "corrupt_warc_record"),
            ("export.jsonl", "read", "bad_json_line"),
            ("empty.txt", "decode", "empty"),
            ("paper.pdf", "decode", "binary"),
            ("nul.txt", "decode", "nul_bytes"),
            ("truncated.txt.gz", "read", "truncated_or_corrupt_gzip"),
            ("deep.html", "html", "html_too_deep"),
            ("bomb.txt.gz", "read", "decompression_bomb"),
            ("escape.txt", "discover", "symlink_outside_input"),
        ]
    )


def test_kernels_load_before_the_first_documents_time_limit(tmp_path: Path) -> None:
    """A fresh install compiles the kernels on first use (~17 s): that must not happen
    inside a document's time limit, where it rejected the first document as time_limit."""
    (tmp_path / "a.txt").write_bytes(GOOD)
    script = """
import sys
from contextlib import contextmanager
import tasks.process as process
from tasks.tokens import _load_kernels
seen = []
real = process.time_limit
@contextmanager
def watched(seconds):
    seen.append(_load_kernels.cache_info().currsize)
    with real(seconds) as x:
        yield x
process.time_limit = watched
from pathlib import Path
from tasks.discover import discover
from tasks.settings import load_settings
files, _ = discover(Path(sys.stdin.read()))
res = process.process_batch(files, load_settings(workers=0))
print(len(res.articles), seen)
"""
    out = fresh_python(script, str(tmp_path))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "[2]"]  # both kernel modules loaded at the limit
