"""Article fields: published_at and its source, canonical URL and domain, source, counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import fields
from tasks.fields import (
    canonical_url,
    domain_of,
    find_text_date,
    paragraph_count,
    published_at,
    site_source,
    word_count,
)
from tasks.process import process_batch
from tasks.records import SourceFile
from tasks.settings import load_settings
from tests.inputs_helpers import FIXTURES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ANKARA (AA) - 31 Ekim 2020 tarihinde köprü açıldı", datetime(2020, 10, 31)),
        ("Stand: 31.10.2020, 14:35 Uhr\n\nText", datetime(2020, 10, 31, 14, 35)),
        ("PORTSMOUTH, Oct. 31, 2020 - The ferry", datetime(2020, 10, 31)),
        ("Berlin, 31. Oktober 2020 – Der Senat", datetime(2020, 10, 31)),
        ("Madrid, 31 de octubre de 2020. El Gobierno", datetime(2020, 10, 31)),
        ("Published 2020-10-31T08:05 by staff", datetime(2020, 10, 31, 8, 5)),
        ("October 31st, 2020", datetime(2020, 10, 31)),
    ],
)
def test_datelines(text: str, expected: datetime) -> None:
    assert find_text_date(text) == expected.replace(tzinfo=UTC)


def test_dateline_rejects_impossible_and_future_dates() -> None:
    assert find_text_date("Version 31.13.2020 and 32.10.2020") is None
    fetched = datetime(2021, 1, 1, tzinfo=UTC)
    assert find_text_date("Termin: 05.06.2030", latest=fetched) is None
    assert find_text_date("nothing here") is None
    assert find_text_date("x " * 400 + "31.10.2020") is None  # only the opening counts


def test_published_at_sources_in_order() -> None:
    fetched = datetime(2022, 3, 1, 10, tzinfo=UTC)
    body = "ANKARA (AA) - 31 Ekim 2020 tarihinde"
    assert published_at("2021-05-04T09:15:00+02:00", "2019-01-01", (body,), fetched) == (
        datetime(2021, 5, 4, 7, 15, tzinfo=UTC),
        "html_meta",
    )
    assert published_at(None, "2019-01-01", (body,), fetched)[1] == "container"
    assert published_at(None, None, ("", body), fetched) == (
        datetime(2020, 10, 31, tzinfo=UTC),
        "dateline",
    )
    assert published_at(None, None, ("no date",), fetched) == (fetched, "warc_date")
    assert published_at(None, None, ("no date",), None) == (None, None)
    # a metadata date after the capture is not believed
    assert published_at("2030-01-01", None, ("no date",), fetched)[1] == "warc_date"


def test_canonical_url_and_domain() -> None:
    url = "HTTPS://WWW.Example.COM:443/a/b?id=7&utm_source=x&fbclid=y#top"
    assert canonical_url(url) == "https://www.example.com/a/b?id=7"
    assert canonical_url("http://example.com:8080") == "http://example.com:8080/"
    assert canonical_url("hard::blog.python.org.html") is None
    assert canonical_url("javascript:void(0)") is None
    assert canonical_url("http://[::1") is None
    assert domain_of("https://www.example.com/a") == "example.com"
    assert domain_of(None) is None


def test_source_precedence() -> None:
    assert site_source("a.example", "folder", "Site", "H | T") == ("a.example", "url")
    assert site_source(None, "folder", "Site", "H | T") == ("Site", "sitename")
    assert site_source(None, "folder", None, "Headline here | T") == ("T", "title")
    assert site_source(None, "folder", None, "Just a headline") == ("folder", "folder")
    assert site_source(None, None, "Site", "H | T") == ("Site", "sitename")
    assert site_source(None, None, None, "Headline here | Stadtblatt") == ("Stadtblatt", "title")
    assert site_source(None, None, None, "Just a headline") == (None, None)


def test_counts() -> None:
    assert word_count("Grüße aus Zürich, well-known and it's 2020.") == 7
    assert word_count("新しい橋") == 4
    assert paragraph_count("a\n\nb\nc\n\n\n\nd") == 3


def test_html_article_fields_end_to_end(tmp_path: Path) -> None:
    path = FIXTURES / "article_de.html"
    st = path.stat()
    f = SourceFile(str(path), "article_de.html", None, st.st_size, st.st_mtime_ns)
    (a,) = process_batch([f], load_settings(workers=0)).articles
    assert a.format == "html" and a.title == "Neue Fähre verbindet die Inseln"
    assert a.url == "https://www.inselbote.example/lokales/neue-faehre"
    assert (a.domain, a.source, a.source_from) == ("inselbote.example",) * 2 + ("url",)
    assert a.author == "Jana Kramer" and a.site_name == "Inselbote"
    assert a.published_at is not None and a.published_at.date().isoformat() == "2021-05-04"
    assert a.published_at_source == "html_meta"
    assert a.description and a.description.startswith("Eine neue Fähre")
    assert a.body.startswith("Ab dem ersten Juni") and "Startseite" not in a.body
    assert "Cookies" not in a.body and "Impressum" not in a.body
    assert a.paragraph_count == 3 and a.word_count == len(a.body.split())
    assert a.char_count == len(a.body) and 0.0 <= a.chrome_ratio <= 1.0


_WORDY = st.text(alphabet=st.sampled_from(list("ab_Z9-'’ .,\n\tÄßİﬁ²½Պ新しい橋한😀𝔘")), max_size=40)


@given(_WORDY)
def test_word_count_is_the_regex_count(text: str) -> None:
    """The numpy count equals the documented regex definition on any text."""
    cjk = len(fields._CJK.findall(text))
    expected = len(fields._WORD.findall(fields._CJK.sub(" ", text))) + cjk
    assert word_count(text) == expected


# the dateline patterns as first written (``\b`` before a digit, a backtracking month word)
_PLAIN_DATE_PATTERNS = {
    "ymd": r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\b",
    "dmy": r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b" + fields._TIME,
    "mdy_name": r"\b([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b",
    "dmy_name": r"\b(\d{1,2})(?:\.|st|nd|rd|th)?\s+(?:de\s+)?("
    + fields._MONTH_RE
    + r")\.?,?\s+(?:de\s+)?(\d{4})\b"
    + fields._TIME,
}
_DATE_PIECES = (
    "2020|1999|31|7|12|-|.|/|:| |  |\n|,|T|de |Oct|octubre|Ekim|MÄRZ|x|é|_|a1|st|th|at |um |rd"
    "|١٩٩٠|h|14:35"
).split("|")
_DATEY = st.lists(st.sampled_from(_DATE_PIECES), max_size=30).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_DATEY)
def test_date_patterns_find_what_the_plain_patterns_find(text: str) -> None:
    import re

    for kind, pattern in fields._DATE_PATTERNS:
        flags = re.I if kind == "dmy_name" else 0
        plain = re.compile(_PLAIN_DATE_PATTERNS[kind], flags)
        got = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], kind
    assert bool(fields._YEAR.search(text)) == bool(re.search(r"\d{4}", text))
    if dict(fields._DATE_PATTERNS)["mdy_name"].search(text):
        assert fields._MDY_TAIL.search(text)  # (find_text_date runs it only then)
