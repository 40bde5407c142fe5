"""The hashed-token lexical model (tasks/lexical.py): keys per unit, scores, batches,
the weights file and the chrome model that carries it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tasks.chrome import (
    Chrome,
    cohesion_of,
    default_chrome,
    model_from_dict,
    separate,
    separate_many,
)
from tasks.context import context_names
from tasks.features import FEATURE_NAMES, N_FEATURES, extract_batch
from tasks.lexical import (
    COVERAGE_NAME,
    DEFAULT_KINDS,
    KINDS,
    LEXICAL_NAMES,
    LexicalModel,
    buckets_of,
    foreign_units,
    load_weights,
    neighbour_columns,
    page_coverage,
    save_weights,
    short_units,
    unit_keys,
)
from tasks.tokens import string_keys
from tests.test_context import _dense

BITS = 12
_DOCS = [
    "Title of the page\n\nLesen Sie auch: Die Wahl\n\nDer Rat hat am Montag 2024 getagt.\n"
    "© 2024 Verlag | Impressum",
    "Another title\n\nNewsletter abonnieren »\n\nThe council met on Monday 1999.",
    "Short",
]


def _keys(texts: list[str], kinds: tuple[str, ...] = DEFAULT_KINDS) -> list[list[int]]:
    """Each unit's keys, sorted (a multiset), for a batch of documents."""
    fb = extract_batch(texts, default_chrome().resources)
    n = int(fb.bounds[-1])
    uk = unit_keys(fb.tokens, n, kinds, fb.bounds)
    out: list[list[int]] = [[] for _ in range(n)]
    for u, k in zip(uk.unit.tolist(), uk.key.tolist(), strict=True):
        out[u].append(k)
    assert [len(x) for x in out] == uk.count.tolist()
    return [sorted(x) for x in out]


def test_a_batch_gives_each_document_its_own_keys() -> None:
    for kinds in (DEFAULT_KINDS, KINDS):
        together = _keys(_DOCS, kinds)
        alone = [k for t in _DOCS for k in _keys([t], kinds)]
        assert together == alone


def test_a_unit_holds_its_words_marks_and_edges() -> None:
    (title, teaser, *_rest) = _keys(["T\n\nLesen Sie auch: Wahl"], ("words",))
    assert title == sorted(string_keys(["t"]).tolist())
    assert teaser == sorted(string_keys(["lesen", "sie", "auch", "wahl"]).tolist())
    (_, punct) = _keys(["T\n\nLesen Sie auch: Wahl"], ("punct",))
    assert len(punct) == 1  # the colon
    (_, edges) = _keys(["T\n\nLesen Sie auch: Wahl"], ("edges",))
    assert len(edges) == 4  # first and last word, first and last character


def test_numbers_are_collapsed_by_length() -> None:
    a = _keys(["T\n\nTel 0123 und 5"], ("words",))[1]
    b = _keys(["T\n\nTel 9876 und 7"], ("words",))[1]
    c = _keys(["T\n\nTel 98765 und 7"], ("words",))[1]
    d = _keys(["T\n\nTel 12 und 7"], ("words",))[1]
    assert a == b == c  # four digits and more are one key
    assert a != d
    assert _keys(["T\n\nTel 0123a"], ("words",))[1] != _keys(["T\n\nTel 9876a"], ("words",))[1]


def test_prev_keys_stay_inside_the_document() -> None:
    keys = _keys(["A title\n\nfirst line", "B title\n\nsecond"], ("prev",))
    assert keys[0] == [] and keys[2] == []  # each document's first unit has no previous
    assert keys[1] and keys[3]


def _model(seed: int = 3) -> LexicalModel:
    w = np.random.default_rng(seed).normal(size=1 << BITS)
    return LexicalModel(w.astype(np.float16).astype(np.float64), -0.25)


def test_score_is_the_bias_plus_the_weights_of_its_keys_over_their_root() -> None:
    model = _model()
    fb = extract_batch(_DOCS, default_chrome().resources)
    n = int(fb.bounds[-1])
    uk = unit_keys(fb.tokens, n)
    got = model.logits(uk)
    b = buckets_of(uk.key, BITS)
    for u in range(n):
        ws = model.weights[b[uk.unit == u]]
        assert got[u] == pytest.approx(model.bias + ws.sum() / np.sqrt(max(len(ws), 1)))


def test_a_word_with_a_chrome_weight_lowers_only_its_units() -> None:
    fb = extract_batch(
        ["T\n\nJoin our newsletter today\n\nThe council met today"], default_chrome().resources
    )
    model = LexicalModel(np.zeros(1 << BITS), 0.0)
    base = model.columns(fb.tokens, fb.bounds)[:, 0]
    w = np.zeros(1 << BITS)
    w[buckets_of(string_keys(["newsletter"]), BITS)] = -3.0
    low = replace(model, weights=w).columns(fb.tokens, fb.bounds)[:, 0]
    assert low[1] < base[1]
    assert low[0] == base[0] and low[2] == base[2]


def test_neighbour_columns_are_zero_across_documents() -> None:
    s = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    cols = neighbour_columns(s, np.array([0, 2, 5]))
    assert cols[:, 0].tolist() == s.tolist()
    assert cols[:, 1].tolist() == [0.0, 1.0, 0.0, 3.0, 4.0]
    assert cols[:, 2].tolist() == [2.0, 0.0, 4.0, 5.0, 0.0]


def test_weights_file_is_float16_and_byte_stable(tmp_path: Path) -> None:
    w = _model().weights
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    save_weights(a, w)
    save_weights(b, w.copy())
    assert a.read_bytes() == b.read_bytes()
    assert a.stat().st_size < (1 << BITS) * 2 + 200
    assert np.array_equal(load_weights(a).astype(np.float64), w)


def _raw_with_lexical(tmp_path: Path) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    n_in = N_FEATURES + len(LEXICAL_NAMES)
    save_weights(tmp_path / "lex.npy", _model().weights)
    return {
        "features": [*FEATURE_NAMES, *LEXICAL_NAMES],
        "mean": np.zeros(n_in).tolist(),
        "scale": np.ones(n_in).tolist(),
        "w1": (rng.normal(size=(n_in, 3)) * 0.1).tolist(),
        "b1": [0.0, 0.0, 0.0],
        "w2": [1.0, -1.0, 0.5],
        "b2": 0.0,
        "threshold": 0.5,
        "lexical": {"file": "lex.npy", "bias": -0.25, "kinds": list(DEFAULT_KINDS)},
    }


def test_model_with_lexical_columns_loads_and_scores_batches_like_documents(
    tmp_path: Path,
) -> None:
    raw = _raw_with_lexical(tmp_path)
    model = model_from_dict(raw, config_dir=tmp_path)
    assert model.lexical is not None and np.array_equal(model.lexical.weights, _model().weights)
    chrome = Chrome(default_chrome().resources, model)
    together = separate_many(_DOCS, chrome=chrome)
    alone = [separate(t, chrome=chrome) for t in _DOCS]
    assert [s.decisions for s in together] == [s.decisions for s in alone]
    fb = extract_batch(_DOCS[:1], default_chrome().resources)
    assert model.matrix(fb).shape == (int(fb.bounds[-1]), N_FEATURES + len(LEXICAL_NAMES))


def test_model_without_its_lexical_columns_is_refused(tmp_path: Path) -> None:
    raw = _raw_with_lexical(tmp_path)
    del raw["lexical"]
    with pytest.raises(ValueError, match="other features"):
        model_from_dict(raw, config_dir=tmp_path)
    raw = json.loads(json.dumps(_raw_with_lexical(tmp_path)))
    raw["features"] = list(FEATURE_NAMES)
    with pytest.raises(ValueError, match="other features"):
        model_from_dict(raw, config_dir=tmp_path)


def test_own_column_only_and_foreign_units_score_the_bias() -> None:
    fb = extract_batch(_DOCS[:2], default_chrome().resources)
    model = replace(_model(), neighbours=False)
    own = model.columns(fb.tokens, fb.bounds)
    assert own.shape == (int(fb.bounds[-1]), 1) and model.names == LEXICAL_NAMES[:1]
    foreign = np.zeros(len(own), dtype=bool)
    foreign[1] = True
    neutral = replace(model, foreign_neutral=True).columns(fb.tokens, fb.bounds, foreign)
    assert neutral[1, 0] == model.bias
    assert np.array_equal(np.delete(neutral, 1), np.delete(own, 1))
    assert np.array_equal(model.columns(fb.tokens, fb.bounds, foreign), own)  # not asked


def test_foreign_units_are_other_scripts_or_other_languages_stopwords() -> None:
    got = foreign_units(
        np.array([0.9, 0.0, 0.0, 0.0]),
        np.array([0.0, 0.5, 0.5, 0.0]),
        np.array([0.3, 0.01, 0.2, 0.3]),
        np.array([False, False, False, True]),
    )
    assert got.tolist() == [True, True, False, True]


def _weights_for(words: list[str], value: float) -> np.ndarray:
    w = np.zeros(1 << BITS)
    w[buckets_of(string_keys(words), BITS)] = value
    return w


def test_coverage_is_the_share_of_words_in_weighted_buckets() -> None:
    fb = extract_batch(
        ["T\n\nThe council met today\n\nDer Rat tagte heute"], default_chrome().resources
    )
    model = LexicalModel(_weights_for(["the", "council", "met", "today"], 0.5), 0.0, coverage=True)
    cols = model.columns(fb.tokens, fb.bounds)
    assert model.names == (*LEXICAL_NAMES, COVERAGE_NAME) and cols.shape[1] == 4
    assert cols[1, 3] == 1.0  # every word known
    assert cols[2, 3] == 0.0  # no word known (bar a hash collision, not at these keys)
    assert cols[1, 0] > cols[2, 0]


def test_short_unseen_and_foreign_units_score_the_bias_and_cover_nothing() -> None:
    fb = extract_batch(
        ["T\n\nX\n\nThe council met today\n\nBu site çerez kullanır ve verileri saklar"],
        default_chrome().resources,
    )
    w = _weights_for(["the", "council", "met", "today", "x"], 2.0)
    log_words = fb.all.matrix[:, FEATURE_NAMES.index("log_words")]
    plain = LexicalModel(w, -0.5, coverage=True)
    guarded = replace(plain, min_words=3, min_coverage=0.5)
    a = plain.columns(fb.tokens, fb.bounds, None, log_words)
    b = guarded.columns(fb.tokens, fb.bounds, None, log_words)
    assert a[1, 0] > -0.5 and b[1, 0] == -0.5 and b[1, 3] == 0.0  # the lone X: neutral
    assert b[2, 0] == a[2, 0] > -0.5 and b[2, 3] == 1.0  # known prose: as before
    assert b[3, 0] == -0.5 and b[3, 3] == 0.0  # unseen language: neutral
    assert b[2, 1] == -0.5 and b[2, 2] == -0.5  # the neighbours' columns see it neutral
    foreign = np.zeros(len(a), dtype=bool)
    foreign[2] = True
    c = replace(plain, foreign_neutral=True).columns(fb.tokens, fb.bounds, foreign, log_words)
    assert c[2, 0] == -0.5 and c[2, 3] == 0.0


def _raw_with_coverage(tmp_path: Path, rng: np.random.Generator) -> tuple[dict[str, Any], int]:
    """``_raw_with_lexical`` with the coverage column after the lexical ones (a hidden
    layer of 3 units drawn from ``rng``), and its number of input columns."""
    raw = _raw_with_lexical(tmp_path)
    n_in = N_FEATURES + len(LEXICAL_NAMES) + 1
    raw.update(
        features=[*FEATURE_NAMES, *LEXICAL_NAMES, COVERAGE_NAME],
        mean=np.zeros(n_in).tolist(),
        scale=np.ones(n_in).tolist(),
        w1=(rng.normal(size=(n_in, 3)) * 0.1).tolist(),
    )
    return raw, n_in


def test_short_units_counts_words_from_the_log_feature() -> None:
    got = short_units(np.log1p(np.array([0.0, 1.0, 2.0, 3.0, 10.0])), 3)
    assert got.tolist() == [True, True, True, False, False]


def test_guard_settings_reach_the_model_from_its_json(tmp_path: Path) -> None:
    raw, n_in = _raw_with_coverage(tmp_path, np.random.default_rng(7))
    raw["lexical"].update(min_words=3, min_coverage=0.4, coverage=True, foreign_neutral=True)
    model = model_from_dict(raw, config_dir=tmp_path)
    lex = model.lexical
    assert lex is not None
    assert (lex.min_words, lex.min_coverage, lex.coverage) == (3, 0.4, True)
    chrome = Chrome(default_chrome().resources, model)
    together = separate_many(_DOCS, chrome=chrome)
    alone = [separate(t, chrome=chrome) for t in _DOCS]
    assert [s.decisions for s in together] == [s.decisions for s in alone]
    fb = extract_batch(_DOCS[:1], default_chrome().resources)
    assert model.matrix(fb).shape == (int(fb.bounds[-1]), n_in)


def test_page_coverage_is_the_mean_over_units_of_three_words_or_more() -> None:
    cov = np.array([0.9, 0.0, 0.5, 1.0, 0.2])
    log_words = np.log1p(np.array([5.0, 1.0, 4.0, 3.0, 2.0]))
    got = page_coverage(cov, log_words, np.array([0, 3, 5]))
    assert got.tolist() == [pytest.approx(0.7), 1.0]
    assert page_coverage(cov[:2], log_words[:2], np.array([0, 2])).tolist() == [0.9]
    assert page_coverage(cov[1:2], log_words[1:2], np.array([0, 1])).tolist() == [0.0]


def test_pages_the_lexical_model_does_not_cover_are_scored_by_the_fallback(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(11)
    raw, _ = _raw_with_coverage(tmp_path, rng)
    raw["lexical"].update(coverage=True)
    plain = {k: v for k, v in _raw_with_lexical(tmp_path).items() if k != "lexical"}
    w = _weights_for(["the", "council", "met", "today", "on", "monday"], 1.0)
    save_weights(tmp_path / "lex.npy", w)
    plain.update(features=list(FEATURE_NAMES), mean=[0.0] * N_FEATURES)
    plain.update(scale=[1.0] * N_FEATURES, w1=(rng.normal(size=(N_FEATURES, 3))).tolist())
    raw.update(fallback=plain, fallback_below=0.5)
    model = model_from_dict(raw, config_dir=tmp_path)
    assert model.fallback is not None and model.fallback.lexical is None
    docs = [
        "Council\n\nThe council met today on Monday.\n\nThe council met today.",
        "Belediye\n\nBelediye meclisi bugün toplandı.\n\nMeclis yarın yine toplanacak.",
    ]
    res = default_chrome().resources
    fb = extract_batch(docs, res)
    x = model.matrix(fb)
    p = model.predict(x, fb.bounds)
    lo, hi = fb.bounds[1], fb.bounds[2]
    # (the same floats but for BLAS's summation order over another number of rows; the
    # parts column-major, as the model's input is)
    first, second = np.asfortranarray(x[:lo]), np.asfortranarray(x[lo:hi, :N_FEATURES])
    assert np.allclose(p[:lo], model._predict(first, np.array([0, lo])), rtol=1e-12)
    assert np.allclose(p[lo:], model.fallback.predict(second), rtol=1e-12)
    assert not np.allclose(p[lo:], model._predict(x[lo:hi], np.array([0, hi - lo])))
    chrome = Chrome(res, model)
    assert [s.decisions for s in separate_many(docs, chrome=chrome)] == [
        separate(t, chrome=chrome).decisions for t in docs
    ]


def test_a_fallback_with_cohesion_stages_gets_its_own_pages_tokens(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    raw, _ = _raw_with_coverage(tmp_path, rng)
    raw["lexical"].update(coverage=True)
    save_weights(tmp_path / "lex.npy", _weights_for(["the", "council", "met", "today"], 1.0))
    names = context_names(False, True)
    plain = {"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 3)}
    plain["stages"] = [{"features": list(names), **_dense(rng, len(names), 3)}]
    raw.update(fallback=plain, fallback_below=0.5)
    model = model_from_dict(raw, config_dir=tmp_path)
    assert model.needs_cohesion and model.fallback is not None
    docs = [
        "Council\n\nThe council met today on Monday.\n\nThe council met today.",
        "Belediye\n\nBelediye meclisi bugün toplandı.\n\nMeclis yarın yine toplanacak.",
        "Meclis\n\nMeclis toplantısı yarın.\n\nBelediye meclisi toplandı.",
    ]
    res = default_chrome().resources
    fb = extract_batch(docs, res)
    x = model.matrix(fb)
    p = model.predict(x, fb.bounds, cohesion_of(fb, res, [True] * 3))
    lo = int(fb.bounds[1])
    alone = extract_batch(docs[1:], res)
    want = model.fallback.predict(
        alone.all.matrix, alone.bounds, cohesion_of(alone, res, [True] * 2)
    )
    assert np.allclose(p[lo:], want, rtol=1e-6)  # BLAS sums other row counts differently
    chrome = Chrome(res, model)
    assert [s.decisions for s in separate_many(docs, chrome=chrome)] == [
        separate(t, chrome=chrome).decisions for t in docs
    ]


def test_a_weights_file_from_another_build_is_refused(tmp_path: Path) -> None:
    raw = _raw_with_lexical(tmp_path)
    weights = np.load(tmp_path / "lex.npy")
    raw["lexical"]["sha256"] = hashlib.sha256(weights.tobytes()).hexdigest()
    assert model_from_dict(raw, config_dir=tmp_path).lexical is not None
    save_weights(tmp_path / "lex.npy", weights.astype(np.float32) + 1.0)
    with pytest.raises(ValueError, match="make model"):
        model_from_dict(raw, config_dir=tmp_path)
