"""The chrome separator on the seed (exact) and hand-written pages in several languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.chrome import _REASONS, separate
from tasks.lexicons import CONCERNS, compile_lexicons
from tasks.records import Separation
from tasks.templates import line_hash
from tests.conftest import ROOT, SEED

CASES = Path(__file__).resolve().parent / "chrome_cases"
REQUIRED_LANGS = {"en", "tr", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "ar", "zh", "ja"}


def _kept(sep: Separation) -> list[str]:
    return [b.text for b in sep.body_blocks]


def _dropped(sep: Separation) -> dict[str, str]:
    return {b.text: d.reason for b, d in zip(sep.blocks, sep.decisions, strict=True) if not d.keep}


def _case(name: str) -> Separation:
    return separate((CASES / name).read_text(encoding="utf-8"))


def test_seed_splits_exactly(seed_expected: dict[str, object]) -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    sep = separate(SEED.read_text(encoding="utf-8"))
    assert sep.title == seed_expected["title"]
    assert _kept(sep) == seed_expected["article_paragraphs"]
    chrome = [
        b.text
        for b, d in zip(sep.blocks, sep.decisions, strict=True)
        if not d.keep and d.reason != "title"
    ]
    assert chrome == seed_expected["chrome"]
    reasons = _dropped(sep)
    assert reasons["X"] == "close_button"
    assert all(reasons[t] == "lexicon:consent" for t in chrome[1:])
    assert sep.language == "en"


def test_german_article_with_an_english_cookie_banner() -> None:
    sep = _case("de_article_en_cookies.txt")
    assert sep.language == "de"
    kept = _kept(sep)
    assert (
        len(kept) == 4 and kept[0].startswith("Die Stadt will") and kept[-1].startswith("Der Bau")
    )
    dropped = _dropped(sep)
    assert (
        dropped[
            "We use cookies and similar technologies to personalise content and ads, to "
            "provide social media features and to analyse our traffic. By clicking "
            '"Accept all" you consent to the use of cookies by us and our partners.'
        ]
        == "lexicon:consent"
    )
    assert dropped["Accept all"] == "lexicon:consent"
    assert dropped["Teilen"] == "lexicon:share"
    assert dropped["Impressum"] == "lexicon:legal"
    assert dropped["Neue Radwege in der Innenstadt"] == "title"  # the headline's repeat


def test_spanish_article_with_navigation_lines() -> None:
    sep = _case("es_article_nav.txt")
    assert sep.language == "es"
    assert [t[:20] for t in _kept(sep)] == [
        "El pleno municipal a",
        "Según el concejal de",
        "La oposición votó en",
    ]
    dropped = _dropped(sep)
    for nav in ("Inicio", "Noticias", "Deportes", "Buscar", "Iniciar sesión"):
        assert nav in dropped
    assert dropped["Buscar"] == "lexicon:navigation"
    assert dropped["Suscríbete a nuestro boletín"] == "lexicon:subscribe"
    assert dropped["Noticias relacionadas"] == "lexicon:related"


def test_japanese_article_with_a_consent_block() -> None:
    sep = _case("ja_article_consent.txt")
    assert sep.language == "ja"
    kept = _kept(sep)
    for para in ("市は十日", "館内には", "開館時間は"):
        assert any(t.startswith(para) for t in kept)
    dropped = _dropped(sep)
    consent = next(t for t in dropped if t.startswith("当サイトではクッキー"))
    assert dropped[consent] == "lexicon:consent"
    assert dropped["閉じる"] == "close_button"
    assert dropped["ホーム"] == "lexicon:navigation"
    assert dropped["関連記事"] == "lexicon:related"


def test_chinese_article_with_share_and_footer() -> None:
    sep = _case("zh_article_footer.txt")
    assert sep.language == "zh"
    assert [t[:6] for t in _kept(sep)] == ["经过一年多的", "市园林局负责", "据了解，公园"]
    dropped = _dropped(sep)
    assert dropped["分享到微信"] == "lexicon:share"
    assert dropped["版权所有 © 2024 本地新闻网"] == "lexicon:legal"


def test_template_lines_are_chrome() -> None:
    text = (CASES / "de_article_en_cookies.txt").read_text(encoding="utf-8")
    para = next(t for t in _kept(separate(text)) if t.startswith("Kritik kam"))
    sep = separate(text, template_hashes=frozenset({line_hash("  " + para.upper() + " ")}))
    assert para not in _kept(sep)
    assert _dropped(sep)[para] == "template"
    assert all(d.score <= 0.05 for d in sep.decisions if d.reason == "template")


def test_line_hash_is_stable_and_normalised() -> None:
    assert line_hash("Accept  all\n") == line_hash("accept all")
    assert line_hash("a") != line_hash("b")
    assert line_hash("Accept all") == -788021731739795428  # pinned: stable across processes
    assert -(2**63) <= line_hash("x") < 2**63


def test_every_decision_has_a_known_reason_and_a_score() -> None:
    for path in sorted(CASES.glob("*.txt")):
        sep = separate(path.read_text(encoding="utf-8"))
        assert len(sep.decisions) == len(sep.blocks)
        for d in sep.decisions:
            assert d.reason in _REASONS
            assert 0.0 <= d.score <= 1.0
            assert d.keep == (d.reason == "body")


def test_reason_codes_are_documented() -> None:
    doc = (ROOT / "tasks" / "chrome.py").read_text(encoding="utf-8")
    for reason in _REASONS:
        base = reason.split(":")[0] + (":" if ":" in reason else "")
        assert f"``{reason}``" in doc or f"``{base}" in doc, reason


def test_lexicons_cover_every_concern_in_many_languages() -> None:
    lex = compile_lexicons(ROOT / "config" / "lexicons")
    for concern in CONCERNS:
        langs = set(lex.terms[concern])
        assert len(langs) >= 15, concern
        assert REQUIRED_LANGS <= langs, (concern, REQUIRED_LANGS - langs)
    assert len(set(lex.close) - {"symbols"}) >= 15
    for groups in lex.terms.values():
        for entries in groups.values():
            assert all(
                e == e.lower() and e.strip() == e and not re.search(r"\s\s", e) for e in entries
            )
