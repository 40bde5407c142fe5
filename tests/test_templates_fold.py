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


def test_article_rows_from_folded_blocks_are_the_same() -> None:

    from tasks.decode import decode
    from tasks.fields import paragraph_count
    from tasks.normalize import article_rows
    from tasks.process import folded_blocks, prepare, text_pass
    from tasks.records import Decoded, RawDoc
    from tasks.settings import load_settings

    settings = load_settings()
    rng = random.Random(5)
    words = ["Straße", "GROSS", "İstanbul", "ΣΟΦΊΑ", "ﬁne", "the", "news", "Menu", "Home", "é"]
    for i in range(40):
        lines = [
            " ".join(rng.choice(words) for _ in range(rng.randrange(1, 12)))
            for _ in range(rng.randrange(1, 15))
        ]
        raw = "\n".join(line if rng.random() < 0.7 else line + "\n" for line in lines)
        doc = decode(RawDoc(f"d{i}.txt", 0, raw.encode(), source="s", format_hint="text"))
        assert isinstance(doc, Decoded)
        p = prepare(doc, settings)
        folded = folded_blocks(p)  # type: ignore[arg-type]
        assert folded is not None
        sep = text_pass(p, settings)  # type: ignore[arg-type]
        plain = article_rows(p.doc, p.text, sep)  # type: ignore[union-attr]
        fast = article_rows(p.doc, p.text, sep, folded)  # type: ignore[union-attr]
        assert fast == plain
        assert fast[2] == (" ".join(fast[0].body.casefold().split()) if fast[0] else "")
        if fast[0] is not None:  # counted from the joins, as fields.paragraph_count counts
            assert fast[0].paragraph_count == paragraph_count(fast[0].body)
