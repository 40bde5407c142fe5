"""Where each extracted line came from in the page: HTML signals trafilatura's text loses.

trafilatura returns plain text, so the text pass cannot see that a line was one big
link (a teaser of another article), all bold or italic (a promotion), a list item or
a table cell, inside ``<aside>``/``<footer>``/``<figure>``, under an element whose
class or id says teaser/related/newsletter/..., or outside the container that holds
most of the article. This module finds every extracted line in the page's own text
(one walk over the parsed tree, then an in-order search) and measures those signals.

``structure_features(html, lines)`` -> one row of ``STRUCTURE_FEATURES`` per line;
a line not found in the page (text trafilatura rewrote) gets ``mapped = 0`` and zeros.
Pure and deterministic; no clock, no network.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

STRUCTURE_FEATURES: tuple[str, ...] = (
    "mapped",  # the line was found in the page text
    "link",  # share of its characters inside <a>
    "link_all",  # link > 0.9
    "emph",  # share inside <b>/<strong>/<i>/<em>
    "emph_all",  # emph > 0.9
    "tag_p",  # nearest block element: <p>
    "tag_li",  # <li>/<dd>/<dt>
    "tag_h",  # <h1>..<h6>
    "tag_td",  # <td>/<th>
    "tag_div",  # <div> or another container
    "boiler_class",  # class/id of an ancestor (8 levels) names a boilerplate role
    "landmark",  # inside <aside>, <footer>, <nav>, <header>, <figure>, <form>
    "in_main",  # inside the deepest element holding >= 60% of the mapped text
)

_WS = re.compile(r"\s+")
_EMPH = frozenset("b strong i em".split())
_BLOCK = frozenset("p li td th h1 h2 h3 h4 h5 h6 blockquote pre div dd dt figcaption".split())
_LANDMARKS = frozenset("aside footer nav header figure figcaption form".split())
# roles named in class/id attributes; general words, not site names
_BOILER = re.compile(
    r"teaser|related|promo|newsletter|subscri|social|share|widget|sidebar|footer|comment|"
    r"byline|author|caption|credit|advert|\bads?\b|banner|breadcrumb|\bnav|recommend|"
    r"\bmore\b|\btags?\b|\binfo|\bbox|\bmeta|paywall|\bcta\b"
)
_MAIN_SHARE = 0.6
LEAD_MIN_CHARS = 40  # a description shorter than this is a tagline, not a lead
LEAD_KEY_CHARS = 60  # how much of the description must appear in the page
LEAD_MAX_CHARS = 1500  # a longer block is a container, not the lead paragraph
_ANCESTORS = 8


_SKIP = frozenset(("script", "style", "noscript", "template"))


class PageText:
    """The page's visible text, whitespace collapsed, with the element of every text run.

    Text nodes are joined as they come (no separator at block boundaries: markup
    usually has whitespace there, and a missing one only joins two words).
    """

    __slots__ = ("text", "starts", "ends", "link", "emph", "owner")

    def __init__(self, tree: Any) -> None:
        linked: set[Any] = set()
        for a in tree.iter("a"):
            linked.update(a.iter())
        emphasized: set[Any] = set()
        for e in tree.iter(*_EMPH):
            emphasized.update(e.iter())
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        link_flags: list[bool] = []
        emph_flags: list[bool] = []
        owner: list[Any] = []
        pos = 0
        space = True  # the text so far ends with a space
        for node in tree.xpath("//text()"):
            el = node.getparent()
            if node.is_tail:
                el = el.getparent()
                if el is None:
                    continue
            elif el.tag in _SKIP:
                continue
            words = node.split()
            if not words:
                if not space:
                    parts.append(" ")
                    pos += 1
                    space = True
                continue
            t = " ".join(words)
            if not space and node[:1].isspace():
                parts.append(" ")
                pos += 1
            parts.append(t)
            starts.append(pos)
            pos += len(t)
            ends.append(pos)
            link_flags.append(el in linked)
            emph_flags.append(el in emphasized)
            owner.append(el)
            space = node[-1:].isspace()
            if space:
                parts.append(" ")
                pos += 1
        self.text = "".join(parts)
        self.starts, self.ends = starts, ends
        self.link, self.emph, self.owner = link_flags, emph_flags, owner

    def visible_lead(self, description: str, max_chars: int = LEAD_MAX_CHARS) -> str | None:
        """The visible paragraph that starts like the page's meta description, if any.

        News pages put the article's lead both in ``<meta name="description">`` and in a
        paragraph above the body, often in a ``lead``/``teaser``/``intro`` container that
        extractors cut as boilerplate. The paragraph is the nearest block element around
        the first ``LEAD_KEY_CHARS`` characters of the description (descriptions are
        often cut short), no longer than ``max_chars``.
        """
        key = " ".join(description.split())
        if len(key) < LEAD_MIN_CHARS:
            return None
        at = self.text.find(key[:LEAD_KEY_CHARS])
        if at < 0:
            return None
        k = max(0, bisect.bisect_right(self.starts, at) - 1)
        el = self.owner[k] if k < len(self.owner) else None
        while el is not None and el.tag not in _BLOCK:
            el = el.getparent()
        if el is None:
            return None
        lead = " ".join(el.text_content().split())
        if not LEAD_MIN_CHARS <= len(lead) <= max_chars or key[:LEAD_KEY_CHARS] not in lead:
            return None
        return lead


def _boiler_named(e: Any) -> bool:
    """The element's class or id names a boilerplate role (``_BOILER``, lower case).

    No ``_BOILER`` pattern matches a space, and a space ends a word like the end of a
    string does, so testing each value alone finds what testing the values of a line's
    ancestors joined by spaces finds.
    """
    return bool(
        _BOILER.search((e.get("class") or "").lower())
        or _BOILER.search((e.get("id") or "").lower())
    )


def _key(line: str) -> str:
    """The part of an extracted line to look for in the page (markers of lists/tables off)."""
    line = _WS.sub(" ", line).strip()
    if line.startswith("| "):
        cells = [c for c in line.strip("| ").split(" | ") if c.strip()]
        return max(cells, key=len) if cells else ""
    if line.startswith(("- ", "* ")):
        return line[2:]
    return line


def _find(index: PageText, key: str, cursor: int) -> int:
    if not key:
        return -1
    at = index.text.find(key, cursor)
    if at < 0:
        at = index.text.find(key)
    if at < 0 and len(key) > 30:
        at = index.text.find(key[:30], cursor)
        if at < 0:
            at = index.text.find(key[:30])
    return at


def structure_features(html: str | PageText | Any, lines: Sequence[str]) -> np.ndarray:
    """One row of ``STRUCTURE_FEATURES`` per extracted line (``html``: markup, a parsed
    tree or its ``PageText``)."""
    out = np.zeros((len(lines), len(STRUCTURE_FEATURES)), dtype=np.float64)
    if not lines:
        return out
    if isinstance(html, PageText):
        index = html
    else:
        tree = html
        if isinstance(html, str):
            from trafilatura.utils import load_html

            tree = load_html(html)
        if tree is None:
            return out
        index = PageText(tree)
    cursor = 0
    chains: list[tuple[int, list[Any], int]] = []
    boiler_named: dict[Any, bool] = {}  # lines share ancestors: each element tested once
    for row, line in enumerate(lines):
        key = _key(line)
        at = _find(index, key, cursor)
        if at < 0:
            continue
        cursor = at
        end = at + len(key)
        first = max(0, bisect.bisect_right(index.starts, at) - 1)
        total = linked = emphasized = 0
        el = None
        for k in range(first, len(index.starts)):
            s, e = index.starts[k], index.ends[k]
            if s >= end:
                break
            overlap = min(end, e) - max(at, s)
            if overlap <= 0:
                continue
            if el is None:
                el = index.owner[k]
            total += overlap
            linked += overlap * index.link[k]
            emphasized += overlap * index.emph[k]
        if not total or el is None:
            continue
        f = out[row]
        f[0] = 1.0
        f[1] = linked / total
        f[2] = float(f[1] > 0.9)
        f[3] = emphasized / total
        f[4] = float(f[3] > 0.9)
        chain: list[Any] = []
        tag = ""
        boiler = False
        e = el
        while e is not None:
            chain.append(e)
            if len(chain) <= _ANCESTORS:
                t = e.tag if isinstance(e.tag, str) else ""
                if not tag and t in _BLOCK:
                    tag = t
                if t in _LANDMARKS:
                    f[11] = 1.0
                named = boiler_named.get(e)
                if named is None:
                    named = boiler_named[e] = _boiler_named(e)
                boiler = boiler or named
            e = e.getparent()
        if tag == "p":
            f[5] = 1.0
        elif tag in ("li", "dd", "dt"):
            f[6] = 1.0
        elif tag[:1] == "h":
            f[7] = 1.0
        elif tag in ("td", "th"):
            f[8] = 1.0
        else:
            f[9] = 1.0
        f[10] = float(boiler)
        chains.append((row, chain, len(key)))
    _mark_main(out, chains)
    return out


def _mark_main(out: np.ndarray, chains: list[tuple[int, list[Any], int]]) -> None:
    """``in_main``: the line lies inside the deepest element holding most mapped text."""
    if not chains:
        return
    weight: Counter[Any] = Counter()
    total = 0
    for _, chain, size in chains:
        total += size
        for e in chain:
            weight[e] += size
    best, best_depth = None, -1
    for _, chain, _ in chains:
        for depth, e in enumerate(reversed(chain)):
            if depth > best_depth and weight[e] >= _MAIN_SHARE * total:
                best, best_depth = e, depth
    col = STRUCTURE_FEATURES.index("in_main")
    for row, chain, _ in chains:
        out[row, col] = float(best is not None and any(e is best for e in chain))
