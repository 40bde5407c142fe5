"""Segmentation: decoded text -> ordered blocks that keep their character offsets.

A block is one non-empty line. Paragraphs in a dump are separated by blank lines and
``<br>`` breaks become single newlines, so a lone ``X`` close button glued to the next
paragraph by one newline is still a unit of its own. Whether two blocks belonged to
the same paragraph is recoverable from the offsets (see ``same_paragraph``).
"""

from __future__ import annotations

from tasks.records import Block


def line_units(text: str) -> tuple[list[int], list[int], list[str]]:
    """Starts, ends and texts of the non-blank lines of ``text``, each ``str.strip``-ped."""
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            starts.append(start)
            ends.append(start + len(stripped))
            texts.append(stripped)
        pos += len(line) + 1
    return starts, ends, texts


def segment(text: str) -> list[Block]:
    """Split ``text`` into non-blank lines, stripped, with their offsets."""
    starts, ends, texts = line_units(text)
    return list(map(Block, range(len(texts)), texts, starts, ends))


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
