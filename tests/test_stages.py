"""Unit tests of the pure stages: discover, read, decode, segment, normalize, templates."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tasks.decode import clean_text, decode, sniff_format
from tasks.discover import discover
from tasks.normalize import body_sha256, make_doc_id, parse_date
from tasks.read import read_file
from tasks.records import RawDoc, Reject
from tasks.segment import join_blocks, segment
from tasks.templates import count_lines, document_hashes, line_hash, line_hashes, template_set


def _raw(data: bytes) -> RawDoc:
    return RawDoc("a.txt", 0, data)


def test_segment_splits_single_newline_lines_and_keeps_offsets() -> None:
    text = "Title\n\nFirst paragraph.\n\nX\nCookie notice here.\n"
    blocks = segment(text)
    assert [b.text for b in blocks] == ["Title", "First paragraph.", "X", "Cookie notice here."]
    assert all(text[b.start : b.end] == b.text for b in blocks)
    assert [b.position for b in blocks] == [0, 1, 2, 3]


def test_join_blocks_keeps_paragraph_structure() -> None:
    text = "a\n\nb\nc\n\nd"
    blocks = segment(text)
    assert join_blocks(text, blocks) == "a\n\nb\nc\n\nd"
    assert join_blocks(text, [blocks[0], blocks[2]]) == "a\n\nc"


def test_decode_utf8_and_bom_and_legacy() -> None:
    ok = decode(_raw("Grüße".encode()))
    assert not isinstance(ok, Reject) and ok.text == "Grüße" and ok.encoding_source == "utf-8"
    bom = decode(_raw("\ufeffHallo".encode("utf-16")))
    assert not isinstance(bom, Reject) and bom.text == "Hallo" and bom.encoding_source == "bom"
    html = b'<html><head><meta charset="windows-1254"></head><body>\xe7erez</body></html>'
    legacy = decode(_raw(html))
    assert not isinstance(legacy, Reject)
    assert legacy.encoding_source == "declared" and "çerez" in legacy.text


def test_decode_rejects_with_reasons() -> None:
    cases = {
        b"": "empty",
        b"   \n\t ": "blank",
        b"%PDF-1.7 ...": "binary",
        b"ab\x00cd": "nul_bytes",
    }
    for data, reason in cases.items():
        out = decode(_raw(data))
        assert isinstance(out, Reject) and out.reason == reason, data


def test_clean_text_removes_invisible_and_normalizes() -> None:
    text = "Ba\u00adsel  und\u200b Zu\u0308rich\r\n\r\n\r\nEnde"
    assert clean_text(text) == "Basel und Zürich\n\nEnde"


def test_sniff_format() -> None:
    assert sniff_format(b"<!DOCTYPE html><html>") == "html"
    assert sniff_format(b"Plain text with a <b> tag") == "text"


def test_discover_names_sources_and_refuses_outside_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    (root / "site-a").mkdir(parents=True)
    (root / "site-a" / "one.txt").write_text("one")
    (root / "top.txt").write_text("top")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, root / "link.txt")
    files, rejects = discover(root)
    assert [(f.rel_path, f.source) for f in files] == [
        ("site-a/one.txt", "site-a"),
        ("top.txt", None),
    ]
    assert [(r.source_path, r.reason) for r in rejects] == [("link.txt", "symlink_outside_input")]


def test_read_file_vanished_and_too_large(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello")
    files, _ = discover(tmp_path)
    (ok,) = read_file(files[0], 100)
    assert not isinstance(ok, Reject) and ok.data == b"hello"
    (too_large,) = read_file(files[0], 3)
    assert isinstance(too_large, Reject) and too_large.reason == "too_large"
    path.unlink()
    (gone,) = read_file(files[0], 100)
    assert isinstance(gone, Reject) and gone.reason == "vanished"


def test_read_file_reads_what_is_there_when_the_size_changed(tmp_path: Path) -> None:
    """A plain file is read by its discovered size first: one that grew or shrank since
    is still read whole, and the cap still applies to what is there."""
    path = tmp_path / "a.txt"
    path.write_text("hello")
    (f,), _ = discover(tmp_path)
    path.write_text("hello, grown")
    (grown,) = read_file(f, 100)
    assert not isinstance(grown, Reject) and grown.data == b"hello, grown"
    (capped,) = read_file(f, 8)
    assert isinstance(capped, Reject) and capped.reason == "too_large"
    path.write_text("hi")
    (shrunk,) = read_file(f, 100)
    assert not isinstance(shrunk, Reject) and shrunk.data == b"hi"


def test_doc_id_is_stable_and_location_based() -> None:
    assert make_doc_id("a/b.txt", 0) == make_doc_id("a/b.txt", 0)
    assert make_doc_id("a/b.txt", 0) != make_doc_id("a/b.txt", 1)
    assert len(make_doc_id("x", 0)) == 32


def test_body_hash_ignores_whitespace_and_case() -> None:
    assert body_sha256("Hello  World\n\nAgain") == body_sha256("hello world again")


def test_parse_date_to_utc() -> None:
    parsed = parse_date("2024-03-14T08:30:00+01:00")
    assert parsed is not None and parsed.isoformat() == "2024-03-14T07:30:00+00:00"
    assert parse_date("not a date") is None


def test_templates_need_min_docs() -> None:
    docs = [document_hashes(["Home", "Story A", "Footer"]), document_hashes(["Home", "Story B"])]
    docs.append(document_hashes(["home", "Story C", "Footer"]))
    templates = template_set(count_lines(docs), min_docs=3)
    assert templates == {line_hash("Home")}
    assert line_hash("  Home ") == line_hash("home")


def test_line_hashes_every_line_in_order_and_the_distinct_template_ones() -> None:
    every, distinct = line_hashes(["Home", "x", " home ", "Story"])
    assert every == [line_hash("home"), line_hash("x"), line_hash("home"), line_hash("story")]
    assert distinct == {line_hash("home"), line_hash("story")}  # "x" is too short to count


def test_split_title_site_suffix_and_prefix() -> None:
    from tasks.title import split_title

    assert split_title("Neuer Radweg eröffnet | Stadtblatt") == (
        "Neuer Radweg eröffnet",
        "Stadtblatt",
    )
    assert split_title("Auto leasen oder kaufen: Für wen lohnt sich was? - FOCUS Online") == (
        "Auto leasen oder kaufen: Für wen lohnt sich was?",
        "FOCUS Online",
    )
    assert split_title("Just a headline") == ("Just a headline", None)


@given(st.text(alphabet="aZß İΣς\u00a0\t\n\n  x-", max_size=80))
def test_block_hashes_are_the_line_hashes(text: str) -> None:
    """The sliced hashes of a text's blocks equal ``line_hash`` of each line."""
    from tasks.segment import segment
    from tasks.templates import block_hashes

    blocks = segment(text)
    assert block_hashes(text, blocks) == line_hashes([b.text for b in blocks])


@given(st.text(alphabet="aZß İΣς\u00a0\t\n\n  x-", max_size=80))
def test_block_hashes_of_clean_text(raw: str) -> None:
    """``clean=True`` (a decoded text document) gives the same hashes."""
    from tasks.templates import block_hashes

    text = clean_text(raw)
    blocks = segment(text)
    assert block_hashes(text, blocks, clean=True) == line_hashes([b.text for b in blocks])
