"""The context stage: its features against a plain per-unit reference, and the stacked
model (first stage, then context stages) as the separator runs it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.chrome import ChromeModel, model_from_dict
from tasks.context import (
    BASE_FEATURES,
    CONTEXT_NAMES,
    EXTRA_NAMES,
    N_BASE_CONTEXT,
    N_CONTEXT,
    context_features,
    context_features_many,
    context_features_numpy,
    main_run,
)
from tasks.features import FEATURE_NAMES, N_FEATURES


def _col(z: np.ndarray, name: str) -> np.ndarray:
    return z[:, CONTEXT_NAMES.index(name)]


def _mean(v: list[float]) -> float:
    return sum(v) / len(v) if v else 0.0


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 40])
def test_shape_and_finite_for_any_page_length(n: int) -> None:
    rng = np.random.default_rng(n)
    z = context_features(rng.random(n), rng.random((n, N_FEATURES)), extra=True)
    assert z.shape == (n, N_CONTEXT)
    assert np.isfinite(z).all()


def test_extreme_probabilities_stay_finite() -> None:
    p = np.array([0.0, 1.0, 1.0, 0.0])
    z = context_features(p, np.zeros((4, N_FEATURES)))
    assert np.isfinite(z).all()
    assert _col(z, "logit_p")[1] > 5 > -5 > _col(z, "logit_p")[0]


def test_windows_match_a_unit_by_unit_reference() -> None:
    rng = np.random.default_rng(7)
    n = 31
    p = rng.random(n)
    m = rng.random((n, N_FEATURES))
    z = context_features(p, m)
    pl = p.tolist()
    for i in range(n):
        for k in (1, 3, 6, 12):
            near = [pl[j] for j in range(max(0, i - k), min(n, i + k + 1)) if j != i]
            assert _col(z, f"mean_win{k}")[i] == pytest.approx(_mean(near))
        for k in (3, 12):
            assert _col(z, f"mean_before{k}")[i] == pytest.approx(_mean(pl[max(0, i - k) : i]))
            assert _col(z, f"mean_after{k}")[i] == pytest.approx(_mean(pl[i + 1 : i + 1 + k]))
        near3 = [pl[j] for j in range(max(0, i - 3), min(n, i + 4)) if j != i]
        assert _col(z, "max_win3")[i] == pytest.approx(max(near3))
        assert _col(z, "min_win3")[i] == pytest.approx(min(near3))
        assert _col(z, "prev_p")[i] == (pl[i - 1] if i else 0.0)
        assert _col(z, "next_p")[i] == (pl[i + 1] if i < n - 1 else 0.0)
        assert _col(z, "rank")[i] == pytest.approx(sum(q < pl[i] for q in pl) / (n - 1))
        assert _col(z, "mass_before")[i] == pytest.approx(sum(pl[:i]) / sum(pl))
        assert _col(z, "mass_after")[i] == pytest.approx(sum(pl[i + 1 :]) / sum(pl))
        highs_before = [i - j for j in range(i) if pl[j] >= 0.5]
        highs_after = [j - i for j in range(i + 1, n) if pl[j] >= 0.5]
        prev = min(highs_before) if highs_before else n + 1
        nxt = min(highs_after) if highs_after else n + 1
        assert _col(z, "log_dist_prev_high")[i] == pytest.approx(np.log1p(prev))
        assert _col(z, "log_dist_next_high")[i] == pytest.approx(np.log1p(nxt))
    for name in BASE_FEATURES:
        assert np.array_equal(_col(z, f"base_{name}"), m[:, FEATURE_NAMES.index(name)])


def test_main_run_is_the_best_contiguous_stretch() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 25))
        p = rng.random(n)
        a, b = main_run(p)
        best = max(
            (float((p[i:j] - 0.5).sum()), i, j) for i in range(n) for j in range(i + 1, n + 1)
        )
        assert float((p[a:b] - 0.5).sum()) == pytest.approx(best[0])
    # every unit unsure: the run is the single most probable unit
    assert main_run(np.array([0.1, 0.4, 0.2])) == (1, 2)
    p = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.9, 0.95, 0.1, 0.1])
    z = context_features(p, np.ones((len(p), N_FEATURES)))
    assert _col(z, "in_main_run").tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0]
    assert _col(z, "log_dist_before_run")[0] == pytest.approx(np.log1p(2))
    assert _col(z, "log_dist_after_run")[8] == pytest.approx(np.log1p(2))


def _dense(rng: np.random.Generator, n_in: int, hidden: int) -> dict[str, Any]:
    return {
        "mean": rng.normal(size=n_in).tolist(),
        "scale": (1 + rng.random(n_in)).tolist(),
        "w1": rng.normal(size=(n_in, hidden)).tolist(),
        "b1": rng.normal(size=hidden).tolist(),
        "w2": rng.normal(size=hidden).tolist(),
        "b2": 0.1,
        "threshold": 0.5,
    }


def _stacked() -> ChromeModel:
    rng = np.random.default_rng(11)
    raw = {"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 4)}
    raw["stages"] = [{"features": list(CONTEXT_NAMES), **_dense(rng, N_CONTEXT, 3)}]
    return model_from_dict(raw)


def test_stacked_model_feeds_the_first_stage_to_the_context_stage() -> None:
    model = _stacked()
    x = np.random.default_rng(5).random((12, N_FEATURES))
    (stage,) = model.stages
    expected = stage.first_stage(context_features(model.first_stage(x), x, extra=True))
    assert np.allclose(model.predict(x), expected)
    assert not np.allclose(model.predict(x), replace(model, stages=()).predict(x))


def test_documents_stacked_with_bounds_are_scored_one_by_one() -> None:
    model = _stacked()
    rng = np.random.default_rng(9)
    docs = [rng.random((n, N_FEATURES)) for n in (5, 1, 17)]
    bounds = np.cumsum([0, *map(len, docs)])
    together = model.predict(np.vstack(docs), bounds)
    alone = np.concatenate([model.predict(d) for d in docs])
    assert np.allclose(together, alone)


def test_a_stage_trained_on_other_columns_is_refused() -> None:
    rng = np.random.default_rng(1)
    raw = {"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 2)}
    raw["stages"] = [{"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 2)}]
    with pytest.raises(ValueError, match="other features"):
        model_from_dict(raw)


# probabilities with ties, the 0.5 edge and the extremes, or any value in [0, 1]
_P = st.one_of(st.sampled_from([0.0, 0.1, 0.5, 0.7, 1.0]), st.floats(0.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.lists(_P, max_size=30), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_batch_features_are_the_per_document_ones_bit_for_bit(
    docs: list[list[float]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    p = np.array([v for d in docs for v in d], dtype=np.float64)
    m = rng.random((len(p), N_FEATURES))
    bounds = np.cumsum([0, *map(len, docs)])
    z = context_features_many(p, m, bounds, extra=True)
    assert z.shape == (len(p), N_CONTEXT)
    ref = [
        context_features(p[a:b], m[a:b], extra=True)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    # the same bits (floats compared as integers: -0.0 and 0.0 differ, NaN equals itself)
    assert np.array_equal(z.view(np.int64), np.vstack(ref).view(np.int64))


def _shaped(words: list[int], colon: list[int] | None = None) -> np.ndarray:
    """A feature matrix whose units have these word counts (no sentence endings) and
    colon endings: what the extra columns read."""
    m = np.zeros((len(words), N_FEATURES))
    m[:, FEATURE_NAMES.index("log_words")] = np.log1p(words)
    if colon is not None:
        m[:, FEATURE_NAMES.index("ends_colon")] = colon
    return m


def test_a_list_between_article_units_reads_as_sandwiched() -> None:
    # a menu at the head, prose, "Zutaten:", four ingredients, prose, a footer list
    words = [2, 2, 2, 30, 1, 3, 2, 4, 3, 25, 2, 2]
    p = np.array([0.1, 0.1, 0.1, 0.9, 0.6, 0.3, 0.2, 0.3, 0.2, 0.9, 0.1, 0.1])
    colon = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    z = context_features(p, _shaped(words, colon), extra=True)
    run = _col(z, "run_sandwich")
    assert run[4:9].tolist() == [0.9] * 5  # the list: prose before and after it
    assert run[:3].tolist() == [0.0] * 3  # the menu: nothing before it
    assert run[10:].tolist() == [0.0] * 2  # the footer: nothing after it
    assert _col(z, "run_log_len")[5] == pytest.approx(np.log1p(5))
    assert _col(z, "run_mean_p")[5] == pytest.approx(np.mean(p[4:9]))
    assert _col(z, "run_after_colon")[4:9].tolist() == [0.0] * 5  # the colon opens the run
    assert _col(z, "run_listish").tolist() == [float(w <= 8) for w in words]
    assert _col(z, "sandwich6")[6] == 0.9 and _col(z, "sandwich6")[0] == 0.0


def test_extra_columns_match_a_unit_by_unit_reference() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(1, 40))
        p = rng.random(n)
        words = rng.integers(0, 14, n).tolist()
        colon = (rng.random(n) < 0.3).astype(int).tolist()
        z = context_features(p, _shaped(words, colon), extra=True)
        flag = [w <= 8 for w in words]
        for i in range(n):
            for k in (6, 12):
                before = max(p[max(0, i - k) : i], default=0.0)
                after = max(p[i + 1 : i + k + 1], default=0.0)
                assert _col(z, f"sandwich{k}")[i] == min(before, after)
            a = i
            while a > 0 and flag[a - 1] == flag[i]:
                a -= 1
            b = i + 1
            while b < n and flag[b] == flag[i]:
                b += 1
            assert _col(z, "run_log_len")[i] == pytest.approx(np.log1p(b - a))
            assert _col(z, "run_pos")[i] == pytest.approx((i - a) / max(b - a - 1, 1))
            assert _col(z, "run_before_max3")[i] == max(p[max(0, a - 3) : a], default=0.0)
            assert _col(z, "run_after_max3")[i] == max(p[b : b + 3], default=0.0)
            assert _col(z, "run_after_colon")[i] == (colon[a - 1] if a else 0)


def test_extra_columns_kernel_and_numpy_agree_and_can_be_left_out() -> None:
    rng = np.random.default_rng(13)
    for _ in range(100):
        lens = rng.integers(0, 30, rng.integers(1, 6))
        cuts = np.concatenate(([0], np.cumsum(lens)))
        n = int(cuts[-1])
        p = rng.random(n)
        m = _shaped(rng.integers(0, 14, n).tolist(), (rng.random(n) < 0.3).tolist())
        m[:, FEATURE_NAMES.index("ends_sentence")] = rng.random(n) < 0.3
        got = context_features_many(p, m, cuts, extra=True)
        ref = context_features_numpy(p, m, cuts, extra=True)
        assert got.tobytes() == ref.tobytes()
        base = context_features_many(p, m, cuts)
        assert base.shape == (n, N_BASE_CONTEXT)
        assert base.tobytes() == np.ascontiguousarray(got[:, :N_BASE_CONTEXT]).tobytes()
    assert CONTEXT_NAMES[N_BASE_CONTEXT:] == EXTRA_NAMES


def test_a_stage_trained_without_the_extra_columns_still_loads_and_reads_its_own() -> None:
    rng = np.random.default_rng(21)
    raw = {"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 4)}
    old = CONTEXT_NAMES[:N_BASE_CONTEXT]
    raw["stages"] = [{"features": list(old), **_dense(rng, N_BASE_CONTEXT, 3)}]
    model = model_from_dict(raw)
    x = rng.random((9, N_FEATURES))
    (stage,) = model.stages
    z = context_features(model.first_stage(x), x)[:, :N_BASE_CONTEXT]
    assert np.allclose(model.predict(x), stage.first_stage(z))
