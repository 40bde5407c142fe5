"""Decoding: raw bytes -> text, with the encoding and how it was found, or a reject reason.

Order: byte-order mark; strict UTF-8; the charset the document declares (HTML meta);
charset-normalizer's best guess. Binary content (known magic numbers, NUL bytes) and
empty or blank documents are rejected with a reason code.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from tasks.records import Decoded, RawDoc, Reject

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
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"PK\x03\x04", "zip"),
    (b"RIFF", "riff"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_SNIFF = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")


class DecodeError(Exception):
    """A document that cannot become text; ``reason`` is the reject code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def sniff_format(data: bytes) -> str:
    """``html`` when the bytes look like an HTML page, else ``text``."""
    return "html" if _HTML_SNIFF.search(data[:4096]) else "text"


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
    if b"\x00" in data[:65536]:
        raise DecodeError("nul_bytes")
    try:
        return data.decode("utf-8"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    for name, how in (
        (declared, "declared"),
        (m.group(1).decode("ascii") if m else None, "declared"),
    ):
        if name:
            try:
                enc = codecs.lookup(name).name
                if enc in ("latin-1", "iso8859-1"):
                    enc = "cp1252"  # WHATWG: ISO-8859-1 labels mean windows-1252
                return data.decode(enc), enc, how
            except (LookupError, UnicodeDecodeError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable", "no encoding fits")
    return data.decode(best.encoding, errors="replace"), best.encoding, "detected"


def clean_text(text: str) -> str:
    """NFC, no soft hyphens or zero-width characters, spaces collapsed, blank lines kept."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _BLANKS.sub("\n\n", text).strip()


def decode(raw: RawDoc) -> Decoded | Reject:
    """Decode one raw document, or say why it cannot be."""
    try:
        fmt = raw.format_hint or sniff_format(raw.data)
        text, encoding, how = decode_bytes(raw.data, raw.declared_charset)
    except DecodeError as exc:
        return Reject(raw.rel_path, raw.record, "decode", exc.reason, exc.detail)
    if not text.strip():
        return Reject(raw.rel_path, raw.record, "decode", "blank")
    return Decoded(
        rel_path=raw.rel_path,
        record=raw.record,
        text=text if fmt == "html" else clean_text(text),
        format=fmt,
        encoding=encoding,
        encoding_source=how,
        source=raw.source,
        url=raw.url,
        fetched_at=raw.fetched_at,
    )
