"""A learned lexical signal for the chrome separator: hashed tokens -> a sparse logistic
model -> one score (logit) per unit, fed to the separator's network as extra columns.

The hand lexicons (``config/lexicons``) name chrome phrases concern by concern; this
model learns, from the devset's labels, which words and marks lean towards article or
chrome ("lesen", "auch", "newsletter", "©", "|", "»", a unit that starts with a digit,
one that ends with ":"...). Every unit is a bag of *keys* (``unit_keys``):

* its words: the alnum runs the features already hashed (``tasks.tokens``, lowercased),
  a run of digits collapsed to "digits of length k" (k capped at 4);
* its punctuation and symbols, one key per character (code point);
* its first and last word, and its first and last character (a letter or digit by its
  class, anything else by its code point), each salted apart from the bag of words;
* optionally (``BIGRAMS``) its word bigrams.

A key goes to one of ``2**bits`` buckets (a 64-bit mixer, then the top bits); a unit's
score is ``bias + sum of its keys' bucket weights / sqrt(number of keys)``: one gather
and one ``bincount`` per batch, no per-unit Python (with numba, one compiled walk over
the tokens and marks instead, the same floats: ``LexicalModel.unit_sums``).
``LexicalModel.columns`` gives the unit's score and its previous and next unit's (inside
the document, 0 at the edges).

The weights are a float16 ``.npy`` file beside ``config/chrome_model.json``, rebuilt
deterministically by ``bench/train_chrome.py`` (scikit-learn's L2 logistic regression,
trained with out-of-fold scores so that the network learns from honest ones).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.chars import ALNUM, CLASS_MASK, P_DIGIT, SPACE
from tasks.tokens import compiled_kernels

assert ALNUM | SPACE == 0x300 and CLASS_MASK < ALNUM < SPACE
_FLAGS = ALNUM  # class values sit below the flags: ``cls < ALNUM`` is neither flag
LEXICAL_NAMES: tuple[str, ...] = ("lexical", "lexical_prev", "lexical_next")
COVERAGE_NAME = "lexical_coverage"

# salts that keep each kind of key apart (odd 64-bit constants)
_PUNCT = np.uint64(0x8CB92BA72F3D8DD7)
_FIRST_WORD = np.uint64(0x2545F4914F6CDD1D)
_LAST_WORD = np.uint64(0x9E6C63D0676A9A99)
_FIRST_CHAR = np.uint64(0xC2B2AE3D27D4EB4F)
_LAST_CHAR = np.uint64(0x165667B19E3779F9)
_BIGRAM = np.uint64(0x27D4EB2F165667C5)
_DIGITS = np.uint64(0xFF51AFD7ED558CCD)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

_PREV = np.uint64(0x85EBCA77C2B2AE63)
KINDS: tuple[str, ...] = ("words", "punct", "edges", "bigrams", "prev")
DEFAULT_KINDS: tuple[str, ...] = ("words", "punct", "edges")
_COMPILED_KINDS = ("words", "punct", "edges")  # what ``tasks.kernels.lexical_sums`` does
_SALTS = np.array([_PUNCT, _FIRST_WORD, _LAST_WORD, _FIRST_CHAR, _LAST_CHAR, _DIGITS])
_CLASSES = np.array([ALNUM, CLASS_MASK, P_DIGIT], dtype=np.int64)


@dataclass(frozen=True)
class TokenView:
    """What ``tasks.features`` already computed for a run of documents, kept for the
    lexical keys: the joined text's code points and classes, its word tokens (starts,
    ends, ``tasks.tokens.token_keys``), the number of tokens of each unit, the units'
    spans in the joined text, and the index of the run's first unit in its batch.

    The tokens are runs of alnum characters (``cls & ALNUM``): the compiled sums skip
    them when they look for marks (``tasks.kernels.lexical_sums``)."""

    cp: np.ndarray
    cls: np.ndarray
    tok_s: np.ndarray
    tok_e: np.ndarray
    keys: np.ndarray
    ntok: np.ndarray
    gstarts: np.ndarray
    gends: np.ndarray
    first_unit: int = 0


@dataclass(frozen=True)
class UnitKeys:
    """The keys of a batch's units: ``unit[j]`` holds ``key[j]``; ``count``: keys per unit."""

    unit: np.ndarray  # (entries,) int64
    key: np.ndarray  # (entries,) uint64
    count: np.ndarray  # (units,) int64
    word: np.ndarray | None = None  # (entries,) bool: a "words" key (for the coverage)


def mix(key: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the key reaches the top bits (the bucket)."""
    x = key ^ (key >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    out: np.ndarray = x
    return out


def unit_keys(
    views: tuple[TokenView, ...],
    n: int,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    bounds: np.ndarray | None = None,
) -> UnitKeys:
    """The keys of every unit of a batch of ``n`` units (``views``: its runs; ``bounds``:
    each document's first unit and the end, for ``prev``: the previous unit's words and
    last character, inside its document)."""
    units: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    words: list[np.ndarray] = []
    for v in views:
        for kind, u, k in _view_keys(v, kinds):
            units.append(u + v.first_unit)
            keys.append(k)
            words.append(np.full(len(k), kind == "words"))
    if "prev" in kinds:
        first = np.zeros(n + 1, dtype=bool)
        first[np.asarray(bounds if bounds is not None else [0, n])] = True
        for v in views:
            for _, u, k in _view_keys(v, ("words", "last_char")):
                u = u + v.first_unit + 1
                ok = ~first[u]
                units.append(u[ok])
                keys.append(k[ok] * _PREV + _PREV)
                words.append(np.zeros(int(ok.sum()), dtype=bool))
    unit = np.concatenate(units) if units else np.zeros(0, dtype=np.int64)
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    word = np.concatenate(words) if words else np.zeros(0, dtype=bool)
    return UnitKeys(unit, key, np.bincount(unit, minlength=n), word)


def _view_keys(v: TokenView, kinds: tuple[str, ...]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    n = len(v.gstarts)
    if not n:
        return []
    out: list[tuple[str, np.ndarray, np.ndarray]] = []
    ntoks = len(v.keys)
    tok_unit = np.repeat(np.arange(n, dtype=np.int64), v.ntok)
    words = v.keys
    if ntoks:
        # a run of digits is "digits of length k" (k <= 4), whatever the digits
        number = _numbers(v)
        if len(number):
            length = v.tok_e[number] - v.tok_s[number]
            words = words.copy()
            words[number] = np.minimum(length, 4).astype(np.uint64) * _DIGITS
    if "words" in kinds and ntoks:
        out.append(("words", tok_unit, words))
    if "bigrams" in kinds and ntoks > 1:
        same = np.flatnonzero(tok_unit[1:] == tok_unit[:-1])
        out.append(("bigrams", tok_unit[same], (words[same] * _BIGRAM) ^ words[same + 1]))
    if "punct" in kinds:
        pos = np.flatnonzero(v.cls < _FLAGS)  # neither alnum nor space: a mark
        if len(pos):
            u = _unit_of(v.gstarts, v.gends, pos)
            ok = u >= 0
            out.append(("punct", u[ok], v.cp[pos[ok]].astype(np.uint64) * _PUNCT + _PUNCT))
    idx = np.arange(n, dtype=np.int64)
    if "edges" in kinds:
        if ntoks:
            has = np.flatnonzero(v.ntok > 0)
            hi = np.cumsum(v.ntok)
            lo = hi - v.ntok
            out.append(("edges", has, words[lo[has]] ^ _FIRST_WORD))
            out.append(("edges", has, words[hi[has] - 1] ^ _LAST_WORD))
        out.append(("edges", idx, _char_keys(v, v.gstarts) * _FIRST_CHAR + _FIRST_CHAR))
    if "edges" in kinds or "last_char" in kinds:
        out.append(("edges", idx, _char_keys(v, v.gends - 1) * _LAST_CHAR + _LAST_CHAR))
    return out


def _numbers(v: TokenView) -> np.ndarray:
    """The tokens made of digits only (checked character by character on the few that
    start with one)."""
    cand = np.flatnonzero((v.cls[v.tok_s] & CLASS_MASK) == P_DIGIT)
    if not len(cand):
        return cand
    length = v.tok_e[cand] - v.tok_s[cand]
    first = np.cumsum(length) - length
    at = np.arange(int(length.sum())) - np.repeat(first - v.tok_s[cand], length)
    digit = (v.cls[at] & CLASS_MASK) == P_DIGIT
    out: np.ndarray = cand[np.logical_and.reduceat(digit, first)]
    return out


def _char_keys(v: TokenView, at: np.ndarray) -> np.ndarray:
    """A character's key: its class for letters and digits, else its code point."""
    cls = v.cls[at]
    word = (cls & ALNUM) != 0
    out: np.ndarray = np.where(word, (cls & CLASS_MASK).astype(np.uint64), v.cp[at] + 0x100)
    return out.astype(np.uint64)


def _unit_of(gstarts: np.ndarray, gends: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The unit each position falls in (-1: between units)."""
    if len(gstarts) > 1 and bool((gstarts[1:] < gstarts[:-1]).any()):
        order = np.argsort(gstarts, kind="stable")
        k = np.searchsorted(gstarts[order], pos, side="right") - 1
        u = np.where(k >= 0, order[np.maximum(k, 0)], -1)
    else:
        u = np.searchsorted(gstarts, pos, side="right") - 1
    inside = (u >= 0) & (pos < gends[np.maximum(u, 0)])
    out: np.ndarray = np.where(inside, u, -1)
    return out


@dataclass(frozen=True)
class LexicalModel:
    """Bucket weights of the hashed keys (``2**bits`` of them) and a bias.

    Where the model knows little, a unit scores the neutral ``bias`` (and coverage 0):
    units in another language than their page (``foreign_neutral``), units of fewer than
    ``min_words`` words (a lone ``X`` or ``Close``: the other features and the lexicons
    decide those), and units whose words mostly fall in buckets no training site had
    (``min_coverage``: an unseen language). ``coverage`` adds the share of the unit's
    words whose bucket has a weight as a column, so that the network learns when to trust
    the score; it was trained with whole pages set neutral at random, so a neutral page
    falls back to the other features."""

    weights: np.ndarray  # (2**bits,) float16 values (float32 or float64 arrays)
    bias: float
    kinds: tuple[str, ...] = DEFAULT_KINDS
    neighbours: bool = True  # the previous and next unit's scores as columns too
    foreign_neutral: bool = False  # a unit in another language than its page scores bias
    min_words: int = 0  # units with fewer words score bias
    min_coverage: float = 0.0  # units with a smaller share of known words score bias
    coverage: bool = False  # the share of known words as a column

    @property
    def names(self) -> tuple[str, ...]:
        out = LEXICAL_NAMES if self.neighbours else LEXICAL_NAMES[:1]
        return (*out, COVERAGE_NAME) if self.coverage else out

    @property
    def bits(self) -> int:
        return int(len(self.weights)).bit_length() - 1

    def logits(self, uk: UnitKeys) -> np.ndarray:
        """Every unit's score (a logit)."""
        buckets = buckets_of(uk.key, self.bits)
        total = np.bincount(uk.unit, weights=self.weights[buckets], minlength=len(uk.count))
        out: np.ndarray = total / np.sqrt(np.maximum(uk.count, 1)) + self.bias
        return out

    def word_coverage(self, uk: UnitKeys) -> np.ndarray:
        """Share of each unit's word keys whose bucket has a weight (0 without words)."""
        n = len(uk.count)
        if uk.word is None:
            return np.zeros(n)
        unit = uk.unit[uk.word]
        known = self.weights[buckets_of(uk.key[uk.word], self.bits)] != 0
        have = np.bincount(unit, weights=known, minlength=n)
        out: np.ndarray = have / np.maximum(np.bincount(unit, minlength=n), 1)
        return out

    @property
    def guarded(self) -> bool:
        return self.coverage or self.min_coverage > 0

    def columns(
        self,
        views: tuple[TokenView, ...],
        bounds: np.ndarray,
        foreign: np.ndarray | None = None,
        log_words: np.ndarray | None = None,
    ) -> np.ndarray:
        """``names`` for every unit of a batch (``bounds``: each document's first unit and
        the end): its score, and with ``neighbours`` the previous and the next unit's in
        its document, and with ``coverage`` the share of its known words. ``foreign``: the
        units written in another language or script than their page (``foreign_units``);
        ``log_words``: the units' ``log1p(words)`` feature (for ``min_words``)."""
        n = int(bounds[-1])
        sums = self.unit_sums(views, n)
        if sums is not None:  # the scores, neutral units and columns in one more pass
            k = compiled_kernels()
            given = self.neutral_given(n, foreign, log_words)
            out: np.ndarray = k.lexical_columns(
                *sums, given, self.bias, self.min_coverage, bounds, *self._layout
            )
            return out
        uk = unit_keys(views, n, self.kinds, bounds)
        s = self.logits(uk)
        cov = self.word_coverage(uk) if self.guarded else np.zeros(n)
        neutral = self.neutral(cov, foreign, log_words)
        return finish_columns(s, cov, neutral, self.bias, bounds, self.neighbours, self.coverage)

    @property
    def _layout(self) -> tuple[bool, bool, bool]:
        return self.neighbours, self.coverage, self.guarded

    def unit_sums(
        self, views: tuple[TokenView, ...], n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """What ``logits`` and ``word_coverage`` add up, per unit, straight from the
        views (``tasks.kernels.lexical_sums``: each view walked once, no key arrays; the
        same floats; 0.09 -> 0.03 ms a devset dump): the weight sums, the key counts,
        the known word keys and all word keys. None without the kernels, for the kinds
        they lack (``bigrams``, ``prev``) or for units whose spans overlap or are out of
        order (then ``unit_keys``, the reference, does it)."""
        k = compiled_kernels()
        if k is None or not set(self.kinds) <= set(_COMPILED_KINDS):
            return None
        total = np.zeros(n)
        count = np.zeros(n, dtype=np.int64)
        known = np.zeros(n)
        nwords = np.zeros(n, dtype=np.int64)
        kinds = np.array([kind in self.kinds for kind in _COMPILED_KINDS])
        shift = np.uint64(64 - self.bits)
        k.touch_lines(self.weights, 64 // self.weights.itemsize)  # read next, at random
        for v in views:
            args = (v.cp, v.cls, v.tok_s, v.tok_e, v.keys, v.ntok, v.gstarts, v.gends)
            out = (total, count, known, nwords)
            if not k.lexical_sums(
                *args, v.first_unit, self.weights, shift, _SALTS, kinds, _CLASSES, *out
            ):
                return None
        return total, count, known, nwords

    def neutral(
        self, cov: np.ndarray, foreign: np.ndarray | None, log_words: np.ndarray | None
    ) -> np.ndarray:
        """The units that score ``bias`` (see the class)."""
        out = self.neutral_given(len(cov), foreign, log_words)
        if self.min_coverage > 0:
            out |= cov < self.min_coverage
        return out

    def neutral_given(
        self, n: int, foreign: np.ndarray | None, log_words: np.ndarray | None
    ) -> np.ndarray:
        """``neutral`` but for the coverage: the foreign and the short units."""
        out = np.zeros(n, dtype=bool)
        if self.foreign_neutral and foreign is not None:
            out |= foreign
        if self.min_words > 0 and log_words is not None:
            out |= short_units(log_words, self.min_words)
        return out


def page_coverage(
    coverage: np.ndarray, log_words: np.ndarray, bounds: np.ndarray, min_words: int = 3
) -> np.ndarray:
    """Each document's mean ``lexical_coverage`` column over its units of at least
    ``min_words`` words (0 when it has none): how much of the page the lexical model
    knows. A page in a language no training site had (or of Chinese, Japanese, Korean
    text, whose units are neutral) reads near 0."""
    long = ~short_units(log_words, min_words)
    doc = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    have = np.bincount(doc[long], weights=coverage[long], minlength=len(bounds) - 1)
    units = np.bincount(doc[long], minlength=len(bounds) - 1)
    out: np.ndarray = have / np.maximum(units, 1)
    return out


def short_units(log_words: np.ndarray, min_words: int) -> np.ndarray:
    """Units of fewer than ``min_words`` words, from their ``log1p(words)`` feature."""
    out: np.ndarray = log_words < np.log1p(min_words - 0.5)
    return out


def finish_columns(
    s: np.ndarray,
    cov: np.ndarray,
    neutral: np.ndarray,
    bias: float,
    bounds: np.ndarray,
    neighbours: bool,
    coverage: bool,
) -> np.ndarray:
    """The lexical columns from the scores ``s`` and coverages ``cov``: ``neutral`` units
    score ``bias`` and cover 0 (the same in training and at inference)."""
    s = np.where(neutral, bias, s)
    out = neighbour_columns(s, bounds) if neighbours else s[:, None]
    if coverage:
        out = np.hstack([out, np.where(neutral, 0.0, cov)[:, None]])
    return out


def foreign_units(
    offscript: np.ndarray, foreign: np.ndarray, stop: np.ndarray, cjk: np.ndarray
) -> np.ndarray:
    """Units in another script or language than their page (the separator's
    ``lang_mismatch`` test without its length condition), and units of Chinese, Japanese
    and Korean pages (``cjk``; their alnum runs are whole phrases, not words): weights
    learnt from space-separated words say little about them."""
    out: np.ndarray = (offscript >= 0.5) | ((foreign >= 0.25) & (stop < 0.05)) | cjk
    return out


def neighbour_columns(s: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(units, 3): ``s``, the previous and the next unit's ``s`` inside each document
    (0 where there is none)."""
    n = len(s)
    out = np.zeros((n, 3))
    out[:, 0] = s
    if n > 1:
        out[1:, 1] = s[:-1]
        out[:-1, 2] = s[1:]
        starts = bounds[:-1][bounds[:-1] < n]
        out[starts, 1] = 0.0
        ends = bounds[1:][bounds[1:] > 0] - 1
        out[ends, 2] = 0.0
    return out


def buckets_of(key: np.ndarray, bits: int) -> np.ndarray:
    out: np.ndarray = (mix(key) >> np.uint64(64 - bits)).astype(np.intp)
    return out


def save_weights(path: Path, weights: np.ndarray) -> None:
    """The weights as float16 ``.npy`` (the same bytes for the same weights)."""
    with path.open("wb") as fh:
        np.save(fh, weights.astype(np.float16), allow_pickle=False)


def weights_sha256(weights: np.ndarray) -> str:
    """The digest of the weights as saved (float16 bytes), which the model file records."""
    return hashlib.sha256(weights.astype(np.float16).tobytes()).hexdigest()


def load_weights(path: Path, sha256: str | None = None) -> np.ndarray:
    """The weights as float32; ``sha256``: the ``weights_sha256`` the model file
    recorded, checked so that a weights file from another build is refused."""
    raw = np.load(path, allow_pickle=False)
    if sha256 is not None:
        if weights_sha256(raw) != sha256:
            raise ValueError(
                f"{path.name} is not the weights its model file was built with; "
                "rebuild both (make model)"
            )
    out: np.ndarray = raw.astype(np.float32)
    return out
