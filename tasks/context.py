"""Second-stage (context) features for the chrome separator: what the first stage thinks
of a unit's neighbourhood.

The first-stage model scores every unit from its own features and from context windows
of a *heuristic* prose label. The article is usually one contiguous run, so a second
stage that sees the first stage's own probabilities around each unit can repair its
isolated mistakes: a prose-like teaser among chrome, a short article line inside the
article. ``context_features`` (one document) and ``context_features_many`` (a batch,
each document as if alone) compute, without per-unit Python loops, from the first-stage
probabilities ``p`` and the document's feature matrix:

* the unit's own probability (and its logit);
* means of the neighbours' probabilities (the unit itself left out) over ±1/±3/±6/±12
  units, and of the 3 and 12 units before and after it;
* the max and min over ±3 neighbours, the previous and next unit's probability;
* the unit's rank among the page's probabilities, the page's mean probability and its
  share of units at 0.5 or more;
* the *main run*: the stretch of units that maximises the sum of ``p - 0.5`` (the page's
  highest-probability run); whether the unit is in it, its distance to it before and
  after, the run's share of the page;
* the share of the page's probability mass before and after the unit;
* the distance to the previous and next unit with probability 0.5 or more;
* a character-weighted mean probability over ±6 units;
* a few of the unit's base features (``BASE_FEATURES``).

The columns are named in ``CONTEXT_NAMES``; a model trained on them refuses other names.
Optional columns after them, read only by a stage trained on them: ``EXTRA_NAMES``
(``context_extra``) and ``COHESION_NAMES`` (``cohesion_columns``: do the unit's content
words recur elsewhere on the page); the shipped stage reads both.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tasks.chars import (
    CLASS_MASK,
    P_CJKFUNC,
    P_HAN,
    P_HANGUL,
    P_KANA,
    P_LAT_LO,
    P_LAT_UP,
    P_LETTER,
    P_NL_LO,
    P_NL_UP,
)
from tasks.features import FEATURE_NAMES
from tasks.lexical import TokenView
from tasks.tokens import HashTable, compiled_kernels

BASE_FEATURES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "stop_density",
    "ends_sentence",
    "short",
    "lexicon_any",
    "links",
    "rel_position",
    "prose",
    "is_headline",
    "after_headline",
    "off_script",
    "doc_log_units",
)
_BASE = np.array([FEATURE_NAMES.index(n) for n in BASE_FEATURES], dtype=np.intp)
_LOG_CHARS = FEATURE_NAMES.index("log_chars")
_WINDOWS = (1, 3, 6, 12)
_SIDES = (3, 12)

CONTEXT_NAMES: tuple[str, ...] = (
    ("p", "logit_p")
    + tuple(f"mean_win{k}" for k in _WINDOWS)
    + tuple(f"mean_{side}{k}" for k in _SIDES for side in ("before", "after"))
    + (
        "max_win3",
        "min_win3",
        "prev_p",
        "next_p",
        "rank",
        "page_mean",
        "page_share_high",
        "in_main_run",
        "log_dist_before_run",
        "log_dist_after_run",
        "run_share",
        "mass_before",
        "mass_after",
        "log_dist_prev_high",
        "log_dist_next_high",
        "chars_mean_win6",
    )
    + tuple(f"base_{n}" for n in BASE_FEATURES)
)
# "inside the article" columns (``context_extra``), after the ones above: a model
# trained without them reads the first ``N_BASE_CONTEXT`` columns (older models)
EXTRA_NAMES: tuple[str, ...] = (
    "sandwich6",
    "sandwich12",
    "run_log_len",
    "run_pos",
    "run_mean_p",
    "run_before_max3",
    "run_after_max3",
    "run_sandwich",
    "run_after_colon",
    "run_listish",
)
N_BASE_CONTEXT = len(CONTEXT_NAMES)
CONTEXT_NAMES = CONTEXT_NAMES + EXTRA_NAMES
N_CONTEXT = len(CONTEXT_NAMES)
# ``context_features_many`` writes the columns by number: where the named ones sit
assert CONTEXT_NAMES.index("max_win3") == 10 and CONTEXT_NAMES.index("chars_mean_win6") == 25
# every window as offsets [lo, hi] around the unit: the four symmetric ones (the unit
# itself then taken out), the sides (before 3, after 3, before 12, after 12), and ±6 for
# the character-weighted mean (last); gathered from cumulative sums in one go
_LO = np.array([-k for k in _WINDOWS] + [x for k in _SIDES for x in (-k, 1)] + [-6])
_HI = np.array(list(_WINDOWS) + [x for k in _SIDES for x in (-1, k)] + [6]) + 1
_EDGES = np.concatenate((_LO, _HI))  # window starts, then ends (exclusive)
_NW = len(_LO)
_SELF = np.array([1.0] * len(_WINDOWS) + [0.0] * (2 * len(_SIDES)))
_SELF_ALL = np.append(_SELF, 0.0)  # and the character-weighted window's
_NEAR = np.array([-3, -2, -1, 1, 2, 3]) + 3  # ±3 neighbours in an array padded by 3


def main_run(p: np.ndarray) -> tuple[int, int]:
    """``(start, end)`` (end exclusive) of the contiguous run with the largest sum of
    ``p - 0.5``: the page's highest-probability run (one unit when all are below 0.5)."""
    s = np.concatenate(([0.0], np.cumsum(p - 0.5)))
    return _best_run(s)


def _best_run(s: np.ndarray) -> tuple[int, int]:
    """``main_run`` from the cumulative sum ``s`` of ``p - 0.5`` (leading 0)."""
    low = np.minimum.accumulate(s[:-1])
    end = int(np.argmax(s[1:] - low)) + 1
    start = int(np.argmin(s[:end]))
    return start, end


def context_features(p: np.ndarray, matrix: np.ndarray, extra: bool = False) -> np.ndarray:
    """The second-stage features (``CONTEXT_NAMES``) of one document's units, from the
    first-stage probabilities ``p`` and the document's feature matrix (``tasks.features``):
    ``context_features_many`` of a batch of one."""
    return context_features_many(p, matrix, np.array([0, len(p)]), extra)


def context_features_many(
    p: np.ndarray,
    matrix: np.ndarray,
    bounds: np.ndarray,
    extra: bool = False,
    cohesion: Cohesion | None = None,
) -> np.ndarray:
    """The second-stage features of several documents at once (each as if alone): ``p``
    and ``matrix`` are the documents' stacked probabilities and feature matrices,
    ``bounds`` their start offsets and the end (document ``k`` is
    ``[bounds[k], bounds[k + 1])``).

    The units of all documents are handled together: windows are clipped at each unit's
    own document edges and gathered from per-document cumulative sums (each summed from 0
    in the per-document order, so every window sum is the same float), ranks come from two
    stable sorts, distances to high units from running maxima and minima of positions.
    Only the cumulative sums and the main run (a few calls each) go document by document.
    ``extra``: with the ``EXTRA_NAMES`` columns (off: the first ``N_BASE_CONTEXT``, what
    any stage trained without them reads); ``cohesion`` (the
    batch's ``cohesion_tokens``): with the ``COHESION_NAMES`` columns after them."""
    p = np.asarray(p, dtype=np.float64)
    k = compiled_kernels()
    if k is None or not len(p):
        base = context_features_numpy(p, matrix, bounds, extra)
        if cohesion is None:
            return base
        return np.hstack([base, cohesion_columns(p, cohesion)])
    # the same columns in one compiled pass (tasks.kernels), logarithms by numpy; the
    # cohesion columns after them in the same array
    width = N_CONTEXT if extra else N_BASE_CONTEXT
    out = np.empty((len(p), width + (N_COHESION if cohesion is not None else 0)))
    logs = np.empty((4, len(p)))
    w = np.ascontiguousarray(matrix[:, _LOG_CHARS], dtype=np.float64)
    k.context_columns(p, w, np.asarray(bounds, dtype=np.intp), _LO, _HI, _SELF_ALL, out, logs)
    q = np.minimum(np.maximum(p, 1e-4), 1 - 1e-4)
    np.log(q / np.minimum(np.maximum(1 - p, 1e-4), 1), out=out[:, 1])
    for row, col in enumerate((18, 19, 23, 24)):
        np.log1p(logs[row], out=out[:, col])
    out[:, 26:N_BASE_CONTEXT] = matrix[:, _BASE]
    if extra:
        c0 = N_BASE_CONTEXT
        k.context_extra(p, _extra_inputs(matrix), np.asarray(bounds, dtype=np.intp), out, c0)
        np.log1p(out[:, c0 + 2], out=out[:, c0 + 2])
    if cohesion is not None:
        _cohesion_into(k, p, cohesion, out, width)
    return out


def context_features_numpy(
    p: np.ndarray, matrix: np.ndarray, bounds: np.ndarray, extra: bool = False
) -> np.ndarray:
    """``context_features_many`` in numpy (without numba; ``tasks.kernels`` computes the
    same floats)."""
    p = np.asarray(p, dtype=np.float64)
    total_n = len(p)
    out = np.empty((total_n, N_CONTEXT if extra else N_BASE_CONTEXT))
    if total_n == 0:
        return out
    cuts = np.asarray(bounds, dtype=np.intp)
    lens = np.diff(cuts)
    doc = np.repeat(np.arange(len(lens)), lens)
    g = np.arange(total_n)
    first = cuts[doc]  # the unit's document start (global)
    i = g - first  # position within its document
    n = lens[doc]
    # per-document cumulative sums of p, of the character weights and of weight * p,
    # each document's after a leading 0 of its own: unit g's prefix sum sits at g + doc
    w = matrix[:, _LOG_CHARS]
    src = np.empty((3, total_n))
    src[0], src[1] = p, w
    np.multiply(w, p, out=src[2])
    cum = np.zeros((3, total_n + len(lens)))
    for k, (a, b) in enumerate(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)):
        if b > a:
            np.cumsum(src[:, a:b], axis=1, out=cum[:, a + k + 1 : b + k + 1])
    c = cum[0]
    row = first + doc  # where the unit's document's leading 0 sits
    total = c[row + n]
    out[:, 0] = p
    q = np.minimum(np.maximum(p, 1e-4), 1 - 1e-4)
    np.log(q / np.minimum(np.maximum(1 - p, 1e-4), 1), out=out[:, 1])
    # windows as (window, unit) rows: long inner loops
    edges = np.minimum(np.maximum(i + _EDGES[:, None], 0), n)
    a, b = edges[:_NW], edges[_NW:]
    sizes = (b[:-1] - a[:-1]) - _SELF[:, None]
    a += row
    b += row
    sums = c.take(b[:-1]) - c.take(a[:-1])
    sums -= p * _SELF[:, None]
    np.divide(sums, np.maximum(sizes, 1), out=out[:, 2:10].T)
    # ±3 neighbours within the document: 0 beyond it for the max and prev/next, 1 for min
    off = (_NEAR - 3)[:, None]
    inside = (i + off >= 0) & (i + off < n)
    vals = p.take(np.minimum(np.maximum(g + off, 0), total_n - 1))
    near0 = np.where(inside, vals, 0.0)
    np.maximum.reduce(near0, axis=0, out=out[:, 10])
    np.minimum.reduce(np.where(inside, vals, 1.0), axis=0, out=out[:, 11])
    out[:, 12] = near0[2]
    out[:, 13] = near0[3]
    # rank within the document: stable by p, then stable by document
    order = np.argsort(p, kind="stable")
    order = order[np.argsort(doc[order], kind="stable")]
    out[order, 14] = i / np.maximum(n - 1, 1)
    out[:, 15] = total / n
    high = p >= 0.5
    n_high = np.bincount(doc[high], minlength=len(lens))[doc]
    out[:, 16] = n_high / n
    # main run per document, from the same cumulative sums as the per-document code
    s = c - 0.5 * (np.arange(len(c)) - np.repeat(cuts[:-1] + np.arange(len(lens)), lens + 1))
    runs = np.zeros((2, len(lens)), dtype=np.intp)
    for k, (a0, b0) in enumerate(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)):
        if b0 > a0:
            runs[:, k] = _best_run(s[a0 + k : b0 + k + 1])
    st, en = runs[0, doc], runs[1, doc]
    out[:, 17] = (i >= st) & (i < en)
    np.log1p(np.maximum(st - i, 0), out=out[:, 18])
    np.log1p(np.maximum(i - (en - 1), 0), out=out[:, 19])
    out[:, 20] = (en - st) / n
    tot = np.maximum(total, 1e-9)
    np.divide(c.take(row + i), tot, out=out[:, 21])
    np.divide(total - c.take(row + i + 1), tot, out=out[:, 22])
    # distance to the previous / next high unit of the same document (n + 1 when none)
    last = np.maximum.accumulate(np.where(high, g, -1))
    before = np.concatenate(([-1], last[:-1]))
    prev = np.where(before >= first, g - before, n + 1)
    nxt_at = np.minimum.accumulate(np.where(high, g, total_n)[::-1])[::-1]
    after = np.concatenate((nxt_at[1:], [total_n]))
    nxt = np.where(after < first + n, after - g, n + 1)
    np.log1p(prev, out=out[:, 23])
    np.log1p(nxt, out=out[:, 24])
    sw = cum[1:].take(b[-1], axis=1) - cum[1:].take(a[-1], axis=1)
    out[:, 25] = sw[1] / np.maximum(sw[0], 1e-9)
    out[:, 26:N_BASE_CONTEXT] = matrix[:, _BASE]
    if extra:
        context_extra_numpy(p, matrix, bounds, out)
    return out


_LOG_WORDS = FEATURE_NAMES.index("log_words")
_ENDS = FEATURE_NAMES.index("ends_sentence")
_COLON = FEATURE_NAMES.index("ends_colon")
# a "listish" unit: at most this many words, no sentence ending (an ingredient, a table
# value, a spec line, a subheading, a menu item)
LISTISH_WORDS = 8
_LISTISH_LOG = float(np.log1p(LISTISH_WORDS + 0.5))


def _extra_inputs(matrix: np.ndarray) -> np.ndarray:
    """(listish, ends_colon) of every unit, as float64 rows for ``context_extra``."""
    out = np.empty((2, len(matrix)))
    np.less_equal(matrix[:, _LOG_WORDS], _LISTISH_LOG, out=out[0])
    out[0] *= matrix[:, _ENDS] == 0
    out[1] = matrix[:, _COLON]
    return out


def context_extra_numpy(
    p: np.ndarray, matrix: np.ndarray, bounds: np.ndarray, out: np.ndarray
) -> None:
    """The ``EXTRA_NAMES`` columns of ``out`` (from column ``N_BASE_CONTEXT``), each
    document as if alone (``tasks.kernels.context_extra`` computes the same floats):

    * ``sandwich6``/``sandwich12``: the lower of the highest probability among the 6 (12)
      units before and among those after (0 beyond the document): a unit with article on
      both sides;
    * the unit's *run*: the maximal stretch of neighbours that are all listish (at most
      ``LISTISH_WORDS`` words, no sentence ending) or all not: its length (log), the
      unit's place in it, its mean probability, the highest probability among the 3
      units before it and the 3 after it, the lower of those two, whether the unit just
      before it ends with a colon, and the unit's own listish flag. A list inside an
      article (ingredients, specs, a table) sits between article units, often after a
      line ending in ':'; a menu sits at the page's head or tail."""
    total_n = len(p)
    if total_n == 0:
        return
    c0 = N_BASE_CONTEXT
    flags = _extra_inputs(matrix)
    listish, colon = flags[0], flags[1]
    cuts = np.asarray(bounds, dtype=np.intp)
    lens = np.diff(cuts)
    doc = np.repeat(np.arange(len(lens)), lens)
    g = np.arange(total_n)
    first = cuts[doc]
    i = g - first
    n = lens[doc]
    mb = np.zeros(total_n)
    ma = np.zeros(total_n)
    for off in range(1, 13):
        np.maximum(mb, np.where(i >= off, p.take(np.maximum(g - off, 0)), 0.0), out=mb)
        nxt = p.take(np.minimum(g + off, total_n - 1))
        np.maximum(ma, np.where(i + off < n, nxt, 0.0), out=ma)
        if off == 6:
            np.minimum(mb, ma, out=out[:, c0])
    np.minimum(mb, ma, out=out[:, c0 + 1])
    start = np.ones(total_n, dtype=bool)
    start[1:] = (listish[1:] != listish[:-1]) | (i[1:] == 0)
    starts = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    ends = np.append(starts[1:], total_n)
    rs, re = starts[run], ends[run]
    size = re - rs
    np.log1p(size, out=out[:, c0 + 2])
    np.divide(g - rs, np.maximum(size - 1, 1), out=out[:, c0 + 3])
    sums = np.bincount(run, weights=p, minlength=len(starts))
    np.divide(sums[run], size, out=out[:, c0 + 4])
    last = first + n
    before = np.zeros(total_n)
    after = np.zeros(total_n)
    for off in range(1, 4):
        prev = p.take(np.maximum(rs - off, 0))
        np.maximum(before, np.where(rs - off >= first, prev, 0.0), out=before)
        at = re + off - 1
        nxt = p.take(np.minimum(at, total_n - 1))
        np.maximum(after, np.where(at < last, nxt, 0.0), out=after)
    out[:, c0 + 5] = before
    out[:, c0 + 6] = after
    np.minimum(before, after, out=out[:, c0 + 7])
    out[:, c0 + 8] = np.where(rs > first, colon.take(np.maximum(rs - 1, 0)), 0.0)
    out[:, c0 + 9] = listish


# page-internal vocabulary cohesion (``cohesion_columns``), after the other columns: a
# stage trained without them reads none of them
COHESION_NAMES: tuple[str, ...] = (
    "coh_log_tokens",
    "coh_recur",
    "coh_article",
    "coh_article_mean",
    "coh_chrome",
    "coh_title",
    "coh_high",
    "coh_high_rare",
)
N_COHESION = len(COHESION_NAMES)
# content tokens: at least this many characters, not a digit run, not a stopword of any
# stoplist; tokens of Han/kana/Hangul characters give their character bigrams instead
COHESION_MIN_CHARS = 3
_CJK_CLASSES = np.zeros(32, dtype=bool)
_CJK_CLASSES[[P_HAN, P_KANA, P_HANGUL, P_CJKFUNC]] = True
_LETTER_CLASSES = np.zeros(32, dtype=bool)
_LETTER_CLASSES[[P_LAT_LO, P_LAT_UP, P_NL_LO, P_NL_UP, P_LETTER]] = True
_BIGRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
_DOC_MUL = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class Cohesion:
    """The distinct content tokens of a batch's units, as (unit, token) pairs sorted by
    unit: ``tok`` numbers the batch's distinct tokens (two documents never share one);
    ``title``: the token is also in its document's title unit (and the unit is not that
    title); ``count``: distinct content tokens of every unit."""

    unit: np.ndarray  # (pairs,) int64
    tok: np.ndarray  # (pairs,) int64
    title: np.ndarray  # (pairs,) float64
    count: np.ndarray  # (units,) int64
    n_tok: int

    def take(self, rows: np.ndarray) -> Cohesion:
        """The pairs of the units where ``rows`` (a mask over the units) is true, the units
        renumbered in order (tokens keep their numbers: documents never share one)."""
        keep = rows[self.unit]
        renumber = np.cumsum(rows) - 1
        return Cohesion(
            renumber[self.unit[keep]],
            self.tok[keep],
            self.title[keep],
            self.count[rows],
            self.n_tok,
        )

    @staticmethod
    def concat(parts: Sequence[Cohesion]) -> Cohesion:
        """The batches' pairs one after the other (units and tokens renumbered)."""
        units = np.cumsum([0] + [len(c.count) for c in parts])
        toks = np.cumsum([0] + [c.n_tok for c in parts])
        return Cohesion(
            np.concatenate([c.unit + u for c, u in zip(parts, units.tolist(), strict=False)]),
            np.concatenate([c.tok + t for c, t in zip(parts, toks.tolist(), strict=False)]),
            np.concatenate([c.title for c in parts]),
            np.concatenate([c.count for c in parts]),
            int(toks[-1]),
        )


def cohesion_tokens(
    views: Sequence[TokenView],
    bounds: np.ndarray,
    titled: Sequence[bool],
    stop: HashTable,
    stop_bits: Sequence[int],
) -> Cohesion:
    """``cohesion_tokens_numpy``'s pairs, titles and counts, by ``tasks.kernels``
    (``cohesion_candidates``, ``cohesion_pairs``) when it is there: the tokens are
    numbered per document in the order first met, not in key order, and every unit's
    pairs come in the same order (by key), so ``cohesion_columns`` gives the same floats
    (``tests/test_cohesion_kernel.py``)."""
    k = compiled_kernels()
    if k is None or not all(0 <= b < 1 << 63 and not b & (b - 1) for b in stop_bits):
        # (not one stoplist or none for each document: numpy's lookup)
        return cohesion_tokens_numpy(views, bounds, titled, stop, stop_bits)
    cuts = np.ascontiguousarray(bounds, dtype=np.int64)
    # each document's language: the number of its bit, -1 for none
    lang = np.array([int(b).bit_length() - 1 for b in stop_bits], dtype=np.int64)
    tables = _stop_tables(k, stop, lang)
    units: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for v in views:
        if not len(v.keys):
            continue
        unit, key = k.cohesion_candidates(
            v.cp,
            v.cls,
            v.tok_s,
            v.tok_e,
            v.keys,
            v.ntok,
            int(v.first_unit),
            cuts,
            _LETTER_CLASSES,
            _CJK_CLASSES,
            CLASS_MASK,
            COHESION_MIN_CHARS,
            *tables,
            lang,
            _BIGRAM_MUL,
            _DOC_MUL,
        )
        units.append(unit)
        keys.append(key)
    if not units:
        z = np.zeros(0, dtype=np.int64)
        return Cohesion(z, z, np.zeros(0), np.zeros(int(cuts[-1]), dtype=np.int64), 0)
    unit = units[0] if len(units) == 1 else np.concatenate(units)
    key = keys[0] if len(keys) == 1 else np.concatenate(keys)
    head = np.asarray(titled, dtype=np.bool_)
    pair_unit, tok, title, count, n_tok = k.cohesion_pairs(unit, key, cuts, head)
    return Cohesion(pair_unit, tok, title, count, int(n_tok))


# per language (``tasks.kernels.cohesion_stop_table``), of the last stoplists' table
# asked (a process has one): that table, each built language's table, and all of them
# back to back as ``_stop_tables`` gives them; the lock: a threaded runner's threads
# may add languages at once
_STOP_TABLES: list[Any] = [None, {}, ()]
_STOP_LOCK = threading.Lock()


def _stop_tables(k: Any, stop: HashTable, langs: np.ndarray) -> tuple[np.ndarray, ...]:
    """The small stoplist tables of the languages ``langs`` (bit numbers, -1: none) for
    ``tasks.kernels.cohesion_candidates``: (slots, first, masks, shifts), the tables
    back to back; each language's table built once, on first use (~1 ms; all 63: 12 MB,
    a page of text meets a few)."""
    with _STOP_LOCK:
        if _STOP_TABLES[0] is not stop:
            _STOP_TABLES[:] = [stop, {}, ()]
        built: dict[int, np.ndarray] = _STOP_TABLES[1]
        new = set(langs.tolist()) - set(built) - {-1}
        if new or not _STOP_TABLES[2]:
            for lang in new:
                built[lang] = k.cohesion_stop_table(stop.keys, stop.values, lang)
            size = np.zeros(64, dtype=np.int64)
            for lang, table in built.items():
                size[lang] = len(table)
            first = np.cumsum(size) - size
            slots = np.zeros(max(int(size.sum()), 1), dtype=np.uint64)
            for lang, table in list(built.items()):
                slots[first[lang] : first[lang] + len(table)] = table
                built[lang] = slots[first[lang] : first[lang] + len(table)]  # no 2nd copy
            shifts = 64 - np.log2(np.maximum(size, 1)).astype(np.int64)
            _STOP_TABLES[2] = (slots, first, np.maximum(size - 1, 0), shifts)
        tables: tuple[np.ndarray, ...] = _STOP_TABLES[2]
        return tables


def cohesion_tokens_numpy(
    views: Sequence[TokenView],
    bounds: np.ndarray,
    titled: Sequence[bool],
    stop: HashTable,
    stop_bits: Sequence[int],
) -> Cohesion:
    """The content tokens of a batch (``tasks.features.FeatureBatch``'s token ``views``,
    document ``bounds``, whether each document's unit 0 is its title; ``stop``: the
    stoplists' table, ``Resources.hashed_stop``, and ``stop_bits`` the bit of each
    document's language in it, 0 for none). A token is content when it has at least
    ``COHESION_MIN_CHARS`` characters, starts with a letter and is not in its document's
    language's stoplist (the other lists are long and hold content words); a token
    of Han, kana or Hangul characters (no spaces between words) gives each pair of
    neighbouring characters instead."""
    cuts = np.asarray(bounds, dtype=np.int64)
    n = int(cuts[-1])
    bits = np.asarray(stop_bits, dtype=np.int64)
    units: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for v in views:
        if not len(v.keys):
            continue
        tok_unit = np.repeat(np.arange(len(v.ntok), dtype=np.int64), v.ntok) + v.first_unit
        first = v.cls[v.tok_s] & CLASS_MASK
        length = v.tok_e - v.tok_s
        word = _LETTER_CLASSES[first] & (length >= COHESION_MIN_CHARS)
        at = np.flatnonzero(word)
        if len(at):
            doc = np.searchsorted(cuts, tok_unit[at], side="right") - 1
            keep = at[(stop.get(v.keys[at]) & bits[doc]) == 0]
            units.append(tok_unit[keep])
            keys.append(v.keys[keep])
        cjk = np.flatnonzero(_CJK_CLASSES[first] & (length >= 2))
        if len(cjk):  # every character but a token's last starts a bigram
            size = length[cjk] - 1
            lead = np.cumsum(size) - size
            pos = np.arange(int(size.sum())) - np.repeat(lead - v.tok_s[cjk], size)
            cp = v.cp.astype(np.uint64)
            units.append(np.repeat(tok_unit[cjk], size))
            keys.append((cp[pos] + np.uint64(1)) * _BIGRAM_MUL + cp[pos + 1])
    if not units:
        z = np.zeros(0, dtype=np.int64)
        return Cohesion(z, z, np.zeros(0), np.zeros(n, dtype=np.int64), 0)
    unit = np.concatenate(units)
    key = np.concatenate(keys)
    doc = np.searchsorted(cuts, unit, side="right") - 1
    key = key ^ (doc.astype(np.uint64) * _DOC_MUL)  # the same word in two documents: two
    uniq, tok = np.unique(key, return_inverse=True)
    pair = np.unique(unit * len(uniq) + tok.astype(np.int64))  # each token once per unit
    unit, tok = pair // len(uniq), pair % len(uniq)
    heads = cuts[:-1][np.asarray(titled, dtype=bool) & (np.diff(cuts) > 0)]
    is_head = np.zeros(n + 1, dtype=bool)
    is_head[heads] = True
    in_title = np.zeros(len(uniq), dtype=bool)
    in_title[tok[is_head[unit]]] = True
    title = (in_title[tok] & ~is_head[unit]).astype(np.float64)
    return Cohesion(unit, tok, title, np.bincount(unit, minlength=n), len(uniq))


def cohesion_columns(p: np.ndarray, coh: Cohesion) -> np.ndarray:
    """``cohesion_columns_numpy``'s columns in one compiled pass over the pairs
    (``tasks.kernels.cohesion_sums``, the same float operations in the same order) when
    ``tasks.kernels`` is there; the logarithm by numpy."""
    k = compiled_kernels()
    if k is None or not len(coh.unit):
        return cohesion_columns_numpy(p, coh)
    out = np.empty((len(coh.count), N_COHESION))
    _cohesion_into(k, np.asarray(p, dtype=np.float64), coh, out, 0)
    return out


def _cohesion_into(k: Any, p: np.ndarray, coh: Cohesion, out: np.ndarray, c0: int) -> None:
    """``cohesion_columns`` into ``out[:, c0:c0 + N_COHESION]`` (a row-major array), by
    ``tasks.kernels.cohesion_sums``; the logarithm by numpy (numba's differs in the last
    bit)."""
    np.log1p(coh.count, out=out[:, c0])
    k.cohesion_sums(
        np.ascontiguousarray(p, dtype=np.float64),
        np.ascontiguousarray(coh.unit, dtype=np.int64),
        np.ascontiguousarray(coh.tok, dtype=np.int64),
        np.ascontiguousarray(coh.title, dtype=np.float64),
        np.ascontiguousarray(coh.count, dtype=np.int64),
        coh.n_tok,
        out,
        c0,
    )


def cohesion_columns_numpy(p: np.ndarray, coh: Cohesion) -> np.ndarray:
    """The ``COHESION_NAMES`` columns of every unit from the first-stage probabilities
    ``p``: over the unit's distinct content tokens, the share found in another unit of
    the page (``coh_recur``), the mean of the other units' summed probability, capped at 1
    (``coh_article``: the words recur in the likely article), their mean probability
    (``coh_article_mean``), the capped count of other low-probability holders
    (``coh_chrome``: the words recur in menus and teasers), the share found in the title
    line, the share found in another unit of probability 0.5 or more (``coh_high``),
    and in one held by at most two other units (``coh_high_rare``: words the page's
    template does not repeat everywhere); and the log of the number of content tokens.
    An in-article list (ingredients named again in the steps, a subheading's words in its
    paragraphs) and a menu look alike by shape; their words' other places on the page
    were meant to tell them apart (bench/NOTES.md, "Vocabulary cohesion": within noise
    alone; shipped stacked with the lexical model, session 10)."""
    n = len(coh.count)
    out = np.zeros((n, N_COHESION))
    np.log1p(coh.count, out=out[:, 0])
    if not len(coh.unit):
        return out
    p = np.asarray(p, dtype=np.float64)
    pu = p[coh.unit]
    mass = np.bincount(coh.tok, weights=pu, minlength=coh.n_tok)
    holders = np.bincount(coh.tok, minlength=coh.n_tok).astype(np.float64)
    others = holders[coh.tok] - 1.0
    other_p = np.maximum(mass[coh.tok] - pu, 0.0)
    high = (pu >= 0.5).astype(np.float64)
    n_high = np.bincount(coh.tok, weights=high, minlength=coh.n_tok)
    other_high = n_high[coh.tok] - high > 0
    per = np.empty((N_COHESION - 1, len(pu)))
    per[0] = others > 0
    np.minimum(other_p, 1.0, out=per[1])
    np.divide(other_p, np.maximum(others, 1.0), out=per[2])
    np.minimum(np.maximum(others - other_p, 0.0), 1.0, out=per[3])
    per[4] = coh.title
    per[5] = other_high
    per[6] = other_high & (others <= 2)
    count = np.maximum(coh.count, 1).astype(np.float64)
    for j in range(N_COHESION - 1):
        out[:, j + 1] = np.bincount(coh.unit, weights=per[j], minlength=n) / count
    return out


def context_names(extra: bool = False, cohesion: bool = False) -> tuple[str, ...]:
    """The columns of a stage that reads the ``EXTRA_NAMES`` (``extra``) and the
    ``COHESION_NAMES`` (``cohesion``) columns or not: the base ones first, in that order."""
    return (
        CONTEXT_NAMES[:N_BASE_CONTEXT]
        + (EXTRA_NAMES if extra else ())
        + (COHESION_NAMES if cohesion else ())
    )


# every (extra, cohesion) a context stage may read, by its columns (the widths differ)
_LAYOUTS = {context_names(e, c): (e, c) for e in (False, True) for c in (False, True)}
_WIDTHS = {len(names): layout for names, layout in _LAYOUTS.items()}


def stage_layout(names: Sequence[str]) -> tuple[bool, bool]:
    """``(extra, cohesion)`` of a stage trained on the columns ``names`` (a
    ``context_names``); ValueError for any other list."""
    layout = _LAYOUTS.get(tuple(names))
    if layout is None:
        raise ValueError("chrome model was trained on other features; rerun bench/train_chrome.py")
    return layout


def layout_of_width(width: int) -> tuple[bool, bool]:
    """``stage_layout`` from the number of columns alone (the four layouts differ in it)."""
    layout = _WIDTHS.get(width)
    if layout is None:
        raise ValueError(f"no context stage reads {width} columns")
    return layout
