"""Segmentation: decoded text -> ordered blocks that keep their character offsets.

A block is one non-empty line. Paragraphs in a dump are separated by blank lines and
``<br>`` breaks become single newlines, so a lone ``X`` close button glued to the next
paragraph by one newline is still a unit of its own. Whether two blocks belonged to
the same paragraph is recoverable from the offsets (see ``join_blocks``).

The lines are found with numpy over the text's character classes (``tasks.chars``):
the non-whitespace characters, grouped by line number, give each stripped line's start
and end, exactly as ``str.split("\\n")`` and ``str.strip()`` would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tasks.chars import SPACE, char_classes
from tasks.records import Block, Blocks
from tasks.tokens import compiled_kernels

_EMPTY = np.zeros(0, dtype=np.int64)


def line_spans(cls: np.ndarray, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (int64 arrays) of the non-blank lines, stripped, from the text's
    class flags (``char_classes``) and each character's line number (``cumsum`` of its
    newlines). ``tasks.kernels.line_spans`` when numba is there (the same spans)."""
    k = compiled_kernels()
    if k is not None and len(cls):
        out: tuple[np.ndarray, np.ndarray] = k.line_spans(cls, line, SPACE)
        return out
    ink = np.flatnonzero((cls & SPACE) == 0)
    if not len(ink):
        return _EMPTY, _EMPTY
    lid = line[ink]
    cut = np.flatnonzero(lid[1:] != lid[:-1])
    starts = ink[np.concatenate(([0], cut + 1))]
    ends = ink[np.concatenate((cut, [len(ink) - 1]))] + 1
    return starts, ends


def unit_texts(text: str, starts: list[int], ends: list[int]) -> list[str]:
    return [text[s:e] for s, e in zip(starts, ends, strict=True)]


def line_units(text: str) -> tuple[list[int], list[int], list[str]]:
    """Starts, ends and texts of the non-blank lines of ``text``, each ``str.strip``-ped."""
    cp, cls = char_classes(text)
    starts, ends = line_spans(cls, np.cumsum(cp == 10))
    sl, el = starts.tolist(), ends.tolist()
    return sl, el, unit_texts(text, sl, el)


def make_blocks(
    texts: list[str],
    starts: list[int],
    ends: list[int],
    positions: Sequence[int] | None = None,
) -> Blocks:
    """``Blocks`` of ``Block(i, texts[i], starts[i], ends[i]) ...`` (columns, the records
    made on first use). ``positions``: the blocks' positions when not ``0, 1, 2 ...``."""
    pos = range(len(texts)) if positions is None else positions
    return Blocks(pos, texts, starts, ends)


def segment(text: str) -> Blocks:
    """Split ``text`` into non-blank lines, stripped, with their offsets."""
    starts, ends, texts = line_units(text)
    return make_blocks(texts, starts, ends)


def join_blocks(text: str, blocks: Sequence[Block]) -> str:
    """Join blocks: a newline inside a paragraph (consecutive blocks with at most one
    line break between them), a blank line between paragraphs (read from the columns)."""
    blocks = Blocks.of(blocks)
    texts = blocks.texts
    if not len(texts):
        return ""
    pos, starts, ends = blocks.positions, blocks.starts, blocks.ends
    count = text.count
    parts = [texts[0]]
    for i in range(1, len(texts)):
        adjacent = pos[i] == pos[i - 1] + 1
        parts.append("\n" if adjacent and count("\n", ends[i - 1], starts[i]) <= 1 else "\n\n")
        parts.append(texts[i])
    return "".join(parts)
