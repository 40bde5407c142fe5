"""Decoding: BOMs, UTF-16/32, declared and detected charsets, mojibake, normalization."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.decode import clean_text, decode, decode_bytes, repair_mojibake, sniff_format
from tasks.process import prepare_raw
from tasks.records import Decoded, RawDoc, Reject
from tasks.settings import load_settings
from tests.inputs_helpers import fixture


def _decoded(data: bytes, **kw: object) -> Decoded:
    out = decode(RawDoc("f", 0, data, **kw))  # type: ignore[arg-type]
    assert isinstance(out, Decoded), out
    return out


@pytest.mark.parametrize(
    ("name", "encoding", "how", "needle"),
    [
        ("ferry_en_utf16.txt", "utf-16", "bom", "PORTSMOUTH, Oct. 31, 2020"),
        ("ferry_en_utf16le_nobom.txt", "utf-16-le", "sniffed", "harbour ferry returned"),
        ("haber_tr_cp1254.txt", "cp1254", "detected", "köprü törenle trafiğe açıldı"),
        ("news_ja_sjis.txt", "cp932", "detected", "新しい橋が開通しました"),
        ("news_ru_cp1251.html", "cp1251", "declared", "Новый мост открыт"),
        ("article_de.html", "utf-8", "utf-8", "Neue Fähre verbindet"),
    ],
)
def test_fixture_encodings(name: str, encoding: str, how: str, needle: str) -> None:
    doc = _decoded(fixture(name))
    assert (doc.encoding, doc.encoding_source) == (encoding, how)
    assert needle in doc.text


def test_utf32_with_and_without_bom() -> None:
    text = "Plain words in a wide encoding, long enough to sniff." * 3
    assert decode_bytes(text.encode("utf-32")) == (text, "utf-32", "bom")
    assert decode_bytes(text.encode("utf-32-le")) == (text, "utf-32-le", "sniffed")
    assert decode_bytes(text.encode("utf-16-be")) == (text, "utf-16-be", "sniffed")


def test_http_header_charset_wins_over_detection() -> None:
    data = "Çerez politikamız değişti. Şimdi okuyun.".encode("cp1254")
    assert decode_bytes(data, declared="iso-8859-9")[1:] == ("cp1254", "declared")
    assert decode_bytes(data, declared="iso-8859-9")[0].startswith("Çerez")


def test_latin1_mislabeled_as_utf8_is_not_read_as_utf8() -> None:
    doc = _decoded(fixture("declared_utf8_is_cp1252.html"))
    assert doc.encoding != "utf-8" and "Neue Fähre verbindet" in doc.text


def test_a_few_bad_bytes_in_declared_utf8_become_replacement_characters() -> None:
    body = ("Grüße aus Zürich. " * 200).encode() + b"\xff"
    page = b'<html><head><meta charset="utf-8"></head><body>' + body + b"</body></html>"
    text, enc, how = decode_bytes(page)
    assert (enc, how) == ("utf-8", "declared") and text.count("\ufffd") == 1


def test_mojibake_is_repaired_when_confident() -> None:
    doc = _decoded(fixture("mojibake_de.txt"))
    assert doc.repaired == "mojibake"
    assert doc.text.startswith("Grüße aus Zürich: Straßenbahn fährt wieder")
    # one lone look-alike is not enough to be sure
    assert repair_mojibake("Ãœ is not a pair") == ("Ãœ is not a pair", False)
    assert repair_mojibake("no mojibake here") == ("no mojibake here", False)


def test_clean_text_nfc_invisibles_whitespace() -> None:
    text = "Ba\u00adsel\u00a0 und\u200b Zu\u0308rich\r\n\r\n\r\n„Ende“"
    assert clean_text(text) == "Basel und Zürich\n\n„Ende“"  # quotes left as written


def test_sniff_format_sees_html_in_utf16() -> None:
    assert sniff_format("<!DOCTYPE html><html><body>x</body></html>".encode("utf-16")) == "html"
    assert sniff_format(b"just text < and > signs") == "text"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_become_a_document_or_a_reject(data: bytes) -> None:
    out = decode(RawDoc("fuzz", 0, data))
    assert isinstance(out, Decoded | Reject)
    if isinstance(out, Reject):
        assert out.stage == "decode" and out.reason
    else:
        assert out.text.strip() and "\x00" not in out.text


_PIECES = st.sampled_from(
    [b"<html>", b"<body>", b"<p>", b"</p>", b"<div>", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"]
    + [b'<meta charset="shift_jis">', b"\xc3\xa9", b"\xe9", b"Text words here. ", b"\n\n"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.binary(max_size=40)), max_size=60))
def test_any_html_ish_bytes_never_raise_out_of_the_document_stage(parts: list[bytes]) -> None:
    """decode -> trafilatura -> segment: an article candidate or a reject, never an exception."""
    out = prepare_raw(RawDoc("fuzz.html", 0, b"".join(parts)), _SETTINGS)
    assert isinstance(out, Reject) or out.blocks


_SETTINGS = load_settings()


@given(st.text(alphabet=" \t\n\r\x0b\x85\u00a0\u2028\u200bé\u0301\u00adaZ", max_size=60))
def test_clean_text_shortcuts_keep_the_output(text: str) -> None:
    """The ASCII and plain-space shortcuts of ``clean_text`` change nothing: same output
    as NFC + invisible characters + every blank run through the general pattern."""
    import re
    import unicodedata

    want = re.sub("[\u00ad\u200b\u200c\u200d\u2060\ufeff]", "", unicodedata.normalize("NFC", text))
    want = re.sub(r"[^\S\n]{2,}|[^\S \n]", " ", want.replace("\r\n", "\n").replace("\r", "\n"))
    want = re.sub(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*", "\n\n", want).strip()
    assert clean_text(text) == want


@given(
    st.text(
        alphabet="\u3000\x1c\ufeff\u2060 \n\n\t\ra\u00e9\u00c3\u00a9\u00e2\u20ac\u0161", max_size=60
    )
)
def test_clean_text_shortcuts_on_rarer_blanks(text: str) -> None:
    test_clean_text_shortcuts_keep_the_output.hypothesis.inner_test(text)  # type: ignore[attr-defined]


@given(
    st.text(
        alphabet="a \u00c3\u00a9\u00c2\u00a0\u00e2\u20ac\u0153\u00f0\u0178\u02dc"
        "\u00ad\u00ce\u00df\u201c",
        max_size=40,
    )
)
def test_mojibake_hint_positions_find_what_the_full_search_finds(text: str) -> None:
    from tasks.decode import _MOJIBAKE, _has_mojibake

    assert _has_mojibake(text) == bool(_MOJIBAKE.search(text))


@given(st.binary(max_size=200))
def test_control_byte_count_is_the_pattern_count(data: bytes) -> None:
    import re

    from tasks.decode import _CONTROL

    pattern = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
    assert len(data) - len(data.translate(None, _CONTROL)) == len(pattern.findall(data))


@given(st.text(alphabet=" \t\n\r\x0b\x1c\x85\u00a0\u2028\u3000\u200ba\u00e9", max_size=60))
def test_clean_text_leaves_only_single_spaces_and_newlines(text: str) -> None:
    """What the line hashes and the body key rely on for text documents (``clean``)."""
    out = clean_text(text)
    assert "  " not in out  # lines may still end in one space: blocks are stripped
    assert all(c in " \n" for c in out if c.isspace())
