"""Titles: the headline and the site name inside a page title, and headline repeats.

``Headline - Site``, ``Headline | Site``, ``Headline – Site`` and ``Site: Headline``
patterns; the site part is the shorter side of the last separator.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

_SEPARATORS = re.compile(r"\s+(?:[|\-–—•·:»]|::)\s+")
_MAX_SITE_WORDS = 5


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def split_title(title: str) -> tuple[str, str | None]:
    """``(headline, site_name)``; the site name is None when the title has no site part."""
    parts = _SEPARATORS.split(title.strip())
    if len(parts) < 2:
        return title.strip(), None
    last, first = parts[-1].strip(), parts[0].strip()
    if len(last.split()) <= _MAX_SITE_WORDS and len(last) < len(title) - len(last):
        head = title.strip()[: title.strip().rfind(last)].rstrip(" |-–—•·:»")
        return head.strip(), last
    if len(first.split()) <= _MAX_SITE_WORDS and len(first) < len(title) - len(first):
        return title.strip()[len(first) :].lstrip(" |-–—•·:»").strip(), first
    return title.strip(), None


def headline_keys(title: str | None) -> frozenset[str]:
    """Normalized forms of a title that a repeated headline line would match."""
    if not title:
        return frozenset()
    headline, _ = split_title(title)
    return frozenset(k for k in (_norm(title), _norm(headline)) if k)


def is_headline(text: str, keys: frozenset[str]) -> bool:
    return bool(keys) and _norm(text) in keys


@lru_cache(maxsize=1)
def first_fold_table() -> np.ndarray:
    """Per BMP code point ``c``: the first character of ``chr(c).casefold()`` (what a line
    starting with ``c`` starts with after ``_norm``), or -1 when that is not known from
    ``c`` alone (whitespace, which ``_norm`` drops)."""
    out = np.full(0x10000, -1, dtype=np.int64)
    for c in range(0x10000):
        f = chr(c).casefold()
        if f and not f[0].isspace():
            out[c] = ord(f[0])
    return out


def first_code(text: str) -> int:
    """The text's first code point (-1 when empty)."""
    return ord(text[0]) if text else -1


def could_be_headline(texts: list[str], docs: np.ndarray, keys: list[frozenset[str]]) -> np.ndarray:
    """``False`` where ``is_headline(texts[i], keys[docs[i]])`` cannot hold: the first
    character after ``_norm`` starts none of the keys. (``True``: ask ``is_headline``.)"""
    code = np.fromiter(map(first_code, texts), np.int64, len(texts))
    fold = first_fold_table()[np.clip(code, 0, 0xFFFF)]
    fold[(code < 0) | (code > 0xFFFF)] = -1
    width = max((len(k) for k in keys), default=0)
    firsts = np.full((len(keys), max(width, 1)), -2, dtype=np.int64)
    for d, ks in enumerate(keys):
        firsts[d, : len(ks)] = [ord(k[0]) if k else -2 for k in ks]
    ok: np.ndarray = (fold < 0) | (fold[:, None] == firsts[docs]).any(axis=1)
    return ok
