"""Document language from stopword hits (placeholder: a handful of languages)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for on with as was by it from at are be".split()),
    "de": frozenset("der die und das ist nicht zu den mit von sich des auf für im dem".split()),
    "tr": frozenset("ve bir bu için ile da de olarak daha gibi çok olan ne ama".split()),
    "fr": frozenset("le la les et des est un une du que pour dans en pas sur au".split()),
    "es": frozenset("el la los las de y que en un una por con para es del se".split()),
}


def stopword_share(text: str, lang: str) -> float:
    words = _WORD.findall(text.casefold())
    if not words:
        return 0.0
    stop = _STOPWORDS.get(lang, frozenset())
    return sum(w in stop for w in words) / len(words)


def detect_language(text: str) -> tuple[str | None, float]:
    """The most likely language of ``text`` and a confidence in [0, 1]."""
    words = _WORD.findall(text.casefold())
    if not words:
        return None, 0.0
    hits = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(hits, key=lambda k: hits[k])
    total = sum(hits.values())
    if hits[best] == 0:
        return None, 0.0
    return best, hits[best] / total
