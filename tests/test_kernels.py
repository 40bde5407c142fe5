"""The compiled kernels (``tasks.kernels``) give the same floats as the numpy code they
stand in for, and the separator leaves the garbage collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from tasks import chrome, context, features, language, segment, tokens
from tasks.chars import ALNUM, char_classes
from tasks.chrome import TreeEnsemble, default_chrome, separate_many
from tasks.context import context_features_many, context_features_numpy
from tasks.tokens import HashTable, compiled_kernels, string_keys

kernels = pytest.importorskip("tasks.kernels")


def test_pairwise_sum_is_numpys_sum_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    a = rng.standard_normal(300) * 10.0 ** rng.integers(-8, 8, 300)
    for n in range(kernels.PAIRWISE_MAX + 1):
        for lo in (0, 3, 11):
            assert kernels.pairwise_sum(a, lo, n) == a[lo : lo + n].sum(), (lo, n)


def _random_ensemble(rng: np.random.Generator, trees: int, depth: int, feats: int) -> TreeEnsemble:
    """Complete trees of ``depth`` levels in the flat layout (children adjacent, leaves
    pointing to themselves with an infinite threshold), some splits cut short."""
    feature, threshold, left, value, roots = [], [], [], [], []
    for _ in range(trees):
        roots.append(len(feature))
        level = [len(feature)]
        feature.append(0)
        threshold.append(0.0)
        left.append(0)
        value.append(0.0)
        for d in range(depth + 1):
            nxt = []
            for k in level:
                if d == depth or rng.random() < 0.2:  # a leaf
                    feature[k], threshold[k], left[k] = 0, np.inf, k
                    value[k] = float(rng.standard_normal())
                    continue
                feature[k] = int(rng.integers(feats))
                threshold[k] = float(np.round(rng.standard_normal(), 1))
                left[k] = len(feature)
                for _ in range(2):
                    nxt.append(len(feature))
                    feature.append(0)
                    threshold.append(0.0)
                    left.append(0)
                    value.append(0.0)
            level = nxt
    return TreeEnsemble(
        np.array(feature, dtype=np.intp),
        np.array(threshold),
        np.array(left, dtype=np.intp),
        np.array(value),
        np.array(roots, dtype=np.intp),
        depth,
        float(rng.standard_normal()),
    )


@pytest.mark.parametrize("trees", [1, 7, 8, 100, 128])
def test_tree_kernel_matches_the_numpy_walk(trees: int) -> None:
    rng = np.random.default_rng(trees)
    ens = _random_ensemble(rng, trees, 6, 9)
    # values on and next to the thresholds, infinities and NaN (compares false)
    x = np.round(rng.standard_normal((500, 9)), 1)
    x[::17, 2] = np.nan
    x[::23, 4] = np.inf
    assert compiled_kernels() is not None
    got, ref = ens.raw(x), ens.raw_numpy(x)
    assert got.tobytes() == ref.tobytes()
    # some rows, read where they are in a row- or column-major matrix or a strided view
    rows = np.flatnonzero(rng.random(len(x)) < 0.4)
    for layout in (x, np.asfortranarray(x), np.hstack([x, x])[:, : x.shape[1]]):
        assert ens.raw(layout, rows).tobytes() == ens.raw_numpy(x[rows]).tobytes()


def test_tree_kernel_on_the_shipped_model() -> None:
    trees = default_chrome().model.trees
    assert trees is not None
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2000, len(default_chrome().model.mean)))
    x[:, :40] = np.abs(x[:, :40]) * 3  # counts and shares are not negative
    assert trees.raw(x).tobytes() == trees.raw_numpy(x).tobytes()


def test_table_kernel_matches_the_numpy_lookup() -> None:
    rng = np.random.default_rng(5)
    words = {f"w{i}": int(v) for i, v in enumerate(rng.integers(1, 1000, 3000))}
    table = HashTable.of_words(words)
    asked = [f"w{i}" for i in rng.integers(0, 6000, 20000)]  # half of them absent
    keys = string_keys(asked)
    got, ref = table.get(keys), table.get_numpy(keys)
    assert got.tolist() == ref.tolist() == [words.get(w, 0) for w in asked]


def test_context_kernel_matches_the_numpy_columns() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        lens = rng.integers(0, 30, rng.integers(1, 6))  # empty and one-unit documents too
        cuts = np.concatenate(([0], np.cumsum(lens)))
        n = int(cuts[-1])
        p = rng.random(n)
        p[rng.random(n) < 0.2] = 0.5  # ties (ranks) and the high / not-high edge
        x = rng.random((n, len(default_chrome().model.mean))) * 5
        got = context_features_many(p, x, cuts, extra=True)
        ref = context_features_numpy(p, x, cuts, extra=True)
        assert got.tobytes() == ref.tobytes()


_CASES = Path(__file__).parent / "chrome_cases"


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(_CASES.glob("*.txt"))]
    # odd characters for the hasher (İ, final sigma, astral), a lone close button
    texts.append("İstanbul ΟΔΟΣ haber\n\nX\n\nΣήμερα είναι μια καλή μέρα 𝔘𝔫𝔦 😀 ok.\n")
    return texts


def _without_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    for mod in (tokens, features, context, chrome, segment, language):
        monkeypatch.setattr(mod, "compiled_kernels", lambda: None)


def test_features_and_decisions_are_the_same_without_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _texts()
    res = default_chrome().resources
    with_k = [features.extract(t, res) for t in texts] + features.extract_many(texts, res)
    seps = separate_many(texts, batch_size=3)
    _without_kernels(monkeypatch)
    without = [features.extract(t, res) for t in texts] + features.extract_many(texts, res)
    for a, b in zip(with_k, without, strict=True):
        assert a.matrix.tobytes() == b.matrix.tobytes()
        assert a.lexicon.tolist() == b.lexicon.tolist()
    assert separate_many(texts, batch_size=3) == seps


def test_line_spans_kernel_matches_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    alphabet = list("ab X.\n\n\t\r\u3000\u00a0é")
    texts = ["".join(rng.choice(alphabet, int(rng.integers(0, 80)))) for _ in range(300)]
    texts += ["", "\n", "x", "  x  \n\n y"]
    got = [segment.line_units(t) for t in texts]
    _without_kernels(monkeypatch)
    assert [segment.line_units(t) for t in texts] == got
    assert got[-1] == ([2, 8], [3, 9], ["x", "y"])


def test_duplicate_counts_match_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["Share", "share", "Teilen", "Home", "A longer line of text.", "x", "ẞ", "ß"]
    rng = np.random.default_rng(4)
    texts = ["\n".join(rng.choice(lines, int(rng.integers(1, 40))).tolist()) for _ in range(20)]
    res = default_chrome().resources
    got = features.extract_many(texts, res) + [features.extract(t, res) for t in texts]
    _without_kernels(monkeypatch)
    ref = features.extract_many(texts, res) + [features.extract(t, res) for t in texts]
    col = features.FEATURE_NAMES.index("log_duplicates")
    for a, b in zip(got, ref, strict=True):
        assert a.matrix[:, col].tobytes() == b.matrix[:, col].tobytes()
    assert max(float(a.matrix[:, col].max()) for a in got) > 1.0


def test_hasher_kernel_matches_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(_texts())
    cp, _ = char_classes(text)
    a = tokens.Hasher(text, cp)
    _without_kernels(monkeypatch)
    b = tokens.Hasher(text, cp)
    assert a.acc.tobytes() == b.acc.tobytes() and a.odd.tolist() == b.odd.tolist()
    assert a.odd.any()


def test_no_writable_cache_folder_means_the_numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # numba raises RuntimeError at decoration when it finds no cache folder; the module
    # then fails to import, and compiled_kernels() gives None (the stages' numpy path)
    def njit(*args: object, **kw: object) -> object:
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(kernels.numba, "njit", njit)
    with pytest.raises(ImportError, match="NUMBA_CACHE_DIR"):
        kernels._jit(lambda v: v * 2)


@pytest.mark.parametrize("enabled", [True, False])
def test_separate_many_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        seps = separate_many(["Title\n\nSome text here.\n\nX"] * 3)
        assert len(seps) == 3
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_text_scan_matches_the_numpy_steps() -> None:
    rng = np.random.default_rng(6)
    alphabet = list("ab X.\n\n\t\u3000é-İΣ") + ["😀", "漢"]
    texts = ["".join(rng.choice(alphabet, int(rng.integers(1, 60)))) for _ in range(200)]
    texts += _texts()[:-1] + ["x", "\n", " 😀 ", "İİ Σς", "a😀b\n\n😀"]
    for text in texts:
        sc = tokens.scan(text)
        assert sc is not None
        cp, cls = char_classes(text)
        nl = np.cumsum(cp == 10, dtype=np.int32)
        alnum = (cls & ALNUM) != 0
        ws = np.concatenate((alnum[:1], alnum[1:] > alnum[:-1]))
        hasher = tokens.Hasher(text, cp)
        tok_s, tok_e, keys = tokens.run_keys(hasher, alnum, ws)
        want = [cp, cls, nl, ws, hasher.acc, hasher.odd, tok_s, tok_e, keys]
        got = [sc.cp, sc.cls, sc.nl, sc.ws, sc.hasher.acc, sc.hasher.odd, sc.tok_s, sc.tok_e]
        got.append(sc.hasher.keys(sc.tok_s, sc.tok_e, sc.odd_tok))
        for a, b in zip(got, want, strict=True):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), text
    # an astral letter (or none at all): the numpy steps
    assert tokens.scan("𝔘𝔫𝔦 ok") is None and tokens.scan("") is None


def test_per_document_tables_match_each_tables_lookup() -> None:
    res = chrome.load_resources()
    langs = ("de", "en", "fr")
    rng = np.random.default_rng(8)
    words = [w for lang in langs for w in list(res.lookup(lang)[0])[:300]] + ["zzzq", "xx"]
    bounds = np.array([0, 500, 500, 1400, 2000], dtype=np.int64)  # one document empty
    doc_table = np.array([2, 0, 1, 0], dtype=np.int64)
    query = string_keys([words[i] for i in rng.integers(0, len(words), 2000)])
    res.hashed_joined(("it", "de"))  # tables joined earlier stay where they are
    joined, number = res.hashed_joined(langs)
    assert number.tolist() == [1, 2, 3] and res.hashed_joined(langs)[0] is joined
    got = kernels.table_get_docs(*joined, number[doc_table], bounds, query)
    for d, j in enumerate(doc_table.tolist()):
        a, b = bounds[d], bounds[d + 1]
        assert got[a:b].tolist() == res.hashed(langs[j])[0].get_numpy(query[a:b]).tolist()
    assert got.any()


def test_language_counts_match_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = default_chrome().resources.stop
    rng = np.random.default_rng(9)
    masks = np.array(list(stop.masks.values()), dtype=np.int64)[rng.integers(0, 5000, 3000)]
    masks[::7] = 0  # tokens that are no stopword
    bounds = [0, 0, 700, 701, 701, 2500, 3000]  # empty documents among them
    got = language.detect_many(stop, masks, bounds)
    monkeypatch.setattr(language, "compiled_kernels", lambda: None)
    assert language.detect_many(stop, masks, bounds) == got
    assert got[1][0] != "und" and got[0] == ("und", 0.0)


def test_marks_kernel_finds_what_str_find_finds() -> None:
    rng = np.random.default_rng(12)
    # pieces of the marks and whole ones, glued at random (matches overlapping pieces)
    pieces = ["http://", "https://", "www.", "ww", "http", "https", ":/", "/", "s", "."]
    pieces += ["©", "h", "w", "x", " ", "😀", "漢"]
    texts = ["".join(rng.choice(pieces, int(rng.integers(1, 30)))) for _ in range(3000)]
    texts += ["http://a https://b www.c © wwww. httpss:// http:/ www", "www.", "©", "http://"]
    texts += [t[:k] for t in ("https://x.org", "http://x") for k in range(len(t) + 1)]
    texts += _texts()
    found = 0
    for text in texts:
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        links, signs = kernels.find_marks(cp)
        want_links = features._find_all(text, features._LINK_MARKS, 4)
        assert sorted(links.tolist()) == sorted(want_links), text
        assert signs.tolist() == features._find_all(text, ("©",), 1), text
        found += len(want_links)
    assert found > 3000


def test_run_keys_kernel_matches_the_numpy_keys() -> None:
    rng = np.random.default_rng(13)
    for text in _texts():
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        hasher = tokens.Hasher(text, cp)
        starts = np.sort(rng.integers(0, len(cp), 500))
        ends = np.minimum(starts + rng.integers(0, 30, 500), len(cp))
        want = tokens.token_keys(hasher.raw(starts, ends), ends - starts)
        got = kernels.run_keys(hasher.acc, hasher.down, starts, ends, tokens._LEN_MIX)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
        assert hasher.keys(starts, ends, np.zeros(0, dtype=np.int64)).tobytes() == want.tobytes()


def test_network_kernels_match_numpy() -> None:
    rng = np.random.default_rng(14)
    x = rng.standard_normal((300, 9)) * 50
    x[::7, 3] = np.nan
    x[::11, 5] = -np.inf
    x[::13, 1] = -0.0
    mean = rng.standard_normal(9).astype(np.float32)
    inv = rng.random(9).astype(np.float32)
    want = x.astype(np.float32)
    want -= mean
    want *= inv
    for layout in (x, np.asfortranarray(x)):
        column_major = bool(layout.flags.f_contiguous)
        z = np.empty(x.shape, dtype=np.float32, order="F" if column_major else "C")
        kernels.standardize(layout, mean, inv, z, column_major)
        assert z.tobytes(order="C") == want.tobytes(order="C")
    h = np.where(np.isfinite(want), want, 1.0) @ rng.standard_normal((9, 5)).astype(np.float32)
    h[::5, 2] = np.nan
    b = rng.standard_normal(5).astype(np.float32)
    ref = h + b
    np.maximum(ref, 0.0, out=ref)
    kernels.bias_relu(h, b)
    assert h.tobytes() == ref.tobytes()


def test_cue_kernel_counts_what_the_regexes_find() -> None:
    rng = np.random.default_rng(15)
    # digits (ASCII, Arabic-Indic, a mathematical bold one beyond the BMP), the patterns'
    # marks, a space and letters, glued at random: every branch and backtrack of both
    units = ["".join(rng.choice(list("0123456789./-:– a٣x") + ["𝟗"], rng.integers(0, 26)))]
    units += ["".join(rng.choice(list("09./-:– a٣x²"), int(k))) for k in rng.integers(0, 26, 4000)]
    units += ["12.3.2024", "2024-01-31", "9:45", "12:3", "1 - 2", "10–12 3", "1.2.34 5:55"]
    text = "\n".join(units)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    lens = np.array([len(u) for u in units])
    starts = np.cumsum(lens + 1) - lens - 1
    got = kernels.cue_matches(cp, features.decimal_table(), starts, starts + lens)
    want = [[len(rx.findall(u)) for u in units] for rx in (features._DATE_RX, features._SCORE_RX)]
    assert got.tolist() == want
    assert min(sum(w > 0 for w in row) for row in want) > 40  # both patterns fire


def test_feature_tail_kernel_matches_numpy_with_empty_and_one_unit_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _texts()
    head = texts[0].strip().split("\n", 1)[0]
    texts = ["", "One line only", *texts[:3], "", f"Title\n\n{head}\n\n12.3.2024 9:45", "x"]
    res = default_chrome().resources
    titled = [i % 2 == 0 for i in range(len(texts))]
    known = [None if t else head for t in titled]
    got = features.extract_batch(texts, res, titled, known)
    _without_kernels(monkeypatch)
    ref = features.extract_batch(texts, res, titled, known)
    assert got.all.matrix.tobytes() == ref.all.matrix.tobytes()
    assert got.bounds.tolist() == ref.bounds.tolist() and 0 in np.diff(got.bounds)
    assert got.all.matrix[:, features.FEATURE_NAMES.index("has_headline")].any()
