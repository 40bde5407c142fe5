"""Properties of the separator: any text gives a well-formed, deterministic result."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.chrome import separate
from tasks.segment import segment

_PIECES = st.sampled_from(
    [
        "X",
        "✕",
        "Close",
        "Kapat",
        "Accept all cookies",
        "Teilen",
        "© 2024 Site",
        "Der Rat hat am Dienstag die neue Brücke beschlossen, die im Herbst fertig wird.",
        "The council approved the new bridge on Tuesday, and work starts in spring.",
        "当サイトではクッキーを使用しています。",
        "经过一年多的施工，公园正式完工。",
        "http://x.y/z",
        "",
        " ",
        "\t",
        "😀",
        "𝔘",
        "İstanbul",
        "a\u0301",
        "\u00ad",
        "\r",
    ]
)
_TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(_PIECES, max_size=30).map(lambda xs: "\n".join(xs)),
    st.lists(_PIECES, max_size=30).map(lambda xs: "\n\n".join(xs)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS, st.booleans())
def test_any_text_gives_one_decision_per_block(text: str, has_title: bool) -> None:
    sep = separate(text, has_title=has_title)
    assert [b.text for b in sep.blocks] == [b.text for b in segment(text)]
    assert len(sep.decisions) == len(sep.blocks)
    for i, (b, d) in enumerate(zip(sep.blocks, sep.decisions, strict=True)):
        assert b.position == d.position == i
        assert text[b.start : b.end] == b.text
        assert 0.0 <= d.score <= 1.0 and d.reason
        assert d.keep == (d.reason == "body")
    if sep.title_position is not None:
        assert not sep.decisions[sep.title_position].keep


@settings(max_examples=60, deadline=None)
@given(_TEXTS)
def test_separation_is_deterministic(text: str) -> None:
    assert separate(text) == separate(text)


@settings(max_examples=60, deadline=None)
@given(_TEXTS)
def test_given_blocks_give_the_same_result(text: str) -> None:
    assert separate(text, blocks=segment(text)) == separate(text)
