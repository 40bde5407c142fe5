"""Per-unit features for the chrome separator: one numpy pass per document.

Everything is computed once per document: a character-class histogram per unit (one
``bincount``), one token stream (alnum runs, lowercased) looked up once in a per-language
table (doc-language stopword / other-language stopword / lexicon concern bits), the
language detected once. Context (windows of the prose-like heuristic, neighbours,
distance to the headline's repeat) comes from cumulative sums. See ``FEATURE_NAMES``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

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
)
from tasks.language import Stoplists, detect_from_masks
from tasks.lexicons import CONCERNS, WORD, ChromeLexicons, normalise_control
from tasks.segment import line_spans, unit_texts

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
_SHARE_COLS = [C_LET, C_DIG, C_PUNCT]  # per character
_PER_WORD_COLS = [C_SENT, C_UPSTART, C_SEP, C_COMMA, C_LET]
_CSHIFT = np.arange(len(CONCERNS), dtype=np.int64)
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


def headline_index(
    texts: list[str], title: str | None, first: int, lengths: np.ndarray | None = None
) -> int:
    """Position of the first repeat of ``title`` among ``texts[first:]``, or -1.

    ``lengths``: ``len`` of every text, to test only the texts of a length that can match.
    """
    if not title:
        return -1
    parts = {
        p.strip()
        for p in title.replace(" – ", " | ").replace(" - ", " | ").split(" | ")
        if len(p.strip()) >= 12
    }
    parts.add(title)
    cand: Iterable[int] = range(first, len(texts))
    if lengths is not None:
        tl = len(title)
        fits = (lengths >= 20) & (lengths <= tl)
        for size in {len(p) for p in parts}:
            fits |= lengths == size
        if tl >= 20:
            fits |= (lengths >= tl) & (lengths < 2 * tl)
        fits[:first] = False
        cand = np.flatnonzero(fits).tolist()
    for i in cand:
        t = texts[i]
        if (
            t in parts
            or (len(t) >= 20 and t in title)
            or (len(title) >= 20 and title in t and len(t) < 2 * len(title))
        ):
            return i
    return -1


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
_DATE_RX = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
_SCORE_RX = re.compile(r"\d{1,3} ?[-–] ?\d{1,3}")
CUES = ("comment", "teaser", "credit", "date", "score")


def _cues(
    texts: list[str],
    ltoks: list[str],
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
) -> np.ndarray:
    """Cue counts per unit (len(CUES), n_units), capped at 3.

    ``cue_codes``: the cue bits of every token; ``per``: per unit, the number of tokens
    with a comment / agency / time unit / "ago" / credit / reply cue (rows, in that
    order); ``copyright_units``: the unit of every ``©``; ``punct`` and ``comma_quote_at``:
    per unit, punctuation characters, and those of them that are commas, quotes, @ or #."""
    n = len(texts)
    out = np.zeros((len(CUES), n))
    short = words <= 8
    out[0] = per[0] + ((per[2] > 0) & ((per[3] > 0) | (digits > 0)) & short)
    for i in np.flatnonzero((endcolon > 0) & short & (tok_hi > tok_lo)).tolist():
        if cue_codes[tok_hi[i] - 1] & _C_SAID:
            out[0, i] += 1
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
        for k in range(1, min(6, int(tok_hi[i]) - lo) + 1):
            if " ".join(ltoks[lo : lo + k]) in _TEASERS:
                out[1, i] = 1
                break
    # the date and score patterns need a '.', '/', '-', '–' or ':' (classes SENT, SEP, PUNCT)
    marks = punct - comma_quote_at
    cand = np.flatnonzero((digits > 0) & (words <= 12) & (marks > 0))
    if len(cand):
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


def _units_of(pos: list[int], starts: np.ndarray) -> np.ndarray:
    """The unit (index into ``starts``) each text offset falls in; offsets before the
    first unit are left out."""
    u = np.searchsorted(starts, np.array(pos, dtype=np.int64), side="right") - 1
    return u[u >= 0]


def _links(text: str, starts: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    pos = _find_all(text, ("http://", "https://", "www."), 4)
    if pos:
        np.add.at(out, _units_of(pos, starts), 1.0)
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


def extract(
    text: str,
    res: Resources,
    has_title: bool = True,
    known_title: str | None = None,
    spans: tuple[np.ndarray, np.ndarray] | None = None,
) -> DocFeatures:
    """Features of every unit of ``text`` (units = ``segment``'s blocks, or ``spans``).

    ``has_title``: unit 0 is the page title (text dumps); otherwise ``known_title`` (if
    any) is the title whose repeat in the text marks the headline.
    """
    cp, cls = char_classes(text)
    nl = np.cumsum(cp == 10)
    if spans is None:
        starts, ends = line_spans(cls, nl)
    else:
        starts, ends = spans
    sl, el = starts.tolist(), ends.tolist()
    texts = unit_texts(text, sl, el)
    n = len(starts)
    if n == 0:
        z = np.zeros(0)
        return DocFeatures(
            "und",
            starts,
            ends,
            texts,
            np.zeros((0, N_FEATURES)),
            z,
            np.zeros(0, np.int64),
            np.zeros(0, bool),
            z,
            z,
            z,
        )
    # per-unit character-class histogram; characters between units count to the one before
    alnum = (cls & ALNUM) != 0
    ws = np.empty_like(alnum)
    ws[0] = alnum[0]
    np.greater(alnum[1:], alnum[:-1], out=ws[1:])
    span = np.empty(n, dtype=np.int64)  # characters of each unit and the gap after it
    span[:-1] = starts[1:] - starts[:-1]
    span[-1] = len(cls) - starts[-1]
    span[0] += starts[0]
    if int(span.min()) > 0:
        key = np.repeat(np.arange(0, n * 2 * N_CLASSES, 2 * N_CLASSES), span)
    else:  # spans out of order (not segment's blocks): unit = last start at or before
        marker = np.zeros(len(cls), dtype=np.int64)
        marker[starts] = 1
        key = np.maximum(np.cumsum(marker) - 1, 0) * (2 * N_CLASSES)
    key += (cls & CLASS_MASK) | (ws.view(np.uint8) << 5)  # N_CLASSES = 1 << 5
    hist = np.bincount(key, minlength=n * 2 * N_CLASSES).reshape(n, 2 * N_CLASSES)
    cnt = _MT @ hist.T  # (count columns, units)
    nchars = (ends - starts).astype(np.float64)

    # tokens = alnum runs (as WORD.findall): blank out the rest, lowercase, split
    cleaned = np.where(alnum, cp, 32).astype(np.uint32).tobytes().decode("utf-32-le")
    ltoks = cleaned.lower().split()
    ntok = cnt[C_WORDS].astype(np.int64)
    if int(ntok.sum()) != len(ltoks):  # defensive: should not happen
        per_unit = [WORD.findall(t.lower()) for t in texts]
        ltoks = [t for p in per_unit for t in p]
        ntok = np.array([len(p) for p in per_unit], dtype=np.int64)
    tok_hi = np.cumsum(ntok)
    tok_lo = tok_hi - ntok

    cjk_total = float(cnt[C_CJK].sum())
    let_total = float(cnt[C_LET].sum())
    if let_total and cjk_total / let_total > 0.3:
        kana = float(cnt[C_KANA].sum())
        hangul = float(cnt[C_HANGUL].sum())
        lang = "ja" if kana > 0.05 * cjk_total else ("ko" if hangul > 0.3 * cjk_total else "zh")
        conf = cjk_total / let_total
    else:
        sample = ltoks[:: max(1, len(ltoks) // 150)]
        smask = np.fromiter(
            map(res.stop.masks.get, sample, repeat(0)), dtype=np.int64, count=len(sample)
        )
        lang, conf = detect_from_masks(res.stop, smask)
    cjk_doc = lang in ("zh", "ja", "ko")
    table, bigrams = res.lookup(lang)
    codes = np.fromiter(map(table.get, ltoks, repeat(0)), dtype=np.int64, count=len(ltoks))
    if len(codes) > 1:
        pair = ((codes[:-1] & BIGRAM_FIRST) != 0) & ((codes[1:] & BIGRAM_SECOND) != 0)
        for j in np.flatnonzero(pair).tolist():
            bits = bigrams.get((ltoks[j], ltoks[j + 1]), 0)
            if bits:
                codes[j] |= bits
                codes[j + 1] |= bits  # may cross a unit edge: rare and harmless
    flags = (codes[:, None] & _COUNT_BITS) != 0
    sums = np.zeros((len(codes) + 1, len(_COUNT_BITS)), np.int64)
    np.cumsum(flags, axis=0, out=sums[1:])
    per = (sums[tok_hi] - sums[tok_lo]).T.astype(np.float64)
    stopc, foreign, lexcov = per[0], per[1], per[2].copy()
    lexmask = np.zeros(n, dtype=np.int64)
    has = ntok > 0
    if len(codes):
        lexmask[has] = np.bitwise_or.reduceat(codes & LEX_MASK, tok_lo[has])
    lt = res.lex.table(lang)
    if lt.substrings and cjk_total:
        # short CJK terms are common words inside prose: in long units only the
        # consent and legal terms count
        for i in np.flatnonzero(cnt[C_CJK] > 0).tolist():
            t = texts[i]
            allowed = LEX_MASK if cnt[C_CJK, i] <= 30 else _LONG_CJK_CONCERNS
            for sub, bits in lt.substrings:
                if bits & allowed and sub in t:
                    lexmask[i] |= bits & allowed
                    lexcov[i] += 1
    words = cnt[C_WORDS] + cnt[C_CJK] / 2.0
    close = np.zeros(n, dtype=bool)
    close_set = lt.close
    small = (nchars <= 20) & (words <= 3)
    cand = np.flatnonzero(small).tolist()
    close[[i for i in cand if texts[i].lower() in close_set]] = True
    # controls wrapped in punctuation ("[x]", "Close »"): normalise those few
    first_cls = cls[starts] & CLASS_MASK
    last_cls = cls[ends - 1] & CLASS_MASK
    edge = _PUNCT_CLASSES[first_cls] | _PUNCT_CLASSES[last_cls]
    for i in np.flatnonzero(edge & small & ~close).tolist():
        close[i] = normalise_control(texts[i]) in close_set

    link = _links(text, starts, n) + cnt[C_AT]
    dup = Counter(texts)
    dupc = np.fromiter(map(dup.__getitem__, texts), np.float64, n) - 1.0
    para_start = np.ones(n)
    para_start[1:] = (nl[starts[1:]] - nl[ends[:-1]]) >= 2
    last_cp = cp[ends - 1]
    endp = (_ENDP_CLASSES[last_cls] | (last_cp == 41)).astype(np.float64)
    endcolon = (last_cp == 58).astype(np.float64)

    m = np.empty((N_FEATURES, n))  # the feature matrix, transposed: one row per feature
    wsafe = np.maximum(words, 1.0)
    tsafe = np.maximum(ntok.astype(np.float64), 1.0)
    let = np.maximum(cnt[C_LET], 1.0)
    csafe = np.maximum(nchars, 1.0)
    sd = m[2]
    if cjk_doc:
        np.divide(cnt[C_CJKF], np.maximum(cnt[C_CJK], 1.0), out=sd)
    else:
        np.divide(stopc, tsafe, out=sd)
    fd = m[4]
    np.divide(foreign, tsafe, out=fd)
    offscript = m[32]
    if cjk_doc:
        np.divide(cnt[C_LET] - cnt[C_CJK], let, out=offscript)
    elif float(cnt[C_NONLAT].sum()) > float(cnt[C_LAT].sum()):
        np.divide(cnt[C_LAT], let, out=offscript)
    else:
        np.divide(cnt[C_NONLAT] + cnt[C_CJK], let, out=offscript)
    lexdens = m[30]
    np.divide(lexcov, tsafe, out=lexdens)
    title = texts[0] if has_title else known_title
    hl = headline_index(texts, title, 1 if has_title else 0, nchars)

    known = bool(lang in res.stop.langs)
    prose = (sd >= (0.25 if cjk_doc else 0.22)) | ((not known) & (not cjk_doc) & (cnt[C_SENT] > 0))
    h = m[33]
    h[:] = (words >= 10) & prose & (lexdens < 0.25) & (link == 0)
    if has_title:
        h[0] = 0.0
    hchars = h * nchars
    cue_codes = codes >> _CUE_SHIFT
    cu = np.zeros(n, dtype=np.int64)  # the unit of every ©
    cpos = _find_all(text, ("©",), 1)
    cues = _cues(
        texts,
        ltoks,
        cue_codes,
        per[3:],
        tok_lo,
        tok_hi,
        words,
        cnt[C_DIG],
        endcolon,
        _units_of(cpos, starts) if cpos else cu[:0],
        cnt[C_PUNCT],
        cnt[C_COMMA] + cnt[C_QUOTE] + cnt[C_AT],
    )
    m[77:82] = cues
    cue_any = cues > 0

    # windows of +-3/6/12 units (clipped at the ends) over prose, prose chars, comment cues
    idx = np.arange(n)
    lo = np.maximum(idx - _WINDOWS, 0)
    hi = np.minimum(idx + _WINDOWS + 1, n)
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
    fidx = idx.astype(np.float64)
    np.divide(fidx, max(n - 1, 1), out=m[24])
    if hl >= 0:
        np.divide(np.clip(fidx - hl, -40, 40), 40.0, out=m[25])
        m[26] = fidx > hl
        m[27] = 0.0
        m[27, hl] = 1.0
    else:
        m[25:28] = 0.0
    m[28] = float(hl >= 0)
    lexany = m[29]
    lexany[:] = lexcov > 0
    m[31] = close
    tot = max(float(hchars.sum()), 1.0)
    cum = cs[1, 1:]
    np.divide(cum - hchars, tot, out=m[38])
    np.subtract(1.0, cum / tot, out=m[39])
    hpos = np.where(h > 0, fidx, -1000.0)
    prev_h = np.empty(n)
    prev_h[0] = -1000.0
    np.maximum.accumulate(hpos[:-1], out=prev_h[1:])
    hpos2 = np.where(h > 0, fidx, 1e6)
    next_h = np.empty(n)
    next_h[-1] = 1e6
    next_h[:-1] = np.minimum.accumulate(hpos2[::-1])[::-1][1:]
    np.log1p(np.minimum(fidx - prev_h, 50), out=m[40])
    np.log1p(np.minimum(next_h - fidx, 50), out=m[41])
    m[42] = conf
    m[43] = np.log1p(n)
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
    teaser = np.maximum(np.maximum(m[83], m[84] > 0.6), m[85])
    teaser *= (1.0 - endp) * ((words >= 3) & (words <= 25))
    m[88] = teaser
    return DocFeatures(lang, starts, ends, texts, m.T, h, lexmask, close, offscript, fd, sd)


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
