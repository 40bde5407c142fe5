"""decode's one pass over the UTF-8 bytes (``utf8_marks``) changes no output: the marks
let ``clean_text`` and ``repair_mojibake`` skip work, never change what they return."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from tasks import decode as dec
from tasks.chars import MARK_INVISIBLE, MARK_MOJIBAKE, MARK_NFC, MARK_ODD_BLANK, ODD_BLANKS
from tasks.records import Decoded, RawDoc

pytest.importorskip("numba")

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset" / "pages"

# ASCII, Latin-1 and Latin Extended letters, combining marks in and out of order, Hangul
# syllables and jamo, CJK, a compatibility ideograph, invisibles, every kind of blank,
# mojibake leads and continuations, astral characters (an emoji, a decomposing one)
_ALPHABET = (
    "aZ é ü ñ ß \u0301\u0308\u0327\u0323\u0345 e\u0301 \u00c5\u212b \u1100\u1161\u11a8 \uac00"
    "\u30ab\u3099 日本 \uf900 \u0958 \u2000\u2001 \u00ad\u200b\u200c\u200d\u2060\ufeff"
    " \t\n\n\n\r\r\n\x0b\x0c\x1c\x85\u00a0\u1680\u2028\u3000 \u00c3\u00a9\u00c2\u00f0\u00e2"
    "\u20ac\u0153\u0178\u02dc\u201c\u00b6 \U0001f600 \U0001d15e\U0001d165 \u0344\u0f73"
)


def _nfc_marked(ch: str) -> bool:
    return ord(ch) > 0xFFFF or bool(dec.marks_table()[ord(ch)] & MARK_NFC)


@pytest.fixture
def marks():  # type: ignore[no-untyped-def]
    if dec.stage_kernels() is None:
        pytest.skip("compiled kernels are off here")
    return dec.utf8_marks


def test_marks_keep_clean_text_and_mojibake_repair(marks) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    seen = 0
    for _ in range(30000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 40)))
        m = marks(text.encode())
        seen |= m.bits
        assert dec.clean_text(text, m) == dec.clean_text(text), repr(text)
        assert dec.repair_mojibake(text, text.encode(), m) == dec.repair_mojibake(text)
        assert bool(m.bits & MARK_MOJIBAKE) == bool(dec._MOJIBAKE.search(text))
        assert bool(m.bits & MARK_ODD_BLANK) == dec.has_odd_blank(text.replace("\r", ""))
        assert bool(m.bits & MARK_INVISIBLE) == any(c in text for c in dec._INVISIBLES)
        if m.nfc_lo < 0:
            assert not any(map(_nfc_marked, text))
            assert unicodedata.is_normalized("NFC", text)
        else:
            assert _nfc_marked(text[m.nfc_lo]) and _nfc_marked(text[m.nfc_hi - 1])
            assert not any(map(_nfc_marked, text[: m.nfc_lo] + text[m.nfc_hi :]))
    assert seen & MARK_NFC and seen & MARK_MOJIBAKE and seen & MARK_INVISIBLE


def test_nfc_table_covers_the_quick_check() -> None:
    """Every code point of the BMP that NFC may touch is marked: a text of unmarked
    characters is NFC (random pairs and runs of unmarked non-ASCII characters, each
    normalized as a whole), and the marks' premises hold for this Unicode version."""
    table = dec.marks_table()
    unmarked = [chr(c) for c in range(0x80, 0x10000) if not table[c] & MARK_NFC]
    unmarked = [c for c in unmarked if not 0xD800 <= ord(c) <= 0xDFFF]
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(unmarked) for _ in range(rng.randrange(1, 6)))
        assert unicodedata.is_normalized("NFC", text), repr(text)
    # no decomposition beyond the BMP holds a BMP code point after its first (utf8_marks
    # marks every astral code point, so their first characters need no look)
    for cp in range(0x10000, 0x30000):
        assert all(ord(c) > 0xFFFF for c in unicodedata.normalize("NFD", chr(cp))[1:])
    # NFC turns no character into a blank, CR or invisible one unless it is an odd blank
    special = set(ODD_BLANKS) | set(dec._INVISIBLES) | {" ", "\n"}
    for cp in range(0x10000):
        ch = chr(cp)
        if not 0xD800 <= cp <= 0xDFFF and ch not in special:
            assert not special & set(unicodedata.normalize("NFC", ch)), hex(cp)


def test_nfc_of_the_marked_lines_is_nfc_of_the_text() -> None:
    rng = random.Random(8)
    checked = 0
    for _ in range(20000):
        text = "".join(rng.choice(_ALPHABET + "\n\n") for _ in range(rng.randrange(1, 50)))
        lo = rng.randrange(len(text))
        hi = rng.randrange(lo, len(text)) + 1
        want = unicodedata.normalize("NFC", text)
        if not any(map(_nfc_marked, text[:lo] + text[hi:])):  # as utf8_marks gives spans
            checked += 1
            assert dec._nfc_lines(text, lo, hi) == want, repr(text)
    assert checked > 500


@pytest.mark.skipif(not DEVSET.is_dir(), reason="devset not present")
def test_devset_dumps_decode_the_same_without_marks(marks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    raws = [RawDoc(p.name, 0, p.read_bytes(), format_hint="text") for p in DEVSET.glob("*.txt")]
    with_marks = [dec.decode(r) for r in raws]
    monkeypatch.setattr(dec, "utf8_marks", lambda data: None)
    for r, got in zip(raws, with_marks, strict=True):
        want = dec.decode(r)
        assert got == want, r.rel_path
    assert sum(isinstance(d, Decoded) for d in with_marks) > 900


def test_mojibake_mark_is_the_full_pattern(marks) -> None:  # type: ignore[no-untyped-def]
    """Each of ``_MOJIBAKE``'s branches (2-, 3- and 4-byte leads; NBSP and the soft hyphen
    continue only a 2-byte lead) against the mark, on texts dense in leads."""
    rng = random.Random(4)
    alphabet = "\u00c2\u00c5\u00c6\u00cd\u00ce\u00d1\u00d2\u00df\u00e0\u00ef\u00f0\u00f4\u00f5a "
    alphabet += "\u00a0\u00ad\u20ac\u0153\u00bf\u00a9\U0001f600\u0301"
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 9)))
        want = bool(dec._MOJIBAKE.search(text))
        found += want
        assert bool(marks(text.encode()).bits & MARK_MOJIBAKE) == want, repr(text)
    assert found > 2000


def test_bytes_that_end_inside_a_character_give_no_marks(marks) -> None:  # type: ignore[no-untyped-def]
    """The kernel has no bounds checks: a truncated character must stop it, not make it
    read past the buffer (decode only passes strict UTF-8; the helper is public)."""
    for whole in ("é", "€", "ab\u0301c€"):
        data = whole.encode()
        assert marks(data) is not None
        for cut in range(1, len(data)):
            if data[cut - 1] >= 0xC0 or data[cut] & 0xC0 == 0x80:  # cut inside a character
                assert marks(data[:cut]) is None, (whole, cut)
