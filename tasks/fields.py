"""Normalized article fields: publication date, canonical URL and domain, source, counts.

Pure functions of their inputs; nothing here reads the clock. A date is accepted only
between 1990-01-01 and the day after the document was fetched (when that is known) or
2100-01-01.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from tasks.chars import ALNUM, char_classes, char_table
from tasks.title import split_title
from tasks.tokens import stage_kernels

MIN_DATE = datetime(1990, 1, 1, tzinfo=UTC)
MAX_DATE = datetime(2100, 1, 1, tzinfo=UTC)

# --- dates --------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "january jan januar janvier enero ene ocak oca gennaio gen janeiro stycznia styczeń jänner",
        "february feb februar février fevrier febrero şubat subat şub febbraio fevereiro lutego",
        "march mar märz maerz mars marzo mart mar março marco marca",
        "april apr avril abril nisan nis aprile kwietnia",
        "may mai mayo mayıs mayis maggio maio maja",
        "june jun juni juin junio haziran haz giugno junho czerwca",
        "july jul juli juillet julio temmuz tem luglio julho lipca",
        "august aug août aout agosto ağustos agustos ağu agosto sierpnia",
        "september sep sept septembre septiembre eylül eylul eyl settembre setembro września",
        "october oct oktober octobre octubre ekim eki ottobre outubro października okt",
        "november nov novembre noviembre kasım kasim kas novembro listopada",
        "december dec dezember décembre decembre diciembre aralık aralik ara dicembre dezembro "
        "grudnia dez dic",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _n)

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TIME = r"(?:[,\s]+(?:um\s+|at\s+|saat\s+|à\s+|a las\s+)?(\d{1,2})[:.h](\d{2})(?:[:.](\d{2}))?)?"
# A pattern that starts with a character class is searched for by ``re`` with a fast scan
# for that class: so ``\b\d`` is written ``\d(?<!\w\d)`` (the same test: no word character
# before the digit), and the month word is possessive: backtracking into it can never
# lead to a match (the pattern then needs a '.' or a blank, and a letter given back
# would stand there); tests/test_fields.py compares them with the plain patterns
_START = r"\d(?<!\w\d)"  # a digit with no word character before it (``\b\d``)
_DATE_PATTERNS = [
    # 2020-10-31 (ISO, optional time)
    (
        "ymd",
        re.compile(
            rf"({_START}\d{{3}})-(\d{{2}})-(\d{{2}})(?:[T ](\d{{2}}):(\d{{2}})(?::(\d{{2}}))?)?\b"
        ),
    ),
    # 31.10.2020 / 31/10/2020 / 31-10-2020 (day first), optional time
    ("dmy", re.compile(rf"({_START}\d?)[./](\d{{1,2}})[./](\d{{4}})\b" + _TIME)),
    # Oct. 31, 2020 / October 31 2020: any word there, kept when it names a month (one
    # alternation of ~100 month names tried at every word costs ten times more)
    ("mdy_name", re.compile(r"\b([^\W\d_]++)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")),
    # 31 Ekim 2020 / 31. Oktober 2020 / 31 de octubre de 2020 / 31st October 2020
    (
        "dmy_name",
        re.compile(
            rf"({_START}\d?)(?:\.|st|nd|rd|th)?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})\b"
            + _TIME,
            re.I,
        ),
    ),
]


_YEAR = re.compile(r"\d\d\d\d")  # (``\d{4}``, found by the class scan)
# what every ``mdy_name`` match holds from its day on (a day right before the year is
# rare outside English): where this is not found, that pattern is not run
_MDY_TAIL = re.compile(r"\s\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b")


def _valid(dt: datetime, latest: datetime) -> datetime | None:
    return dt if MIN_DATE <= dt <= latest else None


def parse_date(value: str | None) -> datetime | None:
    """An ISO-like date string -> an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _build(y: int, mo: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> datetime:
    return datetime(
        y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=UTC
    )  # raises ValueError on an impossible date


def find_text_date(text: str, latest: datetime = MAX_DATE) -> datetime | None:
    """The first plausible date in the opening of a text (a dateline or a date line).

    Looks at the first 600 characters: ``31.10.2020``, ``2020-10-31``, ``Oct. 31, 2020``,
    ``31 Ekim 2020``, ``31. Oktober 2020``, ``31 de octubre de 2020``, with an optional
    ``14:35`` time (taken as UTC: a dateline rarely names its zone).
    """
    head = text[:600]
    if not _YEAR.search(head):
        return None  # every pattern has a four-digit year
    best: tuple[int, datetime] | None = None
    for kind, pattern in _DATE_PATTERNS:
        if kind == "mdy_name" and not _MDY_TAIL.search(head):
            continue
        for m in pattern.finditer(head):
            g = m.groups()
            try:
                if kind == "ymd":
                    dt = _build(int(g[0]), int(g[1]), int(g[2]), g[3], g[4], g[5])
                elif kind == "dmy":
                    day, month = int(g[0]), int(g[1])
                    dt = _build(int(g[2]), month, day, g[3], g[4], g[5])
                elif kind == "mdy_name":
                    dt = _build(int(g[2]), _MONTHS[g[0].lower()], int(g[1]), None, None, None)
                else:
                    dt = _build(int(g[2]), _MONTHS[g[1].lower()], int(g[0]), g[3], g[4], g[5])
            except (ValueError, KeyError):
                continue
            if _valid(dt, latest):
                if best is None or m.start() < best[0]:
                    best = (m.start(), dt)
                break
    return best[1] if best else None


def published_at(
    meta_date: str | None,
    container_date: str | None,
    texts: tuple[str, ...],
    fetched_at: datetime | None,
) -> tuple[datetime | None, str | None]:
    """``(published_at, published_at_source)``.

    Sources in order: ``html_meta`` (trafilatura/htmldate: meta tags, JSON-LD, URL),
    ``container`` (a JSON Lines ``date``/``published_at`` field), ``dateline`` (a date
    in the opening of one of ``texts``, tried in order: the body, then the whole text),
    ``warc_date`` (the archive's capture date: an upper bound, used only when nothing
    else says).
    """
    latest = fetched_at + timedelta(days=1) if fetched_at else MAX_DATE
    for value, how in ((meta_date, "html_meta"), (container_date, "container")):
        dt = parse_date(value)
        if dt is not None and _valid(dt, latest):
            return dt, how
    for text in texts:
        dt = find_text_date(text, latest)
        if dt is not None:
            return dt, "dateline"
    if fetched_at is not None:
        return fetched_at.astimezone(UTC), "warc_date"
    return None, None


# --- URLs ---------------------------------------------------------------------------

_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|igshid|yclid|"
    r"ocid|cmpid|wt_mc|wt\.mc_id|at_medium|at_campaign|xtor|ref_src)$",
    re.I,
)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, fragment or tracking parameters.

    Returns None for anything that is not an absolute http(s) URL.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def domain_of(url: str | None) -> str | None:
    """The host of a canonical URL, without ``www.`` and port."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host.removeprefix("www.")


def site_source(
    domain: str | None,
    folder: str | None,
    sitename: str | None,
    title: str | None,
) -> tuple[str | None, str | None]:
    """``(source, source_from)``: the site a document comes from, and how it was known.

    What the document itself says first: ``url`` (the document's domain), ``sitename``
    (HTML metadata, e.g. ``og:site_name``), ``title`` (the site part of
    ``Headline | Site``); then, when nothing else says, ``folder`` (the input layout
    ``raw/<source>/...``).
    """
    if domain:
        return domain, "url"
    if sitename and sitename.strip():
        return sitename.strip(), "sitename"
    if title:
        site = split_title(title)[1]
        if site:
            return site, "title"
    if folder:
        return folder, "folder"
    return None, None


# --- counts ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF))
_JOINERS = (ord("-"), ord("'"), ord("’"))


def word_count(text: str) -> int:
    """Words: runs of letters/digits (hyphen and apostrophe compounds count once);
    each CJK character counts as a word, since those scripts do not space words.

    The same count as ``len(_WORD.findall(text))`` (with each CJK character made a
    space, plus one per CJK character), from the characters' classes in numpy: the
    starts of word-character runs, less the single joiners with a word character on both sides.
    """
    if not text:
        return 0
    kernels = stage_kernels()
    if kernels is not None:
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        n = int(kernels.word_count(cp, char_table(), ALNUM))
        if n >= 0:
            return n
    return _word_count(text)


def _word_count(text: str) -> int:
    """``word_count`` in numpy."""
    cp, cls = char_classes(text)
    word = ((cls & ALNUM) != 0) | (cp == ord("_"))  # re's \w: str.isalnum() or "_"
    cjk = np.zeros(len(cp), dtype=bool)
    for lo, hi in _CJK_RANGES:
        cjk |= (cp >= lo) & (cp <= hi)
    n_cjk = int(np.count_nonzero(cjk))
    if n_cjk:
        word &= ~cjk
    starts = np.count_nonzero(word[1:] & ~word[:-1]) + int(word[0])
    joiner = (cp[1:-1] == _JOINERS[0]) | (cp[1:-1] == _JOINERS[1]) | (cp[1:-1] == _JOINERS[2])
    joins = np.count_nonzero(joiner & word[:-2] & word[2:])
    return int(starts - joins) + n_cjk


def paragraph_count(body: str) -> int:
    """Paragraphs: blocks separated by a blank line."""
    return sum(1 for p in body.split("\n\n") if p.strip())
