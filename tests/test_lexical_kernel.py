"""The lexical model's compiled sums (``tasks.kernels.lexical_sums``, reached through
``LexicalModel.unit_sums``) give the numpy path's scores and coverages bit for bit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tasks import lexical
from tasks.chars import ALNUM, char_classes
from tasks.chrome import default_chrome
from tasks.features import extract_batch
from tasks.lexical import DEFAULT_KINDS, LexicalModel, TokenView, unit_keys
from tasks.tokens import compiled_kernels, string_keys

if compiled_kernels() is None:  # no numba, or NEWSETL_NO_JIT=1: nothing to compare
    pytest.skip("the compiled kernels are off", allow_module_level=True)

BITS = 10
# letters, digits (Latin and Arabic-Indic), marks, spaces, CJK, astral letters (𝐀) and an
# astral symbol (😀): the classes the keys tell apart
_POOL = list("aAbéßİΣz019٣ .,;:!?»«|©-–()'\"\n\t中文") + ["𝐀", "𝐁", "😀"]


def _weights(rng: np.random.Generator, bits: int = BITS) -> np.ndarray:
    """float16 values as float32 (as ``load_weights`` gives), a third of them 0."""
    w = rng.standard_normal(2**bits).astype(np.float16).astype(np.float32)
    w[rng.random(2**bits) < 1 / 3] = 0.0
    return w


def _model(weights: np.ndarray, kinds: tuple[str, ...] = DEFAULT_KINDS) -> LexicalModel:
    return LexicalModel(weights, -0.75, kinds, coverage=True, min_coverage=0.5)


def _reference(m: LexicalModel, views: tuple[TokenView, ...], n: int) -> tuple[np.ndarray, ...]:
    """Scores, coverages and key counts from ``unit_keys`` (the numpy path)."""
    uk = unit_keys(views, n, m.kinds, np.array([0, n]))
    return m.logits(uk), m.word_coverage(uk), uk.count


def _compiled(m: LexicalModel, views: tuple[TokenView, ...], n: int) -> tuple[np.ndarray, ...]:
    sums = m.unit_sums(views, n)
    assert sums is not None
    total, count, known, nwords = sums
    return total / np.sqrt(np.maximum(count, 1)) + m.bias, known / np.maximum(nwords, 1), count


def _assert_same(m: LexicalModel, views: tuple[TokenView, ...], n: int) -> None:
    want = _reference(m, views, n)
    got = _compiled(m, views, n)
    for a, b in zip(want, got, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _random_view(rng: np.random.Generator, chars: int, units: int, first: int = 0) -> TokenView:
    """A view as ``tasks.features`` builds one: tokens are the alnum runs of the text's
    classes; units are ordered, apart, non-empty spans; each token belongs to the last
    unit starting at or before it (the first unit for those before it)."""
    text = "".join(rng.choice(_POOL, chars)) if chars else ""
    cp, cls = char_classes(text)
    cls = cls.copy()
    alnum = (cls & ALNUM) != 0
    edge = np.diff(np.concatenate([[False], alnum, [False]]).astype(np.int8))
    tok_s = np.flatnonzero(edge == 1).astype(np.int64)
    tok_e = np.flatnonzero(edge == -1).astype(np.int64)
    low = [text[a:b].lower() for a, b in zip(tok_s.tolist(), tok_e.tolist(), strict=True)]
    keys = string_keys(low) if low else np.zeros(0, dtype=np.uint64)
    cuts = np.sort(rng.choice(np.arange(chars + 1), min(2 * units, chars + 1), replace=False))
    gstarts, gends = cuts[0::2][: len(cuts) // 2], cuts[1::2]
    unit = np.maximum(np.searchsorted(gstarts, tok_s, side="right") - 1, 0)
    ntok = np.bincount(unit, minlength=len(gstarts)).astype(np.int64)
    if not len(gstarts):  # no units: no tokens either
        tok_s, tok_e, keys = tok_s[:0], tok_e[:0], keys[:0]
    return TokenView(cp, cls, tok_s, tok_e, keys, ntok, gstarts, gends, first)


@pytest.mark.parametrize("seed", range(6))
def test_random_views_match_the_numpy_path(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = _model(_weights(rng))
    for chars, units in ((400, 30), (60, 25), (1, 1), (0, 0), (300, 3)):
        v = _random_view(rng, chars, units)
        _assert_same(m, (v,), len(v.gstarts))
    # several views, and units that no view holds (they score the bias)
    a = _random_view(rng, 300, 20, first=2)
    b = _random_view(rng, 200, 10, first=2 + len(a.gstarts))
    n = 2 + len(a.gstarts) + len(b.gstarts) + 3
    _assert_same(m, (a, b), n)
    assert _compiled(m, (a, b), n)[2][[0, 1, -1]].tolist() == [0, 0, 0]


@pytest.mark.parametrize("kinds", [("words",), ("punct",), ("edges",), ("punct", "edges")])
def test_each_kind_alone_matches_the_numpy_path(kinds: tuple[str, ...]) -> None:
    rng = np.random.default_rng(11)
    m = _model(_weights(rng), kinds)
    v = _random_view(rng, 500, 40)
    _assert_same(m, (v,), len(v.gstarts))


def test_units_without_tokens_digits_and_astral_characters() -> None:
    """Real text through ``extract_batch``: digit runs (collapsed by length, also as
    first or last word), units of marks only, astral letters and symbols, a one-letter
    document."""
    texts = [
        "Titel der Seite\n\nLesen Sie auch: 2024 Wahl 12345\n\n» | ©\n\n"
        "Der Rat hat am Montag (٣٤ Stimmen) 12ab getagt 7",
        "𝐀𝐁𝐂 is a bold title\n\n😀 😀 !\n\nΣίσυφος İstanbul ﬁne 99\n\n---",
        "中文新闻标题\n\n这是一篇文章。\n\n© 2024",
        "x",
    ]
    rng = np.random.default_rng(3)
    m = _model(_weights(rng))
    fb = extract_batch(texts, default_chrome().resources)
    n = int(fb.bounds[-1])
    _assert_same(m, fb.tokens, n)
    cp = np.concatenate([v.cp for v in fb.tokens])
    assert (cp > 0xFFFF).any()  # the astral characters reached the view
    counts = _compiled(m, fb.tokens, n)[2]
    assert counts.min() >= 2  # every unit has at least its two edge characters


@pytest.mark.parametrize(
    ("neighbours", "coverage", "min_coverage"),
    [(True, True, 0.5), (True, False, 0.0), (False, True, 0.0), (False, False, 0.3)],
)
def test_columns_are_the_numpy_columns(
    monkeypatch: pytest.MonkeyPatch, neighbours: bool, coverage: bool, min_coverage: float
) -> None:
    """``tasks.kernels.lexical_columns`` against ``finish_columns`` and its steps, with
    an empty and a one-unit document among the others."""
    texts = [
        "Headline here\n\nRead more: newsletter\n\nThe council met on Monday 1999 and voted.",
        "Short",
        "",
        "Another page\n\n© 2024 Publisher | Imprint | Privacy\n\nBody text of the story.",
    ]
    rng = np.random.default_rng(5)
    m = replace(
        _model(_weights(rng)),
        foreign_neutral=True,
        min_words=3,
        neighbours=neighbours,
        coverage=coverage,
        min_coverage=min_coverage,
    )
    fb = extract_batch(texts, default_chrome().resources)
    x = fb.all.matrix
    foreign = rng.random(len(x)) < 0.2
    log_words = np.log1p(rng.integers(0, 6, len(x)).astype(np.float64))
    got = m.columns(fb.tokens, fb.bounds, foreign, log_words)
    assert m.unit_sums(fb.tokens, int(fb.bounds[-1])) is not None
    monkeypatch.setattr(lexical, "compiled_kernels", lambda: None)
    assert m.unit_sums(fb.tokens, int(fb.bounds[-1])) is None
    want = m.columns(fb.tokens, fb.bounds, foreign, log_words)
    assert got.shape == want.shape == (len(x), len(m.names))
    np.testing.assert_array_equal(got, want)


def test_what_the_kernel_lacks_goes_to_the_numpy_path() -> None:
    rng = np.random.default_rng(9)
    w = _weights(rng)
    v = _random_view(rng, 300, 12)
    for kinds in (("words", "bigrams"), ("words", "prev")):
        assert _model(w, kinds).unit_sums((v,), len(v.gstarts)) is None
    # spans out of order, or overlapping: a mark belongs to the unit ``_unit_of`` finds
    m = _model(w)
    for gstarts, gends in (([5, 0], [9, 4]), ([0, 3], [6, 9])):
        s, e = np.array(gstarts, dtype=np.int64), np.array(gends, dtype=np.int64)
        odd = replace(v, gstarts=s, gends=e, ntok=np.zeros(2, dtype=np.int64))
        odd = replace(odd, tok_s=v.tok_s[:0], tok_e=v.tok_e[:0], keys=v.keys[:0])
        assert m.unit_sums((odd,), 2) is None
        cols = m.columns((odd,), np.array([0, 2]))
        assert cols.shape == (2, 4) and np.isfinite(cols).all()
