"""Document language from stopword hits (jusText stoplists, config/stoplists) and scripts.

The language is detected once per document: stopwords of ~60 languages are looked up
in one table (token -> bitmask of languages), hits are weighted down for long lists, and
CJK scripts decide zh/ja/ko directly (see ``tasks.features``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tasks.lexicons import WORD
from tasks.tokens import compiled_kernels

STOPLIST_DIR = Path(__file__).resolve().parent.parent / "config" / "stoplists"
_MAX_LANGS = 63  # bitmasks live in int64


@dataclass(frozen=True)
class Stoplists:
    langs: tuple[str, ...]
    masks: dict[str, int]  # token -> bitmask of the languages whose stoplist holds it
    weights: np.ndarray  # per-language weight of a hit (lower for long lists)


def load_stoplists(folder: Path) -> Stoplists:
    """Read ``<iso>.txt`` stoplists (one lowercase word a line, ``#`` comments)."""
    langs: list[str] = []
    masks: dict[str, int] = {}
    sizes: list[int] = []
    for i, path in enumerate(sorted(folder.glob("*.txt"))[:_MAX_LANGS]):
        words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines()]
        words = [w for w in words if w and not w.startswith("#")]
        langs.append(path.stem)
        sizes.append(len(words))
        for w in words:
            masks[w] = masks.get(w, 0) | (1 << i)
    weights = (300.0 / np.maximum(np.array(sizes, dtype=np.float64), 1.0)) ** 0.3
    return Stoplists(tuple(langs), masks, weights)


@lru_cache(maxsize=4)
def default_stoplists(folder: str = str(STOPLIST_DIR)) -> Stoplists:
    return load_stoplists(Path(folder))


def detect_from_masks(stop: Stoplists, masks: np.ndarray) -> tuple[str, float]:
    """Language with the most weighted stopword hits among token masks: (code, hit share)."""
    return detect_many(stop, masks, [0, len(masks)])[0]


def detect_many(stop: Stoplists, masks: np.ndarray, bounds: list[int]) -> list[tuple[str, float]]:
    """``detect_from_masks`` for several documents at once: document ``i``'s token masks
    are ``masks[bounds[i]:bounds[i + 1]]`` ("und", 0.0 without a stopword hit)."""
    nd = len(bounds) - 1
    out: list[tuple[str, float]] = [("und", 0.0)] * nd
    b = np.asarray(bounds, dtype=np.int64)
    some = np.flatnonzero(b[1:] > b[:-1])
    if not len(some):
        return out
    k = compiled_kernels()
    if k is not None and len(stop.langs) <= 63:  # the same counts in one compiled pass
        per, hits_a = k.language_counts(
            np.ascontiguousarray(masks, dtype=np.int64), b[some], len(stop.langs)
        )
        hits = hits_a.tolist()
    else:  # bit i of a mask = language i: one byte per bit, summed per document
        bits = np.unpackbits(
            masks.astype(np.int64).view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
        )
        per = np.add.reduceat(bits, b[some], axis=0, dtype=np.int64)[:, : len(stop.langs)]
        hits = np.add.reduceat(masks != 0, b[some], dtype=np.int64).tolist()
    best = np.argmax(per * stop.weights, axis=1).tolist()
    for j, d in enumerate(some.tolist()):
        if hits[j]:
            k = best[j]
            out[d] = (stop.langs[k], float(per[j, k]) / float(hits[j]))
    return out


def detect_language(text: str, stop: Stoplists | None = None) -> tuple[str | None, float]:
    """The most likely language of ``text`` and the share of stopword hits it explains."""
    stop = stop or default_stoplists()
    toks = WORD.findall(text.lower())
    masks = np.array([stop.masks.get(t, 0) for t in toks], dtype=np.int64)
    lang, conf = detect_from_masks(stop, masks)
    return (None, 0.0) if lang == "und" else (lang, conf)


def stopword_share(text: str, lang: str, stop: Stoplists | None = None) -> float:
    """Share of ``text``'s words that are stopwords of ``lang``."""
    stop = stop or default_stoplists()
    toks = WORD.findall(text.lower())
    if not toks or lang not in stop.langs:
        return 0.0
    bit = 1 << stop.langs.index(lang)
    return sum(1 for t in toks if stop.masks.get(t, 0) & bit) / len(toks)
