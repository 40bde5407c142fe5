"""Segmentation into units (non-blank stripped lines) and its vectorised spans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tasks.segment import segment


def _reference(text: str) -> list[tuple[str, int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            out.append((stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def test_close_button_glued_by_one_newline_is_its_own_unit() -> None:
    text = "Title\n\nBody text here.\n\nX\nSitelerimizde çerezler kullanılmaktadır.\n"
    assert [b.text for b in segment(text)] == [
        "Title",
        "Body text here.",
        "X",
        "Sitelerimizde çerezler kullanılmaktadır.",
    ]


def test_offsets_point_at_the_stripped_line() -> None:
    text = "  a b  \n\n\t\n   c\r\n"
    blocks = segment(text)
    assert [(b.text, b.start, b.end) for b in blocks] == [("a b", 2, 5), ("c", 14, 15)]
    assert all(text[b.start : b.end] == b.text for b in blocks)


def test_empty_and_blank_texts_have_no_units() -> None:
    assert segment("") == []
    assert segment(" \n\n\t \u3000\n") == []


def test_astral_characters_keep_offsets_in_code_points() -> None:
    text = "😀 emoji line\n\n𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters"
    blocks = segment(text)
    assert [b.text for b in blocks] == ["😀 emoji line", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters"]
    assert all(text[b.start : b.end] == b.text for b in blocks)


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\u00a0\u2028X😀é")), max_size=60))
def test_segment_matches_split_and_strip(text: str) -> None:
    assert [(b.text, b.start, b.end) for b in segment(text)] == _reference(text)


def test_blocks_built_slot_by_slot_equal_the_dataclass_ones() -> None:
    import pickle

    from tasks.records import Block
    from tasks.segment import make_blocks

    built = make_blocks(["a", "b c"], [0, 3], [1, 6])
    plain = [Block(0, "a", 0, 1), Block(1, "b c", 3, 6)]
    assert built == plain and [hash(b) for b in built] == [hash(b) for b in plain]
    assert pickle.loads(pickle.dumps(built)) == plain
