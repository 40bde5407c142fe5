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


def test_clean_blocks_match_the_python_path(kernels) -> None:  # type: ignore[no-untyped-def]
    """``templates.clean_blocks`` (one compiled pass: lines, casefolds, BLAKE2b) gives
    ``segment`` and ``block_norms`` / ``norm_hashes`` of the Python path, on texts with
    characters that fold to several (ß, ŉ, ﬁ, İ), lines past one 128-byte BLAKE2b block
    and exactly at its edges, emoji and cased letters of plane 1 (Deseret, Adlam); a
    text beyond plane 1 is left to the Python path."""
    from tasks.decode import clean_text
    from tasks.segment import segment
    from tasks.templates import block_norms, clean_blocks, line_hash, norm_hashes

    rng = random.Random(5)
    alphabet = "ab ßẞİıΣσςﬁǅŉ日本\n\n xé€Ω\U0001f600\U00010400\U0001e900"
    texts = ["", "\n", "a", "ab", "x" * 127, "x" * 128, "é" * 64, "x" * 129, "ß" * 200]
    texts += [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 700))) for _ in range(400)
    ]
    for text in map(clean_text, texts):
        got = clean_blocks(text)
        assert got is not None
        blocks, every, distinct, norms = got
        assert blocks == segment(text)
        assert norms == block_norms(text, blocks, clean=True) == [b.text.casefold() for b in blocks]
        assert (every, distinct) == norm_hashes(blocks, norms)
        assert every == [line_hash(b.text) for b in blocks]
    assert clean_blocks("a \U00020000 b") is None  # a CJK extension B character


def test_no_character_beyond_plane_1_changes_under_casefold() -> None:
    """What ``fold_tables`` covers (planes 0 and 1) holds every casefold that changes a
    character, so a text beyond it is left to Python only for speed, never for values."""
    assert all(chr(c).casefold() == chr(c) for c in range(0x20000, 0x110000))
