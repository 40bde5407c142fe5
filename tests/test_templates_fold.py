"""block_hashes' casefold shortcut (``_folded_lines``) gives the blocks' own casefolds."""

from __future__ import annotations

import random
import sys

from tasks.segment import segment
from tasks.templates import _folded_lines, block_hashes, line_hash


def test_casefold_never_makes_or_removes_blanks() -> None:
    # what _folded_lines relies on, for every code point
    for c in map(chr, range(sys.maxunicode + 1)):
        if c.isspace():
            assert c.casefold() == c
        elif not "\ud800" <= c <= "\udfff":
            assert not any(x.isspace() for x in c.casefold())


def test_folded_lines_are_the_blocks_casefolds() -> None:
    rng = random.Random(3)
    alphabet = "aBßİΣς ﬁŉ\u00a0\u2028 \n\n\t."
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        blocks = segment(text)
        assert _folded_lines(text.casefold(), blocks) == [b.text.casefold() for b in blocks]
        every, _ = block_hashes(text, blocks)
        assert every == [line_hash(b.text) for b in blocks]
    text = "Straße\nGROSS ß\n\n  weiß  \n"
    blocks = segment(text)
    every, distinct = block_hashes(text, blocks, clean=True)
    assert every == [line_hash(b.text) for b in blocks]
    assert distinct == set(every)
