"""Chrome separation: decide for each block whether it is article body or site chrome.

Reason codes (every decision carries one, plus a body score in [0, 1]):
``title`` the page title line; ``body`` kept as article text; ``template`` a line that
repeats across documents of the same source; ``close_button`` a lone close/dismiss
control; ``lexicon:<concern>`` matched a chrome lexicon (consent, nav, share, ...);
``short_line`` too short and unpunctuated to be prose.
"""

from __future__ import annotations

from tasks.language import detect_language
from tasks.lexicons import Lexicon, lexicon_hit
from tasks.records import Block, Decision, Separation
from tasks.segment import segment
from tasks.templates import line_hash
from tasks.title import headline_keys, is_headline, split_title

_SENTENCE_END = (".", "!", "?", "…", '"', "”", "»", ":", "。", "！", "？")


def separate(
    text: str,
    lexicons: tuple[Lexicon, ...] = (),
    template_hashes: frozenset[int] = frozenset(),
    has_title: bool = True,
    blocks: list[Block] | None = None,
    known_title: str | None = None,
) -> Separation:
    """Separate ``text`` into title, article blocks and chrome blocks.

    ``has_title``: the first line is the page title (text dumps). ``known_title``: a title
    from elsewhere (HTML metadata); lines repeating either title are dropped as ``title``.
    """
    blocks = segment(text) if blocks is None else blocks
    title_pos = 0 if has_title and len(blocks) > 1 and len(blocks[0].text) <= 300 else None
    title = blocks[title_pos].text if title_pos is not None else known_title
    keys = headline_keys(title)
    lang, conf = detect_language(text)
    decisions = []
    for block in blocks:
        if block.position == title_pos or is_headline(block.text, keys):
            decisions.append(Decision(block.position, False, "title", 0.0))
        else:
            decisions.append(_decide(block, lexicons, template_hashes))
    return Separation(
        blocks=tuple(blocks),
        decisions=tuple(decisions),
        title=title,
        title_position=title_pos,
        language=lang,
        language_confidence=conf,
        site_name=split_title(title)[1] if title else None,
    )


def _decide(
    block: Block,
    lexicons: tuple[Lexicon, ...],
    template_hashes: frozenset[int],
) -> Decision:
    if template_hashes and line_hash(block.text) in template_hashes:
        return Decision(block.position, False, "template", 0.05)
    concern = lexicon_hit(block.text, lexicons)
    if concern == "close":
        return Decision(block.position, False, "close_button", 0.01)
    if concern is not None:
        return Decision(block.position, False, f"lexicon:{concern}", 0.1)
    words = len(block.text.split())
    if words >= 6 or block.text.endswith(_SENTENCE_END):
        return Decision(block.position, True, "body", 0.9)
    return Decision(block.position, False, "short_line", 0.3)
