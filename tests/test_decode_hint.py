"""decode's first look for mojibake on the UTF-8 bytes finds what the text pattern finds."""

from __future__ import annotations

import random

from tasks.decode import _CONT, _MOJIBAKE_HINT, _MOJIBAKE_HINT_UTF8, decode, repair_mojibake
from tasks.records import Decoded, RawDoc


def test_byte_hint_is_the_text_hint() -> None:
    rng = random.Random(9)
    alphabet = "aé ü\u00c2\u00c3\u00f4\u00f5\u00c1" + _CONT + "日€’"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        found = _MOJIBAKE_HINT.search(text) is not None
        assert (_MOJIBAKE_HINT_UTF8.search(text.encode()) is not None) == found, repr(text)
        assert repair_mojibake(text, text.encode()) == repair_mojibake(text)


def test_mojibake_still_repaired_from_utf8_bytes() -> None:
    raw = "GrÃ¼ÃŸe aus MÃ¼nchen, schÃ¶n".encode()
    doc = decode(RawDoc("m.txt", 0, raw, source="s", format_hint="text"))
    assert isinstance(doc, Decoded)
    assert doc.text == "Grüße aus München, schön"
    assert doc.repaired == "mojibake"
