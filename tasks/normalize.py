"""Normalization: a decoded document and its chrome separation -> article fields.

Field rules live in ``tasks.fields`` (dates, URL, source, counts); this module puts
them together into one ``Article`` row and the dropped ``ChromeSegment`` rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import compress, repeat

from tasks.dedup import normalized_body
from tasks.fields import (
    canonical_url,
    domain_of,
    parse_date,
    published_at,
    site_source,
    word_count,
)
from tasks.records import (
    Article,
    Block,
    Blocks,
    ChromeSegment,
    Decisions,
    Decoded,
    Separation,
    from_columns,
)
from tasks.segment import join_blocks

__all__ = ["article_rows", "body_sha256", "make_doc_id", "parse_date"]


def make_doc_id(rel_path: str, record: int) -> str:
    """Stable id of a document: where it lives (file and record), not what it says."""
    return hashlib.blake2b(f"{rel_path}\x00{record}".encode(), digest_size=16).hexdigest()


def body_sha256(body: str) -> str:
    """Hash of the body with whitespace normalized and case folded (exact-duplicate key)."""
    return _sha256(normalized_body(body))


def _sha256(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _normalized(
    body: str,
    blocks: Blocks,
    keep: Sequence[bool],
    clean: bool,
    folded: tuple[Sequence[Block], Sequence[str]] | None,
) -> str:
    """``normalized_body(body, clean)``. A clean body is its kept blocks (lines, no
    newline inside) joined by one or two newlines, each becoming one space; casefolding
    maps each character on its own, so the casefolded blocks joined by spaces are the
    same string (when the separated blocks are the given ones: checked by identity)."""
    if clean and folded is not None:
        given, norms = folded
        if blocks is given:
            return " ".join(compress(norms, keep))
        n = len(given)
        kept = list(compress(blocks, keep))
        if all(b.position < n and given[b.position] is b for b in kept):
            return " ".join([norms[b.position] for b in kept])
    return normalized_body(body, clean=clean)  # see tasks.process.prepare


def article_rows(
    doc: Decoded,
    text: str,
    sep: Separation,
    folded: tuple[Sequence[Block], Sequence[str]] | None = None,
) -> tuple[Article | None, list[ChromeSegment], str]:
    """The article row (None when no body survives), the dropped segments, and the
    body's ``tasks.dedup.normalized_body`` (its
    ``content_sha256`` key, which the batch's MinHash signatures are cut from; "" when
    there is no article).

    ``folded``: on the text path, the blocks the separator was given and each one's
    ``str.casefold()`` (``tasks.templates.block_norms``, already computed for the line
    hashes): the normalized body is then the kept blocks' casefolds joined by spaces,
    without casefolding the body again."""
    doc_id = make_doc_id(doc.rel_path, doc.record)
    dec = Decisions.of(sep.decisions)  # records made elsewhere: the HTML path's combiner
    at = [
        i
        for i, (keep, reason) in enumerate(zip(dec.keep, dec.reasons, strict=True))
        if not keep and reason != "title"
    ]
    blocks = Blocks.of(sep.blocks)
    kept = sep.body_blocks
    body = join_blocks(text, kept)
    positions, texts = blocks.positions, blocks.texts
    segments = from_columns(
        ChromeSegment,
        len(at),
        (
            repeat(doc_id),
            [positions[i] for i in at],
            [texts[i] for i in at],
            [dec.reasons[i] for i in at],
            [dec.scores[i] for i in at],
        ),
    )
    if not body.strip():
        return None, segments, ""
    dropped_chars = sum(len(texts[i]) for i in at)
    total_chars = dropped_chars + sum(map(len, kept.texts))
    meta = doc.meta
    title = meta.get("title") or meta.get("container_title") or sep.title
    normalized = _normalized(body, blocks, dec.keep, doc.format != "html", folded)
    url = canonical_url(doc.url) or canonical_url(meta.get("url"))
    domain = domain_of(url)
    # the separator's site name is the title's suffix: site_source finds it there as "title"
    source, source_from = site_source(domain, doc.source, meta.get("sitename"), title)
    date, date_from = published_at(
        meta.get("date"), meta.get("container_date"), (body, text), doc.fetched_at
    )
    article = Article(
        doc_id=doc_id,
        source_path=doc.rel_path,
        record=doc.record,
        source=source,
        title=title,
        body=body,
        language=sep.language,
        language_confidence=round(sep.language_confidence, 4),
        word_count=word_count(body),
        char_count=len(body),
        # join_blocks puts "\n\n" only between paragraphs of non-blank lines: the same
        # as paragraph_count(body) without splitting the body
        paragraph_count=body.count("\n\n") + 1,
        chrome_ratio=round(dropped_chars / total_chars, 4) if total_chars else 0.0,
        content_sha256=_sha256(normalized),
        published_at=date,
        url=url,
        format=doc.format,
        encoding=doc.encoding,
        encoding_source=doc.encoding_source,
        text_repair=doc.repaired,
        record_offset=doc.offset,
        domain=domain,
        source_from=source_from,
        published_at_source=date_from,
        fetched_at=doc.fetched_at,
        author=meta.get("author") or meta.get("container_author"),
        description=meta.get("description"),
        site_name=meta.get("sitename") or sep.site_name,
        categories=meta.get("categories"),
        tags=meta.get("tags"),
    )
    return article, segments, normalized
