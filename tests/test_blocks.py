"""A document's blocks as columns (``tasks.records.Blocks``): the same sequence of
``Block`` records as before, whose records the run's text path never makes."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.chrome import separate, separate_many
from tasks.decode import clean_text
from tasks.normalize import article_rows
from tasks.records import Block, Blocks, Decisions, Decoded, Separation
from tasks.segment import join_blocks, segment
from tasks.templates import block_norms, clean_blocks, norm_hashes

_CASES = Path(__file__).parent / "chrome_cases"
_TEXT = (
    "A headline about the harbour\n\nThe council met on Tuesday to discuss the harbour.\n"
    "It decided to repair the old pier\nbefore the summer season starts.\n\n"
    "Share\nTweet\n\nAll rights reserved.\n"
)

_texts = st.text(alphabet=st.sampled_from(list("ab ßİ\n\n\t.")), min_size=0, max_size=60)


def _records(text: str) -> list[Block]:
    """Block records built one by one from the lines, as before ``Blocks``."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            out.append(Block(len(out), stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def test_blocks_are_a_sequence_of_the_same_records() -> None:
    blocks, records = segment(_TEXT), _records(_TEXT)
    assert isinstance(blocks, Blocks)
    assert blocks == records and blocks == tuple(records) and records == list(blocks)
    assert hash(blocks) == hash(tuple(records))
    assert len(blocks) == len(records)
    assert blocks[2] == records[2] and blocks[-1] == records[-1]
    assert blocks.index(records[3]) == 3 and records[1] in blocks
    assert list(reversed(blocks)) == records[::-1]
    assert blocks != records[:-1] and blocks != "not blocks"


def test_a_slice_is_blocks_of_the_sliced_columns() -> None:
    blocks, records = segment(_TEXT), _records(_TEXT)
    for part in (slice(1, 4), slice(None, None, 2), slice(5, 2), slice(-3, None)):
        cut = blocks[part]
        assert isinstance(cut, Blocks)
        assert cut == records[part] and list(cut.texts) == [b.text for b in records[part]]
    whole = Blocks.of(records)
    assert all(a is b for a, b in zip(whole[1:4], records[1:4], strict=True))


def test_records_are_made_once_and_given_records_are_kept() -> None:
    blocks = segment(_TEXT)
    assert blocks[0] is blocks[0]
    records = _records(_TEXT)
    cols = Blocks.of(records)
    assert Blocks.of(cols) is cols
    assert all(a is b for a, b in zip(cols, records, strict=True))
    assert cols.texts == [b.text for b in records] and cols.starts == [b.start for b in records]
    assert cols == blocks


def test_blocks_pickle_and_compare_whatever_their_positions_column() -> None:
    blocks = segment(_TEXT)
    again = pickle.loads(pickle.dumps(blocks))
    assert again == blocks and isinstance(again, Blocks)
    listed = Blocks(list(blocks.positions), blocks.texts, blocks.starts, blocks.ends)
    assert listed == blocks and hash(listed) == hash(blocks)


@settings(max_examples=60, deadline=None)
@given(_texts)
def test_readers_of_columns_match_the_records(text: str) -> None:
    blocks, records = segment(text), _records(text)
    assert blocks == records
    for clean in (False, True):
        norms = block_norms(text, blocks, clean)
        assert norms == block_norms(text, records, clean)
        assert norm_hashes(blocks, norms) == norm_hashes(records, norms)
    kept = [b for b in records if b.position % 3 != 1]  # gaps between paragraphs
    assert join_blocks(text, Blocks.of(kept)) == join_blocks(text, kept)
    assert join_blocks(text, blocks) == join_blocks(text, records)


def test_join_blocks_reads_positions_and_line_breaks() -> None:
    text = "a\nb\n\nc\nd"
    blocks = segment(text)
    assert join_blocks(text, blocks) == "a\nb\n\nc\nd"
    assert join_blocks(text, blocks[1:3]) == "b\n\nc"
    assert join_blocks(text, Blocks.of([blocks[0], blocks[3]])) == "a\n\nd"
    assert join_blocks(text, blocks[:0]) == ""


def test_separate_with_records_or_columns_gives_the_same_separation() -> None:
    records = _records(_TEXT)
    by_records = separate(_TEXT, blocks=records)
    by_columns = separate(_TEXT, blocks=segment(_TEXT))
    assert by_records == by_columns == separate(_TEXT)
    assert all(a is b for a, b in zip(by_records.blocks, records, strict=True))
    body = by_columns.body_blocks
    assert isinstance(body, Blocks)
    assert body == [b for b, d in zip(records, by_columns.decisions, strict=True) if d.keep]


def test_the_text_path_makes_no_block_record() -> None:
    """``clean_blocks``/``segment``, ``separate_many`` with the blocks given and
    ``article_rows`` read the columns: the records are never made."""
    for case in sorted(_CASES.glob("*.txt")):
        text = clean_text(case.read_text(encoding="utf-8"))
        doc = Decoded(case.name, 0, text, "text", "utf-8", "utf-8")
        fast = clean_blocks(text)
        blocks = segment(text) if fast is None else fast[0]
        norms = block_norms(text, blocks, True) if fast is None else fast[3]
        (sep,) = separate_many([text], blocks=[blocks])
        assert sep.blocks is blocks
        article, segments, normalized = article_rows(doc, text, sep, (blocks, norms))
        assert blocks._rows is None
        assert article is not None and segments
        # the same rows from a separation holding the records, without the casefolds
        held = Separation(tuple(blocks), *[getattr(sep, f) for f in _FIELDS[1:]])
        assert article_rows(doc, text, held) == (article, segments, normalized)


_FIELDS = (
    "blocks",
    "decisions",
    "title",
    "title_position",
    "language",
    "language_confidence",
    "site_name",
)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        Blocks([0, 1], ["x"], [0], [1])
    with pytest.raises(ValueError, match="differ in length"):
        Decisions([0], [True, False], ["body", "body"], [0.9, 0.9])
    decisions = Decisions([0, 1], [True, False], ["body", "model:chrome"], [0.9, 0.1])
    assert isinstance(decisions[1:], Decisions) and decisions[1:].reasons == ["model:chrome"]
    assert decisions == Decisions(*(np.asarray(c) for c in decisions._cols))
