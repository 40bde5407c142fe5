"""Cross-document templates: lines that repeat across many documents of one source.

A batch ETL sees many pages of a site at once; a line that recurs on several of them
(navigation, footer, consent banner) is site chrome. Lines are identified by a stable
64-bit hash so counts can be stored in the warehouse and merged across runs.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

_MIN_CHARS = 2


def line_hash(text: str) -> int:
    """Stable signed 64-bit hash of a whitespace-normalized, casefolded line."""
    norm = " ".join(text.casefold().split())
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def document_hashes(lines: Iterable[str]) -> set[int]:
    """The distinct line hashes of one document (very short lines are ignored)."""
    return line_hashes(list(lines))[1]


def line_hashes(lines: list[str]) -> tuple[list[int], set[int]]:
    """Every line's hash, in order (for the separator's template rule), and the distinct
    hashes of the lines that count for templates (``document_hashes``)."""
    every = [line_hash(t) for t in lines]
    return every, {h for t, h in zip(lines, every, strict=True) if len(t.strip()) >= _MIN_CHARS}


def count_lines(docs: Iterable[set[int]]) -> Counter[int]:
    """In how many documents each line hash occurs."""
    counts: Counter[int] = Counter()
    for hashes in docs:
        counts.update(hashes)
    return counts


def template_set(counts: Counter[int], min_docs: int) -> frozenset[int]:
    """Hashes seen in at least ``min_docs`` documents."""
    return frozenset(h for h, n in counts.items() if n >= min_docs)
