"""The context stage's vocabulary cohesion columns (``tasks.context.COHESION_NAMES``):
content tokens, their other places on the page, and a stage that reads them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tasks.chrome import cohesion_of, default_chrome, model_from_dict
from tasks.context import (
    COHESION_NAMES,
    Cohesion,
    cohesion_columns,
    context_features_many,
    context_names,
    stage_layout,
)
from tasks.features import FEATURE_NAMES, N_FEATURES, extract_batch
from tasks.lexical import page_coverage
from tests.test_context import _dense

PAGE = "\n".join(
    [
        "Apple cake with cinnamon | Example Kitchen",
        "Recipes",
        "Newsletter",
        "Apple cake with cinnamon",
        "500 g apples",
        "2 tsp cinnamon",
        "Peel the apples, slice them and dust them with cinnamon before baking the cake.",
        "Contact",
    ]
)


def _cohesion(texts: list[str]) -> tuple[Cohesion, Any]:
    chrome = default_chrome()
    fb = extract_batch(texts, chrome.resources)
    return cohesion_of(fb, chrome.resources, [True] * len(texts)), fb


def _col(z: np.ndarray, name: str) -> np.ndarray:
    return z[:, COHESION_NAMES.index(name)]


def test_in_article_lines_share_words_with_the_article_and_menus_do_not() -> None:
    coh, fb = _cohesion([PAGE])
    units = fb.all.texts
    p = np.array([0.5, 0.1, 0.1, 0.9, 0.3, 0.3, 0.9, 0.1])
    z = cohesion_columns(p, coh)
    at = {u: i for i, u in enumerate(units)}
    apples, cinnamon, menu = at["500 g apples"], at["2 tsp cinnamon"], at["Recipes"]
    # "apples" recurs in the steps; "500" is a number, "g" too short: one content token
    assert z[apples, 0] == pytest.approx(np.log1p(1))
    assert _col(z, "coh_recur")[apples] == 1.0
    assert _col(z, "coh_article")[apples] == pytest.approx(0.9)
    assert _col(z, "coh_recur")[menu] == 0.0 and _col(z, "coh_article")[menu] == 0.0
    assert _col(z, "coh_high")[apples] == 1.0 and _col(z, "coh_high_rare")[apples] == 1.0
    assert _col(z, "coh_high")[menu] == 0.0
    # "cinnamon" is in the title line, the headline and the steps; "tsp" nowhere else
    assert _col(z, "coh_title")[cinnamon] == 0.5
    assert _col(z, "coh_article")[cinnamon] == 0.5  # (0.5 + 0.9 + 0.9, capped at 1) and 0
    assert _col(z, "coh_article_mean")[cinnamon] == pytest.approx((0.5 + 0.9 + 0.9) / 6)
    assert _col(z, "coh_title")[0] == 0.0  # the title line itself


def test_stopwords_and_repeats_inside_a_unit_count_once() -> None:
    text = "Baking\nThis is what the cake is about and it is with the oven that we do it\ncake"
    coh, fb = _cohesion([text])
    assert fb.languages == ["en"]
    assert coh.count.tolist() == [1, 2, 1]  # "baking"; "cake" and "oven"; "cake"
    z = cohesion_columns(np.array([0.0, 0.2, 0.7]), coh)
    assert _col(z, "coh_article")[2] == pytest.approx(0.2)
    assert _col(z, "coh_chrome")[2] == pytest.approx(0.8)
    assert _col(z, "coh_recur")[1] == 0.5  # "cake" recurs, "oven" does not


def test_documents_of_a_batch_never_share_a_token() -> None:
    pages = [PAGE, "Other page\nApples and cinnamon everywhere\nNo recipe here"]
    together, fb = _cohesion(pages)
    p = np.random.default_rng(3).random(len(fb.all.texts))
    z = cohesion_columns(p, together)
    cuts = fb.bounds.tolist()
    for d, page in enumerate(pages):
        alone, _ = _cohesion([page])
        ref = cohesion_columns(p[cuts[d] : cuts[d + 1]], alone)
        assert np.array_equal(z[cuts[d] : cuts[d + 1]], ref)
    parts = Cohesion.concat([_cohesion([pg])[0] for pg in pages])
    assert np.array_equal(cohesion_columns(p, parts), z)


def test_scripts_without_spaces_are_read_as_character_bigrams() -> None:
    coh, fb = _cohesion(["标题\n苹果蛋糕的做法\n首页\n把苹果切片后放在蛋糕上烤。"])
    z = cohesion_columns(np.array([0.5, 0.5, 0.1, 0.9]), coh)
    units = fb.all.texts
    recipe, home = units.index("苹果蛋糕的做法"), units.index("首页")
    assert _col(z, "coh_recur")[recipe] > 0.3  # 苹果 and 蛋糕 recur in the step
    assert _col(z, "coh_recur")[home] == 0.0


def test_a_page_without_content_tokens_gives_zero_columns() -> None:
    coh, _ = _cohesion(["123\n45 67\nthe and"])
    z = cohesion_columns(np.array([0.2, 0.4, 0.6]), coh)
    assert z.shape == (3, len(COHESION_NAMES)) and not z.any()


@pytest.mark.parametrize("extra", [False, True])
def test_a_stage_reading_cohesion_gets_its_columns_last(extra: bool) -> None:
    rng = np.random.default_rng(4)
    names = context_names(extra, True)
    assert stage_layout(names) == (extra, True) and names[-len(COHESION_NAMES) :] == COHESION_NAMES
    raw = {"features": list(FEATURE_NAMES), **_dense(rng, N_FEATURES, 4)}
    raw["stages"] = [{"features": list(names), **_dense(rng, len(names), 3)}]
    model = model_from_dict(raw)
    assert model.needs_cohesion
    coh, fb = _cohesion([PAGE, "Another\npage of apples\napples"])
    x = fb.all.matrix
    with pytest.raises(ValueError, match="tokens"):
        model.predict(x, fb.bounds)
    got = model.predict(x, fb.bounds, coh)
    p = model.first_stage(x)
    z = context_features_many(p, x, fb.bounds, extra, coh)
    assert z.shape == (len(x), len(names))
    (stage,) = model.stages
    assert np.allclose(got, stage.first_stage(z))
    assert np.array_equal(
        z[:, : len(names) - len(COHESION_NAMES)], context_features_many(p, x, fb.bounds, extra)
    )


def test_the_shipped_model_reads_the_units_tokens_and_falls_back_without_them() -> None:
    """The shipped model (`make model`) stacks the lexical columns and
    a cohesion stage, with a fallback that reads no lexical columns: a batch mixing a page
    the lexical model knows (German) and one it cannot (Japanese) is scored by both, and
    each page scores as it does alone."""
    chrome = default_chrome()
    model = chrome.model
    assert model.needs_cohesion and model.lexical is not None and model.fallback is not None
    texts = [
        "Der Rat tagt | Stadtblatt\nStartseite\nDer Rat der Stadt hat am Montag über den "
        "neuen Haushalt beraten und ihn mit großer Mehrheit beschlossen.\nImpressum",
        "市議会 | 市民新聞\nホーム\n市議会は月曜日に新しい予算について審議し、賛成多数で可決した。",
    ]
    fb = extract_batch(texts, chrome.resources)
    x = model.matrix(fb)
    assert x.shape[1] == N_FEATURES + len(model.lexical.names)
    coverage = page_coverage(x[:, -1], x[:, FEATURE_NAMES.index("log_words")], fb.bounds)
    assert coverage[0] >= model.fallback_below > coverage[1]  # the fallback takes page 2
    with pytest.raises(ValueError, match="tokens"):
        model.predict(x, fb.bounds)
    both = model.predict(x, fb.bounds, cohesion_of(fb, chrome.resources, [True, True]))
    for d, text in enumerate(texts):
        one = extract_batch([text], chrome.resources)
        alone = model.predict(
            model.matrix(one), one.bounds, cohesion_of(one, chrome.resources, [True])
        )
        assert np.array_equal(alone, both[fb.bounds[d] : fb.bounds[d + 1]])


def test_taking_some_documents_gives_the_columns_of_those_documents_alone() -> None:
    texts = [PAGE, "Another\npage of apples\napples and pears", "Pears\nPear tart\npears, butter"]
    coh, fb = _cohesion(texts)
    p = np.random.default_rng(5).random(int(fb.bounds[-1]))
    sizes = np.diff(fb.bounds)
    docs = np.array([True, False, True])
    rows = np.repeat(docs, sizes)
    part = coh.take(rows)
    alone, _ = _cohesion([texts[0], texts[2]])
    assert np.array_equal(part.count, alone.count) and np.array_equal(part.unit, alone.unit)
    assert np.array_equal(cohesion_columns(p[rows], part), cohesion_columns(p[rows], alone))
    assert cohesion_columns(p[rows], part).any()
