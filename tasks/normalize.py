"""Normalization: a decoded document and its chrome separation -> article fields."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tasks.records import Article, ChromeSegment, Decoded, Separation
from tasks.segment import join_blocks


def make_doc_id(rel_path: str, record: int) -> str:
    """Stable id of a document: where it lives (file and record), not what it says."""
    return hashlib.blake2b(f"{rel_path}\x00{record}".encode(), digest_size=16).hexdigest()


def body_sha256(body: str) -> str:
    """Hash of the body with whitespace normalized and case folded (exact-duplicate key)."""
    return hashlib.sha256(" ".join(body.casefold().split()).encode("utf-8")).hexdigest()


def parse_date(value: str | None) -> datetime | None:
    """An ISO-like date string -> an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def build_article(
    doc: Decoded, text: str, sep: Separation
) -> tuple[Article | None, list[ChromeSegment]]:
    """The article row (None when no body survives) and the dropped segments."""
    doc_id = make_doc_id(doc.rel_path, doc.record)
    kept = sep.body_blocks
    body = join_blocks(text, kept)
    segments = [
        ChromeSegment(doc_id, b.position, b.text, d.reason, d.score)
        for b, d in zip(sep.blocks, sep.decisions, strict=True)
        if not d.keep and d.reason != "title"
    ]
    if not body.strip():
        return None, segments
    dropped_chars = sum(len(s.text) for s in segments)
    total_chars = dropped_chars + sum(len(b.text) for b in kept)
    title = doc.meta.get("title") or sep.title
    article = Article(
        doc_id=doc_id,
        source_path=doc.rel_path,
        record=doc.record,
        source=doc.source or doc.meta.get("sitename") or sep.site_name,
        title=title,
        body=body,
        language=sep.language,
        language_confidence=round(sep.language_confidence, 4),
        word_count=len(body.split()),
        char_count=len(body),
        paragraph_count=body.count("\n\n") + 1,
        chrome_ratio=round(dropped_chars / total_chars, 4) if total_chars else 0.0,
        content_sha256=body_sha256(body),
        published_at=parse_date(doc.meta.get("date")),
        url=doc.url or doc.meta.get("url"),
        format=doc.format,
        encoding=doc.encoding,
    )
    return article, segments
