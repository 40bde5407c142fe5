"""tasks.html_meta finds what trafilatura's metadata XPath expressions find.

Element for element against ``AUTHOR_XPATHS``, ``AUTHOR_DISCARD_XPATHS``,
``CATEGORIES_XPATHS`` and ``TAGS_XPATHS`` on hand-written pages that hit every test of
those expressions (and near misses), and the whole metadata against
``trafilatura.metadata.extract_metadata`` on them and on every 25th devset page.
"""

from __future__ import annotations

import gzip
from copy import deepcopy

import pytest
from trafilatura.metadata import extract_author, extract_catstags, extract_metadata
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, CATEGORIES_XPATHS, TAGS_XPATHS

from tasks import html_meta
from tasks.html import load_tree
from tests.conftest import SHARED

# attribute values that each XPath test accepts, and near misses it must refuse
_ATTRS = [
    'rel="author"',
    'id="author"',
    'class="author"',
    'class="Author"',
    'class="the-author-name"',
    'class="AuthorName x"',
    'class="xauthorNamey"',
    'itemprop="author name"',
    'itemprop="author"',
    'data-testid="AuthorCard"',
    'data-testid="AuthorURL"',
    'data-testid="AuthorCards"',
    'class="byline"',
    'class="Byline"',
    'class="bylines"',
    'class="username"',
    'class="byl"',
    'class="BBL"',
    'id="zuozhe-1"',
    'id="AUTHOR"',
    'class="posted-by"',
    'class="journalist-name"',
    'class="screenname"',
    'class="writer"',
    'data-component="Byline"',
    'class="comments"',
    'class="comments-box"',
    'class="Comments"',
    'class="no-comments"',
    'id="comments"',
    'id="comment-list"',
    'id="x-commentlist"',
    'id="ProductReviews"',
    'class="title"',
    'class="date"',
    'class="sidebar-left"',
    'class="is-hidden"',
    'class="blockquote"',
    'class="article-share"',
    'class="printable"',
    'class="category"',
    'class="meta-date"',
    'data-component="Figure"',
    'class="post-info"',
    'class="postinfo"',
    'class="postmeta"',
    'class="meta"',
    'class="metadata"',
    'class="entry-meta"',
    'class="entry-info"',
    'class="entry-utility"',
    'class="x-meta"',
    'id="postpath"',
    'class="entry-categories"',
    'id="filedunder"',
    'class="entry-footer"',
    'class="post-category"',
    'class="postcategory"',
    'class="entry-category"',
    'class="cat-links x"',
    'class="entry-header"',
    'class="row"',
    'class="rows"',
    'class="tags"',
    'class="tag"',
    'class="tagcloud"',
    'class="entry-tags"',
    'class="jp-relatedposts"',
    'class="related-topics"',
    'class="tags-links"',
]
_TAGS = "a address div link p span strong h3 h4 li footer header section b".split()


def _synthetic_page() -> str:
    """Every tag with every attribute value, links to /category/ and /tags/ inside,
    nested and with a <time> inside some, so that pruning changes candidate texts."""
    parts = ["<!doctype html><html><head><title>T - Site</title></head><body>"]
    for i, attr in enumerate(_ATTRS):
        for tag in _TAGS:
            inner = f'<a href="/category/c{i}">Cat {i}</a> <a href="/tags/t{i}">Tag {tag}</a>'
            if i % 3 == 0:
                inner = f"By Jane Doe{i} <time>today</time> more{inner}"
            if i % 2 == 0:
                inner = f'<span class="date">x</span>tail {i}<span class="author">Ann</span>{inner}'
            parts.append(f"<{tag} {attr}>{inner}</{tag}>")
    parts.append("<author>Someone Else</author><figure><p class='author'>In fig</p></figure>")
    parts.append("</body></html>")
    return "".join(parts)


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>"


def _devset_trees(step: int = 25) -> list:
    pages = SHARED / "devset" / "pages"
    if not pages.is_dir():
        return []
    return [
        load_tree(gzip.decompress(p.read_bytes()).decode("utf-8", "replace"))
        for p in sorted(pages.glob("*.html.gz"))[::step]
    ]


def test_author_candidates_are_the_xpath_selections() -> None:
    from trafilatura.xpaths import AUTHOR_XPATHS

    tree = load_tree(_synthetic_page())
    for i, expression in enumerate(AUTHOR_XPATHS):
        ours = [e for e, tag, a in html_meta.rows(tree) if html_meta._author_flags(tag, a)[i]]
        assert ours == expression(tree), i
        assert ours  # the page exercises every expression


def test_discarded_elements_are_the_pruned_ones() -> None:
    tree = load_tree(_synthetic_page())
    # what prune_unwanted_nodes deletes: the first expression, then the second on the rest
    expected = list(AUTHOR_DISCARD_XPATHS[0](tree))
    expected += [e for e in AUTHOR_DISCARD_XPATHS[1](tree) if e not in expected]
    ours = [e for e in tree.iter() if html_meta._discarded(e, tree)]
    assert set(ours) == set(expected) and ours


@pytest.mark.parametrize(
    "body",
    [
        _synthetic_page(),
        _page('<div class="byline">By <time>Monday</time>Jane Doe</div>'),
        _page(
            '<div class="sidebar"><span class="author">Hidden Name</span></div>'
            '<p class="author">Shown Name</p>'
        ),
        _page('<span class="author"><span class="date">1.1.</span>Ann Lee</span>'),
        _page('<div class="author"><rel>me</rel>Rel Person</div>'),
        _page("<p>No byline here</p>"),
        _page('<div class="author">' + "x" * 130 + '</div><p class="byline">Al Bo</p>'),
    ],
)
def test_author_is_extract_author(body: str) -> None:
    tree = load_tree(body)
    assert html_meta.author(tree) == extract_author(tree)


def test_container_links_are_the_xpath_selections() -> None:
    tree = load_tree(_synthetic_page())
    for containers, expressions in (
        (html_meta._CATEGORY_CONTAINERS, CATEGORIES_XPATHS),
        (html_meta._TAG_CONTAINERS, TAGS_XPATHS),
    ):
        found = html_meta.container_links(html_meta.rows(tree), containers)
        for ours, expression in zip(found, expressions, strict=True):
            assert ours == expression(tree)
            assert ours


def _fields(doc: object) -> dict[str, object]:
    keys = ("title", "author", "url", "date", "sitename", "description", "categories", "tags")
    return {k: getattr(doc, k) for k in keys}


def test_page_metadata_is_extract_metadata() -> None:
    trees = [load_tree(_synthetic_page()), *_devset_trees()]
    params = {"original_date": True, "extensive_search": False}
    for tree in trees:
        before = deepcopy(tree)
        ours = html_meta.page_metadata(tree, None, params)
        assert _fields(ours) == _fields(extract_metadata(deepcopy(tree), None, params))
        assert [e.tag for e in tree.iter()] == [e.tag for e in before.iter()]  # unchanged


def test_catstags_is_extract_catstags_on_the_devset() -> None:
    trees = _devset_trees(step=10)
    if not trees:
        pytest.skip("../shared/devset is not beside this checkout")
    for tree in trees:
        for kind in ("category", "tag"):
            assert html_meta.catstags(kind, tree) == extract_catstags(kind, tree)


def test_a_fragment_is_searched_as_a_copy() -> None:
    # lxml.html returns the single element of a fragment, inside a <html><body> it made
    tree = load_tree('<div><p class="author">Jo Bo</p><a href="/tags/x">x</a></div>')
    assert tree.getparent() is not None
    params = {"extensive_search": False}
    meta = html_meta.page_metadata(tree, None, params)
    assert meta.author == "Jo Bo"
    assert _fields(meta) == _fields(extract_metadata(deepcopy(tree), None, params))


@pytest.mark.parametrize(
    "markup",
    [
        _page("<p>a <b>b</b></p><form><input name=q value=1><select><option>x</select></form>"),
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>declared</p><p>x</p></body></html>',
        "<div><p>fragment one</p><p>two</p></div>",
        "<p>just one</p>",
        "plain words, no markup at all",
        "<!DOCTYPE html>\n<html/>\n<body><p>self-closed html</p></body>",
    ],
)
def test_load_tree_is_trafilaturas_load_html(markup: str) -> None:
    from lxml import etree
    from lxml.html import HtmlElement
    from trafilatura.utils import load_html

    ours, theirs = load_tree(markup), load_html(markup)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)
        # every element is a plain HtmlElement, decided without a Python callback
        assert {type(e) for e in ours.iter(etree.Element)} == {HtmlElement}


def test_a_deep_page_is_still_rejected_and_a_shallow_one_is_not_scanned() -> None:
    from tasks.html import MAX_DEPTH, HtmlRejected, extract_html
    from tasks.records import Decoded

    deep = "<html><body>" + "<div>" * (MAX_DEPTH + 10) + "x" + "</div>" * (MAX_DEPTH + 10)
    doc = Decoded("deep.html", 0, deep + "</body></html>", "html", "utf-8", "utf-8")
    with pytest.raises(HtmlRejected, match="html_too_deep"):
        extract_html(doc, {})
    # fewer tags than MAX_DEPTH: cannot nest deeper, extracted as usual
    body = "<p>" + "Ein ganz normaler Satz mit einigen Wörtern darin. " * 20 + "</p>"
    text, _, _ = extract_html(Decoded("ok.html", 0, _page(body), "html", "utf-8", "utf-8"), {})
    assert "normaler Satz" in text


def test_metadata_that_fails_leaves_the_text_without_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """trafilatura's bare_extraction guarded its metadata step with TypeError/ValueError
    (the page then had no text at all); now that it runs outside, such an error keeps the
    page's text and leaves its metadata fields empty."""
    import tasks.html as html
    from tasks.records import Decoded

    def broken(*args: object) -> None:
        raise ValueError("a malformed date")

    body = "<p>" + "Ein ganz normaler Satz mit einigen Wörtern darin. " * 20 + "</p>"
    doc = Decoded("m.html", 0, _page(body), "html", "utf-8", "utf-8")
    _, meta, _ = html.extract_html(doc, {})
    assert meta.get("title") == "T"  # the page has a title when metadata works
    monkeypatch.setattr(html, "page_metadata", broken)
    text, meta, _ = html.extract_html(doc, {})
    assert "normaler Satz" in text and meta == {}
