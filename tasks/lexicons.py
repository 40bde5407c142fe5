"""Chrome lexicons: phrase lists grouped by concern and language, loaded from config/lexicons."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Lexicon:
    concern: str  # consent, close, nav, share, ...
    match: str  # "exact": the whole block is a term; "contains": the block contains a term
    terms: frozenset[str]  # casefolded, all languages together


def load_lexicons(directory: Path) -> tuple[Lexicon, ...]:
    """Read every ``*.toml`` lexicon in ``directory``; an empty term group is an error."""
    lexicons = []
    for path in sorted(directory.glob("*.toml")):
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        terms: set[str] = set()
        for lang, group in raw.get("terms", {}).items():
            if not group:
                raise ValueError(f"{path.name}: empty term group for {lang!r}")
            terms.update(t.casefold() for t in group)
        lexicons.append(Lexicon(raw["concern"], raw.get("match", "contains"), frozenset(terms)))
    return tuple(lexicons)


def lexicon_hit(text: str, lexicons: tuple[Lexicon, ...]) -> str | None:
    """The concern of the first lexicon that matches ``text``, or None."""
    folded = text.casefold().strip()
    for lex in lexicons:
        if lex.match == "exact":
            if folded in lex.terms:
                return lex.concern
        elif any(term in folded for term in lex.terms):
            return lex.concern
    return None
