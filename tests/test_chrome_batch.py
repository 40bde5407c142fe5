"""The batch separator gives what the per-document one gives, and hashed tokens what the
token strings give."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.chars import ALNUM, char_classes
from tasks.chrome import default_chrome, freeze_results, separate, separate_many
from tasks.features import _duplicates, extract, extract_many
from tasks.records import Block, Separation
from tasks.segment import segment
from tasks.templates import line_hash
from tasks.tokens import Hasher, HashTable, run_keys
from tests.conftest import fresh_python

CASES = Path(__file__).parent / "chrome_cases"
_TEXTS = sorted(p.read_text(encoding="utf-8") for p in CASES.glob("*.txt"))
_TRICKY = (
    "İSTANBUL'DA ÇEREZ politikası\n\nKABUL ET\n\nΟ ΚΟΣΜΟΣ ΣΟΦΟΣ σοφός ΟΔΟΣ.\n"
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 x 𐐀𐐁 word\n" + "a" * 300 + "\nStraße STRASSE ǅemal ﬁn"
)


def _same(a: Separation, b: Separation) -> None:
    assert a.decisions == b.decisions
    assert (a.title, a.title_position, a.language, a.site_name) == (
        b.title,
        b.title_position,
        b.language,
        b.site_name,
    )
    assert a.language_confidence == b.language_confidence
    assert a.blocks == b.blocks


def _same_features(texts: list[str], **kw: object) -> None:
    res = default_chrome().resources
    many = extract_many(texts, res, **kw)  # type: ignore[arg-type]
    for i, t in enumerate(texts):
        one_kw = {
            "has_title": kw["has_title"][i] if "has_title" in kw else True,  # type: ignore[index]
            "known_title": kw["known_titles"][i] if "known_titles" in kw else None,  # type: ignore[index]
            "spans": kw["spans"][i] if "spans" in kw else None,  # type: ignore[index]
        }
        one = extract(t, res, **one_kw)  # type: ignore[arg-type]
        assert many[i].language == one.language
        assert many[i].texts == one.texts
        assert many[i].matrix.tobytes() == np.ascontiguousarray(one.matrix).tobytes() or (
            np.array_equal(many[i].matrix, one.matrix)
        )
        for name in ("starts", "ends", "heuristic", "lexicon", "close", "offscript", "stop"):
            assert np.array_equal(getattr(many[i], name), getattr(one, name)), name


def test_batch_equals_one_by_one_on_the_cases() -> None:
    texts = [*_TEXTS, "", " \n\t\n", "X", _TRICKY, *_TEXTS[:2]]
    for size in (1, 3, 64):
        got = separate_many(texts, batch_size=size)
        for t, sep in zip(texts, got, strict=True):
            _same(sep, separate(t))
    _same_features(texts)


def test_batch_with_blocks_titles_and_templates() -> None:
    texts = [*_TEXTS, _TRICKY]
    blocks = [segment(t) for t in texts]
    blocks[1] = None  # type: ignore[call-overload]  # this one segmented inside
    hashes = [None if b is None else [line_hash(x.text) for x in b] for b in blocks]
    site = frozenset(line_hash(b.text) for b in segment(_TEXTS[0])[:4])
    titled = [i % 2 == 0 for i in range(len(texts))]
    known = [None, "A known title | Site", None, "経済ニュース - 日本", "Kapat"]
    sites = [site, frozenset(), site, site, frozenset()]
    got = separate_many(
        texts,
        sites,
        titled,
        blocks,
        known,
        line_hashes=hashes,
        threshold=0.4,
        batch_size=4,
    )
    for i, t in enumerate(texts):
        one = separate(
            t,
            sites[i],
            titled[i],
            blocks[i],
            known[i],
            threshold=0.4,
            line_hashes=hashes[i],
        )
        _same(got[i], one)
    spans = [
        None if b is None else (np.array([x.start for x in b]), np.array([x.end for x in b]))
        for b in blocks
    ]
    _same_features(texts, has_title=titled, known_titles=known, spans=spans)


def test_units_out_of_order_are_computed_alone() -> None:
    text = "Erste Zeile hier\nZweite Zeile mit mehr Text, die weitergeht.\nDritte"
    blocks = segment(text)
    odd = [Block(0, blocks[1].text, blocks[1].start, blocks[1].end), blocks[0], blocks[2]]
    texts = [_TEXTS[0], text, _TEXTS[1]]
    got = separate_many(texts, blocks=[None, odd, None], batch_size=8)  # type: ignore[list-item]
    _same(got[1], separate(text, blocks=odd))
    _same(got[0], separate(_TEXTS[0]))
    _same(got[2], separate(_TEXTS[1]))


def _token_codes(text: str, table: dict[str, int]) -> tuple[list[int], list[int]]:
    cp, cls = char_classes(text)
    alnum = (cls & ALNUM) != 0
    starts = np.empty_like(alnum)
    starts[:1] = alnum[:1]
    np.greater(alnum[1:], alnum[:-1], out=starts[1:])
    _, _, keys = run_keys(Hasher(text, cp), alnum, starts)
    hashed = HashTable.of_words(table).get(keys).tolist()
    plain = [table.get(w, 0) for w in _words(text)]
    return hashed, plain


def _words(text: str) -> list[str]:
    """The tokens as the features define them: alnum runs, then lowercased (``İ`` gives
    ``i̇``, with a combining dot that is not alnum but stays in its word)."""
    return "".join(c if c.isalnum() else " " for c in text).lower().split()


def test_hashed_tokens_find_what_the_strings_find() -> None:
    res = default_chrome().resources
    for lang in ("tr", "el", "de", "en"):
        table = dict(res.lookup(lang)[0])
        # the text's own words as entries too: every token must be found, with its value
        for i, w in enumerate(_words(_TRICKY)):
            table.setdefault(w, 1 << 40 | i)
        hashed, plain = _token_codes(_TRICKY, table)
        assert hashed == plain
        assert len(plain) >= 20 and all(plain)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.lists(st.text(min_size=1, max_size=6), max_size=20))
def test_hashed_tokens_any_text(text: str, words: list[str]) -> None:
    table = {w.lower(): i + 1 for i, w in enumerate(words)}
    table.update({w: 99 for w in _words(text)[:5]})
    hashed, plain = _token_codes(text, table)
    assert hashed == plain


def test_duplicates_survive_hash_collisions() -> None:
    texts = ["a", "b", "a", "c", "b", "a", "a", "d"]
    docs = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    truth = [texts[:4].count(t) - 1 for t in texts[:4]] + [
        texts[4:].count(t) - 1 for t in texts[4:]
    ]
    honest = np.array([hash(t) for t in texts], dtype=np.int64).view(np.uint64)
    for key in (honest, np.zeros(len(texts), dtype=np.uint64)):  # all keys colliding
        assert _duplicates(texts, key, docs, 2).tolist() == truth
    assert _duplicates(texts[:4], honest[:4], docs[:4], 1).tolist() == truth[:4]


def test_a_failing_batch_is_redone_one_document_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug that breaks the batch call costs only the document at fault."""
    import tasks.chrome
    import tasks.process
    from tasks.discover import discover
    from tasks.settings import load_settings

    for i, t in enumerate(_TEXTS):
        (tmp_path / f"{i}.txt").write_text(t, encoding="utf-8")
    (tmp_path / "bad.txt").write_text("Poison title\n\nPoison body line here.\n", encoding="utf-8")
    files, _ = discover(tmp_path)
    settings = load_settings(workers=0)
    good = tasks.process.process_batch(files, settings)
    real = tasks.chrome.separate_many

    def fragile(texts: list[str], *a: object, **k: object) -> list[Separation]:
        if any(t.startswith("Poison") for t in texts):
            raise RuntimeError("boom")
        return real(texts, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(tasks.process, "separate_many", fragile)
    monkeypatch.setattr(tasks.chrome, "separate_many", fragile)  # separate() goes through it
    res = tasks.process.process_batch(files, settings)
    assert [(r.source_path, r.stage, r.reason) for r in res.rejects] == [
        ("bad.txt", "separate", "error")
    ]
    assert "boom" in res.rejects[0].detail
    assert sorted(a.title for a in res.articles) == sorted(
        a.title for a in good.articles if a.title != "Poison title"
    )


_GARBAGE_CHECK = """
import gc, sys
from tasks.chrome import separate_many
from tasks.segment import segment
from tasks.templates import line_hash
texts = sys.stdin.read().split("\\f")
blocks = [segment(t) for t in texts]
sites = [frozenset({1, line_hash("X")})] * len(texts)
# warm-up with the same calls: per-language tables and, with a cold numba cache, the
# kernels' compilation (which leaves garbage cycles of its own) happen on first use
separate_many(texts, blocks=blocks)
separate_many(texts, template_hashes=sites)
gc.collect()
gc.disable()
made = separate_many(texts, blocks=blocks)
made += separate_many(texts, template_hashes=sites)
assert len(made) == 2 * len(texts)
del made
found = gc.collect()
assert found == 0, f"{found} objects in cycles"
print("ok")
"""


def test_a_batch_leaves_no_cyclic_garbage() -> None:
    """``separate_many`` freezes what a call of several documents leaves alive
    (``tasks.chrome._collector_paused``): that is only sound while its records hold no
    cycles, i.e. while reference counting alone frees all of it. In a fresh interpreter:
    with the collector off, garbage made meanwhile by the test session's other threads
    (a Prefect test server) would be counted too."""
    done = fresh_python(_GARBAGE_CHECK, "\f".join([*_TEXTS, _TRICKY]))
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


_FREEZE_CHECK = """
import gc, sys
from tasks.chrome import freeze_results, separate_many
texts = sys.stdin.read().split("\\f")
separate_many(texts)  # warm-up: caches built on first use stay (and stay frozen)
before = gc.get_freeze_count()
seps = separate_many(texts)
assert gc.get_freeze_count() == before, "frozen without opting in"
del seps
freeze_results()  # what the run's pool workers do when they start
separate_many(texts)  # the first frozen call also freezes what lived before it
before = gc.get_freeze_count()
seps = separate_many(texts)
assert gc.isenabled()
assert gc.get_freeze_count() > before + len(seps), "nothing frozen"  # a Separation each, at least
del seps
assert gc.get_freeze_count() == before, "frozen records outlive the results"
print("ok")
"""


def test_frozen_records_are_freed_with_the_results() -> None:
    """Nothing is frozen unless the process opted in (``freeze_results``, as the run's
    pool workers do); then what a batch call freezes leaves the collector's permanent
    generation again when the caller drops the results, and the collector is on again
    after the call. In a fresh interpreter: the freeze needs a process with one thread
    (the test session may have others running)."""
    done = fresh_python(_FREEZE_CHECK, "\f".join([*_TEXTS, _TRICKY]))
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_nothing_is_frozen_while_another_thread_runs() -> None:
    """With another thread alive (a threaded or Dask runner), its objects could be frozen
    half-way: ``separate_many`` then only pauses the collector."""
    texts = [*_TEXTS, _TRICKY]
    separate_many(texts)  # warm-up
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    freeze_results()  # opted in, as a pool worker: the other thread still prevents it
    try:
        before = gc.get_freeze_count()
        seps = separate_many(texts)
        assert len(seps) == len(texts) and gc.get_freeze_count() == before
    finally:
        freeze_results(False)
        stop.set()
        other.join()
