"""The compiled cohesion tokens and columns (``tasks.kernels``' cohesion section) against
their numpy path (``tasks.context.cohesion_tokens_numpy``, ``cohesion_columns_numpy``):
the same pairs in the same order, the same titles and counts, tokens numbered
differently, and the same columns bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tasks.chrome import default_chrome
from tasks.context import (
    Cohesion,
    cohesion_columns,
    cohesion_columns_numpy,
    cohesion_tokens,
    cohesion_tokens_numpy,
    context_features_many,
    context_features_numpy,
)
from tasks.features import extract_batch
from tasks.tokens import compiled_kernels

kernels = pytest.importorskip("tasks.kernels")
pytestmark = pytest.mark.skipif(compiled_kernels() is None, reason="no compiled kernels")

_CASES = Path(__file__).parent / "chrome_cases"
PAGE_CASES = [p.read_text(encoding="utf-8") for p in sorted(_CASES.glob("*.txt"))]
_WORDS = (
    "apple cake cinnamon oven baking recipe newsletter contact the and with what about "
    "Berlin Straße über größer año niño café Zürich Ölbaum 2024 x7 ab of is 12345 "
    "苹果蛋糕 的做法 蛋糕 東京タワー 서울특별시 ひらがな"
).split()


def _random_text(rng: np.random.Generator) -> str:
    """A dump of 0-12 lines of words drawn from ``_WORDS`` (content words, stopwords,
    short words, numbers, CJK runs), repeats inside a line and across lines."""
    lines = []
    for _ in range(int(rng.integers(0, 13))):
        words = rng.choice(_WORDS, size=int(rng.integers(0, 30)))
        lines.append(" ".join(words.tolist()))
    return "\n".join(lines)


def _check(
    texts: list[str],
    titled: list[bool],
    rng: np.random.Generator,
    lang: list[int] | None = None,
) -> Cohesion:
    """Both paths on one batch: equal pairs, titles and counts, token numbers that map one
    to one, equal columns (from either path's tokens, either path's columns). ``lang``:
    each document's stoplist (its bit's number, -1: none) instead of its language's."""
    res = default_chrome().resources
    fb = extract_batch(texts, res)
    langs = res.stop.langs
    bits = [1 << langs.index(x) if x in langs else 0 for x in fb.languages]
    if lang is not None:
        bits = [0 if x < 0 else 1 << x for x in lang]
    stop = res.hashed_stop()
    got = cohesion_tokens(fb.tokens, fb.bounds, titled, stop, bits)
    ref = cohesion_tokens_numpy(fb.tokens, fb.bounds, titled, stop, bits)
    assert got.unit.tolist() == ref.unit.tolist()
    assert got.title.tolist() == ref.title.tolist()
    assert got.count.tolist() == ref.count.tolist()
    assert got.n_tok == ref.n_tok
    assert len(set(zip(got.tok.tolist(), ref.tok.tolist(), strict=True))) == ref.n_tok
    assert sorted(set(got.tok.tolist())) == list(range(got.n_tok))
    p = rng.random(len(ref.count))
    p[rng.random(len(p)) < 0.2] = 0.5  # on the 0.5 edge of the "high" columns
    want = cohesion_columns_numpy(p, ref)
    for coh in (got, ref):
        assert cohesion_columns(p, coh).tobytes() == want.tobytes()
        assert cohesion_columns_numpy(p, coh).tobytes() == want.tobytes()
    if len(p):  # a mixed batch's part (the fallback model's rows) and batches joined
        rows = rng.random(len(p)) < 0.5
        part = cohesion_columns_numpy(p[rows], ref.take(rows))
        assert cohesion_columns(p[rows], got.take(rows)).tobytes() == part.tobytes()
        both = cohesion_columns_numpy(np.tile(p, 2), Cohesion.concat([ref, ref]))
        assert cohesion_columns(np.tile(p, 2), Cohesion.concat([got, ref])).tobytes() == (
            both.tobytes()
        )
    return got


def test_random_batches_give_the_numpy_pairs_and_columns() -> None:
    rng = np.random.default_rng(11)
    pairs = 0
    for size in (1, 2, 5, 17, 40):
        texts = [_random_text(rng) for _ in range(size)]
        titled = (rng.random(size) < 0.7).tolist()
        pairs += len(_check(texts, titled, rng).unit)
    assert pairs > 1000  # the batches had content tokens to compare


def test_any_stoplist_or_none() -> None:
    rng = np.random.default_rng(16)
    texts = [_random_text(rng) for _ in range(30)]
    en = default_chrome().resources.stop.langs.index("en")
    lang = [en, -1] + rng.integers(-1, 63, 28).tolist()
    assert len(_check(texts, [True] * 30, rng, lang).unit) > 0
    # a document of two stoplists: the numpy lookup for the batch, the same pairs
    res = default_chrome().resources
    fb = extract_batch(texts[:3], res)
    bits = [(1 << en) | 1, 0, 1 << en]
    got = cohesion_tokens(fb.tokens, fb.bounds, [True] * 3, res.hashed_stop(), bits)
    ref = cohesion_tokens_numpy(fb.tokens, fb.bounds, [True] * 3, res.hashed_stop(), bits)
    assert got.unit.tolist() == ref.unit.tolist() and got.tok.tolist() == ref.tok.tolist()


def test_empty_documents_and_documents_without_content_tokens() -> None:
    rng = np.random.default_rng(12)
    texts = ["", "123\n45 67\nthe and", "", "Cake\ncake cake oven", "of is\n\nab"]
    coh = _check(texts, [True] * len(texts), rng)
    assert len(coh.unit) > 0
    coh = _check(["", "the and of", "12 34"], [True, False, True], rng)
    assert len(coh.unit) == 0 and not cohesion_columns(np.full(len(coh.count), 0.5), coh).any()


def test_title_unit_cjk_and_repeats_inside_a_unit_and_across_documents() -> None:
    rng = np.random.default_rng(13)
    page = "Apple cake | Kitchen\nRecipes\nApple cake apple CAKE\nPeel the apples, bake the cake."
    cjk = "苹果蛋糕的做法\n首页\n把苹果切片后放在蛋糕上烤。苹果苹果"
    coh = _check([page, cjk, page, cjk], [True, True, False, True], rng)
    assert coh.title.any()  # the title's words recur below it
    assert (coh.count[:4] == [3, 1, 2, 4]).all()  # apple, cake, kitchen; recipes; ...


def test_devset_like_dumps_give_the_numpy_pairs_and_columns() -> None:
    rng = np.random.default_rng(14)
    texts = PAGE_CASES
    assert len(texts) >= 4
    _check(texts, [True] * len(texts), rng)
    _check(texts[::-1] + [""] + texts, [False, True] * len(texts) + [True], rng)


def test_pairs_not_grouped_by_unit_and_long_units() -> None:
    """``cohesion_pairs`` straight on (unit, key) pairs: grouped by unit or in any order,
    the numpy path's distinct pairs (per document, by key inside a unit) and titles; a
    unit of more keys than the insertion sort takes is sorted too."""
    rng = np.random.default_rng(15)
    cuts = np.array([0, 3, 3, 7], dtype=np.int64)  # the second document is empty
    unit = np.sort(np.append(rng.integers(0, 7, 250), np.full(150, 2)))  # a long unit: 2
    # few distinct keys (repeats inside units, the same key in both documents), the long
    # unit's many
    key = rng.integers(1, 60, 400).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    key[unit == 2] = rng.permutation(1000)[: int((unit == 2).sum())].astype(np.uint64) + 7
    head = np.array([True, True, False])
    doc = np.searchsorted(cuts, unit, side="right") - 1
    # the numpy path's numbering: (document, key), by key
    both = np.stack([doc.astype(np.uint64), key], axis=1)
    uniq, tok = np.unique(both, axis=0, return_inverse=True)
    tok = tok.reshape(-1).astype(np.int64)
    pair = np.unique(unit * len(uniq) + tok)
    ref_unit, ref_tok = pair // len(uniq), pair % len(uniq)
    in_title = np.zeros(len(uniq), dtype=bool)
    in_title[ref_tok[ref_unit == 0]] = True
    ref_title = in_title[ref_tok] & (ref_unit != 0)
    assert ref_title.any()
    for perm in (np.arange(len(unit)), rng.permutation(len(unit))):
        pu, pt, title, count, n_tok = kernels.cohesion_pairs(unit[perm], key[perm], cuts, head)
        assert pu.tolist() == ref_unit.tolist() and n_tok == len(uniq)
        assert len(set(zip(pt.tolist(), ref_tok.tolist(), strict=True))) == n_tok
        assert title.tolist() == ref_title.astype(float).tolist()
        assert count.tolist() == np.bincount(ref_unit, minlength=7).tolist()
        assert count[2] > kernels._COH_SORT_SMALL


def test_a_language_stop_table_holds_that_languages_words() -> None:
    """``cohesion_stop_table``: the words of the stoplists' table with the language's bit
    (each once), none other, each found from its home slot without an empty slot
    between."""
    stop = default_chrome().resources.hashed_stop()
    values = stop.values.astype(np.uint64)
    for lang in (0, 5, 12, 30):
        table = kernels.cohesion_stop_table(stop.keys, stop.values, lang)
        mine = (stop.keys != 0) & ((values >> np.uint64(lang)) & np.uint64(1) == 1)
        held = table[table != 0]
        assert len(held) == mine.sum() > 0 and set(held.tolist()) == set(stop.keys[mine].tolist())
        assert len(table) >= 8 * len(held) and len(table) & (len(table) - 1) == 0
        shift = np.uint64(64 - int(np.log2(len(table))))
        for at in np.flatnonzero(table).tolist():
            home = int(table[at] >> shift)
            run = np.arange(home, at + 1 if at >= home else at + 1 + len(table)) % len(table)
            assert (table[run] != 0).all()


def test_pairs_in_any_order_and_the_context_columns_with_them() -> None:
    """``cohesion_sums`` adds in pair order even when a unit's pairs are not one run, and
    ``context_features_many`` writes the cohesion columns after the others (no copy):
    the numpy path's columns, bit for bit."""
    rng = np.random.default_rng(17)
    texts = [_random_text(rng) for _ in range(12)] + [PAGE_CASES[0]]
    res = default_chrome().resources
    fb = extract_batch(texts, res)
    langs = res.stop.langs
    bits = [1 << langs.index(x) if x in langs else 0 for x in fb.languages]
    coh = cohesion_tokens(fb.tokens, fb.bounds, [True] * len(texts), res.hashed_stop(), bits)
    p = rng.random(len(coh.count))
    mixed = rng.permutation(len(coh.unit))
    shuffled = Cohesion(coh.unit[mixed], coh.tok[mixed], coh.title[mixed], coh.count, coh.n_tok)
    assert np.any(np.diff(shuffled.unit) < 0)
    want = cohesion_columns_numpy(p, shuffled)
    assert cohesion_columns(p, shuffled).tobytes() == want.tobytes()
    x = fb.all.matrix
    for extra in (False, True):
        base = context_features_numpy(p, x, fb.bounds, extra)
        both = np.hstack([base, cohesion_columns_numpy(p, coh)])
        got = context_features_many(p, x, fb.bounds, extra, coh)
        assert got.tobytes() == both.tobytes()
