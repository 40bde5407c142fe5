"""HTML path: structure signals of extracted lines, and the combiner's final decision."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tasks.html import (
    COMBINED_FEATURES,
    STRUCTURE_REASON,
    HtmlModel,
    html_decide,
    load_html_model,
)
from tasks.html_structure import STRUCTURE_FEATURES, structure_features
from tasks.records import Block, Decision, Separation
from tasks.settings import load_settings

PROSE = (
    "Der Gemeinderat hat am Dienstag beschlossen, die alte Brücke über den Fluss bis zum "
    "Herbst zu sanieren, weil sich die Schäden am Tragwerk in den letzten Jahren gehäuft haben."
)
PROSE2 = (
    "Die Kosten von rund zwei Millionen Euro teilen sich die Stadt und das Land, wie der "
    "Bürgermeister nach der Sitzung erklärte; die Arbeiten sollen im Mai beginnen."
)
PROSE3 = (
    "Während der Bauzeit wird der Verkehr über eine Behelfsbrücke geleitet, Fußgänger und "
    "Radfahrer können die Baustelle auf einem eigenen Weg passieren, so die Stadtverwaltung."
)
TEASER = "Neue Radwege: Die Stadt plant drei Kilometer entlang der Hauptstraße"

PAGE = f"""<!doctype html><html><head><title>Brücke wird saniert</title></head><body>
<nav><ul><li><a href="/">Start</a></li><li><a href="/lokal">Lokales</a></li></ul></nav>
<main><article class="story">
<h1>Brücke wird saniert</h1>
<p>{PROSE}</p>
<p><a href="/radwege">{TEASER}</a></p>
<p>{PROSE2}</p>
<p><strong>Alles zum Thema im Dossier</strong></p>
<ul><li>Erster Punkt der Liste mit etwas Text</li></ul>
<p>{PROSE3}</p>
</article></main>
<aside class="related-teaser"><p>Mehr aus der Region: Feuerwehr rettet Katze vom Dach</p></aside>
</body></html>"""


def column(name: str) -> int:
    return STRUCTURE_FEATURES.index(name)


def test_structure_signals_of_each_line() -> None:
    lines = [
        PROSE,
        TEASER,
        "Alles zum Thema im Dossier",
        "- Erster Punkt der Liste mit etwas Text",
        "Mehr aus der Region: Feuerwehr rettet Katze vom Dach",
        "a line trafilatura never saw in this page",
    ]
    f = structure_features(PAGE, lines)
    assert f.shape == (len(lines), len(STRUCTURE_FEATURES))
    prose, teaser, bold, item, aside, missing = f
    assert prose[column("mapped")] == 1 and prose[column("link")] == 0
    assert prose[column("tag_p")] == 1 and prose[column("in_main")] == 1
    assert teaser[column("link")] == pytest.approx(1.0) and teaser[column("link_all")] == 1
    assert bold[column("emph_all")] == 1 and bold[column("link")] == 0
    assert item[column("tag_li")] == 1
    assert aside[column("landmark")] == 1 and aside[column("boiler_class")] == 1
    assert aside[column("in_main")] == 0
    assert not missing.any()  # unmapped: every signal off, mapped = 0


def test_structure_of_nothing() -> None:
    assert structure_features(PAGE, []).shape == (0, len(STRUCTURE_FEATURES))


def _sep(texts: list[str], reasons: list[str]) -> Separation:
    blocks, decisions, at = [], [], 0
    for i, (t, r) in enumerate(zip(texts, reasons, strict=True)):
        blocks.append(Block(i, t, at, at + len(t)))
        decisions.append(Decision(i, r == "body", r, 0.9 if r == "body" else 0.1))
        at += len(t) + 2
    return Separation(tuple(blocks), tuple(decisions), None, None, None, 0.0, None)


def test_html_decide_drops_a_link_the_text_pass_kept() -> None:
    texts = ["Brücke wird saniert", PROSE, TEASER]
    sep = _sep(texts, ["title", "body", "body"])
    structure = structure_features(PAGE, texts)
    coef = np.zeros(len(COMBINED_FEATURES))
    coef[COMBINED_FEATURES.index("link")] = -10.0  # a toy model: links are chrome
    out = html_decide(sep, structure, HtmlModel(coef, 2.0, 0.5))
    title, prose, teaser = out.decisions
    assert (title.keep, title.reason) == (False, "title")  # title repeats stay dropped
    assert prose.keep and prose.reason == "body"
    assert (teaser.keep, teaser.reason) == (False, STRUCTURE_REASON)
    assert 0.0 <= teaser.score < 0.5


def test_shipped_model_matches_the_features() -> None:
    model = load_html_model()
    assert model is not None and model.coef.shape == (len(COMBINED_FEATURES),)
    assert 0.0 < model.threshold < 1.0


def test_model_file_with_other_features_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"features": ["x"], "coef": [1], "intercept": 0, "threshold": 0.5}))
    with pytest.raises(ValueError, match="retrain"):
        load_html_model(str(bad))
    assert load_html_model(str(tmp_path / "absent.json")) is None


def test_the_run_sees_the_structure(tmp_path: Path) -> None:
    """The same line scores lower as one big link inside the article than as plain text."""
    from tasks.explain import explain_file

    linked = PAGE
    plain = PAGE.replace(f'<a href="/radwege">{TEASER}</a>', TEASER)
    scores = []
    for html in (linked, plain):
        page = tmp_path / "page.html"
        page.write_text(html, encoding="utf-8")
        report = explain_file(page, load_settings(workers=0))
        (block,) = [b for b in report["blocks"] if b["text"] == TEASER]
        scores.append(block["score"])
        kept = " ".join(b["text"] for b in report["blocks"] if b["keep"])
        assert PROSE in kept and PROSE2 in kept and PROSE3 in kept
    assert scores[0] < scores[1] - 0.2


LEAD = (
    "Die marode Brücke am Stadtrand wird ab Mai für zwei Millionen Euro saniert, "
    "beschloss der Rat am Dienstag."
)


def _with_lead(visible: bool, description: str = LEAD) -> str:
    page = PAGE.replace(
        "<title>Brücke wird saniert</title>",
        f'<title>Brücke wird saniert</title><meta name="description" content="{description}">',
    )
    if visible:  # in a teaser container, which extractors cut as boilerplate
        page = page.replace(
            "<h1>Brücke wird saniert</h1>",
            f'<h1>Brücke wird saniert</h1><div class="teaser"><p class="teaser">{LEAD} '
            "Die Arbeiten dauern bis zum Herbst.</p></div>",
        )
    return page


def _extract(html: str) -> str:
    from tasks.html import extract_html
    from tasks.records import Decoded

    text, _, page = extract_html(Decoded("p.html", 0, html, "html", "utf-8", "utf-8"), {})
    assert page is not None
    return text


def test_visible_lead_is_the_paragraph_that_starts_like_the_description() -> None:
    from trafilatura.utils import load_html

    from tasks.html_structure import PageText

    page = PageText(load_html(_with_lead(visible=True)))
    assert page.visible_lead(LEAD) == f"{LEAD} Die Arbeiten dauern bis zum Herbst."
    assert page.visible_lead("Zu kurz für einen Vorspann.") is None
    hidden = PageText(load_html(_with_lead(visible=False)))
    assert hidden.visible_lead(LEAD) is None  # only in <meta>: not page text


def test_extract_puts_back_a_visible_lead_once_and_first() -> None:
    text = _extract(_with_lead(visible=True))
    assert text.count(LEAD) == 1
    assert text.index(LEAD) < text.index(PROSE)


def test_extract_never_adds_a_description_the_page_does_not_show() -> None:
    assert LEAD not in _extract(_with_lead(visible=False))


def test_html_settings_reach_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    from tasks.html import extract_html
    from tasks.records import Decoded

    seen: dict[str, object] = {}
    real = trafilatura.bare_extraction

    def spy(*args: object, **kwargs: object) -> object:
        seen.update(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    doc = Decoded("p.html", 0, PAGE, "html", "utf-8", "utf-8")
    text, _, _ = extract_html(doc, {"fast": True, "include_tables": False})
    assert seen["fast"] is True and seen["include_tables"] is False
    assert PROSE in text
    assert load_settings().html.get("fast") is False  # shipped default: fallbacks on


def test_a_bad_model_file_fails_the_batch_instead_of_rejecting_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tasks.html
    import tasks.process
    from tasks.records import SourceFile

    bad = tmp_path / "html_model.json"
    bad.write_text(json.dumps({"features": ["x"], "coef": [1.0], "intercept": 0, "threshold": 0.5}))
    monkeypatch.setattr(
        tasks.process, "load_html_model", lambda: tasks.html.load_html_model(str(bad))
    )
    page = tmp_path / "p.html"
    page.write_text(PAGE, encoding="utf-8")
    f = SourceFile(str(page), "p.html", None, page.stat().st_size, page.stat().st_mtime_ns)
    with pytest.raises(ValueError, match="features differ"):
        tasks.process.process_batch([f], load_settings())
