"""Cross-document templates: lines that repeat across many documents of one source.

A batch ETL sees many pages of a site at once; a line that recurs on several of them
(navigation, footer, consent banner) is site chrome. Lines are identified by a stable
64-bit hash so counts can be stored in the warehouse and merged across runs.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from tasks.chars import SPACE, char_table, has_odd_blank
from tasks.records import Block, Blocks
from tasks.segment import make_blocks, unit_texts
from tasks.tokens import stage_kernels

_MIN_CHARS = 2


def line_hash(text: str) -> int:
    """Stable signed 64-bit hash of a whitespace-normalized, casefolded line."""
    return _hash(" ".join(text.casefold().split()))


def document_hashes(lines: Iterable[str]) -> set[int]:
    """The distinct line hashes of one document (very short lines are ignored)."""
    return line_hashes(list(lines))[1]


def line_hashes(lines: list[str]) -> tuple[list[int], set[int]]:
    """Every line's hash, in order (for the separator's template rule), and the distinct
    hashes of the lines that count for templates (``document_hashes``)."""
    every = [line_hash(t) for t in lines]
    return every, {h for t, h in zip(lines, every, strict=True) if len(t.strip()) >= _MIN_CHARS}


def block_hashes(
    text: str, blocks: Sequence[Block], clean: bool = False
) -> tuple[list[int], set[int]]:
    """``line_hashes`` of the blocks of ``text`` (``tasks.segment.segment``), faster: when
    the text's only blanks are single spaces and newlines (every decoded dump), a line
    needs no split and join, and when casefolding keeps the text's length it is a slice
    of the casefolded text.
    ``clean``: the text is known to hold no other blanks (``tasks.decode.clean_text``)."""
    return norm_hashes(blocks, block_norms(text, blocks, clean))


def block_norms(text: str, blocks: Sequence[Block], clean: bool = False) -> list[str]:
    """What ``line_hash`` hashes, per block (see ``block_hashes``); with ``clean``, each
    is the block's ``str.casefold()``."""
    cols = Blocks.of(blocks)
    if not clean and ("  " in text or has_odd_blank(text)):
        return [" ".join(t.casefold().split()) for t in cols.texts]
    if len(folded := text.casefold()) == len(text):
        return [folded[a:b] for a, b in zip(cols.starts, cols.ends, strict=True)]
    # a character folds to two (ß -> ss): the offsets no longer hold
    return _folded_lines(folded, blocks)


def clean_blocks(text: str) -> tuple[Blocks, list[int], set[int], list[str]] | None:
    """``segment(text)``, then ``norm_hashes`` and ``block_norms`` of its blocks with
    ``clean`` (a text of ``tasks.decode.clean_text``): ``(blocks, every, distinct,
    norms)``, from one compiled pass over the text's code points (lines, casefolds, their
    BLAKE2b hashes: ``tasks.kernels_stages.text_lines``). None without the compiled
    kernels, or for a text with a character of plane 2 or above (the caller takes the
    Python path)."""
    kernels = stage_kernels()
    if kernels is None:
        return None
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, ends, hashes, folded, fstarts, fends, ok = kernels.text_lines(
        cp, char_table(), SPACE, *kernels.fold_tables()
    )
    if not ok:
        return None
    sl, el = starts.tolist(), ends.tolist()
    blocks = make_blocks(unit_texts(text, sl, el), sl, el)
    ftext = folded.tobytes().decode("utf-32-le")
    norms = [ftext[a:b] for a, b in zip(fstarts.tolist(), fends.tolist(), strict=True)]
    every = hashes.tolist()
    distinct = {h for h, a, b in zip(every, sl, el, strict=True) if b - a >= _MIN_CHARS}
    return blocks, every, distinct, norms


def norm_hashes(blocks: Sequence[Block], norms: list[str]) -> tuple[list[int], set[int]]:
    """``block_hashes`` from the blocks' ``block_norms``."""
    every = list(map(_hash, norms))
    texts = Blocks.of(blocks).texts
    return every, {h for t, h in zip(texts, every, strict=True) if len(t) >= _MIN_CHARS}


def _folded_lines(folded: str, blocks: Sequence[Block]) -> list[str]:
    """``[b.text.casefold() for b in blocks]`` from the casefolded text ``folded``, when
    the blocks are ``segment``'s (its non-blank lines, stripped): casefolding maps each
    character on its own and never makes or takes away a blank, so the casefolded
    lines, stripped, are the blocks' casefolds (per block when the counts disagree)."""
    lines = [t for t in map(str.strip, folded.split("\n")) if t]
    if len(lines) != len(blocks):
        return [t.casefold() for t in Blocks.of(blocks).texts]
    return lines


def _hash(norm: str) -> int:
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def count_lines(docs: Iterable[set[int]]) -> Counter[int]:
    """In how many documents each line hash occurs."""
    counts: Counter[int] = Counter()
    for hashes in docs:
        counts.update(hashes)
    return counts


def template_set(counts: Counter[int], min_docs: int) -> frozenset[int]:
    """Hashes seen in at least ``min_docs`` documents."""
    return frozenset(h for h, n in counts.items() if n >= min_docs)
