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
"""

from __future__ import annotations

import numpy as np

from tasks.features import FEATURE_NAMES
from tasks.tokens import compiled_kernels

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


def context_features(p: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The second-stage features (``CONTEXT_NAMES``) of one document's units, from the
    first-stage probabilities ``p`` and the document's feature matrix (``tasks.features``):
    ``context_features_many`` of a batch of one."""
    return context_features_many(p, matrix, np.array([0, len(p)]))


def context_features_many(p: np.ndarray, matrix: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The second-stage features of several documents at once (each as if alone): ``p``
    and ``matrix`` are the documents' stacked probabilities and feature matrices,
    ``bounds`` their start offsets and the end (document ``k`` is
    ``[bounds[k], bounds[k + 1])``).

    The units of all documents are handled together: windows are clipped at each unit's
    own document edges and gathered from per-document cumulative sums (each summed from 0
    in the per-document order, so every window sum is the same float), ranks come from two
    stable sorts, distances to high units from running maxima and minima of positions.
    Only the cumulative sums and the main run (a few calls each) go document by document."""
    p = np.asarray(p, dtype=np.float64)
    k = compiled_kernels()
    if k is None or not len(p):
        return context_features_numpy(p, matrix, bounds)
    # the same columns in one compiled pass (tasks.kernels), logarithms by numpy
    out = np.empty((len(p), N_CONTEXT))
    logs = np.empty((4, len(p)))
    w = np.ascontiguousarray(matrix[:, _LOG_CHARS], dtype=np.float64)
    k.context_columns(p, w, np.asarray(bounds, dtype=np.intp), _LO, _HI, _SELF_ALL, out, logs)
    q = np.minimum(np.maximum(p, 1e-4), 1 - 1e-4)
    np.log(q / np.minimum(np.maximum(1 - p, 1e-4), 1), out=out[:, 1])
    for row, col in enumerate((18, 19, 23, 24)):
        np.log1p(logs[row], out=out[:, col])
    out[:, 26:] = matrix[:, _BASE]
    return out


def context_features_numpy(p: np.ndarray, matrix: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``context_features_many`` in numpy (without numba; ``tasks.kernels`` computes the
    same floats)."""
    p = np.asarray(p, dtype=np.float64)
    total_n = len(p)
    out = np.empty((total_n, N_CONTEXT))
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
    out[:, 26:] = matrix[:, _BASE]
    return out
