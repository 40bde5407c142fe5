"""Per-unit features for the chrome separator: one numpy pass per document.

Everything is computed once per document: a character-class histogram per unit (one
``bincount``), one token stream (alnum runs, lowercased) looked up once in a per-language
table (doc-language stopword / other-language stopword / lexicon concern bits), the
language detected once. Context (windows of the prose-like heuristic, neighbours,
distance to the headline's repeat) comes from cumulative sums. See ``FEATURE_NAMES``."""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from tasks.chars import (
    ALNUM,
    CLASS_MASK,
    N_CLASSES,
    P_AT,
    P_CJKFUNC,
    P_COMMA,
    P_DIGIT,
    P_HAN,
    P_HANGUL,
    P_HASH,
    P_KANA,
    P_LAT_LO,
    P_LAT_UP,
    P_LETTER,
    P_NL_LO,
    P_NL_UP,
    P_PUNCT,
    P_QUOTE,
    P_SENT,
    P_SEP,
    char_classes,
    decimal_table,
)
from tasks.language import Stoplists, detect_many
from tasks.lexical import TokenView
from tasks.lexicons import CJK_LANGS, CONCERNS, ChromeLexicons, normalise_control
from tasks.segment import line_spans, unit_texts
from tasks.tokens import (
    Hasher,
    HashTable,
    compiled_kernels,
    lowered,
    pair_keys,
    run_keys,
    scan,
    token_keys,
)

LEX_MASK = (1 << len(CONCERNS)) - 1
_LONG_CJK_CONCERNS = (1 << CONCERNS.index("consent")) | (1 << CONCERNS.index("legal"))
DOC_STOP = 1 << 10
FOREIGN_STOP = 1 << 11
_TOKEN_FLAGS = np.array([DOC_STOP, FOREIGN_STOP, LEX_MASK], dtype=np.int64)
BIGRAM_FIRST = 1 << 12
# languages whose stopwords count as "foreign" evidence (kept small: the lookup table stays small)
FOREIGN_LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "tr", "sv", "ar")

# count columns derived from the per-unit class histogram (64 = class x word-start)
_COUNTS = {
    "letters": [P_LAT_LO, P_LAT_UP, P_NL_LO, P_NL_UP, P_LETTER, P_HAN, P_CJKFUNC, P_KANA, P_HANGUL],
    "upper": [P_LAT_UP, P_NL_UP],
    "digits": [P_DIGIT],
    "sent": [P_SENT],
    "punct": [P_SENT, P_COMMA, P_QUOTE, P_SEP, P_PUNCT, P_AT, P_HASH],
    "cjk": [P_HAN, P_CJKFUNC, P_KANA, P_HANGUL],
    "latin": [P_LAT_LO, P_LAT_UP],
    "nonlatin": [P_NL_LO, P_NL_UP],
    "sep": [P_SEP],
    "comma": [P_COMMA],
    "quote": [P_QUOTE],
    "kana": [P_KANA],
    "hangul": [P_HANGUL],
    "cjkfunc": [P_CJKFUNC],
    "at": [P_AT, P_HASH],
}
_NC = len(_COUNTS)
_M = np.zeros((2 * N_CLASSES, _NC + 2))
for _j, _cl in enumerate(_COUNTS.values()):
    for _c in _cl:
        _M[_c, _j] = 1.0
        _M[_c + N_CLASSES, _j] = 1.0
_M[N_CLASSES:, _NC] = 1.0  # word starts
_M[N_CLASSES + P_LAT_UP, _NC + 1] = 1.0  # capitalised word starts
_M[N_CLASSES + P_NL_UP, _NC + 1] = 1.0
(
    C_LET,
    C_UP,
    C_DIG,
    C_SENT,
    C_PUNCT,
    C_CJK,
    C_LAT,
    C_NONLAT,
    C_SEP,
    C_COMMA,
    C_QUOTE,
    C_KANA,
    C_HANGUL,
    C_CJKF,
    C_AT,
    C_WORDS,
    C_UPSTART,
) = range(_NC + 2)
_MT = np.ascontiguousarray(_M.T)
_M32 = _M.astype(np.float32)
_SHARE_COLS = [C_LET, C_DIG, C_PUNCT]  # per character
_DOC_ROWS = [C_LET, C_CJK, C_KANA, C_HANGUL, C_LAT, C_NONLAT]  # summed per document
_PER_WORD_COLS = [C_SENT, C_UPSTART, C_SEP, C_COMMA, C_LET]
_CSHIFT = np.arange(len(CONCERNS), dtype=np.int64)
# what ``tasks.kernels.feature_tail`` reads: count rows and first-character classes
_TAIL_ROWS = np.array(
    [C_LET, C_DIG, C_PUNCT, C_UP, C_SENT, C_UPSTART, C_SEP, C_COMMA, C_QUOTE], dtype=np.int64
)
_TAIL_CLASSES = np.array([P_LAT_UP, P_NL_UP, P_DIGIT], dtype=np.int64)
_ENDP_CLASSES = np.zeros(N_CLASSES, dtype=bool)
_ENDP_CLASSES[[P_SENT, P_QUOTE]] = True
_PUNCT_CLASSES = np.zeros(N_CLASSES, dtype=bool)
_PUNCT_CLASSES[[P_SENT, P_COMMA, P_QUOTE, P_SEP, P_PUNCT, P_AT, P_HASH]] = True


@dataclass(frozen=True)
class Resources:
    """Stoplists + lexicons, with per-language token tables built on first use."""

    stop: Stoplists
    lex: ChromeLexicons
    _tables: dict[str, tuple[dict[str, int], dict[tuple[str, str], int]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _lookups: dict[str, tuple[dict[str, int], dict[tuple[str, str], int]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _hashed: dict[str, tuple[HashTable, HashTable]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _joined: dict[str, tuple[tuple[str, ...], tuple[np.ndarray, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def tokens(self, lang: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        hit = self._tables.get(lang)
        if hit is None:
            hit = self._tables[lang] = self._build(lang)
        return hit

    def _build(self, lang: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        lb = 1 << self.stop.langs.index(lang) if lang in self.stop.langs else 0
        major = 0
        for code in FOREIGN_LANGS:
            if code in self.stop.langs and code != lang:
                major |= 1 << self.stop.langs.index(code)
        table: dict[str, int] = {}
        for tok, m in self.stop.masks.items():
            if m & lb:
                table[tok] = DOC_STOP
            elif m & major:
                table[tok] = FOREIGN_STOP
        lt = self.lex.table(lang)
        for tok, m in lt.unigrams.items():
            table[tok] = table.get(tok, 0) | m
        for (a, _), _m in lt.bigrams.items():
            table[a] = table.get(a, 0) | BIGRAM_FIRST
        return table, lt.bigrams

    def hashed(self, lang: str) -> tuple[HashTable, HashTable]:
        """``lookup(lang)``'s token and bigram tables as ``tasks.tokens.HashTable``s."""
        hit = self._hashed.get(lang)
        if hit is None:
            merged, bigrams = self.lookup(lang)
            hit = HashTable.of_words(merged), HashTable.of_pairs(bigrams)
            self._hashed[lang] = hit
        return hit

    def hashed_joined(
        self, langs: Sequence[str], close: bool = False
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """The ``hashed(lang)[0]`` (``close``: ``hashed_close(lang)``) tables of every
        language asked for so far, back to back for ``tasks.kernels.table_get_docs``
        (their ``slots``, each table's first slot, its slot mask and its shift), and the
        table number of each of ``langs``. One copy of each table: the joined arrays are
        rebuilt when a language is new (a few times per process), not per set of
        languages."""
        kind = "close" if close else "tokens"
        order, arrays = self._joined.get(kind, ((), ()))
        if any(x not in order for x in langs):
            order = (*order, *dict.fromkeys(x for x in langs if x not in order))
            tables = [self.hashed_close(x) if close else self.hashed(x)[0] for x in order]
            sizes = np.array([len(t.keys) for t in tables], dtype=np.int64)
            arrays = (
                np.concatenate([t.slots for t in tables]),
                np.cumsum(sizes) - sizes,
                sizes - 1,
                np.array([int(t.shift) for t in tables], dtype=np.int64),
            )
            self._joined[kind] = (order, arrays)
        return arrays, np.array([order.index(x) for x in langs], dtype=np.int64)

    def hashed_close(self, lang: str) -> HashTable:
        """The close controls of ``lang``'s lexicon table as a ``HashTable`` (value 1)."""
        key = "close:" + lang
        hit = self._hashed.get(key)
        if hit is None:
            table = HashTable.of_words(dict.fromkeys(self.lex.table(lang).close, 1))
            self._hashed[key] = hit = (table, table)
        return hit[0]

    def hashed_stop(self) -> HashTable:
        """The stoplists' token -> language bitmask table as a ``HashTable``."""
        hit = self._hashed.get("")
        if hit is None:
            table = HashTable.of_words(self.stop.masks)
            self._hashed[""] = hit = (table, table)
        return hit[0]

    def lookup(self, lang: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        """``tokens(lang)`` with the cue bits (shifted by ``_CUE_SHIFT``) and a
        ``BIGRAM_SECOND`` bit on the second word of every bigram: one dict lookup per
        token gives everything ``extract`` counts."""
        hit = self._lookups.get(lang)
        if hit is None:
            table, bigrams = self.tokens(lang)
            merged = dict(table)
            for tok, bits in _CUE_WORDS.items():
                merged[tok] = merged.get(tok, 0) | (bits << _CUE_SHIFT)
            for _, b in bigrams:
                merged[b] = merged.get(b, 0) | BIGRAM_SECOND
            hit = self._lookups[lang] = (merged, bigrams)
        return hit


@dataclass(frozen=True)
class DocFeatures:
    language: str
    starts: np.ndarray
    ends: np.ndarray
    texts: list[str]
    matrix: np.ndarray  # (n_units, n_features)
    heuristic: np.ndarray  # prose-like heuristic in {0,1}
    lexicon: np.ndarray  # concern bitmask per unit
    close: np.ndarray  # bool: unit is a close/dismiss control
    offscript: np.ndarray  # share of letters outside the doc's script
    foreign: np.ndarray  # share of tokens that are only other languages' stopwords
    stop: np.ndarray  # doc-language stopword density


# Generic cues (several languages) for what reads like prose but is not the article:
# comment threads, "read also" teasers, photo credits; and for short article lines:
# dates/times, score-like number pairs. Token lookups on the document's one token
# stream; the two regexes run only on short units with digits.
_C_COMMENT, _C_AGENCY, _C_TIMEUNIT, _C_AGO, _C_SAID, _C_CREDIT, _C_REPLY, _C_TEASER = (
    1 << i for i in range(8)
)
_CUE_BITS = np.array([1 << i for i in range(8)], dtype=np.int64)
_CUE_WORDS: dict[str, int] = {}
for _bit, _words in (
    (
        _C_COMMENT,
        "kommentar kommentare kommentaren kommentieren comment comments commentaire "
        "commentaires comentario comentarios comentários komentarz komentarze komentarzy "
        "commenti commento reacties reactie yorum yorumlar leserbrief leserbriefe",
    ),
    (
        _C_AGENCY,
        "getty dpa reuters afp imago shutterstock istock keystone epa pap anp ansa efe "
        "istockphoto gettyimages",
    ),
    (
        _C_TIMEUNIT,
        "sekunden minuten stunden stunde tagen tag wochen monaten jahren seconds second "
        "minutes minute mins min hours hour hrs days day weeks week months month years year "
        "segundos minutos horas hora días dias godz godzin godziny minut dni heures heure "
        "jours jour secondes ore giorni",
    ),
    (_C_AGO, "ago temu"),
    (
        _C_SAID,
        "said wrote says writes schrieb schreibt sagt écrit escribió dijo napisał napisała "
        "scritto scrisse schreef escreveu disse yazdı",
    ),
    (
        _C_CREDIT,
        "foto fotos photo photos fot bild bilder image credit credits quelle source fuente "
        "zdjęcie crédit crédito",
    ),
):
    for _w in _words.split():
        _CUE_WORDS[_w] = _CUE_WORDS.get(_w, 0) | _bit
_REPLY = frozenset(
    "reply replies antworten antwort responder respuesta répondre rispondi odpowiedz "
    "beantworten melden report yanıtla cevapla svara reageer reageren".split()
)
_TEASERS = frozenset(
    (
        "lesen sie auch|lesen sie mehr|auch interessant|mehr zum thema|weitere artikel|"
        "das könnte sie auch interessieren|read also|read more|also read|related|see also|"
        "more from|more on|recommended|lire aussi|à lire aussi|lea también|leer también|"
        "lee también|te puede interesar|leggi anche|czytaj też|czytaj także|czytaj również|"
        "czytaj więcej|zobacz też|zobacz także|zobacz również|polecamy|leia também|"
        "veja também|lees ook|ayrıca bakınız|ilginizi çekebilir"
    ).split("|")
)
for _w in _REPLY:
    _CUE_WORDS[_w] = _CUE_WORDS.get(_w, 0) | _C_REPLY
for _w in {t.split()[0] for t in _TEASERS}:
    _CUE_WORDS[_w] = _CUE_WORDS.get(_w, 0) | _C_TEASER
# dates/times ``\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}`` and scores
# ``\d{1,3} ?[-–] ?\d{1,3}``, written to start with one ``\d`` (the same matches, tried in
# the same order): a pattern that starts with a character set lets ``re`` skip to the
# next digit instead of trying every position (1.6-5x faster)
_DATE_RX = re.compile(r"\d(?:\d?[./]\d{1,2}[./]\d{2,4}|\d{3}-\d{2}-\d{2}|\d?:\d{2})")
_SCORE_RX = re.compile(r"\d\d{0,2} ?[-–] ?\d{1,3}")
CUES = ("comment", "teaser", "credit", "date", "score")


def _cues(
    texts: list[str],
    words_of: Callable[[int, int], list[str]],
    cue_codes: np.ndarray,
    per: np.ndarray,
    tok_lo: np.ndarray,
    tok_hi: np.ndarray,
    words: np.ndarray,
    digits: np.ndarray,
    endcolon: np.ndarray,
    copyright_units: np.ndarray,
    punct: np.ndarray,
    comma_quote_at: np.ndarray,
    chars: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Cue counts per unit (len(CUES), n_units), capped at 3.

    ``cue_codes``: the cue bits of every token; ``per``: per unit, the number of tokens
    with a comment / agency / time unit / "ago" / credit / reply cue (rows, in that
    order); ``copyright_units``: the unit of every ``©``; ``punct`` and ``comma_quote_at``:
    per unit, punctuation characters, and those of them that are commas, quotes, @ or #;
    ``chars``: the code points the units' texts are slices of and the units' starts and
    ends in them (the date and score patterns are then counted by
    ``tasks.kernels.cue_matches`` when numba is there: the same counts)."""
    n = len(texts)
    out = np.zeros((len(CUES), n))
    short = words <= 8
    out[0] = per[0] + ((per[2] > 0) & ((per[3] > 0) | (digits > 0)) & short)
    said = np.flatnonzero((endcolon > 0) & short & (tok_hi > tok_lo))
    said = said[(cue_codes[tok_hi[said] - 1] & _C_SAID) != 0]  # "... said:" lines
    out[0, said] += 1
    for i in np.flatnonzero((words <= 2) & (per[5] > 0)).tolist():
        if texts[i].strip().lower() in _REPLY:
            out[0, i] += 1
    out[2] = per[1]
    for i in np.flatnonzero((per[4] > 0) & (words <= 25)).tolist():
        if ":" in texts[i]:
            out[2, i] += 1
    if len(copyright_units):
        np.add.at(out[2], copyright_units, 1.0)
    first = np.zeros(n, dtype=np.int64)
    has = tok_hi > tok_lo
    first[has] = cue_codes[tok_lo[has]]
    for i in np.flatnonzero(first & _C_TEASER).tolist():
        lo = int(tok_lo[i])
        head = words_of(lo, lo + min(6, int(tok_hi[i]) - lo))
        for k in range(1, len(head) + 1):
            if " ".join(head[:k]) in _TEASERS:
                out[1, i] = 1
                break
    # the date and score patterns need a '.', '/', '-', '–' or ':' (classes SENT, SEP, PUNCT)
    marks = punct - comma_quote_at
    cand = np.flatnonzero((digits > 0) & (words <= 12) & (marks > 0))
    kern = compiled_kernels() if chars is not None and len(cand) else None
    if kern is not None and chars is not None:
        cp, starts, ends = chars
        starts, ends = starts[cand].astype(np.int64), ends[cand].astype(np.int64)
        if int(starts.min()) < 0 or int(ends.max()) > len(cp):  # units given outside the text
            kern = None
    if kern is not None:
        out[3:5, cand] = kern.cue_matches(cp, decimal_table(), starts, ends)
    elif len(cand):
        # one regex pass per pattern over the candidates joined by newlines
        some = [texts[i] for i in cand.tolist()]
        joined = "\n".join(some)
        lens = np.fromiter(map(len, some), np.int64, len(some)) + 1
        offs = np.cumsum(lens) - lens
        for row, rx in ((3, _DATE_RX), (4, _SCORE_RX)):
            pos = [m.start() for m in rx.finditer(joined)]
            if pos:
                at = np.searchsorted(offs, np.array(pos, dtype=np.int64), side="right") - 1
                np.add.at(out[row], cand[at], 1.0)
    return np.minimum(out, 3.0, out=out)


def _find_all(text: str, pats: tuple[str, ...], step: int) -> list[int]:
    pos: list[int] = []
    for pat in pats:
        i = text.find(pat)
        while i >= 0:
            pos.append(i)
            i = text.find(pat, i + step)
    return pos


_LINK_MARKS = ("http://", "https://", "www.")


def _marks(joined: str, cp: np.ndarray, kern: Any) -> tuple[np.ndarray, np.ndarray]:
    """Where a link mark (``_LINK_MARKS``) starts in the batch's joined text, and every
    ``©`` (``tasks.kernels.find_marks`` over the code points when numba is there: the
    same places, in one pass instead of four ``str.find`` scans; 0.017 -> 0.011 ms per
    devset dump)."""
    if kern is not None and cp.dtype == np.uint32 and len(cp):
        found: tuple[np.ndarray, np.ndarray] = kern.find_marks(cp)
        return found
    links, signs = _find_all(joined, _LINK_MARKS, 4), _find_all(joined, ("©",), 1)
    return np.array(links, dtype=np.int64), np.array(signs, dtype=np.int64)


def _links(pos: np.ndarray, lay: _Layout) -> np.ndarray:
    out = np.zeros(len(lay.gstarts))
    if len(pos):
        np.add.at(out, lay.units_of(pos), 1.0)
    return out


# token code bits of the per-language lookup (``Resources.lookup``): the concern bits,
# DOC_STOP, FOREIGN_STOP, the bigram bits, and the cue bits shifted by _CUE_SHIFT
BIGRAM_SECOND = 1 << 13
_CUE_SHIFT = 16
# per-unit counts taken from the token codes in one cumulative sum
_COUNT_BITS = np.array(
    [DOC_STOP, FOREIGN_STOP, LEX_MASK]
    + [b << _CUE_SHIFT for b in (_C_COMMENT, _C_AGENCY, _C_TIMEUNIT, _C_AGO, _C_CREDIT, _C_REPLY)],
    dtype=np.int64,
)
_WINDOWS = np.array([3, 6, 12], dtype=np.int64)[:, None]
_Spans = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Layout:
    """Where a batch's documents and units sit in the batch's joined text (the documents
    joined by newlines, so no line runs from one document into the next)."""

    offsets: np.ndarray  # (docs,) each document's first character in the joined text
    bounds: np.ndarray  # (docs + 1,) each document's first unit; units are in order
    gstarts: np.ndarray  # (units,) offsets in the joined text

    def units_of(self, pos: list[int] | np.ndarray) -> np.ndarray:
        """The unit each offset of the joined text falls in; offsets before the first unit
        of their document are left out."""
        p = np.array(pos, dtype=np.int64)
        u = np.searchsorted(self.gstarts, p, side="right") - 1
        if len(self.offsets) == 1:
            return u[u >= 0]
        d = np.searchsorted(self.offsets, p, side="right") - 1
        return u[u >= self.bounds[d]]


@dataclass(frozen=True)
class FeatureBatch:
    """The features of a batch of documents in one piece: ``all`` holds every unit of
    every document in order (``starts``/``ends`` relative to each document; its
    ``language`` is meaningless), ``bounds`` the first unit of each document."""

    all: DocFeatures
    languages: list[str]
    confidences: list[float]
    bounds: np.ndarray  # (docs + 1,)
    tokens: tuple[TokenView, ...] = ()  # for tasks.lexical: the runs' token streams

    def doc(self, i: int) -> DocFeatures:
        lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
        a = self.all
        return DocFeatures(
            self.languages[i],
            a.starts[lo:hi],
            a.ends[lo:hi],
            a.texts[lo:hi],
            a.matrix[lo:hi],
            a.heuristic[lo:hi],
            a.lexicon[lo:hi],
            a.close[lo:hi],
            a.offscript[lo:hi],
            a.foreign[lo:hi],
            a.stop[lo:hi],
        )


def extract(
    text: str,
    res: Resources,
    has_title: bool = True,
    known_title: str | None = None,
    spans: _Spans | None = None,
) -> DocFeatures:
    """Features of every unit of ``text`` (units = ``segment``'s blocks, or ``spans``).

    ``has_title``: unit 0 is the page title (text dumps); otherwise ``known_title`` (if
    any) is the title whose repeat in the text marks the headline.
    """
    return extract_batch([text], res, [has_title], [known_title], [spans]).doc(0)


def extract_many(
    texts: Sequence[str],
    res: Resources,
    has_title: bool | Sequence[bool] = True,
    known_titles: Sequence[str | None] | None = None,
    spans: Sequence[_Spans | None] | None = None,
) -> list[DocFeatures]:
    """``[extract(texts[i], res, has_title[i], known_titles[i], spans[i]) ...]`` with the
    same values, bit for bit, computed for the whole batch at once."""
    fb = extract_batch(texts, res, has_title, known_titles, spans)
    return [fb.doc(i) for i in range(len(texts))]


def extract_batch(
    texts: Sequence[str],
    res: Resources,
    has_title: bool | Sequence[bool] = True,
    known_titles: Sequence[str | None] | None = None,
    spans: Sequence[_Spans | None] | None = None,
) -> FeatureBatch:
    """``extract_many`` as one ``FeatureBatch`` (what ``tasks.chrome.separate_many`` uses).

    The documents are joined into one text and every step runs once over the batch, with
    each document's edges kept (windows, neighbours, sums and positions stay inside it).
    Units given as ``spans`` that are not in order inside their text are computed alone."""
    nd = len(texts)
    titled = [has_title] * nd if isinstance(has_title, bool) else list(has_title)
    known: list[str | None] = list(known_titles) if known_titles is not None else [None] * nd
    sp: list[_Spans | None] = list(spans) if spans is not None else [None] * nd
    if nd > 1 and any(s is not None for s in sp):
        odd = _odd_spans(texts, sp)
        if odd:  # runs of ordinary documents, and each odd one alone
            parts, lo = [], 0
            for i in [*odd, nd]:
                if i > lo:
                    part = extract_batch(texts[lo:i], res, titled[lo:i], known[lo:i], sp[lo:i])
                    parts.append(part)
                if i < nd:
                    parts.append(extract_batch([texts[i]], res, [titled[i]], [known[i]], [sp[i]]))
                lo = i + 1
            return _concat(parts)
    return _extract_run(list(texts), res, titled, known, sp)


def _odd_spans(texts: Sequence[str], spans: list[_Spans | None]) -> list[int]:
    """Documents whose given units are not ordinary: a start out of order or outside the
    text, an empty unit or one that ends past the text."""
    given = [i for i, s in enumerate(spans) if s is not None and len(s[0])]
    if not given:
        return []
    st = np.concatenate([spans[i][0] for i in given]).astype(np.int64)  # type: ignore[index]
    en = np.concatenate([spans[i][1] for i in given]).astype(np.int64)  # type: ignore[index]
    counts = np.array([len(spans[i][0]) for i in given])  # type: ignore[index]
    who = np.repeat(np.arange(len(given)), counts)
    size = np.array([len(texts[i]) for i in given], dtype=np.int64)[who]
    bad = (st < 0) | (en <= st) | (en > size) | (st >= size)
    step = np.ones(len(st), dtype=bool)
    step[1:] = st[1:] > st[:-1]
    first = np.cumsum(counts) - counts
    step[first] = True
    bad |= ~step
    return sorted({given[int(k)] for k in np.unique(who[bad])})


def _concat(parts: list[FeatureBatch]) -> FeatureBatch:
    if len(parts) == 1:
        return parts[0]
    fields: tuple[str, ...] = ("starts", "ends", "matrix", "heuristic", "lexicon", "close")
    fields += ("offscript", "foreign", "stop")
    arrays = {f: np.concatenate([getattr(p.all, f) for p in parts]) for f in fields}
    texts = [t for p in parts for t in p.all.texts]
    sizes = np.concatenate([np.diff(p.bounds) for p in parts])
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    firsts = np.cumsum([0] + [int(p.bounds[-1]) for p in parts])
    return FeatureBatch(
        DocFeatures("mul", texts=texts, **arrays),
        [lang for p in parts for lang in p.languages],
        [c for p in parts for c in p.confidences],
        bounds,
        tuple(
            replace(v, first_unit=v.first_unit + int(f))
            for p, f in zip(parts, firsts, strict=False)
            for v in p.tokens
        ),
    )


def _empty(nd: int, starts: np.ndarray, ends: np.ndarray) -> FeatureBatch:
    z = np.zeros(0)
    feats = DocFeatures(
        "und",
        starts,
        ends,
        [],
        np.zeros((0, N_FEATURES)),
        z,
        np.zeros(0, np.int64),
        np.zeros(0, bool),
        z,
        z,
        z,
    )
    return FeatureBatch(feats, ["und"] * nd, [0.0] * nd, np.zeros(nd + 1, dtype=np.int64))


def _extract_run(
    texts: list[str],
    res: Resources,
    titled: list[bool],
    known_titles: list[str | None],
    spans: list[_Spans | None],
) -> FeatureBatch:
    """The features of ordinary documents (or of any one document alone), all at once."""
    nd = len(texts)
    if nd == 1:
        joined = texts[0]
        offsets = np.zeros(1, dtype=np.int64)
    else:
        # a document given no units adds nothing (its text is left out)
        texts = [
            "" if s is not None and not len(s[0]) else t for t, s in zip(texts, spans, strict=True)
        ]
        joined = "\n".join(texts)
        lens = np.fromiter(map(len, texts), np.int64, nd) + 1
        offsets = np.cumsum(lens) - lens
    given = all(s is not None for s in spans)
    sc = scan(joined)  # (compiled: the character steps below in one pass)
    if sc is None:
        cp, cls = char_classes(joined)
        nl = np.cumsum(cp == 10, dtype=np.int32)  # line number of every character
    else:
        cp, cls, nl = sc.cp, sc.cls, sc.nl
    # the units: given spans (shifted into the joined text) or the non-blank lines
    if given:
        counts = np.fromiter((len(s[0]) for s in spans), np.int64, nd)  # type: ignore[index]
        if nd == 1:
            gstarts, gends = spans[0]  # type: ignore[misc]
            starts, ends = gstarts, gends
        else:
            starts = np.concatenate([s[0] for s in spans]).astype(np.int64)  # type: ignore[index]
            ends = np.concatenate([s[1] for s in spans]).astype(np.int64)  # type: ignore[index]
            shift = np.repeat(offsets, counts)
            gstarts, gends = starts + shift, ends + shift
    else:
        ls, le = line_spans(cls, nl)
        if any(s is not None for s in spans):  # some given, some not
            cut = np.searchsorted(ls, np.append(offsets, len(joined) + 1))
            pieces_s, pieces_e = [], []
            for i, s in enumerate(spans):
                if s is None:
                    pieces_s.append(ls[cut[i] : cut[i + 1]])
                    pieces_e.append(le[cut[i] : cut[i + 1]])
                else:
                    pieces_s.append(s[0].astype(np.int64) + offsets[i])
                    pieces_e.append(s[1].astype(np.int64) + offsets[i])
            counts = np.fromiter(map(len, pieces_s), np.int64, nd)
            gstarts, gends = np.concatenate(pieces_s), np.concatenate(pieces_e)
        else:
            gstarts, gends = ls, le
            counts = np.diff(np.searchsorted(ls, np.append(offsets, len(joined) + 1)))
        shift = np.repeat(offsets, counts)
        starts, ends = gstarts - shift, gends - shift
    n = len(gstarts)
    if n == 0:
        return _empty(nd, starts, ends)
    bounds = np.zeros(nd + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    ud = np.repeat(np.arange(nd), counts)
    first_unit = bounds[:-1][ud]  # each unit's document's first unit
    lay = _Layout(offsets, bounds, gstarts)
    sl, el = gstarts.tolist(), gends.tolist()
    texts_u = unit_texts(joined, sl, el)
    fidx = (np.arange(n) - first_unit).astype(np.float64)  # position inside the document
    docs_n = counts.astype(np.float64)

    # per-unit character-class histogram; characters between units count to the one before,
    # those before a document's first unit to that unit
    if sc is None:
        alnum = (cls & ALNUM) != 0
        ws = np.empty_like(alnum)
        ws[0] = alnum[0]
        np.greater(alnum[1:], alnum[:-1], out=ws[1:])
    else:
        ws = sc.ws
    eff = gstarts.copy()
    has_units = counts > 0
    eff[bounds[:-1][has_units]] = np.minimum(offsets[has_units], eff[bounds[:-1][has_units]])
    span = np.empty(n, dtype=np.int64)  # characters of each unit and the gap after it
    span[:-1] = eff[1:] - eff[:-1]
    span[-1] = len(cls) - eff[-1]
    span[0] += eff[0]
    kern = compiled_kernels()
    if kern is not None and int(span.min()) > 0:  # the same whole-number counts
        cnt = kern.class_counts(cls, ws, span, CLASS_MASK, _M)
    else:
        cnt = _class_counts(cls, ws, span, gstarts, n)
    nchars = (ends - starts).astype(np.float64)

    # tokens = alnum runs, then lowercased, as hashes (tasks.tokens)
    if sc is None:
        hasher = Hasher(joined, cp)
        tok_s, tok_e, keys = run_keys(hasher, alnum, ws)
    else:
        hasher, tok_s, tok_e = sc.hasher, sc.tok_s, sc.tok_e
        keys = hasher.keys(tok_s, tok_e, sc.odd_tok)

    def words_of(lo: int, hi: int) -> list[str]:
        """The lowercased tokens ``lo .. hi-1``."""
        return lowered(joined, tok_s[lo:hi], tok_e[lo:hi])

    ntok = cnt[C_WORDS].astype(np.int64)
    tok_hi = np.cumsum(ntok)
    tok_lo = tok_hi - ntok
    ntoks = len(tok_s)
    tok_b = np.zeros(nd + 1, dtype=np.int64)  # each document's first token
    tok_b[1:] = tok_hi[bounds[1:] - 1]
    tok_b[1:][counts == 0] = 0
    np.maximum.accumulate(tok_b, out=tok_b)

    # the language of each document (CJK scripts, else stopword hits on a token sample);
    # per-document sums of the counts it needs (whole numbers: exact in any order; the
    # six rows, not all 17: a cumulative sum along rows is slow, 0.016 ms per dump)
    doc_sum = cnt[_DOC_ROWS]
    if nd > 1:
        ccs = np.zeros((len(_DOC_ROWS), n + 1))
        np.cumsum(doc_sum, axis=1, out=ccs[:, 1:])
        doc_sum = ccs[:, bounds[1:]] - ccs[:, bounds[:-1]]
    else:
        doc_sum = doc_sum.sum(axis=1)[:, None]
    doc_let, doc_cjk, doc_kana, doc_hangul, doc_lat, doc_nonlat = doc_sum
    langs: list[str] = [""] * nd
    confs: list[float] = [0.0] * nd
    sample: list[np.ndarray] = []
    sample_b = [0]
    plain: list[int] = []
    for d in range(nd):
        cjk_total, let_total = float(doc_cjk[d]), float(doc_let[d])
        if let_total and cjk_total / let_total > 0.3:
            kana, hangul = float(doc_kana[d]), float(doc_hangul[d])
            langs[d] = (
                "ja" if kana > 0.05 * cjk_total else ("ko" if hangul > 0.3 * cjk_total else "zh")
            )
            confs[d] = cjk_total / let_total
        else:
            a, b = int(tok_b[d]), int(tok_b[d + 1])
            sample.append(np.arange(a, b, max(1, (b - a) // 150)))
            sample_b.append(sample_b[-1] + len(sample[-1]))
            plain.append(d)
    if plain:
        pick = np.concatenate(sample)
        smask = res.hashed_stop().get(keys[pick])
        for d, (lang, conf) in zip(plain, detect_many(res.stop, smask, sample_b), strict=True):
            langs[d], confs[d] = lang, conf
    names = sorted(set(langs))
    lang_id = np.array([names.index(x) for x in langs], dtype=np.int64)
    ul = lang_id[ud]
    cjk_docs = np.array([x in CJK_LANGS for x in langs])
    cjk_u = cjk_docs[ud]

    # token codes: one dict lookup per token in its document's language table
    one = len(names) == 1
    tok_lang = np.zeros(0, dtype=np.int64) if one else np.repeat(lang_id, np.diff(tok_b))
    if one:
        codes = res.hashed(names[0])[0].get(keys)
    elif kern is not None:  # each document's tokens in its language's table, one pass
        keys_u = np.ascontiguousarray(keys, np.uint64)
        tabs, number = res.hashed_joined(names)
        codes = kern.table_get_docs(*tabs, number[lang_id], tok_b, keys_u)
    else:  # one lookup per language over its documents' tokens
        codes = np.zeros(ntoks, dtype=np.int64)
        for k, name in enumerate(names):
            at = np.flatnonzero(tok_lang == k)
            if len(at):
                codes[at] = res.hashed(name)[0].get(keys[at])
    if ntoks > 1:  # bigrams: a pair whose first word starts one and second ends one
        pair = ((codes[:-1] & BIGRAM_FIRST) != 0) & ((codes[1:] & BIGRAM_SECOND) != 0)
        if nd > 1:
            edges = tok_b[1:-1]
            pair[edges[(edges > 0) & (edges < ntoks)] - 1] = False
        js = np.flatnonzero(pair)
        if len(js):
            pk = pair_keys(keys[js], keys[js + 1])
            if len(names) == 1:
                bits = res.hashed(names[0])[1].get(pk)
            else:
                bits = np.zeros(len(js), dtype=np.int64)
                pl = tok_lang[js]
                for k, name in enumerate(names):
                    at = np.flatnonzero(pl == k)
                    if len(at):
                        bits[at] = res.hashed(name)[1].get(pk[at])
            np.bitwise_or.at(codes, js, bits)
            np.bitwise_or.at(codes, js + 1, bits)  # may cross a unit edge: rare and harmless
    # per unit: tokens with each counted bit, and the union of the concern bits
    per = np.zeros((len(_COUNT_BITS), n))
    lexmask = np.zeros(n, dtype=np.int64)
    has = ntok > 0
    if ntoks and kern is not None:
        per, lexmask = kern.token_counts(codes, tok_lo, tok_hi, _COUNT_BITS, LEX_MASK)
    elif ntoks:
        flags = (codes & _COUNT_BITS[:, None]) != 0
        at = tok_lo[has]
        per[:, has] = np.add.reduceat(flags, at, axis=1, dtype=np.int64)
        lexmask[has] = np.bitwise_or.reduceat(codes & LEX_MASK, at)
    stopc, foreign, lexcov = per[0], per[1], per[2].copy()
    tables = [res.lex.table(x) for x in names]
    if any(t.substrings for t in tables) and float(cnt[C_CJK].max()) > 0:
        # short CJK terms are common words inside prose: in long units only the
        # consent and legal terms count
        for ids, k in _by_lang(np.flatnonzero(cnt[C_CJK] > 0), ul, len(names)):
            groups = _by_first_char(tables[k].substrings)
            for i in ids:
                t = texts_u[i]
                allowed = LEX_MASK if cnt[C_CJK, i] <= 30 else _LONG_CJK_CONCERNS
                # only the terms whose first character is in the unit can be in it
                for first in groups.keys() & {"", *t}:
                    for sub, sub_bits in groups[first]:
                        if sub_bits & allowed and sub in t:
                            lexmask[i] |= sub_bits & allowed
                            lexcov[i] += 1
    words = cnt[C_WORDS] + cnt[C_CJK] / 2.0
    close = np.zeros(n, dtype=bool)
    small = (nchars <= 20) & (words <= 3)
    # a whole unit, lowercased, in the close lexicon: by hash (units with an odd
    # character by their string)
    some = np.flatnonzero(small)
    unit_odd = np.zeros(len(some), dtype=bool)
    odd_at = np.flatnonzero(hasher.odd)  # a few characters, when any
    if len(odd_at):  # an odd character at or after the unit's start, before its end
        unit_odd = np.searchsorted(odd_at, gends[some]) > np.searchsorted(odd_at, gstarts[some])
    ukeys = hasher.keys(gstarts[some], gends[some], np.flatnonzero(unit_odd))
    if kern is not None and len(names) > 1 and len(some):  # one pass, each unit's language
        doc_b = np.searchsorted(some, bounds)
        tabs, number = res.hashed_joined(names, close=True)
        close[some] = kern.table_get_docs(*tabs, number[lang_id], doc_b, ukeys) != 0
    else:
        for ids, k in _by_lang(np.arange(len(some)), ul[some], len(names)):
            close[some[ids]] = res.hashed_close(names[k]).get(ukeys[ids]) != 0
    # controls wrapped in punctuation ("[x]", "Close »"): normalise those few
    first_cls = cls[gstarts] & CLASS_MASK
    last_cls = cls[gends - 1] & CLASS_MASK
    edge = _PUNCT_CLASSES[first_cls] | _PUNCT_CLASSES[last_cls]
    for ids, k in _by_lang(np.flatnonzero(edge & small & ~close), ul, len(names)):
        close_set = tables[k].close
        for i in ids:
            close[i] = normalise_control(texts_u[i]) in close_set

    link_at, copyright_at = _marks(joined, cp, kern)
    link = _links(link_at, lay) + cnt[C_AT]
    # duplicates: keyed by the lowercase hash and the capitals (then checked exactly)
    dkey = token_keys(hasher.raw(gstarts, gends), gends - gstarts)
    dkey += cnt[C_UP].astype(np.uint64) * _UP_MIX
    inside = not len(gstarts) or (
        int(gstarts.min()) >= 0 and int(gends.max()) <= len(cp) and bool((gends >= gstarts).all())
    )
    if kern is not None and inside:  # the same counts, texts compared as code points
        if nd > 1:
            dkey += ud.astype(np.uint64) * _DOC_MIX
        order = np.argsort(dkey, kind="stable")
        dupc = kern.duplicate_counts(dkey, order, ud, cp, gstarts, gends)
    else:
        dupc = _duplicates(texts_u, dkey, ud, nd)
    para_start = np.ones(n)
    para_start[1:] = (nl[gstarts[1:]] - nl[gends[:-1]]) >= 2
    para_start[bounds[:-1][has_units]] = 1.0
    last_cp = cp[gends - 1]
    endp = (_ENDP_CLASSES[last_cls] | (last_cp == 41)).astype(np.float64)
    endcolon = (last_cp == 58).astype(np.float64)

    m = np.empty((N_FEATURES, n))  # the feature matrix, transposed: one row per feature
    tsafe = np.maximum(ntok.astype(np.float64), 1.0)
    let = np.maximum(cnt[C_LET], 1.0)
    sd = m[2]
    np.divide(stopc, tsafe, out=sd)
    if cjk_docs.any():
        np.copyto(sd, cnt[C_CJKF] / np.maximum(cnt[C_CJK], 1.0), where=cjk_u)
    fd = m[4]
    np.divide(foreign, tsafe, out=fd)
    offscript = m[32]
    nonlat_docs = (doc_nonlat > doc_lat) & ~cjk_docs
    np.divide(cnt[C_NONLAT] + cnt[C_CJK], let, out=offscript)
    if nonlat_docs.any():
        np.copyto(offscript, cnt[C_LAT] / let, where=nonlat_docs[ud])
    if cjk_docs.any():
        np.copyto(offscript, (cnt[C_LET] - cnt[C_CJK]) / let, where=cjk_u)
    lexdens = m[30]
    np.divide(lexcov, tsafe, out=lexdens)
    titles = [
        (texts_u[int(bounds[d])] if titled[d] else known_titles[d]) if counts[d] else None
        for d in range(nd)
    ]
    hl = _headlines(texts_u, titles, [1 if t else 0 for t in titled], nchars, bounds, ud)

    known_docs = np.array([x in res.stop.langs for x in langs])
    prose_min = np.where(cjk_docs, 0.25, 0.22)[ud]
    loose = (~known_docs & ~cjk_docs)[ud]
    prose = (sd >= prose_min) | (loose & (cnt[C_SENT] > 0))
    h = m[33]
    h[:] = (words >= 10) & prose & (lexdens < 0.25) & (link == 0)
    titled_first = bounds[:-1][np.array(titled, dtype=bool) & has_units]
    h[titled_first] = 0.0
    hchars = h * nchars
    cue_codes = codes >> _CUE_SHIFT
    cues = _cues(
        texts_u,
        words_of,
        cue_codes,
        per[3:],
        tok_lo,
        tok_hi,
        words,
        cnt[C_DIG],
        endcolon,
        lay.units_of(copyright_at),  # the unit of every ©
        cnt[C_PUNCT],
        cnt[C_COMMA] + cnt[C_QUOTE] + cnt[C_AT],
        (cp, gstarts, gends),
    )
    m[77:82] = cues
    cue_any = cues > 0

    if kern is not None:  # the same floats, two passes over the units (log1p: numpy's)
        np.log1p(nchars, out=m[0])
        np.log1p(words, out=m[1])
        np.log1p(stopc, out=m[3])
        np.log1p(dupc, out=m[21])
        kern.feature_tail(
            m,
            cnt,
            _TAIL_ROWS,
            _TAIL_CLASSES,
            bounds,
            nchars,
            words,
            endp,
            endcolon,
            first_cls,
            link,
            para_start,
            lexcov,
            close,
            lexmask,
            len(CONCERNS),
            cue_any,
            hchars,
            hl,
            np.array(confs),
            np.log1p(docs_n),
        )
        np.log1p(m[40:42], out=m[40:42])
    else:
        _tail_numpy(
            m,
            cnt,
            bounds,
            ud,
            first_unit,
            n,
            nd,
            nchars,
            words,
            stopc,
            endp,
            endcolon,
            first_cls,
            link,
            dupc,
            para_start,
            lexcov,
            close,
            lexmask,
            cue_any,
            h,
            hchars,
            hl,
            confs,
            fidx,
            docs_n,
        )
    feats = DocFeatures("mul", starts, ends, texts_u, m.T, h, lexmask, close, offscript, fd, sd)
    view = TokenView(cp, cls, tok_s, tok_e, keys, ntok, gstarts, gends)
    return FeatureBatch(feats, langs, confs, bounds, (view,))


def _tail_numpy(
    m: np.ndarray,
    cnt: np.ndarray,
    bounds: np.ndarray,
    ud: np.ndarray,
    first_unit: np.ndarray,
    n: int,
    nd: int,
    nchars: np.ndarray,
    words: np.ndarray,
    stopc: np.ndarray,
    endp: np.ndarray,
    endcolon: np.ndarray,
    first_cls: np.ndarray,
    link: np.ndarray,
    dupc: np.ndarray,
    para_start: np.ndarray,
    lexcov: np.ndarray,
    close: np.ndarray,
    lexmask: np.ndarray,
    cue_any: np.ndarray,
    h: np.ndarray,
    hchars: np.ndarray,
    hl: np.ndarray,
    confs: list[float],
    fidx: np.ndarray,
    docs_n: np.ndarray,
) -> None:
    """The rest of the feature matrix ``m`` (all rows but 2, 4, 30, 32, 33 and 77-81),
    in numpy (``tasks.kernels.feature_tail`` computes the same floats in two passes)."""
    wsafe = np.maximum(words, 1.0)
    let = np.maximum(cnt[C_LET], 1.0)
    csafe = np.maximum(nchars, 1.0)
    # windows of +-3/6/12 units (clipped at the document's ends) over prose, prose chars,
    # comment cues
    idx = np.arange(n)
    last_unit = bounds[1:][ud]
    lo = np.maximum(idx - _WINDOWS, first_unit)
    hi = np.minimum(idx + _WINDOWS + 1, last_unit)
    width = hi - lo
    cs = np.zeros((3, n + 1))
    np.cumsum(h, out=cs[0, 1:])
    np.cumsum(hchars, out=cs[1, 1:])
    np.cumsum(cue_any[0], out=cs[2, 1:])
    np.divide(cs[0, hi] - cs[0, lo], width, out=m[34:37])
    np.divide(cs[1, hi[0]] - cs[1, lo[0]], width[0], out=m[37])
    m[37] /= 400.0
    np.divide(cs[2, hi[1]] - cs[2, lo[1]], width[1], out=m[82])

    np.log1p(nchars, out=m[0])
    lw = m[1]
    np.log1p(words, out=lw)
    np.log1p(stopc, out=m[3])
    m[[5, 6, 9]] = cnt[_SHARE_COLS] / csafe
    np.divide(cnt[C_UP], let, out=m[7])
    m[[8, 14, 16, 17, 19]] = cnt[_PER_WORD_COLS] / wsafe
    m[10] = endp
    m[11] = endcolon
    m[12] = (first_cls == P_LAT_UP) | (first_cls == P_NL_UP)
    m[13] = first_cls == P_DIGIT
    np.minimum(link, 3, out=m[15])
    m[18] = cnt[C_QUOTE] > 0
    short = m[20]
    short[:] = words <= 3
    np.log1p(dupc, out=m[21])
    m[22] = para_start
    in_multi = m[23]
    in_multi[:-1] = para_start[1:]
    in_multi[-1] = 1.0
    np.multiply(para_start, in_multi, out=in_multi)
    np.subtract(1.0, in_multi, out=in_multi)
    np.divide(fidx, np.maximum(docs_n - 1, 1)[ud], out=m[24])
    hl_u = hl[ud]
    found = hl_u >= 0
    np.divide(np.clip(fidx - hl_u, -40, 40), 40.0, out=m[25])
    m[25][~found] = 0.0
    m[26] = (fidx > hl_u) & found
    m[27] = (fidx == hl_u) & found
    m[28] = found
    lexany = m[29]
    lexany[:] = lexcov > 0
    m[31] = close
    # prose before and after, inside the document: its own running sums
    csum = cs[1, 1:] - cs[1, first_unit]
    tot = np.maximum(cs[1, bounds[1:]] - cs[1, bounds[:-1]], 1.0)[ud]
    np.divide(csum - hchars, tot, out=m[38])
    np.subtract(1.0, csum / tot, out=m[39])
    gidx = idx.astype(np.float64)
    prev_h = np.empty(n)
    prev_h[0] = -1e9
    np.maximum.accumulate(np.where(h > 0, gidx, -1e9)[:-1], out=prev_h[1:])
    next_h = np.empty(n)
    next_h[-1] = 1e18
    next_h[:-1] = np.minimum.accumulate(np.where(h > 0, gidx, 1e18)[::-1])[::-1][1:]
    base_f = first_unit.astype(np.float64)
    prev_h = np.where(prev_h >= base_f, prev_h - base_f, -1000.0)
    next_h = np.where(next_h < last_unit, next_h - base_f, 1e6)
    np.log1p(np.minimum(fidx - prev_h, 50), out=m[40])
    np.log1p(np.minimum(next_h - fidx, 50), out=m[41])
    m[42] = np.array(confs)[ud]
    m[43] = np.log1p(docs_n)[ud]
    # the neighbours' prose, log_words, stop_density, ends_sentence, lexicon_any, short
    base = m[[33, 1, 2, 10, 29, 20]]
    m[44:68] = 0.0
    if n > 1:
        m[44:50, 1:] = base[:, :-1]
        m[56:62, :-1] = base[:, 1:]
    if n > 2:
        m[50:56, 2:] = base[:, :-2]
        m[62:68, :-2] = base[:, 2:]
    m[68:77] = (lexmask >> _CSHIFT[:, None]) & 1
    m[83:88] = 0.0
    if n > 1:
        m[83, :-1] = cue_any[3, 1:]  # next unit has a date/time
        np.divide(cnt[C_UP, 1:], np.maximum(cnt[C_LET, 1:], 1.0), out=m[84, :-1])  # its caps
        m[85, :-1] = link[1:] > 0
        m[86, 1:] = cue_any[1, :-1]  # previous unit is a teaser cue
        m[87, 1:] = cue_any[2, :-1]  # previous unit is a credit
    if nd > 1:  # no neighbours across documents
        local = idx - first_unit
        left = last_unit - 1 - idx  # units after this one in its document
        m[44:50, local < 1] = 0.0
        m[50:56, local < 2] = 0.0
        m[56:62, left < 1] = 0.0
        m[62:68, left < 2] = 0.0
        m[83:86, left < 1] = 0.0
        m[86:88, local < 1] = 0.0
    teaser = np.maximum(np.maximum(m[83], m[84] > 0.6), m[85])
    teaser *= (1.0 - endp) * ((words >= 3) & (words <= 25))
    m[88] = teaser


def _class_counts(
    cls: np.ndarray, ws: np.ndarray, span: np.ndarray, gstarts: np.ndarray, n: int
) -> np.ndarray:
    """The count columns (``_COUNTS``, word starts, capitalised word starts; one row
    each) of every unit, from a histogram of (class, word start) per unit: unit ``u``
    owns the next ``span[u]`` characters (or, with spans out of order, the characters
    from its start to the next start). ``tasks.kernels.class_counts`` gives the same."""
    if int(span.min()) > 0:
        key = np.repeat(np.arange(0, n * 2 * N_CLASSES, 2 * N_CLASSES), span)
    else:  # spans out of order (one document alone): unit = last start at or before
        marker = np.zeros(len(cls), dtype=np.int64)
        marker[gstarts] = 1
        key = np.maximum(np.cumsum(marker) - 1, 0) * (2 * N_CLASSES)
    key += (cls & CLASS_MASK) | (ws.view(np.uint8) << 5)  # N_CLASSES = 1 << 5
    hist = np.bincount(key, minlength=n * 2 * N_CLASSES).reshape(n, 2 * N_CLASSES)
    if len(cls) < 1 << 24:  # counts below 2**24: exact in float32, and twice as fast
        out: np.ndarray = (hist.astype(np.float32) @ _M32).T.astype(np.float64, order="C")
        return out
    out = _MT @ hist.T  # (count columns, units)
    return out


def _headlines(
    texts: list[str],
    titles: list[str | None],
    first: list[int],
    lengths: np.ndarray,
    bounds: np.ndarray,
    ud: np.ndarray,
) -> np.ndarray:
    """Where each document of a batch repeats its title (local unit index of the first
    repeat at or after ``first``, or -1): a unit that is one of the title's parts, a
    20+ character part of the title, or contains a 20+ character title and is less than
    twice as long. The candidates by length for all documents at once, then each
    document's in order."""
    nd = len(titles)
    parts = [_title_parts(t) if t else set() for t in titles]
    sizes = [sorted({len(p) for p in ps}) for ps in parts]
    tl = np.array([len(t) if t else -1 for t in titles], dtype=np.float64)
    size = np.full((nd, max(map(len, sizes), default=0) or 1), -1.0)
    for d, ss in enumerate(sizes):
        size[d, : len(ss)] = ss
    tl_u = tl[ud]
    fits = (lengths >= 20) & (lengths <= tl_u)
    fits |= (lengths[:, None] == size[ud]).any(axis=1)
    fits |= (tl_u >= 20) & (lengths >= tl_u) & (lengths < 2 * tl_u)
    fits &= (np.arange(len(lengths)) - bounds[:-1][ud]) >= np.array(first)[ud]
    fits &= tl_u >= 0
    cand = np.flatnonzero(fits)
    cut = np.searchsorted(cand, bounds).tolist()
    cl = cand.tolist()
    out = np.full(nd, -1, dtype=np.int64)
    for d in range(nd):
        title = titles[d]
        if not title or cut[d] == cut[d + 1]:
            continue
        ps = parts[d]
        for i in cl[cut[d] : cut[d + 1]]:
            t = texts[i]
            if (
                t in ps
                or (len(t) >= 20 and t in title)
                or (len(title) >= 20 and title in t and len(t) < 2 * len(title))
            ):
                out[d] = i - int(bounds[d])
                break
    return out


def _title_parts(title: str) -> set[str]:
    parts = {
        p.strip()
        for p in title.replace(" – ", " | ").replace(" - ", " | ").split(" | ")
        if len(p.strip()) >= 12
    }
    parts.add(title)
    return parts


@lru_cache(maxsize=64)
def _by_first_char(terms: tuple[tuple[str, int], ...]) -> dict[str, list[tuple[str, int]]]:
    """A lexicon's substring terms (``(term, concern bits)``) grouped by first character
    (an empty term, which every text contains, under "")."""
    out: dict[str, list[tuple[str, int]]] = {}
    for term, bits in terms:
        out.setdefault(term[:1], []).append((term, bits))
    return out


def _by_lang(ids: np.ndarray, ul: np.ndarray, k: int) -> list[tuple[list[int], int]]:
    """Unit indices grouped by their document's language (index into the batch's names)."""
    if k == 1:
        return [(ids.tolist(), 0)] if len(ids) else []
    of = ul[ids]
    return [(ids[of == j].tolist(), j) for j in range(k) if (of == j).any()]


_DOC_MIX = np.uint64(0x9E3779B97F4A7C15)
_UP_MIX = np.uint64(0xC2B2AE3D27D4EB4F)


def _duplicates(texts: list[str], key: np.ndarray, ud: np.ndarray, nd: int) -> np.ndarray:
    """Per unit, how many other units of its document have the same text. ``key``: the
    same for equal texts (a hash); units are grouped by (document, key), and a group
    counts as one text when every member's text equals its first member's (else, a hash
    collision, its members are counted exactly)."""
    n = len(texts)
    if nd > 1:
        key = key + ud.astype(np.uint64) * _DOC_MIX
    order = np.argsort(key, kind="stable")
    sk = key[order]
    new = np.ones(n, dtype=bool)
    np.not_equal(sk[1:], sk[:-1], out=new[1:])
    group = np.cumsum(new) - 1
    firsts = np.flatnonzero(new)
    size = np.diff(np.append(firsts, n))
    dupc = np.zeros(n)
    rep = size[group] > 1
    if rep.any():
        members = order[rep]
        leaders = order[firsts[group[rep]]].tolist()
        same = np.fromiter(
            map(operator.eq, [texts[i] for i in members.tolist()], [texts[i] for i in leaders]),
            bool,
            len(members),
        )
        dupc[members] = size[group[rep]] - 1.0
        if not same.all():  # a group holding different texts: count its members exactly
            odd_groups = np.unique(group[rep][~same])
            exact = order[np.isin(group, odd_groups)].tolist()
            docs = ud[exact].tolist() if nd > 1 else [0] * len(exact)
            pairs = list(zip(docs, [texts[i] for i in exact], strict=True))
            inside = Counter(pairs)
            found = np.fromiter(map(inside.__getitem__, pairs), np.float64, len(pairs))
            dupc[exact] = found - 1.0
    return dupc


FEATURE_NAMES: tuple[str, ...] = (
    (
        "log_chars",
        "log_words",
        "stop_density",
        "log_stopwords",
        "foreign_stop_density",
        "letter_share",
        "digit_share",
        "upper_share",
        "sentence_marks_per_word",
        "punct_share",
        "ends_sentence",
        "ends_colon",
        "starts_upper",
        "starts_digit",
        "capitalised_words",
        "links",
        "separators_per_word",
        "commas_per_word",
        "has_quote",
        "letters_per_word",
        "short",
        "log_duplicates",
        "paragraph_start",
        "in_multiline_paragraph",
        "rel_position",
        "headline_distance",
        "after_headline",
        "is_headline",
        "has_headline",
        "lexicon_any",
        "lexicon_density",
        "close_control",
        "off_script",
        "prose",
        "prose_win3",
        "prose_win6",
        "prose_win12",
        "prose_chars_win3",
        "prose_before",
        "prose_after",
        "log_dist_prev_prose",
        "log_dist_next_prose",
        "doc_lang_conf",
        "doc_log_units",
    )
    + tuple(
        f"{name}_{where}"
        for where in ("prev1", "prev2", "next1", "next2")
        for name in ("prose", "log_words", "stop_density", "ends_sentence", "lexicon_any", "short")
    )
    + tuple(f"lexicon_{c}" for c in CONCERNS)
    + tuple(f"cue_{name}" for name in CUES)
    + (
        "comment_win6",
        "next_has_date",
        "next_upper_share",
        "next_has_link",
        "prev_teaser_cue",
        "prev_credit_cue",
        "teaser_shape",
    )
)
N_FEATURES = len(FEATURE_NAMES)
# ``extract`` fills the matrix by row number (one row per feature): where it writes
_ROWS = {
    0: "log_chars",
    1: "log_words",
    2: "stop_density",
    3: "log_stopwords",
    4: "foreign_stop_density",
    5: "letter_share",
    6: "digit_share",
    7: "upper_share",
    8: "sentence_marks_per_word",
    9: "punct_share",
    10: "ends_sentence",
    11: "ends_colon",
    12: "starts_upper",
    13: "starts_digit",
    14: "capitalised_words",
    15: "links",
    16: "separators_per_word",
    17: "commas_per_word",
    18: "has_quote",
    19: "letters_per_word",
    20: "short",
    21: "log_duplicates",
    22: "paragraph_start",
    23: "in_multiline_paragraph",
    24: "rel_position",
    25: "headline_distance",
    26: "after_headline",
    27: "is_headline",
    28: "has_headline",
    29: "lexicon_any",
    30: "lexicon_density",
    31: "close_control",
    32: "off_script",
    33: "prose",
    34: "prose_win3",
    37: "prose_chars_win3",
    38: "prose_before",
    39: "prose_after",
    40: "log_dist_prev_prose",
    41: "log_dist_next_prose",
    42: "doc_lang_conf",
    43: "doc_log_units",
    44: "prose_prev1",
    50: "prose_prev2",
    56: "prose_next1",
    62: "prose_next2",
    68: f"lexicon_{CONCERNS[0]}",
    77: f"cue_{CUES[0]}",
    82: "comment_win6",
    83: "next_has_date",
    84: "next_upper_share",
    85: "next_has_link",
    86: "prev_teaser_cue",
    87: "prev_credit_cue",
    88: "teaser_shape",
}
assert all(FEATURE_NAMES[i] == name for i, name in _ROWS.items()) and N_FEATURES == 89
