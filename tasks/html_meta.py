"""The page's metadata as ``trafilatura.metadata.extract_metadata`` reads it, cheaper.

The HTML path keeps trafilatura's metadata (title, author, date, site name, URL,
description, categories, tags) but does not call ``extract_metadata`` itself, which
spent ~25% of the path on three things (devset HTML, CPU per page):

- the author search (~5 ms on the half of the pages without an author meta tag):
  a ``deepcopy`` of the whole page, pruned by ``AUTHOR_DISCARD_XPATHS``, then up to
  three ``//*[...]`` XPath scans whose attribute tests libxml2 evaluates slowly
  (~3 µs an element). Here one Python pass over the elements applies the same tests;
  only the text of a candidate that has discarded elements inside it is read from a
  pruned copy of that candidate alone;
- categories and tags (~2.5 ms): ten ``//x[...]//a[@href]`` scans, the same way;
- the licence (~0.9 ms), which no ``articles`` column uses: not looked for.

Everything else is trafilatura's own code, in ``extract_metadata``'s order. The
replacements mirror trafilatura 2.3's ``AUTHOR_XPATHS``, ``AUTHOR_DISCARD_XPATHS``,
``CATEGORIES_XPATHS`` and ``TAGS_XPATHS``; ``tests/test_html_meta.py`` checks them
element for element against those XPath expressions, and the fields against
``extract_metadata`` on the devset pages. A page with a ``<rel>`` element (the
``rel='me'`` test reads an element's text, which pruning can change) takes
trafilatura's own author search.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from typing import Any

# AUTHOR_XPATHS[0]: the tags, then the exact attribute values, then a class pattern
_A0_TAGS = frozenset("a address div link p span strong".split())
_A0_EXACT = (
    ("rel", "author"),
    ("id", "author"),
    ("class", "author"),
    ("itemprop", "author name"),
    ("data-testid", "AuthorCard"),
    ("data-testid", "AuthorURL"),
)
_A0_CLASS = re.compile("author-?name|AuthorName|authorName")
# AUTHOR_XPATHS[1]
_A1_TAGS = frozenset("a div h3 h4 p span".split())
_A1_CLASSES = frozenset(("byline", "username", "byl", "BBL"))
_A1_ID = re.compile("author|zuozhe|bianji|xiaobian")
_A1_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
# AUTHOR_XPATHS[2] (any element)
_A2_ID = re.compile("[Aa]uthor")
_A2_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
# AUTHOR_DISCARD_XPATHS[0] (descendants of the root); [1] is every <time> and <figure>
_D_TAGS = frozenset("a div section span".split())
_D_EXACT = (("id", "comments"), ("class", "comments"), ("class", "title"), ("class", "date"))
_D_ID = re.compile("^comments|comment-?list|ProductReviews")
_D_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_D_ALWAYS = frozenset(("time", "figure"))
_AUTHOR_MAX = 120  # extract_author's len_limit


# a class/id that none of these matches fails every class/id test of AUTHOR_XPATHS
_AUTHORISH_CLASS = re.compile(
    "uthor|byl|BBL|username|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|"
    "journalist-name|screenname|writer|yline"
)
_AUTHORISH_ID = re.compile("uthor|zuozhe|bianji|xiaobian")
_AUTHOR_ATTRS = frozenset(("rel", "itemprop", "data-testid", "data-component"))

Row = tuple[Any, str, dict[str, str]]  # element, tag, attributes


def rows(tree: Any) -> list[Row]:
    """Every element of ``tree`` (itself included) with attributes, or named ``author``,
    in document order: what the tests below look at."""
    from lxml import etree

    return [
        (e, e.tag, dict(items))
        for e in tree.iter(etree.Element)
        if (items := e.items()) or e.tag == "author"
    ]


def _author_flags(tag: str, a: dict[str, str]) -> tuple[bool, bool, bool]:
    """Whether the element is selected by AUTHOR_XPATHS[0], [1], [2]."""
    cls, ident = a.get("class", ""), a.get("id", "")
    if not (
        (cls and _AUTHORISH_CLASS.search(cls))
        or (ident and _AUTHORISH_ID.search(ident))
        or not _AUTHOR_ATTRS.isdisjoint(a)
    ):
        return tag == "author", False, False
    itemprop = a.get("itemprop", "")
    a0 = tag in _A0_TAGS and (
        any(a.get(k) == v for k, v in _A0_EXACT) or bool(_A0_CLASS.search(cls))
    )
    a1 = tag in _A1_TAGS and (
        cls in _A1_CLASSES
        or "author" in itemprop
        or bool(_A1_ID.search(ident))
        or bool(_A1_CLASS.search(cls))
    )
    a2 = (
        "Byline" in a.get("data-component", "")
        or "author" in itemprop
        or bool(_A2_ID.search(ident))
        or bool(_A2_CLASS.search(cls))
    )
    return a0 or tag == "author", a1, a2


def _discarded(e: Any, root: Any) -> bool:
    """``e`` itself is removed by ``prune_unwanted_nodes(root, AUTHOR_DISCARD_XPATHS)``."""
    tag = e.tag
    if tag in _D_ALWAYS:
        return True
    if e is root or tag not in _D_TAGS:
        return False
    a = e.attrib
    return (
        any(a.get(k) == v for k, v in _D_EXACT)
        or bool(_D_ID.search(a.get("id", "")))
        or bool(_D_CLASS.search(a.get("class", "")))
        or "Figure" in a.get("data-component", "")
    )


def author(tree: Any, page: list[Row] | None = None) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``, without copying the page
    (``page``: ``rows(tree)``, when already made)."""
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.metadata import extract_author, normalize_authors
    from trafilatura.utils import trim
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

    if next(tree.iter("rel"), None) is not None:
        return extract_author(tree)
    found: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    for e, tag, a in rows(tree) if page is None else page:
        for hit, bucket in zip(_author_flags(tag, a), found, strict=True):
            if hit:
                bucket.append(e)
    for candidates in found:
        for e in candidates:
            if any(_discarded(a, tree) for a in (e, *e.iterancestors())):
                continue  # pruned with its discarded ancestor
            inner = e
            if any(_discarded(d, tree) for d in e.iterdescendants()):
                # the text as the pruned page has it: tails of removed elements kept
                inner = prune_unwanted_nodes(deepcopy(e), AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(inner.itertext()))
            if content and 2 < len(content) < _AUTHOR_MAX:
                return normalize_authors(None, content)
    return None


# CATEGORIES_XPATHS and TAGS_XPATHS: containers (tags or None for any, a test of the
# class and id values); each expression selects its containers' descendants <a href>
_Test = Callable[[str, str], bool]
_Containers = tuple[tuple[frozenset[str] | None, _Test], ...]
_CAT_META = re.compile("^(?:post-?info|post-?meta|meta|entry-meta|entry-info|entry-utility)")
_TAG_META = re.compile("^(?:tag|postmeta|meta)")
_CATEGORY_CONTAINERS: _Containers = (
    (
        frozenset({"div"}),
        lambda cls, ident: bool(_CAT_META.search(cls)) or ident.startswith("postpath"),
    ),
    (
        frozenset({"p"}),
        lambda cls, ident: (
            cls.startswith(("postmeta", "entry-categories"))
            or cls == "postinfo"
            or ident == "filedunder"
        ),
    ),
    (frozenset({"footer"}), lambda cls, _: cls.startswith(("entry-meta", "entry-footer"))),
    (
        frozenset({"li", "span"}),
        lambda cls, _: (
            cls in ("post-category", "postcategory", "entry-category") or "cat-links" in cls
        ),
    ),
    (frozenset({"header"}), lambda cls, _: cls == "entry-header"),
    (frozenset({"div"}), lambda cls, _: cls in ("row", "tags")),
)
_TAG_CONTAINERS: _Containers = (
    (frozenset({"div"}), lambda cls, _: cls == "tags"),
    (frozenset({"p"}), lambda cls, _: cls.startswith("entry-tags")),
    (
        frozenset({"div"}),
        lambda cls, _: (
            cls in ("row", "jp-relatedposts", "entry-utility") or bool(_TAG_META.search(cls))
        ),
    ),
    (
        None,
        lambda cls, _: cls == "entry-meta" or "topics" in cls or "tags-links" in cls,
    ),
)


# what a class value accepted by any container test starts with (besides the three
# substrings tested in container_links)
_CONTAINER_STARTS = ("post", "meta", "entry", "row", "tag", "jp-relatedposts")


def container_links(page: list[Row], containers: _Containers) -> list[list[Any]]:
    """For each ``//container//a[@href]`` expression, its elements in document order
    (``page``: ``rows(tree)``)."""
    found: list[list[Any]] = [[] for _ in containers]
    for e, tag, a in page:
        cls, ident = a.get("class", ""), a.get("id", "")
        if not (
            cls.startswith(_CONTAINER_STARTS)
            or "cat-links" in cls
            or "topics" in cls
            or "tags-links" in cls
            or ident.startswith("postpath")
            or ident == "filedunder"
        ):
            continue  # no container test can pass
        for (tags, test), bucket in zip(containers, found, strict=True):
            if (tags is None or tag in tags) and test(cls, ident):
                bucket.append(e)
    out = []
    for boxes in found:
        links: dict[Any, None] = {}
        # containers come in document order and nest or follow each other, so their
        # descendants in turn (repeats dropped) are in document order too
        for box in boxes:
            links.update(dict.fromkeys(a for a in box.iterdescendants("a") if "href" in a.attrib))
        out.append(list(links))
    return out


def catstags(metatype: str, tree: Any, page: list[Row] | None = None) -> list[str]:
    """``trafilatura.metadata.extract_catstags(metatype, tree)`` in one pass
    (``page``: ``rows(tree)``, when already made)."""
    from trafilatura.baseline import block_text
    from trafilatura.utils import line_processing

    results: list[str] = []
    regexpr = "/" + metatype.rstrip("y") + "(?:y|ies|s)?/"
    containers = _CATEGORY_CONTAINERS if metatype == "category" else _TAG_CONTAINERS
    for links in container_links(rows(tree) if page is None else page, containers):
        results.extend(block_text(a) for a in links if re.search(regexpr, a.attrib["href"]))
        if results:
            break
    if metatype == "category" and not results:
        results.extend(
            element.attrib["content"]
            for element in tree.xpath(
                './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'
            )
        )
    return [r for r in dict.fromkeys(line_processing(x) for x in results if x) if r]


def page_metadata(tree: Any, default_url: str | None, date_config: dict[str, Any]) -> Any:
    """``trafilatura.metadata.extract_metadata(tree, default_url, date_config)`` without
    the licence (a ``trafilatura.settings.Document``; ``license`` stays None).

    ``tree`` is read, never changed. As in ``bare_extraction``, which hands
    ``extract_metadata`` a copy of its input, the search covers ``tree`` and what is
    inside it; a tree lxml cut out of a larger document (a fragment) is copied first so
    that absolute paths see the same elements.
    """
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

    if tree.getparent() is not None:
        tree = deepcopy(tree)
    date_config = {**date_config}
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # noqa: BLE001 (as extract_metadata: bugs in json_metadata)
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    page: list[Row] = []  # rows(tree), made when first needed

    def page_rows() -> list[Row]:
        if not page:
            page.extend(rows(tree))
        return page

    if not metadata.author:
        metadata.author = author(tree, page_rows())
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    date_config["url"] = metadata.url
    metadata.date = find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if (
            metadata.sitename
            and "." not in metadata.sitename
            and not metadata.sitename[0].isupper()
        ):
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    if not metadata.categories:
        metadata.categories = catstags("category", tree, page_rows())
    if not metadata.tags:
        metadata.tags = catstags("tag", tree, page_rows())
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata
