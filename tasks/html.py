"""HTML path: trafilatura extracts the main text and metadata; the chrome pass runs after.

trafilatura settings (``[html]`` in config/newsetl.toml), chosen on the devset HTML pages
(``bench/html_devset.py``):

- ``include_comments = false``: reader comments are not article body (upstream's own
  evaluation setting; F1 .925 vs .923 with comments on the devset);
- ``include_tables = true``: tables often hold article content (results, prices);
  without them F1 is .921;
- ``favor_precision = false``, ``favor_recall = false``: precision mode lost more body
  than chrome it removed (F1 .922), recall mode let more chrome in (.920);
- ``deduplicate = false``: the cache it uses is shared across documents in a process,
  which would make results depend on batch order;
- dates: htmldate without ``extensive_search`` (its free-text search through dateparser
  costs seconds per page; ``tasks.fields`` reads datelines itself), and no date later
  than the capture time when the archive gives one;
- metadata on (title, author, date, sitename, url, description, categories, tags),
  read by ``tasks.html_meta.page_metadata``: trafilatura's ``extract_metadata`` with
  the same fields on every devset page, without its slowest XPath scans and without
  the licence (no column uses it); ``bare_extraction`` then runs without metadata.

Speed (the path is ~80% trafilatura): the page is parsed once, with trafilatura's
parser settings and a C-level element class lookup (``load_tree``); the nesting scan
runs only on pages with more than ``MAX_DEPTH`` tags; the text comes from
``tasks.html_cascade.extract_text`` (``bare_extraction``'s steps with its XPath
``re:test`` scans done in Python, no copy of a page its raw-tree prunes leave alone,
the escalation gate's page length only when a cheap bound does not settle it).
Measured on the devset HTML, these change no output: ``extract_html`` returns the
same text, metadata and page text as trafilatura's own calls on all 990 pages.

The output is one paragraph per line; it is cleaned like plain text (NFC, no soft
hyphens or zero-width characters) and becomes one paragraph per blank-line block.

Then the same text-level chrome pass as for plain text runs (``tasks.chrome.separate``,
without a title line; the metadata title is the ``known_title``), so consent banners,
close buttons and share lines that trafilatura kept are still removed.

The last word on each block is ``html_decide``: a logistic combiner
(``config/html_model.json``, trained by ``bench/train_html.py`` on the devset HTML
pages, site-grouped cross-validation) of the text pass's body score and reason with
what the HTML says about the block's source (``tasks.html_structure``: link and
emphasis share, list item / table cell / heading, boilerplate class names,
``<aside>``/``<footer>``/``<figure>``, outside the article's main container). A block
is kept when the combined probability reaches the model's threshold; title repeats
are always dropped. A block the text pass kept but the combiner drops has the reason
``html:structure``; the decision's score is the combined probability. Without a
model file, ``trust_extractor`` (keep blocks scored at or above ``HTML_DROP_BELOW``)
is the rule.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tasks.decode import clean_text
from tasks.html_cascade import extract_text
from tasks.html_meta import page_metadata
from tasks.html_structure import STRUCTURE_FEATURES, PageText, structure_features
from tasks.records import Block, Decision, Decoded, Separation

META_FIELDS = ("title", "author", "date", "sitename", "url", "description", "categories", "tags")
HTML_DROP_BELOW = 0.2  # on the HTML path, drop a block only when its body score is below this


MAX_DEPTH = 5000  # element nesting deeper than this is rejected (html_too_deep); sloppy
# pages with unclosed spans reach ~1500 on the devset, and lxml loses content past ~256
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# elements that close themselves or are closed implicitly: they do not nest in practice
_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd option optgroup tr td th thead tbody tfoot colgroup rp rt "
    "path circle rect use line polyline polygon ellipse stop".split()  # SVG leaves
)


class HtmlRejected(Exception):
    """An HTML document the extractor must not be given; ``reason`` is the reject code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Greatest element nesting depth, from a scan of tag names (stops past ``limit``).

    An upper bound: other ``<x/>`` self-closing tags count as open. Fast (~0.5 ms per
    page) because it looks at tag names only.
    """
    depth = deepest = 0
    for closing, name in _TAG.findall(html):
        name = name.lower()
        if name in _FLAT:
            continue
        if closing:
            if depth:
                depth -= 1
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
    return deepest


def date_params(doc: Decoded) -> dict[str, object]:
    """htmldate settings: no extensive free-text search, no date after the capture."""
    params: dict[str, object] = {"original_date": True, "extensive_search": False}
    if doc.fetched_at is not None:
        params["max_date"] = doc.fetched_at.strftime("%Y-%m-%d")
    return params


@lru_cache(maxsize=1)
def _parser() -> Any:
    """trafilatura's HTML parser settings, with a C-level element class lookup.

    ``lxml.html``'s own parser asks a Python method (``HtmlElementClassLookup.lookup``)
    for the class of every element proxy it creates, ~5% of the HTML path. Every element
    here is an ``HtmlElement`` (no ``FormElement``/``InputElement`` subclasses: nothing
    downstream uses their form helpers), which lxml decides in C. Copies of the tree keep
    the parser, so trafilatura's work on its copies gains too.
    """
    from lxml import etree
    from lxml import html as lhtml

    parser = lhtml.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=lhtml.HtmlElement,
            comment=lhtml.HtmlComment,
            pi=lhtml.HtmlProcessingInstruction,
            entity=lhtml.HtmlEntity,
        )
    )
    return parser


def load_tree(text: str) -> Any:
    """The page's tree as ``trafilatura.utils.load_html`` builds it from a string.

    The same steps (repair, parse the string, parse its UTF-8 bytes when lxml refuses
    the string or finds no element, reject a one-element tree of a page that does not
    say "html" in its first 50 characters), with ``_parser()``.
    """
    from lxml import html as lhtml
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_faulty_html(text, beginning)
    tree = None
    parsed_bytes = False
    try:
        tree = lhtml.fromstring(text, parser=_parser())
    except ValueError:  # a string with an encoding declaration: lxml wants bytes
        parsed_bytes = True
        tree = _from_bytes(text)
    except Exception:  # noqa: BLE001 (as load_html: an unparsable page has no tree)
        tree = None
    if (tree is None or len(tree) < 1) and not parsed_bytes:
        tree = _from_bytes(text)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _from_bytes(text: str) -> Any:
    from lxml import html as lhtml

    try:
        return lhtml.fromstring(text.encode("utf8", "surrogatepass"), parser=_parser())
    except Exception:  # noqa: BLE001 (trafilatura.utils.fromstring_bytes: None)
        return None


def extract_html(
    doc: Decoded, options: dict[str, bool]
) -> tuple[str, dict[str, str], PageText | None]:
    """Main text (one paragraph per blank-line block), metadata and the page's text.

    The page is parsed once (``load_tree``); its metadata is read by
    ``tasks.html_meta.page_metadata``, trafilatura extracts the text from a copy, and
    the page's visible text (``PageText``, for ``page_structure``) is read from
    the tree. When trafilatura left out the lead paragraph (the visible paragraph that
    starts like the meta description), it is put back in front of the text.
    """
    # a page with at most MAX_DEPTH tags cannot nest deeper: only ~2% of pages need the scan
    if doc.text.count("<") > MAX_DEPTH and nesting_depth(doc.text) > MAX_DEPTH:
        raise HtmlRejected("html_too_deep", f"elements nested more than {MAX_DEPTH} deep")
    tree = load_tree(doc.text)
    if tree is None:
        return "", {}, None
    # the metadata as trafilatura's extract_metadata finds it (tasks.html_meta); the
    # main text without it: bare_extraction works on a copy of the tree
    try:
        metadata = page_metadata(tree, doc.url, date_params(doc))
    except (TypeError, ValueError):  # bare_extraction's own guard: the text without fields
        from trafilatura.settings import Document

        metadata = Document()
    extracted = extract_text(
        tree,
        doc.url,
        include_comments=options.get("include_comments", False),
        include_tables=options.get("include_tables", True),
        favor_precision=options.get("favor_precision", False),
        favor_recall=options.get("favor_recall", False),
        fast=options.get("fast", False),
    )
    if extracted is None:
        return "", {}, None
    meta: dict[str, str] = {}
    for key in META_FIELDS:
        value = getattr(metadata, key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value:
            meta[key] = clean_text(str(value))
    text = clean_text(extracted or "")
    page = PageText(tree)
    lead = page.visible_lead(meta["description"]) if meta.get("description") else None
    if lead and text.strip():
        lead = clean_text(lead)
        if " ".join(lead.split())[:60] not in " ".join(text.split()):
            text = f"{lead}\n{text}"
    # one paragraph per line -> one paragraph per blank-line-separated block
    return "\n\n".join(line for line in text.split("\n") if line.strip()), meta, page


def trust_extractor(sep: Separation, drop_below: float = HTML_DROP_BELOW) -> Separation:
    """Keep blocks the text pass dropped on weak evidence (score >= ``drop_below``)."""
    decisions = tuple(
        Decision(d.position, True, "body", d.score)
        if not d.keep and d.reason != "title" and d.score >= drop_below
        else d
        for d in sep.decisions
    )
    return replace(sep, decisions=decisions)


# the text pass's side of the combiner, then tasks.html_structure's
TEXT_FEATURES: tuple[str, ...] = (
    "score_logit",  # logit of the text pass's body score
    "dropped",  # the text pass dropped the block
    "reason_lexicon",  # ... on a chrome lexicon hit
    "reason_context",  # ... as model:context
    "reason_short",  # ... as model:short
    "table_row",  # the line is a table row ("| a | b |")
    "list_item",  # a list item ("- x")
    "rel_position",  # position in the extracted text, 0 (first) .. 1 (last)
    "last",  # the last block
    "log_len",  # log(1 + characters)
)
COMBINED_FEATURES: tuple[str, ...] = TEXT_FEATURES + STRUCTURE_FEATURES
MODEL_PATH = Path(__file__).resolve().parent.parent / "config" / "html_model.json"
STRUCTURE_REASON = "html:structure"


@dataclass(frozen=True, slots=True)
class HtmlModel:
    """Logistic combiner: P(body) = sigmoid(coef . features + intercept) >= threshold."""

    coef: np.ndarray
    intercept: float
    threshold: float


@lru_cache(maxsize=4)
def load_html_model(path: str = str(MODEL_PATH)) -> HtmlModel | None:
    """The combiner in ``path`` (None when the file is absent); checked against the features."""
    file = Path(path)
    if not file.exists():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    if tuple(data["features"]) != COMBINED_FEATURES:
        raise ValueError(f"{file}: features differ from tasks.html.COMBINED_FEATURES; retrain")
    return HtmlModel(
        np.asarray(data["coef"], dtype=np.float64),
        float(data["intercept"]),
        float(data["threshold"]),
    )


def text_features(blocks: Sequence[Block], decisions: Sequence[Decision]) -> np.ndarray:
    """The text pass's side of ``COMBINED_FEATURES``, one row per block."""
    n = len(blocks)
    out = np.zeros((n, len(TEXT_FEATURES)), dtype=np.float64)
    for i, (b, d) in enumerate(zip(blocks, decisions, strict=True)):
        s = min(max(d.score, 1e-3), 1 - 1e-3)
        reason = d.reason
        out[i] = (
            math.log(s / (1 - s)),
            float(not d.keep),
            float(reason.startswith("lexicon:")),
            float(reason == "model:context"),
            float(reason == "model:short"),
            float(b.text.startswith("| ")),
            float(b.text.startswith(("- ", "* "))),
            i / max(n - 1, 1),
            float(i == n - 1),
            math.log1p(len(b.text)),
        )
    return out


def page_structure(page: PageText, blocks: Sequence[Block]) -> np.ndarray:
    """``STRUCTURE_FEATURES`` of the blocks of trafilatura's text, from the page's text."""
    return structure_features(page, [b.text for b in blocks])


def combined_features(sep: Separation, structure: np.ndarray) -> np.ndarray:
    """``COMBINED_FEATURES`` for every block of ``sep`` (``structure``: ``page_structure``)."""
    return np.hstack([text_features(sep.blocks, sep.decisions), structure])


def html_decide(
    sep: Separation, structure: np.ndarray, model: HtmlModel | None = None
) -> Separation:
    """Final keep/drop of the HTML path's blocks (see the module docstring)."""
    model = model or load_html_model()
    if model is None:
        return trust_extractor(sep)
    if not sep.blocks:
        return sep
    x = combined_features(sep, structure)
    prob = 1.0 / (1.0 + np.exp(-(x @ model.coef + model.intercept)))
    decisions = []
    for d, p in zip(sep.decisions, prob.tolist(), strict=True):
        if d.reason == "title":
            decisions.append(d)
        elif p >= model.threshold:
            decisions.append(Decision(d.position, True, "body", p))
        else:
            reason = d.reason if not d.keep else STRUCTURE_REASON
            decisions.append(Decision(d.position, False, reason, p))
    return replace(sep, decisions=tuple(decisions))
