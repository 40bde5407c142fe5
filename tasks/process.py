"""One batch of files through every pure stage: read, decode, segment, separate, normalize.

This is the unit of work a Prefect task runs (in a worker process). It never raises for
a bad document: each one becomes an article or a reject with the stage and reason.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tasks.chrome import default_chrome, separate, separate_many
from tasks.decode import decode
from tasks.dedup import signatures
from tasks.html import HtmlRejected, extract_html, html_decide, load_html_model, page_structure
from tasks.normalize import article_rows
from tasks.read import ReadLimits, read_file
from tasks.records import (
    Article,
    Blocks,
    ChromeSegment,
    Decoded,
    RawDoc,
    Reject,
    Separation,
    SourceFile,
)
from tasks.segment import segment
from tasks.settings import Settings
from tasks.templates import block_norms, clean_blocks, count_lines, norm_hashes, template_set
from tasks.timeout import DocumentTimeout, time_limit
from tasks.tokens import stage_kernels


@dataclass(slots=True)
class BatchResult:
    articles: list[Article] = field(default_factory=list)
    segments: list[ChromeSegment] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    documents: int = 0  # documents found (articles + rejects)
    line_counts: dict[str, Counter[int]] = field(default_factory=dict)  # per source, this batch
    minhashes: list[bytes] = field(default_factory=list)  # tasks.dedup signature per article
    # SHA-256 (32 raw bytes) of each plain single-document file, from the bytes read
    # (``tasks.read.read_file``); other files are absent: their reader hashes them itself
    digests: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Prepared:
    doc: Decoded
    text: str  # the text the separator sees (the dump, or trafilatura's output)
    blocks: Blocks
    line_hashes: list[int]  # tasks.templates.line_hash of every block, in order
    hashes: set[int]  # the document's distinct hashes that count for templates
    structure: Any = None  # HTML: tasks.html.page_structure of the blocks, for html_decide
    folded: list[str] | None = None  # text path: each block's casefold, for article_rows


def prepare(doc: Decoded, settings: Settings) -> _Prepared | Reject:
    """Text for the separator, its blocks and line hashes."""
    text, page = doc.text, None
    if doc.format == "html":
        text, meta, page = extract_html(doc, settings.html)
        doc = replace(doc, meta={**doc.meta, **meta})
        if not text.strip():
            return Reject(doc.rel_path, doc.record, "html", "no_main_text")
    # a text document is decode's clean_text: its only blanks are single spaces, newlines
    clean = doc.format != "html"
    fast = clean_blocks(text) if clean else None
    if fast is not None:
        blocks, every, distinct, norms = fast
    else:
        blocks = segment(text)
    if not blocks:
        return Reject(doc.rel_path, doc.record, "segment", "no_blocks")
    structure = page_structure(page, blocks) if page is not None else None
    if fast is None:
        norms = block_norms(text, blocks, clean)
        every, distinct = norm_hashes(blocks, norms)
    return _Prepared(doc, text, blocks, every, distinct, structure, norms if clean else None)


def process_batch(
    files: list[SourceFile],
    settings: Settings,
    history: Mapping[str, Mapping[int, int]] | None = None,
) -> BatchResult:
    """Run every stage over ``files``; templates are counted per source within the batch,
    plus ``history``: per source, line-hash document counts of earlier runs."""
    load_models()
    out = BatchResult()
    prepared: list[_Prepared] = []
    limits = read_limits(settings)
    for f in files:
        for raw in read_file(f, limits, out.digests):
            out.documents += 1
            item = raw if isinstance(raw, Reject) else prepare_raw(raw, settings)
            if isinstance(item, Reject):
                out.rejects.append(item)
            else:
                prepared.append(item)

    by_source: dict[str | None, list[set[int]]] = defaultdict(list)
    for p in prepared:
        by_source[p.doc.source].append(p.hashes)
    out.line_counts = {src: count_lines(docs) for src, docs in by_source.items() if src}
    history = history or {}
    templates = {
        src: template_set(_with_history(counts, history.get(src)), settings.template_min_docs)
        for src, counts in out.line_counts.items()
    }

    keys: list[str] = []  # each article's normalized body
    sites = [
        templates.get(p.doc.source, frozenset()) if p.doc.source else frozenset() for p in prepared
    ]
    for p, text_sep in zip(prepared, text_passes(prepared, settings, sites), strict=True):
        try:
            if isinstance(text_sep, Exception):
                raise text_sep
            article, segments, key = article_rows(
                p.doc, p.text, last_word(p, text_sep), folded_blocks(p)
            )
        except Exception as exc:
            out.rejects.append(
                Reject(p.doc.rel_path, p.doc.record, "separate", "error", repr(exc)[:500])
            )
            continue
        out.segments.extend(segments)
        if article is None:
            out.rejects.append(Reject(p.doc.rel_path, p.doc.record, "separate", "no_body"))
        else:
            out.articles.append(article)
            keys.append(key)
    out.minhashes = signatures(keys)  # the whole batch's MinHashes in one numpy pass
    return out


def _with_history(counts: Counter[int], earlier: Mapping[int, int] | None) -> Counter[int]:
    """``counts + Counter(earlier)``; without earlier counts, ``counts`` itself (every
    count of ``count_lines`` is positive: the sum would only copy it)."""
    return counts + Counter(earlier) if earlier else counts


def separate_prepared(
    p: _Prepared, settings: Settings, template_hashes: frozenset[int] = frozenset()
) -> Separation:
    """The chrome separator on one prepared document, as the run calls it (on the HTML
    path, ``tasks.html.html_decide`` has the last word)."""
    return last_word(p, text_pass(p, settings, template_hashes))


def folded_blocks(p: _Prepared) -> tuple[Blocks, list[str]] | None:
    """The blocks and their casefolds, for ``article_rows`` (text path only)."""
    return None if p.folded is None else (p.blocks, p.folded)


def last_word(p: _Prepared, sep: Separation) -> Separation:
    """The text pass's separation, or on the HTML path ``tasks.html.html_decide``'s."""
    return sep if p.structure is None else html_decide(sep, p.structure)


def text_passes(
    prepared: list[_Prepared], settings: Settings, sites: list[frozenset[int]], chunk: int = 256
) -> Iterator[Separation | Exception]:
    """``text_pass`` of every document, ``chunk`` documents at a time through
    ``tasks.chrome.separate_many`` (features and model once per batch); a chunk that
    fails is redone one document at a time, so only the document at fault fails."""
    for lo in range(0, len(prepared), chunk):
        part, part_sites = prepared[lo : lo + chunk], sites[lo : lo + chunk]
        try:
            seps: list[Separation | Exception] = list(
                separate_many(
                    [p.text for p in part],
                    part_sites,
                    [p.doc.format != "html" for p in part],
                    [p.blocks for p in part],
                    [p.doc.meta.get("title") for p in part],
                    threshold=settings.keep_threshold,
                    line_hashes=[p.line_hashes for p in part],
                )
            )
        except Exception:
            seps = []
            for p, site in zip(part, part_sites, strict=True):
                try:
                    seps.append(text_pass(p, settings, site))
                except Exception as exc:
                    seps.append(exc)
        yield from seps


def text_pass(
    p: _Prepared, settings: Settings, template_hashes: frozenset[int] = frozenset()
) -> Separation:
    """The text-level chrome pass alone (``tasks.chrome.separate``)."""
    return separate(
        p.text,
        template_hashes=template_hashes,
        line_hashes=p.line_hashes,
        has_title=p.doc.format != "html",
        blocks=p.blocks,
        known_title=p.doc.meta.get("title"),
        threshold=settings.keep_threshold,
    )


def load_models() -> None:
    """Load the chrome and HTML models before any document: a bad model file fails the
    batch (and so the run) with its own error, instead of rejecting every document. The
    compiled kernels too: the first load after a fresh install compiles them (~24 s on
    one idle core), which would otherwise count against the first document's
    ``doc_time_limit`` and reject it (a worker of the pool has them from its forkserver;
    ``--workers 0`` and Dask's workers did not)."""
    default_chrome()
    load_html_model()
    stage_kernels()  # and compiled_kernels(): both cached per process


def read_limits(settings: Settings) -> ReadLimits:
    return ReadLimits(
        max_file_bytes=settings.max_file_bytes,
        max_decompressed_bytes=settings.max_decompressed_bytes,
        max_document_bytes=settings.max_file_bytes,
    )


def prepare_raw(raw: RawDoc, settings: Settings) -> _Prepared | Reject:
    """Decode and prepare one document under the per-document time limit; never raises."""
    try:
        with time_limit(settings.doc_time_limit):
            decoded = decode(raw)
            return decoded if isinstance(decoded, Reject) else prepare(decoded, settings)
    except DocumentTimeout:
        detail = f"> {settings.doc_time_limit:g} s"
        return Reject(raw.rel_path, raw.record, "prepare", "time_limit", detail)
    except HtmlRejected as exc:
        return Reject(raw.rel_path, raw.record, "html", exc.reason, exc.detail)
    except RecursionError:
        return Reject(raw.rel_path, raw.record, "html", "html_too_deep", "recursion limit")
    except Exception as exc:  # a stage bug must not sink the batch
        return Reject(raw.rel_path, raw.record, "prepare", "error", repr(exc)[:500])
