"""trafilatura's text extraction (``bare_extraction`` without metadata), cheaper.

``bare_extraction`` runs ``trafilatura_sequence``: prune the raw tree, clean it, the
main extractor, the readability/jusText comparison, the baseline rescue and the recall
escalation. Three of its steps evaluate XPath expressions whose ``re:test`` calls back
into Python once per element (lxml's EXSLT regular expressions), ~10% of the HTML path
on the devset pages:

- the raw-tree prunes (``RAW_TREE_PRUNE_XPATH``, then ``REMOVE_COMMENTS_AND_LISTS_XPATH``
  with comments off), ~2.8 ms a page;
- ``BASIC_CLEAN_XPATH``, ~4 ms each time the escalation gate measures the page's text
  (``html2txt``, 44% of the pages) and each time the escalation asks jusText.

Here the same elements are found by one Python pass over the candidate tags with the
same regular expressions (``re.search``, as lxml's ``re:test`` does), and everything
else is trafilatura's own code in ``trafilatura_sequence``'s order, for the settings
the HTML path uses: comments off, balanced focus (neither precision nor recall), not
``fast``. Other settings take ``trafilatura.bare_extraction`` itself. Besides:

- a page the raw-tree prunes leave alone is not copied (``raw_pruned``);
- the escalation gate measures the page's text only when a cheap upper bound does not
  already settle it (``page_text_bound``);
- readability is not asked when the own text is long enough that it could only win
  by being more than twice as long (``READABILITY_SKIP_CHARS``, ``compare_extraction``):
  the one step that is a judgement rather than the same computation; it changes no
  devset page.

This restates trafilatura 2.3.1 (``pyproject.toml`` pins ``<2.4``):
``tests/test_html_cascade.py`` checks the matchers element for element against the
XPath expressions, the text against ``bare_extraction`` on devset pages, and the source
of the functions restated here, so that an upgrade that changes them fails loudly.
``extract_html``'s output is the same as through ``bare_extraction`` on all 990 devset
pages, and the HTML path is ~1.2x faster (``bench/NOTES.md``, branch ``htmlspeed``).
"""

from __future__ import annotations

import logging
import re
from copy import copy
from typing import Any

LOGGER = logging.getLogger(__name__)

# RAW_TREE_PRUNE_XPATH[0]: div/section/aside (descendants of the root) whose id or class
# names an infinite-scroll or "mvp-post-add" container, unless it holds an <h1> and only
# the infinite-scroll pattern matched
_RAW_TAGS = ("div", "section", "aside")
_RAW_SCROLL = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll")
_RAW_POST_ADD = re.compile("mvp-post-add-(?:box|wrap)")
# RAW_TREE_PRUNE_XPATH[1]
_RAW_SHARE = "elementor-share-buttons"
# REMOVE_COMMENTS_AND_LISTS_XPATH[0]
_COMMENT_TAGS = ("div", "list", "section", "details", "ol", "ul")
_COMMENT_ID = re.compile("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENT_LIST_ID = re.compile("^(?:[Cc]omment(?!ary)|comol)")
_COMMENT_CLASS = re.compile("^[Cc]omment(?!ary)|(?:article|post)-comments")
# BASIC_CLEAN_XPATH: these tags, a div whose first class-or-id attribute says "footer",
# any element whose class or id names a cookie banner (case-insensitive)
_CLEAN_TAGS = frozenset("aside fencedframe footer script style svg template".split())
_COOKIE = re.compile(
    "cookie[-_]?(?:banner|bar|consent|law|notice|policy|description)|notice[-_]{0,2}cookie"
    "|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmplz|onetrust|moove[-_]?gdpr",
    re.IGNORECASE,
)


def raw_prune_matches(tree: Any) -> list[Any]:
    """What ``RAW_TREE_PRUNE_XPATH[0](tree)`` selects, in document order."""
    out = []
    for e in tree.iterdescendants(*_RAW_TAGS):
        ident, cls = e.get("id", ""), e.get("class", "")
        if not (_RAW_SCROLL.search(ident) or _RAW_SCROLL.search(cls)):
            continue
        if (
            next(e.iterdescendants("h1"), None) is None
            or _RAW_POST_ADD.search(ident)
            or _RAW_POST_ADD.search(cls)
        ):
            out.append(e)
    return out


def share_matches(tree: Any) -> list[Any]:
    """What ``RAW_TREE_PRUNE_XPATH[1](tree)`` selects, in document order."""
    return [e for e in tree.iterdescendants(*_RAW_TAGS) if _RAW_SHARE in e.get("class", "")]


def comment_matches(tree: Any) -> list[Any]:
    """What ``REMOVE_COMMENTS_AND_LISTS_XPATH[0](tree)`` selects, in document order."""
    out = []
    for e in tree.iterdescendants(*_COMMENT_TAGS):
        ident, cls = e.get("id", ""), e.get("class", "")
        if not (_COMMENT_ID.search(ident) or _COMMENT_CLASS.search(cls)):
            continue
        if (
            e.tag not in ("ol", "ul")
            or _COMMENT_LIST_ID.search(ident)
            or _COMMENT_CLASS.search(cls)
        ):
            out.append(e)
    return out


def basic_clean_matches(tree: Any) -> list[Any]:
    """What ``trafilatura.settings.BASIC_CLEAN_XPATH(tree)`` selects, in document order."""
    from lxml import etree

    out = []
    for e in tree.iterdescendants(etree.Element):
        tag = e.tag
        if tag in _CLEAN_TAGS:
            out.append(e)
            continue
        cls, ident = e.get("class"), e.get("id")
        if cls is None and ident is None:
            continue
        if (cls is not None and _COOKIE.search(cls)) or (
            ident is not None and _COOKIE.search(ident)
        ):
            out.append(e)
        elif tag == "div" and "footer" in _first_class_or_id(e, cls, ident):
            out.append(e)
    return out


def _first_class_or_id(e: Any, cls: str | None, ident: str | None) -> str:
    """The string value of XPath's ``@class|@id``: the one declared first."""
    if cls is None or ident is None:
        return cls if ident is None else ident  # type: ignore[return-value]
    for key in e.keys():
        if key == "class":
            return cls
        if key == "id":
            return ident
    return cls


def _delete_all(elements: list[Any]) -> None:
    from trafilatura.xml import delete_element

    for e in elements:
        delete_element(e)  # the tail text is preserved


def basic_cleaning(tree: Any) -> Any:
    """``trafilatura.baseline.basic_cleaning``: ``tree`` without those elements."""
    _delete_all(basic_clean_matches(tree))
    return tree


def page_text_length(tree: Any) -> int:
    """``len(trafilatura.baseline.html2txt(tree))`` for a parsed page."""
    from trafilatura.baseline import _spaced_text

    tree = copy(tree)
    body = tree.find(".//body")
    if body is None:
        body = tree
    return len(_spaced_text(basic_cleaning(body)))


def page_text_bound(tree: Any) -> int:
    """An upper bound of ``page_text_length(tree)``, without copying or cleaning the page.

    ``html2txt`` removes elements (keeping their tails where they were) and control
    characters, which can only shorten the whitespace-collapsed text, and puts a space
    before the text and the tail of each block element, which can lengthen it by at most
    one character each. The escalation gate reads the exact length only when this bound
    does not already settle it (for 168 of the 432 devset pages that reach it).
    """
    from trafilatura.baseline import _BLOCK_ELEMS

    body = tree.find(".//body")
    if body is None:
        body = tree
    blocks = sum(1 for _ in body.iter(*_BLOCK_ELEMS))
    return len(" ".join(body.text_content().split())) + 2 * blocks


def justext_rescue(tree: Any, options: Any) -> tuple[Any, str]:
    """``trafilatura.external.justext_rescue``."""
    from trafilatura.external import try_justext
    from trafilatura.utils import trim

    body = try_justext(basic_cleaning(tree), options.url, options.lang)
    return body, trim(" ".join(body.itertext()))


def raw_pruned(tree: Any, is_forum: bool) -> Any:
    """``tree`` after ``trafilatura_sequence``'s raw-tree prunes (comments off): ``tree``
    itself when they remove nothing (62% of the devset pages), else a pruned copy.

    ``bare_extraction`` copies every page because these prunes change it in place; the
    later steps copy what they change, so a page the prunes leave alone needs no copy.
    """
    if (
        tree.getparent() is None
        and not raw_prune_matches(tree)
        and not share_matches(tree)
        and (is_forum or not comment_matches(tree))
    ):
        return tree
    tree = copy(tree)
    _delete_all(raw_prune_matches(tree))
    _delete_all(share_matches(tree))
    if not is_forum:
        _delete_all(comment_matches(tree))
    return tree


# readability's text replaces our own (balanced focus, structurally sound own text) only
# when it is more than twice as long; from this many characters on it is not asked
READABILITY_SKIP_CHARS = 5000


def compare_extraction(
    cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any
) -> tuple[Any, str]:
    """``trafilatura.external.compare_extraction`` with balanced focus, without asking
    readability when the own text is at least ``READABILITY_SKIP_CHARS`` long and has
    paragraph text and no more tables than paragraphs (``raw_tree`` is not changed:
    readability gets a copy, only when asked).

    readability can then only win with more than twice as much text: on the devset's
    990 pages, of the 323 whose own text is that long, none came near (its longest was
    1.9 times the own text), while readability costs ~10% of the path. Below the
    threshold, and on the recall retry (trafilatura's own ``_extract_and_compare``),
    readability is asked as before.
    """
    from lxml.etree import tostring
    from trafilatura.external import (
        JUSTEXT_OVERRIDE_RATIO,
        SANITIZED_XPATH,
        _prefer_readability,
        sanitize_tree,
        try_readability,
    )
    from trafilatura.external import justext_rescue as trafilatura_justext_rescue
    from trafilatura.utils import trim

    len_text = len(text)
    use_readability = False
    if len_text < READABILITY_SKIP_CHARS or not (
        body.xpath(".//p//text()") and len(body.findall(".//table")) <= len(body.findall(".//p"))
    ):
        algo_body = try_readability(copy(raw_tree))  # readability changes its input
        algo_text = trim(tostring(algo_body, method="text", encoding="utf-8").decode("utf-8"))
        len_algo = len(algo_text)
        use_readability = _prefer_readability(
            body, algo_body, algo_text, len_text, len_algo, options
        )
        if use_readability:
            body, text, len_text = algo_body, algo_text, len_algo
    # override faulty extraction: try with justext
    unclean = bool(body.xpath(SANITIZED_XPATH))
    if unclean or len_text < options.min_extracted_size:
        body2, text2 = trafilatura_justext_rescue(cleaned_tree, options)
        len_text2 = len(text2)
        if unclean:
            accept = len_text <= JUSTEXT_OVERRIDE_RATIO * len_text2 and (
                len_text2 > len_text or not options.images or body.find(".//graphic") is None
            )
        else:
            accept = len_text < len_text2
        if text2 and accept:
            body, text, len_text = body2, text2, len_text2
            use_readability = False
    if use_readability:
        body, text = sanitize_tree(body, options)
    return body, text


def sequence(tree: Any, options: Any, url: str | None = None) -> tuple[Any, str]:
    """``trafilatura.core.trafilatura_sequence`` with comments off and balanced focus:
    the body and its text (``tree`` is not changed)."""
    from trafilatura.baseline import baseline
    from trafilatura.core import (
        ESCALATION_ACCEPT_RATIO,
        ESCALATION_JUSTEXT_RATIO,
        ESCALATION_MAX_LENGTH,
        ESCALATION_PAGE_SHARE,
        _forum_thread_page,
        _prepare_tree,
        _recall_retry,
    )
    from trafilatura.main_extractor import extract_content

    tree = raw_pruned(tree, _forum_thread_page(tree))
    cleaned_tree, cleaned_tree_backup = _prepare_tree(tree, options, url)
    # trafilatura's _extract_and_compare: the main extractor, then the comparison
    postbody, temp_text = extract_content(cleaned_tree, options)
    postbody, temp_text = compare_extraction(
        cleaned_tree_backup, tree, postbody, temp_text, options
    )
    # 3. rescue: baseline on the original tree, accepted only if it adds text
    if len(temp_text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text
    # 4. recall escalation
    if (
        0 < len(temp_text) < ESCALATION_MAX_LENGTH
        and len(temp_text) < ESCALATION_PAGE_SHARE * page_text_bound(tree)
        and len(temp_text) < ESCALATION_PAGE_SHARE * page_text_length(tree)
    ):
        r_options = copy(options)
        r_options.focus = "recall"
        r_text = ""
        try:
            r_body, r_text = _recall_retry(tree, r_options, url)
        except Exception as err:  # noqa: BLE001 (as trafilatura: the retry is optional)
            LOGGER.warning("recall retry failed: %s %s", err, url)
        j_text = ""
        try:
            j_body, j_text = justext_rescue(copy(tree), options)
        except Exception as err:  # noqa: BLE001 (as trafilatura)
            LOGGER.warning("justext candidate failed: %s %s", err, url)
        len_text, r_len, j_len = len(temp_text), len(r_text), len(j_text)
        if j_len > r_len and j_len > ESCALATION_JUSTEXT_RATIO * len_text:
            postbody, temp_text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > ESCALATION_ACCEPT_RATIO * len_text:
            postbody, temp_text = r_body, r_text
    return postbody, temp_text


def extract_text(
    tree: Any,
    url: str | None,
    include_tables: bool = True,
    favor_precision: bool = False,
    favor_recall: bool = False,
    include_comments: bool = False,
    fast: bool = False,
) -> str | None:
    """``trafilatura.bare_extraction(tree, url=url, with_metadata=False,
    deduplicate=False, ...).text`` (None where it returns None); ``tree`` is not changed."""
    import trafilatura

    if include_comments or favor_precision or favor_recall or fast:
        result = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=False,
            include_comments=include_comments,
            include_tables=include_tables,
            favor_precision=favor_precision,
            favor_recall=favor_recall,
            fast=fast,
            deduplicate=False,
        )
        return None if result is None else getattr(result, "text", None) or ""
    from lxml.etree import strip_tags
    from trafilatura.settings import Extractor
    from trafilatura.xml import xmltotxt

    options = Extractor(
        output_format="python",
        fast=False,
        precision=False,
        recall=False,
        comments=False,
        tables=include_tables,
        dedup=False,
        url=url,
        with_metadata=False,
    )
    try:
        postbody, text = sequence(tree, options, options.url)
        # bare_extraction's checks: tree size (off in trafilatura's default settings),
        # then text size (comments are off: their length is 0)
        if options.max_tree_size and len(postbody) > options.max_tree_size:
            strip_tags(postbody, "hi")
            if len(postbody) > options.max_tree_size:
                raise ValueError
        if len(text) < options.min_output_size and 0 < options.min_output_comm_size:
            raise ValueError
    except (TypeError, ValueError):
        return None
    text = xmltotxt(postbody, options.formatting)
    return text  # type: ignore[no-any-return]
