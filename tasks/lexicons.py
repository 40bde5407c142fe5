"""Chrome lexicons: terms grouped by concern and language, loaded from config/lexicons.

Each ``config/lexicons/<concern>.toml`` holds ``concern``, ``match`` ("contains" or
"exact") and a ``[terms]`` table of lowercase entries per language (ISO 639-1, plus
``symbols`` for language-free close glyphs). ``compile_lexicons`` builds the token
tables the chrome features use:

- entries of the document's language always apply;
- entries of other languages apply when they are distinctive (one word of >= 6 letters,
  or a phrase of >= 10 characters), so an English page still sees a Turkish cookie banner;
- multi-word entries match consecutive word tokens (longer phrases on their first two);
- zh/ja/ko entries match as substrings, in CJK documents only;
- ``close`` entries match a whole unit (lowercased, punctuation stripped).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

WORD = re.compile(r"[^\W_]+")
CJK_LANGS = frozenset({"zh", "ja", "ko"})
CONCERNS: tuple[str, ...] = (
    "consent",
    "navigation",
    "share",
    "subscribe",
    "legal",
    "ads",
    "related",
    "comments",
    "meta",
)
_STRIP = " \t.,;:!?·•|»«›‹>()[]{}\"'“”„-–—*"


def _read(directory: Path) -> list[tuple[str, str, dict[str, tuple[str, ...]]]]:
    out = []
    for path in sorted(directory.glob("*.toml")):
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        groups: dict[str, tuple[str, ...]] = {}
        for lang, group in raw.get("terms", {}).items():
            if not group:
                raise ValueError(f"{path.name}: empty term group for {lang!r}")
            groups[lang] = tuple(str(t) for t in group)
        out.append((str(raw["concern"]), str(raw.get("match", "contains")), groups))
    return out


@dataclass(frozen=True)
class LexiconTable:
    """Lookup tables for documents of one language."""

    unigrams: dict[str, int]  # token -> concern bitmask (bit i = CONCERNS[i])
    bigrams: dict[tuple[str, str], int]
    substrings: tuple[tuple[str, int], ...]
    close: frozenset[str]


@dataclass(frozen=True)
class ChromeLexicons:
    """All lexicon terms by concern and language; per-language tables built on first use."""

    terms: dict[str, dict[str, tuple[str, ...]]]  # concern -> lang -> entries
    close: dict[str, tuple[str, ...]]
    _cache: dict[str, LexiconTable] = field(default_factory=dict, compare=False, repr=False)

    def table(self, lang: str) -> LexiconTable:
        hit = self._cache.get(lang)
        if hit is None:
            hit = self._cache[lang] = _build(self, lang)
        return hit


def compile_lexicons(directory: Path) -> ChromeLexicons:
    """Load ``directory``'s lexicons for the chrome features (``close`` kept apart)."""
    terms: dict[str, dict[str, tuple[str, ...]]] = {c: {} for c in CONCERNS}
    close: dict[str, tuple[str, ...]] = {}
    for concern, _match, groups in _read(directory):
        if concern == "close":
            close = groups
        elif concern in terms:
            terms[concern] = groups
    return ChromeLexicons(terms, close)


def normalise_control(text: str) -> str:
    """Lowercase, strip surrounding punctuation, collapse spaces (for close controls)."""
    return " ".join(text.lower().strip(_STRIP).split())


def _distinctive(entry: str) -> bool:
    toks = WORD.findall(entry)
    return (len(toks) == 1 and len(toks[0]) >= 6) or (len(toks) > 1 and len(entry) >= 10)


def _build(lex: ChromeLexicons, lang: str) -> LexiconTable:
    uni: dict[str, int] = {}
    bi: dict[tuple[str, str], int] = {}
    subs: dict[str, int] = {}
    for bit, concern in enumerate(CONCERNS):
        mask = 1 << bit
        for elang, entries in lex.terms[concern].items():
            own = elang == lang
            for entry in entries:
                e = entry.lower()
                if elang in CJK_LANGS and not e.isascii():
                    if lang in CJK_LANGS:
                        subs[e] = subs.get(e, 0) | mask
                    continue
                if not (own or (concern != "meta" and _distinctive(e))):
                    continue
                toks = WORD.findall(e)
                if len(toks) == 1:
                    uni[toks[0]] = uni.get(toks[0], 0) | mask
                elif len(toks) >= 2:
                    key = (toks[0], toks[1])
                    bi[key] = bi.get(key, 0) | mask
    close: set[str] = set()
    for elang, entries in lex.close.items():
        always = elang in (lang, "en", "symbols", "any")
        close.update(normalise_control(e) for e in entries if always or len(e) >= 5)
    close.discard("")
    return LexiconTable(uni, bi, tuple(subs.items()), frozenset(close))
