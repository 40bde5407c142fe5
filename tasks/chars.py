"""Unicode character table: per BMP code point, a disjoint class (5 bits) plus flags
(``ALNUM``: ``str.isalnum``; ``SPACE``: ``str.isspace``, what ``str.strip`` removes)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# whitespace other than " " and "\n" (``str.isspace``; none above U+3000), each looked for
# with ``str.find`` by ``has_odd_blank``: 27 fast searches cost half a regex class scan
ODD_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \n")


def has_odd_blank(text: str) -> bool:
    """``text`` holds a blank other than a plain space or a newline (tab, NBSP, ...)."""
    return any(c in text for c in ODD_BLANKS)


# what ``tasks.kernels_stages.utf8_marks`` finds, per code point (``tasks.decode.marks_table``)
MARK_NFC = 1  # may change under NFC (and every code point beyond the BMP)
MARK_INVISIBLE = 2  # a soft hyphen or zero-width character
MARK_ODD_BLANK = 4  # a blank other than " ", "\n" and "\r"
# the three branches of ``tasks.decode._MOJIBAKE``: a lead of 2, 3 or 4 UTF-8 bytes read as
# windows-1252, then 1 continuation (``_CONT``), or 2 or 3 strict ones (``_STRICT``)
MARK_MOJI_LEAD2 = 8
MARK_MOJI_LEAD3 = 16
MARK_MOJI_LEAD4 = 32
MARK_MOJI_CONT = 64
MARK_MOJI_STRICT = 128
MARK_MOJIBAKE = 256  # (of a text, not a code point) ``_MOJIBAKE`` matches somewhere

# disjoint classes
(
    P_OTHER,
    P_LAT_LO,
    P_LAT_UP,
    P_NL_LO,
    P_NL_UP,
    P_LETTER,
    P_HAN,
    P_CJKFUNC,
    P_KANA,
    P_HANGUL,
    P_DIGIT,
    P_SENT,
    P_COMMA,
    P_QUOTE,
    P_SEP,
    P_PUNCT,
    P_AT,
    P_HASH,
) = range(18)
N_CLASSES = 32
CLASS_MASK = 0x1F
ALNUM = 0x100
SPACE = 0x200
_SENT_CHARS = ".!?。！？…؟"
_SEP_CHARS = "|•·»›/–—>«‹◦▪►▶→"
_COMMA_CHARS = ",;、，；"
_QUOTE_CHARS = '"“”„‘’‚「」『』'
_CJK_FUNC = (  # frequent function characters: a CJK stopword proxy
    "的了是在和有我他这也就不人都一个上们到说要对着等与为之而以及中其"
    "のにはをたがでてとしもなからるいう"
)


def _classify(ch: str) -> int:
    if ch == "@":
        return P_AT
    if ch == "#":
        return P_HASH
    if ch in _SENT_CHARS:
        return P_SENT
    if ch in _COMMA_CHARS:
        return P_COMMA
    if ch in _QUOTE_CHARS:
        return P_QUOTE
    if ch in _SEP_CHARS:
        return P_SEP
    if ch in _CJK_FUNC:
        return P_CJKFUNC
    cat = unicodedata.category(ch)
    if cat[0] == "L":
        upper = cat in ("Lu", "Lt")
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN"):
            return P_LAT_UP if upper else P_LAT_LO
        if name.startswith(("CYRILLIC", "ARABIC", "HEBREW", "GREEK", "ARMENIAN", "GEORGIAN")):
            return P_NL_UP if upper else P_NL_LO
        if name.startswith("CJK UNIFIED"):
            return P_HAN
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return P_KANA
        if name.startswith("HANGUL"):
            return P_HANGUL
        return P_LETTER
    if cat[0] == "N":
        return P_DIGIT
    if cat[0] in "PS":
        return P_PUNCT
    return P_OTHER


@lru_cache(maxsize=1)
def char_table() -> np.ndarray:
    """uint16 per BMP code point: its class, plus ALNUM and SPACE."""
    table = np.zeros(0x10000, dtype=np.uint16)
    for cp in range(0x10000):
        ch = chr(cp)
        v = _classify(ch)
        if ch.isalnum():
            v |= ALNUM
        if ch.isspace():
            v |= SPACE
        table[cp] = v
    return table


@lru_cache(maxsize=1)
def decimal_table() -> np.ndarray:
    """bool per code point (all of Unicode): what ``re``'s ``\\d`` matches in a str
    pattern (``str.isdecimal``), found by that regex over every code point (~0.05 s)."""
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(0x110000, dtype=np.bool_)
    table[[m.start() for m in re.finditer(r"\d", every)]] = True
    return table


def char_classes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(code points, class flags) of `text`; astral code points are classed one by one
    (none of them is whitespace)."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not len(cp) or int(cp.max()) <= 0xFFFF:
        return cp, char_table()[cp]
    cls = char_table()[np.minimum(cp, 0xFFFF)]
    for i in np.flatnonzero(cp > 0xFFFF).tolist():
        ch = text[i]
        cls[i] = _classify(ch) | (ALNUM if ch.isalnum() else 0)
    return cp, cls
