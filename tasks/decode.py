"""Decoding: raw bytes -> text, with the encoding and how it was found, or a reject reason.

Order (``how`` in parentheses, stored as ``encoding_source``):

1. a byte-order mark: UTF-8, UTF-16 or UTF-32 (``bom``);
2. UTF-16/32 without a BOM, recognised by the pattern of zero bytes (``sniffed``);
3. strict UTF-8 (``utf-8``);
4. the charset the container declares (HTTP ``Content-Type`` of a WARC record), then
   the one the document declares (HTML ``<meta charset>``), with WHATWG's aliasing of
   ISO-8859-1 to windows-1252 (``declared``); a UTF-8 declaration with a few bad bytes
   (at most 2% of the non-ASCII bytes) is read as UTF-8 with replacement characters;
5. charset-normalizer's best guess (``detected``).

After decoding, text that is UTF-8 read as windows-1252 ("mojibake", ``Ã¼`` for ``ü``)
is repaired when at least two such sequences fix cleanly (``repaired = "mojibake"``).

Rejects (stage ``decode``): ``empty``, ``blank`` (whitespace only), ``binary`` (a known
file signature: image, PDF, archive, executable...; or mostly control characters),
``nul_bytes`` (zero bytes in a document that is not UTF-16/32; a handful, at most
0.1% of a page over 4 KiB, are dropped instead), ``undecodable`` (no
encoding fits, or more than 5% replacement characters), ``line_too_long`` (a plain-text
line longer than ``max_line_chars``), ``html_too_large``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from tasks.chars import (
    MARK_INVISIBLE,
    MARK_MOJI_CONT,
    MARK_MOJI_LEAD2,
    MARK_MOJI_LEAD3,
    MARK_MOJI_LEAD4,
    MARK_MOJI_STRICT,
    MARK_MOJIBAKE,
    MARK_NFC,
    MARK_ODD_BLANK,
    ODD_BLANKS,
    has_odd_blank,
)
from tasks.records import Decoded, RawDoc, Reject
from tasks.tokens import stage_kernels

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xfe\xed\xfa\xce", "executable"),
    (b"\x00asm", "wasm"),
    (b"PK\x03\x04", "zip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"RIFF", "riff"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"fLaC", "flac"),
    (b"wOFF", "font"),
    (b"wOF2", "font"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_SNIFF = re.compile(
    rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s[^>]*charset", re.I
)
_HTML_SNIFF_STR = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
_INVISIBLES = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# runs of 2+ blanks, or one blank that is not a plain space (a lone space is left alone)
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S \n]")
_SPACE_RUNS = re.compile(r"  +")
_BLANKS = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])  # "binary"


# UTF-8 bytes of one character, seen through windows-1252: a lead byte C2-F4 shown as
# Â..ô, then 1-3 continuation bytes 80-BF shown as cp1252 (or latin-1 for the 5 holes)
def _utf8_trie(chars: set[str]) -> bytes:
    """A regex alternation matching the UTF-8 bytes of any of ``chars``, one branch per
    lead (all bytes but the last) with a class of last bytes: ``re`` tries branches one
    by one, so this is ~7 tries where one branch per character was ~60 (twice as fast)."""
    last: dict[bytes, list[bytes]] = {}
    for c in sorted(chars):
        b = c.encode()
        last.setdefault(b[:-1], []).append(b[-1:])
    return b"|".join(
        re.escape(lead) + b"[" + b"".join(map(re.escape, ends)) + b"]"
        for lead, ends in sorted(last.items())
    )


_CONT = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xC0))
_STRICT = _CONT.replace("\u00a0", "").replace("\u00ad", "")  # NBSP/soft hyphen follow real É, à
_C, _S = re.escape(_CONT), re.escape(_STRICT)
# The leads of a 2-, 3- and 4-byte character (code point ranges, inclusive), for
# _MOJIBAKE and utf8_marks: two-byte leads only where a symbol right after the capital
# letter is implausible in real text: Â Ã (Latin-1), Ä Å (Latin Extended-A: Turkish,
# Polish, Czech), Î Ï (Greek), Ð Ñ (Cyrillic); not ß or É, which real German and French
# put before “ or ®
_MOJIBAKE_LEADS = (
    (0xC2, 0xC5, MARK_MOJI_LEAD2),
    (0xCE, 0xD1, MARK_MOJI_LEAD2),
    (0xE0, 0xEF, MARK_MOJI_LEAD3),
    (0xF0, 0xF4, MARK_MOJI_LEAD4),
)


def _leads(bit: int) -> str:
    """A regex class of the ``_MOJIBAKE_LEADS`` of one length."""
    return "[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi, b in _MOJIBAKE_LEADS if b == bit) + "]"


_MOJIBAKE = re.compile(
    f"{_leads(MARK_MOJI_LEAD2)}[{_C}]"
    f"|{_leads(MARK_MOJI_LEAD3)}[{_S}]{{2}}|{_leads(MARK_MOJI_LEAD4)}[{_S}]{{3}}"
)
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00f4][{_C}]")  # a cheap first look (one class pair)
# the same first look on the UTF-8 bytes the text was decoded from: U+00C2-U+00F4 are
# C3 82-B4, then any continuation character's own bytes (UTF-8 is self-synchronizing, so
# a byte match is a character match); ~2.5x faster than the text pattern
_MOJIBAKE_HINT_UTF8 = re.compile(rb"\xc3[\x82-\xb4](?:" + _utf8_trie(set(_CONT)) + rb")")


class Marks(NamedTuple):
    """What one pass over a text's UTF-8 bytes found (``tasks.kernels_stages.utf8_marks``):
    ``bits`` of ``tasks.chars.MARK_*``; ``nfc_lo:nfc_hi``, the characters from the first
    that NFC may change to the last (-1, -1: none)."""

    bits: int
    nfc_lo: int
    nfc_hi: int


@lru_cache(maxsize=1)
def marks_table() -> np.ndarray:
    """uint8 per BMP code point: its ``tasks.chars.MARK_*`` bits, for ``utf8_marks``.

    ``MARK_NFC`` is a superset of the code points that make ``unicodedata.normalize("NFC")``
    look further than its quick check (a nonzero combining class, or a quick-check value
    other than Yes): combining marks, characters NFC changes alone, and every character
    that follows the first in a canonical decomposition (the second half of a
    composition, Hangul vowels and final consonants included). A text without any is
    returned as it is. (No decomposition beyond the BMP holds a BMP code point past its
    first: tested.)"""
    table = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x300, 0x10000):  # below U+0300 every character is NFC-inert
        ch = chr(cp)
        if (
            unicodedata.combining(ch)
            or unicodedata.category(ch) in ("Mn", "Mc", "Me")
            or unicodedata.normalize("NFC", ch) != ch
        ):
            table[cp] |= MARK_NFC
        for later in unicodedata.normalize("NFD", ch)[1:]:
            table[ord(later)] |= MARK_NFC
    for ch in _INVISIBLES:
        table[ord(ch)] |= MARK_INVISIBLE
    for ch in ODD_BLANKS.replace("\r", ""):
        table[ord(ch)] |= MARK_ODD_BLANK
    for lo, hi, bit in _MOJIBAKE_LEADS:
        table[lo : hi + 1] |= bit
    for ch in _CONT:
        table[ord(ch)] |= MARK_MOJI_CONT
    for ch in _STRICT:
        table[ord(ch)] |= MARK_MOJI_STRICT
    return table


def utf8_marks(data: bytes) -> Marks | None:
    """``Marks`` of the text whose strict UTF-8 encoding is ``data``; None without the
    compiled kernels, or for bytes that end inside a character (callers then take the
    path that needs no marks)."""
    kernels = stage_kernels()
    if kernels is None:
        return None
    bits, lo, hi = kernels.utf8_marks(np.frombuffer(data, dtype=np.uint8), marks_table())
    return None if bits < 0 else Marks(bits, lo, hi)


MAX_LINE_CHARS = 1_000_000
MAX_HTML_CHARS = 16_000_000


class DecodeError(Exception):
    """A document that cannot become text; ``reason`` is the reject code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def sniff_format(data: bytes) -> str:
    """``html`` when the bytes look like an HTML page, else ``text``."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        for enc in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
            try:
                text = head[: len(head) - len(head) % 4].decode(enc, errors="ignore")
            except LookupError:  # pragma: no cover
                continue
            if _HTML_SNIFF_STR.search(text):
                return "html"
    return "html" if _HTML_SNIFF.search(head) else "text"


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, from where the zero bytes sit in ASCII-heavy text."""
    sample = data[:4096]
    n = len(sample) - len(sample) % 4
    if n < 8:
        return None
    sample = sample[:n]
    zeros = [sample[i::4].count(0) / (n // 4) for i in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.5:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.5:
        return "utf-32-be"
    odd = (zeros[1] + zeros[3]) / 2
    even = (zeros[0] + zeros[2]) / 2
    if odd > 0.6 and even < 0.2:
        return "utf-16-le"
    if even > 0.6 and odd < 0.2:
        return "utf-16-be"
    return None


def _whatwg(name: str) -> str:
    enc = codecs.lookup(name).name
    if enc in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"  # WHATWG: ISO-8859-1 and ASCII labels mean windows-1252
    if enc == "iso8859-9":
        return "cp1254"  # WHATWG: ISO-8859-9 means windows-1254
    return enc


def _mostly_utf8(data: bytes) -> bool:
    """Declared UTF-8 with a few stray bytes (at most 2% of the non-ASCII bytes bad)."""
    non_ascii = sum(1 for b in data if b >= 0x80)
    if not non_ascii:
        return True
    bad = data.decode("utf-8", errors="replace").count("\ufffd")
    return bad <= 0.02 * non_ascii


def _nul_in_head(data: bytes) -> bool:
    """A NUL byte in the first 64 KiB: ``decode_bytes`` then tries a wide encoding, or
    rejects the bytes, or drops a few stray NULs before decoding."""
    return data.find(b"\x00", 0, 65536) != -1


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """Decode bytes to text; returns ``(text, encoding, how)``. Raises DecodeError."""
    if not data:
        raise DecodeError("empty")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc.replace("-sig", ""), "bom"
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"bad {enc} after BOM") from exc
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise DecodeError("binary", kind)
    if _nul_in_head(data):
        wide = _wide_encoding(data)
        if wide is not None:
            try:
                return data.decode(wide), wide, "sniffed"
            except UnicodeDecodeError:
                pass
        zeros = data.count(0)
        if len(data) < 4096 or zeros > 0.001 * len(data):
            raise DecodeError("nul_bytes", f"{zeros} zero bytes in {len(data)}")
        data = data.replace(b"\x00", b"")  # a few stray NULs in a large page: drop them
    head = data[:65536]
    if len(head) - len(head.translate(None, _CONTROL)) > 0.1 * len(head):
        raise DecodeError("binary", "mostly control characters")
    try:
        return data.decode("utf-8"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:8192])
    for name in (declared, m.group(1).decode("ascii") if m else None):
        if not name:
            continue
        try:
            enc = _whatwg(name)
        except LookupError:
            continue
        if enc == "utf-8":
            if _mostly_utf8(data):
                return data.decode("utf-8", errors="replace"), "utf-8", "declared"
            continue
        try:
            return data.decode(enc), enc, "declared"
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable", "no encoding fits")
    try:
        text = data.decode(best.encoding, errors="replace")
    except LookupError as exc:  # pragma: no cover - charset-normalizer names are codecs
        raise DecodeError("undecodable", best.encoding) from exc
    if text.count("\ufffd") > 0.05 * max(len(text), 1):
        raise DecodeError("undecodable", f"too many invalid bytes for {best.encoding}")
    return text, best.encoding, "detected"


def repair_mojibake(
    text: str, utf8: bytes | None = None, marks: Marks | None = None
) -> tuple[str, bool]:
    """Undo UTF-8-read-as-windows-1252 where confident (two or more clean fixes).
    ``utf8``: the bytes ``text`` is the strict UTF-8 decoding of, when it is (a cheaper
    first look); ``marks``: their ``utf8_marks``, when known (cheaper still)."""
    fixed = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal fixed
        raw = m.group()
        try:  # cp1252, or latin-1 for the five bytes cp1252 leaves undefined
            as_bytes = b"".join(
                c.encode("latin-1") if "\x80" <= c <= "\x9f" else c.encode("cp1252") for c in raw
            )
        except UnicodeEncodeError:
            return raw
        try:
            out = as_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return raw
        fixed += 1
        return out

    if marks is not None:
        if not marks.bits & MARK_MOJIBAKE:  # _MOJIBAKE.search, in utf8_marks' pass
            return text, False
    elif text.isascii() or (utf8 is not None and not _MOJIBAKE_HINT_UTF8.search(utf8)):
        return text, False
    elif not _has_mojibake(text):
        return text, False
    repaired = _MOJIBAKE.sub(fix, text)
    if fixed < 2:
        return text, False
    return repaired, True


def _has_mojibake(text: str) -> bool:
    """``_MOJIBAKE.search(text)``: every match starts where the cheap hint matches, so
    only those places are tried (the full pattern scanned every character)."""
    return any(_MOJIBAKE.match(text, m.start()) for m in _MOJIBAKE_HINT.finditer(text))


def clean_text(text: str, marks: Marks | None = None) -> str:
    """NFC, no soft hyphens or zero-width characters, spaces collapsed, blank lines kept.

    ``marks``: the text's ``utf8_marks``, when known. Then only the lines from the first
    to the last character NFC may change are normalized (NFC never reaches across a
    newline), and the invisible characters and odd blanks are searched for only when
    the marks saw some (NFC makes neither: an odd blank it changes stays one, tested)."""
    if marks is None:
        odd = None
        if not text.isascii():  # ASCII is NFC and has none of the invisible characters
            text = _drop_invisibles(unicodedata.normalize("NFC", text))
    else:
        odd = bool(marks.bits & MARK_ODD_BLANK)  # ("\r", replaced below, is not marked)
        if marks.nfc_lo >= 0:
            text = _nfc_lines(text, marks.nfc_lo, marks.nfc_hi)
        if marks.bits & MARK_INVISIBLE:
            text = _drop_invisibles(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if has_odd_blank(text) if odd is None else odd:  # a blank _SPACES changes even alone
        text = _SPACES.sub(" ", text)
    elif "  " in text:  # plain spaces only: the same as _SPACES, on a cheaper pattern
        text = _SPACE_RUNS.sub(" ", text)
    # blanks are now single plain spaces: _BLANKS changes the text only where a line
    # holds just a space or three newlines meet
    if "\n \n" in text or "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def _drop_invisibles(text: str) -> str:
    for ch in _INVISIBLES:
        if ch in text:
            text = text.replace(ch, "")
    return text


def _nfc_lines(text: str, lo: int, hi: int) -> str:
    """``unicodedata.normalize("NFC", text)`` when no character outside ``text[lo:hi]``
    can change: only the lines holding that span are normalized."""
    start = text.rfind("\n", 0, lo) + 1
    end = text.find("\n", hi)
    if end < 0:
        end = len(text)
    if start == 0 and end == len(text):
        return unicodedata.normalize("NFC", text)
    return text[:start] + unicodedata.normalize("NFC", text[start:end]) + text[end:]


def _longest_line(text: str) -> int:
    longest = 0
    start = 0
    while True:
        end = text.find("\n", start)
        if end == -1:
            return max(longest, len(text) - start)
        longest = max(longest, end - start)
        start = end + 1


def decode(
    raw: RawDoc, max_line_chars: int = MAX_LINE_CHARS, max_html_chars: int = MAX_HTML_CHARS
) -> Decoded | Reject:
    """Decode one raw document, or say why it cannot be."""
    try:
        fmt = raw.format_hint or sniff_format(raw.data)
        text, encoding, how = decode_bytes(raw.data, raw.declared_charset)
    except DecodeError as exc:
        return Reject(raw.rel_path, raw.record, "decode", exc.reason, exc.detail)
    if not text or text.isspace():  # not text.strip(), without the copy
        return Reject(raw.rel_path, raw.record, "decode", "blank")
    repaired = marks = None
    if how != "bom":
        # the raw bytes are the text's UTF-8 unless decode_bytes dropped stray NULs
        same = how == "utf-8" and not _nul_in_head(raw.data)
        marks = utf8_marks(raw.data) if same else None
        text, did = repair_mojibake(text, raw.data if same else None, marks)
        if did:
            repaired, marks = "mojibake", None
    if fmt == "html":
        if len(text) > max_html_chars:
            return Reject(
                raw.rel_path, raw.record, "decode", "html_too_large", f"{len(text)} characters"
            )
    else:
        longest = _longest_line(text) if len(text) > max_line_chars else 0
        if longest > max_line_chars:
            return Reject(
                raw.rel_path, raw.record, "decode", "line_too_long", f"{longest} characters"
            )
        text = clean_text(text, marks)
        if not text:
            return Reject(raw.rel_path, raw.record, "decode", "blank")
    return Decoded(
        rel_path=raw.rel_path,
        record=raw.record,
        text=text,
        format=fmt,
        encoding=encoding,
        encoding_source=how,
        source=raw.source,
        url=raw.url,
        fetched_at=raw.fetched_at,
        meta=dict(raw.meta),
        offset=raw.offset,
        repaired=repaired,
    )
