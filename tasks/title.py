"""Titles: the headline and the site name inside a page title, and headline repeats.

``Headline - Site``, ``Headline | Site``, ``Headline – Site`` and ``Site: Headline``
patterns; the site part is the shorter side of the last separator.
"""

from __future__ import annotations

import re

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
