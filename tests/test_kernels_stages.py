"""The stages' compiled kernels give the values of the numpy path they stand in for."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tasks import dedup

pytest.importorskip("numba")


@pytest.fixture
def kernels():  # type: ignore[no-untyped-def]
    k = dedup.stage_kernels()
    if k is None:
        pytest.skip("compiled kernels are off here")
    return k


def _numpy_path(bodies: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setattr(dedup, "stage_kernels", lambda: None)
    try:
        return dedup.word_hashes(bodies), dedup.signatures(bodies)
    finally:
        monkeypatch.undo()


def test_word_hashes_and_signatures_match_numpy(kernels, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    alphabet = "ab ç  日本é€ \u00ad x"
    bodies = ["", " ", "a", "a b", " lead", "trail ", "two  spaces", "één woord", "x y z w"]
    bodies += [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60))) for _ in range(200)
    ]
    (w0, c0), sig0 = _numpy_path(bodies, monkeypatch)
    w1, c1 = dedup.word_hashes(bodies)
    assert w1.dtype == w0.dtype == np.uint64
    assert np.array_equal(c1, c0)
    assert np.array_equal(w1, w0)
    assert dedup.signatures(bodies) == sig0
    assert dedup.word_hashes([])[1].tolist() == []


def test_crc_table_is_zlibs() -> None:
    import zlib

    from tasks.kernels_stages import crc_table

    t = crc_table()
    # crc32 of one byte b from the register 0 after inversion: table[b ^ 0xFF] ^ 0xFFFFFF
    for b in range(256):
        assert zlib.crc32(bytes([b])) == (int(t[(0xFFFFFFFF ^ b) & 0xFF]) ^ 0xFFFFFF) ^ 0xFFFFFFFF


def test_word_count_matches_numpy(kernels) -> None:  # type: ignore[no-untyped-def]
    import re

    from tasks import fields

    rng = random.Random(11)
    alphabet = "ab_- '’日本한かZ9.\n\U0001f600é"
    texts = ["", "a", "-", "a-b", "a--b", "'a'", "x’s", "日本語", "one two-three four's"]
    texts += [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(2000)
    ]
    for t in texts:
        assert fields.word_count(t) == (fields._word_count(t) if t else 0)
    word = re.compile(r"\w+(?:[-'’]\w+)*")
    cjk = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
    for t in texts:
        assert fields.word_count(t) == len(word.findall(cjk.sub(" ", t))) + len(cjk.findall(t))
