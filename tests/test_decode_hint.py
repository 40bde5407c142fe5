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


def test_utf8_hint_is_the_plain_alternation() -> None:
    """The byte hint as a trie of leads finds what one branch per character found."""
    import random
    import re

    from tasks import decode

    plain = re.compile(
        rb"\xc3[\x82-\xb4](?:"
        + b"|".join(re.escape(c.encode()) for c in sorted(set(decode._CONT)))
        + rb")"
    )
    rng = random.Random(3)
    pool = [c.encode() for c in set(decode._CONT)] + [b"\xc3", b"\x82", b"\xb4", b"a", b"\xe2"]
    for _ in range(20000):
        data = b"".join(rng.choice(pool) for _ in range(rng.randrange(1, 8)))
        assert bool(decode._MOJIBAKE_HINT_UTF8.search(data)) == bool(plain.search(data))
