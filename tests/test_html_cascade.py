"""tasks.html_cascade extracts what trafilatura's bare_extraction extracts.

Its matchers select, element for element, what the XPath expressions they replace
select (on hand-written pages that hit every test of those expressions, and near
misses, and on every 25th devset page); ``extract_text`` returns ``bare_extraction``'s
text on those pages; and the trafilatura code it restates is pinned, so that an
upgrade that changes it fails here instead of silently drifting.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
from copy import deepcopy

import pytest
from lxml import etree

from tasks import html_cascade
from tasks.html import load_tree
from tests.conftest import SHARED

# attribute sets for the raw-tree, comment and basic-cleaning expressions, with misses
_ATTRS = [
    'id="infinite-scroll"',
    'class="x infinitescroll"',
    'class="mvp-post-add-box"',
    'id="mvp-post-add-wrap"',
    'class="mvp-post-add"',
    'class="elementor-share-buttons y"',
    'class="elementor-share"',
    'id="comments"',
    'id="Comment-1"',
    'id="commentary"',
    'id="comol"',
    'id="disqus_thread"',
    'id="dsq-comments"',
    'id="x-comments"',
    'class="comment-list"',
    'class="Comments"',
    'class="commentary"',
    'class="post-comments"',
    'class="article-comments x"',
    'class="no-comment"',
    'class="footer"',
    'id="page-footer"',
    'class="x" id="footer"',
    'id="footer" class="x"',
    'class="Footer"',
    'class="cookie-banner"',
    'id="COOKIE_CONSENT"',
    'class="notice--cookie"',
    'class="cmplz-x"',
    'id="OneTrust-sdk"',
    'class="moove_gdpr"',
    'class="cookies"',
    'class="consent"',
    "",
]
_TAGS = ["div", "section", "aside", "ol", "ul", "details", "list", "p", "span", "footer"]


def _synthetic_page() -> str:
    parts = ["<!doctype html><html><head><title>T</title><style>p{}</style></head><body>"]
    for i, attr in enumerate(_ATTRS):
        for tag in _TAGS:
            inner = f"<p>Text {i} {tag} with some words.</p>"
            if i % 2 == 0:
                inner = f"<h1>Head {i}</h1>{inner}"
            parts.append(f"<{tag} {attr}>{inner}<span {attr}>in</span></{tag}> tail {i}")
    parts.append("<script>var x;</script><svg><g></g></svg><template>t</template>")
    parts.append("<fencedframe></fencedframe><footer>f</footer></body></html>")
    return "".join(parts)


def _devset_trees(step: int = 25) -> list:
    pages = SHARED / "devset" / "pages"
    if not pages.is_dir():
        return []
    return [
        load_tree(gzip.decompress(p.read_bytes()).decode("utf-8", "replace"))
        for p in sorted(pages.glob("*.html.gz"))[::step]
    ]


def _expressions() -> list[tuple[object, object]]:
    from trafilatura.settings import BASIC_CLEAN_XPATH
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

    return [
        (html_cascade.raw_prune_matches, RAW_TREE_PRUNE_XPATH[0]),
        (html_cascade.share_matches, RAW_TREE_PRUNE_XPATH[1]),
        (html_cascade.comment_matches, REMOVE_COMMENTS_AND_LISTS_XPATH[0]),
        (html_cascade.basic_clean_matches, BASIC_CLEAN_XPATH),
    ]


def test_the_matchers_select_what_the_xpath_expressions_select() -> None:
    synthetic = load_tree(_synthetic_page())
    for ours, expression in _expressions():
        selected = expression(synthetic)  # type: ignore[operator]
        assert selected, expression  # the page exercises every expression
        assert ours(synthetic) == selected, expression  # type: ignore[operator]
        body = synthetic.find(".//body")  # html2txt cleans the body
        assert ours(body) == expression(body), expression  # type: ignore[operator]
    for tree in _devset_trees():
        for ours, expression in _expressions():
            assert ours(tree) == expression(tree), expression  # type: ignore[operator]


def test_the_page_length_is_html2txts_and_the_bound_holds() -> None:
    from trafilatura.baseline import html2txt

    minified = [  # block boundaries without spaces, removed elements between words
        "<html><body><div>a</div><div>b<p>c</p>d</div><li>e</li>f</body></html>",
        "<html><body><p>foo<script>x</script>bar</p>a<footer>zz</footer>b<svg>q</svg></body></html>",
        "<html><body><p>x\x1cy</p><span>u\x1fv</span><i class='cmplz'>w</i>z</body></html>",
        "<html><p>no body element</p><aside>left out</aside></html>",
    ]
    trees = [load_tree(_synthetic_page()), *map(load_tree, minified), *_devset_trees(step=50)]
    for tree in trees:
        before = etree.tostring(tree)
        length = html_cascade.page_text_length(tree)
        assert length == len(html2txt(tree))
        assert html_cascade.page_text_bound(tree) >= length
        assert etree.tostring(tree) == before  # measured on a copy


def _bare_text(tree: object, **options: bool) -> str | None:
    import trafilatura

    result = trafilatura.bare_extraction(
        deepcopy(tree), with_metadata=False, deduplicate=False, include_comments=False, **options
    )
    return None if result is None else result.text  # type: ignore[union-attr]


@pytest.mark.parametrize(("tables", "step"), [(True, 40), (False, 160)])
def test_the_text_is_bare_extractions(tables: bool, step: int) -> None:
    trees = [load_tree(_synthetic_page()), *_devset_trees(step)]
    for tree in trees:
        before = etree.tostring(tree)
        ours = html_cascade.extract_text(tree, None, include_tables=tables)
        assert ours == _bare_text(tree, include_tables=tables)
        assert etree.tostring(tree) == before  # the caller's tree is not changed


def test_a_page_without_text_is_none_as_in_bare_extraction() -> None:
    tree = load_tree("<html><body><div><img src='a.png'></div></body></html>")
    assert _bare_text(tree) is None
    assert html_cascade.extract_text(tree, None) is None


def test_other_settings_take_bare_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    calls: list[dict[str, object]] = []
    real = trafilatura.bare_extraction

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    tree = load_tree(_synthetic_page())
    html_cascade.extract_text(tree, None)
    assert calls == []  # the path's own settings: the restated sequence
    for setting in ("favor_precision", "favor_recall", "include_comments", "fast"):
        html_cascade.extract_text(tree, None, **{setting: True})
        assert calls[-1][setting] is True
    assert len(calls) == 4


# what tasks.html_cascade restates or relies on, as trafilatura 2.3.1 has it: the
# sha256 of each function's source and of each expression's text. A mismatch means
# trafilatura changed; compare its new code with html_cascade and update both.
_PINNED = {
    "trafilatura.core.trafilatura_sequence": "f03dc4d2946dacbd",
    "trafilatura.core.bare_extraction": "2e57adb3062086f9",
    "trafilatura.core._prepare_tree": "9595f0642825c2c7",
    "trafilatura.core._extract_and_compare": "f7d056c2118222e8",
    "trafilatura.core._recall_retry": "59594c39714f57be",
    "trafilatura.baseline.html2txt": "a8c97eab2097c57d",
    "trafilatura.external.compare_extraction": "2d3d1ffea3ba469f",
    "trafilatura.external._prefer_readability": "f6ee688e9ae60074",
    "trafilatura.baseline._spaced_text": "d04314f988c6afae",
    "trafilatura.baseline.basic_cleaning": "80877b2ccdefda2d",
    "trafilatura.external.justext_rescue": "43d803082a76d38a",
    "trafilatura.htmlprocessing.prune_unwanted_nodes": "4731f8e24ef86449",
    "trafilatura.xml.delete_element": "76e448c154eb43ba",
    "trafilatura.xpaths.RAW_TREE_PRUNE_XPATH": "0a775839824a964b",
    "trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH": "9cc18d34e6e2d258",
    "trafilatura.settings.BASIC_CLEAN_XPATH": "db6c25acd08aef99",
}


def _pinned_text(name: str) -> str:
    import importlib

    module, _, attr = name.rpartition(".")
    value = getattr(importlib.import_module(module), attr)
    if callable(value) and not isinstance(value, etree.XPath):
        return inspect.getsource(value)
    expressions = value if isinstance(value, list) else [value]
    return "\n".join(x.path for x in expressions)


def test_the_restated_trafilatura_code_is_unchanged() -> None:
    import trafilatura

    assert trafilatura.__version__ == "2.3.1"
    found = {n: hashlib.sha256(_pinned_text(n).encode()).hexdigest()[:16] for n in _PINNED}
    assert found == _PINNED


def test_readability_is_asked_only_below_the_skip_length(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura.external

    asked: list[int] = []
    real = trafilatura.external.try_readability

    def spy(tree: object) -> object:
        asked.append(1)
        return real(tree)  # type: ignore[arg-type]

    monkeypatch.setattr(trafilatura.external, "try_readability", spy)
    sentence = "Ein ganz normaler Satz mit einigen Wörtern darin, lang genug für den Text. "
    for paragraphs, expected in ((3, 1), (90, 0)):  # ~680 / ~20,000 characters
        body = "".join(f"<p>{sentence * 3}</p>" for _ in range(paragraphs))
        tree = load_tree(f"<html><body><article>{body}</article></body></html>")
        asked.clear()
        text = html_cascade.extract_text(tree, None)
        assert text is not None and sentence.strip() in text
        assert len(asked) == expected
        assert text == _bare_text(tree)  # readability would not have won anyway
