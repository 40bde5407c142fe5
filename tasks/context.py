"""Second-stage (context) features for the chrome separator: what the first stage thinks
of a unit's neighbourhood.

The first-stage model scores every unit from its own features and from context windows
of a *heuristic* prose label. The article is usually one contiguous run, so a second
stage that sees the first stage's own probabilities around each unit can repair its
isolated mistakes: a prose-like teaser among chrome, a short article line inside the
article. ``context_features`` computes, once per document and without per-unit Python
loops, from the first-stage probabilities ``p`` and the document's feature matrix:

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


def _window_sums(c: np.ndarray, n: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of ``v[i + lo : i + hi + 1]`` (clipped to the page) for every unit
    ``i``, where ``c`` is ``v``'s cumulative sum with a leading 0."""
    i = np.arange(n)
    a = np.clip(i + lo, 0, n)
    b = np.clip(i + hi + 1, 0, n)
    return c[b] - c[a], (b - a).astype(np.float64)


def main_run(p: np.ndarray) -> tuple[int, int]:
    """``(start, end)`` (end exclusive) of the contiguous run with the largest sum of
    ``p - 0.5``: the page's highest-probability run (one unit when all are below 0.5)."""
    s = np.concatenate(([0.0], np.cumsum(p - 0.5)))
    low = np.minimum.accumulate(s[:-1])
    end = int(np.argmax(s[1:] - low)) + 1
    start = int(np.argmin(s[:end]))
    return start, end


def _dist_to_flag(flag: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each unit to the previous and to the next flagged unit (itself not
    counted); ``n + 1`` when there is none."""
    i = np.arange(n)
    last = np.where(flag, i, -1)
    prev_at = np.maximum.accumulate(np.concatenate(([-1], last[:-1])))
    prev = np.where(prev_at >= 0, i - prev_at, n + 1)
    nxt = np.where(flag, i, n)
    next_at = np.minimum.accumulate(np.concatenate((nxt[1:], [n]))[::-1])[::-1]
    after = np.where(next_at < n, next_at - i, n + 1)
    return prev.astype(np.float64), after.astype(np.float64)


def context_features(p: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The second-stage features (``CONTEXT_NAMES``) of one document's units, from the
    first-stage probabilities ``p`` and the document's feature matrix (``tasks.features``)."""
    n = len(p)
    out = np.zeros((n, N_CONTEXT))
    if n == 0:
        return out
    p = np.asarray(p, dtype=np.float64)
    c = np.concatenate(([0.0], np.cumsum(p)))
    cols: list[np.ndarray] = [p, np.log(np.clip(p, 1e-4, 1 - 1e-4) / np.clip(1 - p, 1e-4, 1))]
    for k in _WINDOWS:
        s, m = _window_sums(c, n, -k, k)
        cols.append((s - p) / np.maximum(m - 1, 1))
    for k in _SIDES:
        s, m = _window_sums(c, n, -k, -1)
        cols.append(s / np.maximum(m, 1))
        s, m = _window_sums(c, n, 1, k)
        cols.append(s / np.maximum(m, 1))
    lo = np.concatenate((np.zeros(3), p, np.zeros(3)))
    hi = np.concatenate((np.ones(3), p, np.ones(3)))
    view_lo = np.lib.stride_tricks.sliding_window_view(lo, 7)
    view_hi = np.lib.stride_tricks.sliding_window_view(hi, 7)
    neighbours = np.r_[0:3, 4:7]
    cols.append(view_lo[:, neighbours].max(axis=1))
    cols.append(view_hi[:, neighbours].min(axis=1))
    cols.append(np.concatenate(([0.0], p[:-1])))
    cols.append(np.concatenate((p[1:], [0.0])))
    rank = np.empty(n)
    rank[np.argsort(p, kind="stable")] = np.arange(n)
    cols.append(rank / max(n - 1, 1))
    cols.append(np.full(n, c[-1] / n))
    high = p >= 0.5
    cols.append(np.full(n, high.mean()))
    a, b = main_run(p)
    i = np.arange(n)
    cols.append(((i >= a) & (i < b)).astype(np.float64))
    cols.append(np.log1p(np.maximum(a - i, 0)))
    cols.append(np.log1p(np.maximum(i - (b - 1), 0)))
    cols.append(np.full(n, (b - a) / n))
    total = max(c[-1], 1e-9)
    cols.append(c[:-1] / total)
    cols.append((c[-1] - c[1:]) / total)
    prev, after = _dist_to_flag(high, n)
    cols.append(np.log1p(prev))
    cols.append(np.log1p(after))
    w = matrix[:, _LOG_CHARS]
    cw = np.concatenate(([0.0], np.cumsum(w)))
    cpw = np.concatenate(([0.0], np.cumsum(w * p)))
    sw, _ = _window_sums(cw, n, -6, 6)
    spw, _ = _window_sums(cpw, n, -6, 6)
    cols.append(spw / np.maximum(sw, 1e-9))
    out[:, : len(cols)] = np.column_stack(cols)
    out[:, len(cols) :] = matrix[:, _BASE]
    return out
