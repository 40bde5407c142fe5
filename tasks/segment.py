"""Segmentation: decoded text -> ordered blocks that keep their character offsets.

A block is one non-empty line. Paragraphs in a dump are separated by blank lines and
``<br>`` breaks become single newlines, so a lone ``X`` close button glued to the next
paragraph by one newline is still a unit of its own. Whether two blocks belonged to
the same paragraph is recoverable from the offsets (see ``same_paragraph``).
"""

from __future__ import annotations

import numpy as np

from tasks.chars import NEWLINE, SPACE, char_classes
from tasks.records import Block


def unit_spans(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of the stripped non-blank lines, from per-character class flags.

    Equivalent to splitting on ``\\n`` and ``str.strip()``-ing each line (``SPACE`` is
    ``str.isspace``), but vectorised: the chrome features need it for every document.
    """
    n = len(cls)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    newline = np.flatnonzero(cls & NEWLINE)
    line_start = np.concatenate(([0], newline + 1))
    line_end = np.concatenate((newline, [n]))
    ar = np.arange(n, dtype=np.int64)
    solid = (cls & SPACE) == 0
    nxt = np.concatenate((np.minimum.accumulate(np.where(solid, ar, n)[::-1])[::-1], [n]))
    prv = np.maximum.accumulate(np.where(solid, ar, -1))
    first = nxt[line_start]
    keep = first < line_end
    return first[keep].astype(np.int64), (prv[line_end[keep] - 1] + 1).astype(np.int64)


def segment(text: str) -> list[Block]:
    """Split ``text`` into non-blank lines, stripped, with their offsets."""
    starts, ends = unit_spans(char_classes(text)[1])
    return [
        Block(i, text[s:e], s, e)
        for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True))
    ]


def same_paragraph(text: str, first: Block, second: Block) -> bool:
    """True when only a single line break separates two consecutive blocks."""
    return text.count("\n", first.end, second.start) <= 1


def join_blocks(text: str, blocks: list[Block]) -> str:
    """Join blocks: a newline inside a paragraph, a blank line between paragraphs."""
    parts: list[str] = []
    prev: Block | None = None
    for block in blocks:
        if prev is not None:
            adjacent = block.position == prev.position + 1
            parts.append("\n" if adjacent and same_paragraph(text, prev, block) else "\n\n")
        parts.append(block.text)
        prev = block
    return "".join(parts)
