"""Per-unit features for the chrome separator: one numpy pass per document.

Everything is computed once per document: a character-class histogram per unit (one
``bincount``), one token stream (alnum runs, lowercased) looked up once in a per-language
table (doc-language stopword / other-language stopword / lexicon concern bits), the
language detected once. Context (windows of the prose-like heuristic, neighbours,
distance to the headline's repeat) comes from cumulative sums. See ``FEATURE_NAMES``."""

from __future__ import annotations

import re
from collections import Counter
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
from tasks.segment import line_units

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


def _window_means(x: np.ndarray, ks: tuple[int, ...]) -> list[np.ndarray]:
    n = len(x)
    cs = np.concatenate(([0.0], np.cumsum(x)))
    idx = np.arange(n)
    out = []
    for k in ks:
        lo = np.maximum(idx - k, 0)
        hi = np.minimum(idx + k + 1, n)
        out.append((cs[hi] - cs[lo]) / (hi - lo))
    return out


def _shift(x: np.ndarray, k: int, fill: float = 0.0) -> np.ndarray:
    out = np.full_like(x, fill)
    if len(x) > abs(k):
        if k > 0:
            out[k:] = x[:-k]
        else:
            out[:k] = x[-k:]
    return out


def _segsum(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    cs = np.concatenate(([0], np.cumsum(x)))
    return (cs[hi] - cs[lo]).astype(np.float64)


def headline_index(texts: list[str], title: str | None, first: int) -> int:
    """Position of the first repeat of ``title`` among ``texts[first:]``, or -1."""
    if not title:
        return -1
    parts = {
        p.strip()
        for p in title.replace(" – ", " | ").replace(" - ", " | ").split(" | ")
        if len(p.strip()) >= 12
    }
    parts.add(title)
    for i in range(first, len(texts)):
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
    text: str,
    texts: list[str],
    ltoks: list[str],
    tok_lo: np.ndarray,
    tok_hi: np.ndarray,
    words: np.ndarray,
    digits: np.ndarray,
    endcolon: np.ndarray,
    starts: np.ndarray,
) -> np.ndarray:
    """Cue counts per unit (n_units, len(CUES)), capped at 3."""
    n = len(texts)
    out = np.zeros((n, len(CUES)))
    codes = np.fromiter(map(_CUE_WORDS.get, ltoks, repeat(0)), dtype=np.int64, count=len(ltoks))
    flags = (codes[:, None] & _CUE_BITS) != 0
    sums = np.concatenate((np.zeros((1, len(_CUE_BITS)), np.int64), np.cumsum(flags, axis=0)))
    per = (sums[tok_hi] - sums[tok_lo]).astype(np.float64)
    short = words <= 8
    out[:, 0] = per[:, 0] + ((per[:, 2] > 0) & ((per[:, 3] > 0) | (digits > 0)) & short)
    last = np.maximum(tok_hi - 1, 0)
    for i in np.flatnonzero((endcolon > 0) & short & (tok_hi > tok_lo)).tolist():
        if codes[last[i]] & _C_SAID:
            out[i, 0] += 1
    for i in np.flatnonzero((words <= 2) & (per[:, 6] > 0)).tolist():
        if texts[i].strip().lower() in _REPLY:
            out[i, 0] += 1
    out[:, 2] = per[:, 1]
    for i in np.flatnonzero((per[:, 5] > 0) & (words <= 25)).tolist():
        if ":" in texts[i]:
            out[i, 2] += 1
    i = text.find("©")
    while i >= 0:
        u = int(np.searchsorted(starts, i, side="right")) - 1
        if u >= 0:
            out[u, 2] += 1
        i = text.find("©", i + 1)
    has = tok_hi > tok_lo
    first = np.zeros(n, dtype=np.int64)
    first[has] = codes[tok_lo[has]]
    for i in np.flatnonzero(first & _C_TEASER).tolist():
        lo = int(tok_lo[i])
        for k in range(1, min(6, int(tok_hi[i]) - lo) + 1):
            if " ".join(ltoks[lo : lo + k]) in _TEASERS:
                out[i, 1] = 1
                break
    cand = np.flatnonzero((digits > 0) & (words <= 12))
    if len(cand):
        # one regex pass per pattern over the candidates joined by newlines
        joined = "\n".join([texts[i] for i in cand.tolist()])
        lens = np.array([len(texts[i]) + 1 for i in cand.tolist()], dtype=np.int64)
        offs = np.cumsum(lens) - lens
        for col, rx in ((3, _DATE_RX), (4, _SCORE_RX)):
            pos = [m.start() for m in rx.finditer(joined)]
            if pos:
                at = np.searchsorted(offs, np.array(pos, dtype=np.int64), side="right") - 1
                np.add.at(out[:, col], cand[at], 1.0)
    return np.minimum(out, 3.0)


def _links(text: str, starts: np.ndarray, n: int) -> np.ndarray:
    pos: list[int] = []
    for pat in ("http://", "https://", "www."):
        i = text.find(pat)
        while i >= 0:
            pos.append(i)
            i = text.find(pat, i + 4)
    out = np.zeros(n)
    if pos:
        u = np.searchsorted(starts, np.array(pos), side="right") - 1
        np.add.at(out, u[u >= 0], 1.0)
    return out


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
    if spans is None:
        sl, el, texts = line_units(text)
        starts, ends = np.array(sl, dtype=np.int64), np.array(el, dtype=np.int64)
    else:
        starts, ends = spans
        texts = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
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
    alnum = (cls & ALNUM) != 0
    ws = np.empty_like(alnum)
    ws[0] = alnum[0]
    ws[1:] = alnum[1:] & ~alnum[:-1]
    marker = np.zeros(len(cls), dtype=np.int64)
    marker[starts] = 1
    uid = np.maximum(np.cumsum(marker) - 1, 0)
    key = uid * (2 * N_CLASSES) + (cls & CLASS_MASK) + ws * N_CLASSES
    hist = np.bincount(key, minlength=n * 2 * N_CLASSES).reshape(n, 2 * N_CLASSES)
    cnt = hist @ _M
    nchars = (ends - starts).astype(np.float64)

    # tokens = alnum runs (as WORD.findall): blank out the rest, lowercase, split
    cleaned = np.where(alnum, cp, 32).astype(np.uint32).tobytes().decode("utf-32-le")
    ltoks = cleaned.lower().split()
    ntok = cnt[:, C_WORDS].astype(np.int64)
    if int(ntok.sum()) != len(ltoks):  # defensive: should not happen
        per = [WORD.findall(t.lower()) for t in texts]
        ltoks = [t for p in per for t in p]
        ntok = np.array([len(p) for p in per], dtype=np.int64)
    tok_hi = np.cumsum(ntok)
    tok_lo = tok_hi - ntok

    cjk_total = float(cnt[:, C_CJK].sum())
    let_total = float(cnt[:, C_LET].sum())
    if let_total and cjk_total / let_total > 0.3:
        kana = float(cnt[:, C_KANA].sum())
        hangul = float(cnt[:, C_HANGUL].sum())
        lang = "ja" if kana > 0.05 * cjk_total else ("ko" if hangul > 0.3 * cjk_total else "zh")
        conf = cjk_total / let_total
    else:
        sample = ltoks[:: max(1, len(ltoks) // 150)]
        smask = np.fromiter(
            map(res.stop.masks.get, sample, repeat(0)), dtype=np.int64, count=len(sample)
        )
        lang, conf = detect_from_masks(res.stop, smask)
    cjk_doc = lang in ("zh", "ja", "ko")
    table, bigrams = res.tokens(lang)
    codes = np.fromiter(map(table.get, ltoks, repeat(0)), dtype=np.int64, count=len(ltoks))
    cand = np.flatnonzero(codes[:-1] & BIGRAM_FIRST).tolist() if len(codes) > 1 else []
    for j in cand:
        m = bigrams.get((ltoks[j], ltoks[j + 1]), 0)
        if m:
            codes[j] |= m
            codes[j + 1] |= m  # may cross a unit edge: rare and harmless
    flags = (codes[:, None] & _TOKEN_FLAGS) != 0
    sums = np.concatenate((np.zeros((1, 3), np.int64), np.cumsum(flags, axis=0)))
    stopc, foreign, lexcov = (sums[tok_hi] - sums[tok_lo]).astype(np.float64).T
    lexmask = np.zeros(n, dtype=np.int64)
    has = ntok > 0
    if len(codes):
        lexmask[has] = np.bitwise_or.reduceat(codes & LEX_MASK, tok_lo[has])
    lt = res.lex.table(lang)
    if lt.substrings and cjk_total:
        # short CJK terms are common words inside prose: in long units only the
        # consent and legal terms count
        for i in np.flatnonzero(cnt[:, C_CJK] > 0).tolist():
            t = texts[i]
            allowed = LEX_MASK if cnt[i, C_CJK] <= 30 else _LONG_CJK_CONCERNS
            for s, m in lt.substrings:
                if m & allowed and s in t:
                    lexmask[i] |= m & allowed
                    lexcov[i] += 1
    words = cnt[:, C_WORDS] + cnt[:, C_CJK] / 2.0
    close = np.zeros(n, dtype=bool)
    close_set = lt.close
    cand = np.flatnonzero((nchars <= 20) & (words <= 3)).tolist()
    close[[i for i in cand if texts[i].lower() in close_set]] = True
    # controls wrapped in punctuation ("[x]", "Close »"): normalise those few
    edge = _PUNCT_CLASSES[cls[starts] & CLASS_MASK] | _PUNCT_CLASSES[cls[ends - 1] & CLASS_MASK]
    for i in np.flatnonzero(edge & (nchars <= 20) & (words <= 3) & ~close).tolist():
        close[i] = normalise_control(texts[i]) in close_set

    link = _links(text, starts, n) + cnt[:, C_AT]
    dup = Counter(texts)
    dupc = np.array([dup[t] - 1 for t in texts], dtype=np.float64)
    nl = np.cumsum(cp == 10)
    gaps = nl[starts[1:]] - nl[ends[:-1]]
    para_start = np.ones(n)
    para_start[1:] = gaps >= 2
    in_multi = 1.0 - para_start * np.concatenate((para_start[1:], [1.0]))

    last_cls = cls[ends - 1] & CLASS_MASK
    first_cls = cls[starts] & CLASS_MASK
    endp = (_ENDP_CLASSES[last_cls] | (cp[ends - 1] == 41)).astype(np.float64)
    endcolon = (cp[ends - 1] == 58).astype(np.float64)
    firstup = ((first_cls == P_LAT_UP) | (first_cls == P_NL_UP)).astype(np.float64)
    firstdig = (first_cls == P_DIGIT).astype(np.float64)

    wsafe = np.maximum(words, 1.0)
    tsafe = np.maximum(ntok.astype(np.float64), 1.0)
    let = np.maximum(cnt[:, C_LET], 1.0)
    csafe = np.maximum(nchars, 1.0)
    sd = cnt[:, C_CJKF] / np.maximum(cnt[:, C_CJK], 1.0) if cjk_doc else stopc / tsafe
    fd = foreign / tsafe
    if cjk_doc:
        offscript = (cnt[:, C_LET] - cnt[:, C_CJK]) / let
    elif float(cnt[:, C_NONLAT].sum()) > float(cnt[:, C_LAT].sum()):
        offscript = cnt[:, C_LAT] / let
    else:
        offscript = (cnt[:, C_NONLAT] + cnt[:, C_CJK]) / let
    lexbits = ((lexmask[:, None] >> _CSHIFT[None, :]) & 1).astype(np.float64)
    lexany = (lexcov > 0).astype(np.float64)
    lexdens = lexcov / tsafe
    title = texts[0] if has_title else known_title
    hl = headline_index(texts, title, 1 if has_title else 0)
    idx = np.arange(n, dtype=np.float64)
    rel = idx / max(n - 1, 1)
    if hl >= 0:
        dh = np.clip(idx - hl, -40, 40) / 40.0
        after = (idx > hl).astype(np.float64)
        ishl = (idx == hl).astype(np.float64)
    else:
        dh = after = ishl = np.zeros(n)

    known = bool(lang in res.stop.langs)
    prose = (sd >= (0.25 if cjk_doc else 0.22)) | (
        (not known) & (not cjk_doc) & (cnt[:, C_SENT] > 0)
    )
    h = ((words >= 10) & prose & (lexdens < 0.25) & (link == 0)).astype(np.float64)
    if has_title:
        h[0] = 0.0
    hchars = h * nchars
    tot = max(float(hchars.sum()), 1.0)
    cum = np.cumsum(hchars)
    before = (cum - hchars) / tot
    after_p = 1.0 - cum / tot
    hpos = np.where(h > 0, idx, -1000.0)
    prev_h = np.concatenate(([-1000.0], np.maximum.accumulate(hpos)[:-1]))
    hpos2 = np.where(h > 0, idx, 1e6)
    next_h = np.concatenate((np.minimum.accumulate(hpos2[::-1])[::-1][1:], [1e6]))
    lw = np.log1p(words)
    short = (words <= 3).astype(np.float64)
    base = np.column_stack((h, lw, sd, endp, lexany, short))
    shifted = np.zeros((n, 24))
    if n > 1:
        shifted[1:, 0:6] = base[:-1]
        shifted[:-1, 12:18] = base[1:]
    if n > 2:
        shifted[2:, 6:12] = base[:-2]
        shifted[:-2, 18:24] = base[2:]
    wm = _window_means(h, (3, 6, 12))
    cue = _cues(text, texts, ltoks, tok_lo, tok_hi, words, cnt[:, C_DIG], endcolon, starts)
    cue_any = (cue > 0).astype(np.float64)
    comment_win = _window_means(cue_any[:, 0], (6,))[0]
    nextc = np.zeros((n, 3))
    prevc = np.zeros((n, 2))
    if n > 1:
        nextc[:-1, 0] = cue_any[1:, 3]  # next unit has a date/time
        nextc[:-1, 1] = cnt[1:, C_UP] / np.maximum(cnt[1:, C_LET], 1.0)  # next unit's caps
        nextc[:-1, 2] = link[1:] > 0
        prevc[1:, 0] = cue_any[:-1, 1]  # previous unit is a teaser cue
        prevc[1:, 1] = cue_any[:-1, 2]  # previous unit is a credit
    teaser_shape = (
        (1.0 - endp)
        * ((words >= 3) & (words <= 25))
        * np.maximum.reduce([nextc[:, 0], (nextc[:, 1] > 0.6).astype(np.float64), nextc[:, 2]])
    )
    cols = [
        np.log1p(nchars),
        lw,
        sd,
        np.log1p(stopc),
        fd,
        cnt[:, C_LET] / csafe,
        cnt[:, C_DIG] / csafe,
        cnt[:, C_UP] / let,
        cnt[:, C_SENT] / wsafe,
        cnt[:, C_PUNCT] / csafe,
        endp,
        endcolon,
        firstup,
        firstdig,
        cnt[:, C_UPSTART] / wsafe,
        np.minimum(link, 3),
        cnt[:, C_SEP] / wsafe,
        cnt[:, C_COMMA] / wsafe,
        (cnt[:, C_QUOTE] > 0).astype(np.float64),
        cnt[:, C_LET] / wsafe,
        short,
        np.log1p(dupc),
        para_start,
        in_multi,
        rel,
        dh,
        after,
        ishl,
        np.full(n, float(hl >= 0)),
        lexany,
        lexdens,
        close.astype(np.float64),
        offscript,
        h,
        wm[0],
        wm[1],
        wm[2],
        _window_means(hchars, (3,))[0] / 400.0,
        before,
        after_p,
        np.log1p(np.minimum(idx - prev_h, 50)),
        np.log1p(np.minimum(next_h - idx, 50)),
        np.full(n, conf),
        np.full(n, np.log1p(n)),
    ]
    mat = np.concatenate(
        (
            np.column_stack(cols),
            shifted,
            lexbits,
            cue,
            comment_win[:, None],
            nextc,
            prevc,
            teaser_shape[:, None],
        ),
        axis=1,
    )
    return DocFeatures(lang, starts, ends, texts, mat, h, lexmask, close, offscript, fd, sd)


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
