"""Compiled loops (numba) for the separator's hot spots: the same results as the numpy
code they stand in for, bit for bit, in one pass instead of many small numpy calls.

This module imports numba; the stages reach it only through
``tasks.tokens.compiled_kernels()``, on first use, so importing the stages stays cheap.
Compiled code is cached on disk (``cache=True``: under ``NUMBA_CACHE_DIR`` when set, else
in ``__pycache__`` beside this file, else in the user's cache folder): the first process
compiles (~24 s of CPU with ``tasks.kernels_stages``), the others load it (~1 s). With
no writable place at all, without numba, or with ``NEWSETL_NO_JIT=1``,
``compiled_kernels()`` is None and callers keep their numpy path, which gives the same
values (``tests/test_kernels.py`` checks every kernel against it) at ~1/2 of the speed.
"""

from __future__ import annotations

from typing import Any, Literal

import numba
import numpy as np


def _jit(fn, inline: Literal["never", "always"] = "never"):  # type: ignore[no-untyped-def]
    try:
        return numba.njit(cache=True, nogil=True, inline=inline)(fn)
    except RuntimeError as exc:  # numba found no writable cache folder
        # compiling in memory costs ~24 s of CPU in every process (each pool worker):
        # more than a short run gains, so the stages keep their numpy path instead
        raise ImportError(f"{exc}; set NUMBA_CACHE_DIR to a writable folder") from exc


def _inline(fn):  # type: ignore[no-untyped-def]
    """``_jit``, inlined into its callers by numba (a call between compiled functions is
    otherwise a real call, ~10-30 ns: too much for a helper called per character or
    per token)."""
    return _jit(fn, inline="always")


PAIRWISE_MAX = 128  # numpy's pairwise-summation block (PW_BLOCKSIZE)


@_jit
def standardize(
    x: np.ndarray, mean: np.ndarray, inv: np.ndarray, z: np.ndarray, column_major: bool
) -> None:
    """``z = (x.astype(float32) - mean) * inv`` (float32, column ``j`` by ``mean[j]`` and
    ``inv[j]``) in one pass, in ``x``'s and ``z``'s memory order (``column_major``: both
    column-major): each element the same two float32 operations as numpy's."""
    n, m = x.shape
    if column_major:
        for j in range(m):
            a = mean[j]
            b = inv[j]
            for i in range(n):
                z[i, j] = (np.float32(x[i, j]) - a) * b
    else:
        for i in range(n):
            for j in range(m):
                z[i, j] = (np.float32(x[i, j]) - mean[j]) * inv[j]


@_jit
def bias_relu(h: np.ndarray, b: np.ndarray) -> None:
    """``h += b; np.maximum(h, 0, out=h)`` in one pass over a row-major ``h`` (NaN stays
    NaN, as numpy's maximum keeps it)."""
    n, m = h.shape
    for i in range(n):
        for j in range(m):
            v = h[i, j] + b[j]
            if v < 0:
                v = np.float32(0.0)
            h[i, j] = v


@_jit
def pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """``a[lo:lo + n].sum()`` for ``n <= PAIRWISE_MAX``, in numpy's order (the
    ``pairwise_sum`` of its float add loop: 8 running sums over up to 128 values), so
    the same float. Above 128 numpy sums halves (callers keep numpy for those)."""
    res = 0.0
    if n < 8:
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    end = lo + n - (n % 8)
    for j in range(lo + 8, end, 8):
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(end, lo + n):
        res += a[j]
    return res


@_jit
def tree_raw(
    x: np.ndarray,
    rows: np.ndarray,
    threshold: np.ndarray,
    packed: np.ndarray,
    value: np.ndarray,
    roots: np.ndarray,
    depth: int,
    baseline: float,
) -> np.ndarray:
    """``tasks.chrome.TreeEnsemble.raw(x)``: every tree walked ``depth`` steps from its
    root (``left[k] + (x[feature[k]] > threshold[k])``; leaves point to themselves), the
    reached leaves' values summed in numpy's order, plus ``baseline``. ``packed``: each
    node's left child and feature in one int64 (``left | feature << 32``), so a step
    loads two node arrays, not three (0.155 -> 0.10 ms per devset dump). A row's trees
    advance together, one level at a time (independent loads, no branches).

    The rows walked are ``x[rows]``, each copied first into one contiguous buffer:
    ``x`` may be row- or column-major (the separator's feature matrix is column-major;
    the rows in order read each column's cache lines once for eight rows)."""
    nt = len(roots)
    out = np.empty(len(rows))
    at = np.empty(nt, dtype=np.intp)
    leaves = np.empty(nt)
    row = np.empty(x.shape[1])
    for r in range(len(rows)):
        u = rows[r]
        for f in range(x.shape[1]):
            row[f] = x[u, f]
        at[:] = roots
        for _ in range(depth):
            for t in range(nt):
                k = at[t]
                c = packed[k]
                at[t] = (c & 0xFFFFFFFF) + np.intp(row[c >> 32] > threshold[k])
        for t in range(nt):
            leaves[t] = value[at[t]]
        out[r] = pairwise_sum(leaves, 0, nt) + baseline
    return out


@_jit
def _probe(slots: np.ndarray, base: int, mask: int, sh: Any, q: Any) -> Any:
    """The value of key ``q`` in the table of ``mask + 1`` slots from ``slots[base]`` (0
    when absent): linear probing from its home slot ``q >> sh`` until the key or an empty
    slot (key 0). A slot is a (key, value) pair, so a hit reads one cache line, not two
    (``tasks.tokens.HashTable.slots``)."""
    s = np.intp(q >> sh)
    while True:
        k = slots[base + s, 0]
        if k == q:
            return np.int64(slots[base + s, 1])
        if k == 0:
            return 0
        s = (s + 1) & mask


@_jit
def table_get(slots: np.ndarray, shift: int, query: np.ndarray) -> np.ndarray:
    """``tasks.tokens.HashTable.get``: each query key's value (0 when absent), by linear
    probing from its home slot ``key >> shift`` until the key or an empty slot (key 0).
    The table is built by the same probing and never loses a key, so this finds what the
    numpy code finds (two probes, then its dict) for every key."""
    mask = len(slots) - 1
    out = np.zeros(len(query), dtype=np.int64)
    sh = np.uint64(shift)
    for i in range(len(query)):
        out[i] = _probe(slots, 0, mask, sh, query[i])
    return out


@_jit
def table_get_docs(
    slots: np.ndarray,
    first: np.ndarray,
    masks: np.ndarray,
    shifts: np.ndarray,
    doc_table: np.ndarray,
    doc_bounds: np.ndarray,
    query: np.ndarray,
) -> np.ndarray:
    """``table_get`` with one table per document: several tables back to back in
    ``slots`` (table ``j`` from ``first[j]``, ``masks[j] + 1`` slots, home slot
    ``key >> shifts[j]``); document ``d``'s queries ``query[doc_bounds[d]:doc_bounds[d +
    1]]`` are looked up in table ``doc_table[d]``, by the same probing."""
    out = np.zeros(len(query), dtype=np.int64)
    for d in range(len(doc_table)):
        j = doc_table[d]
        base = first[j]
        mask = masks[j]
        sh = np.uint64(shifts[j])
        for i in range(doc_bounds[d], doc_bounds[d + 1]):
            out[i] = _probe(slots, base, mask, sh, query[i])
    return out


@_jit
def find_marks(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``http://``, ``https://`` or ``www.`` starts in the code points ``cp``, and
    where a ``©`` is: what ``tasks.features._find_all`` finds with ``str.find`` (none of
    the three marks can start inside another match of itself, so every start counts)."""
    n = len(cp)
    links = [0]
    signs = [0]
    links.pop()
    signs.pop()
    for i in range(n):
        c = cp[i]
        if c == 0x68:  # h: http:// or https://
            if i + 7 <= n and cp[i + 1] == 0x74 and cp[i + 2] == 0x74 and cp[i + 3] == 0x70:
                j = i + 4
                if cp[j] == 0x73:  # https
                    j += 1
                if j + 3 <= n and cp[j] == 0x3A and cp[j + 1] == 0x2F and cp[j + 2] == 0x2F:
                    links.append(i)
        elif c == 0x77:  # w: www.
            if i + 4 <= n and cp[i + 1] == 0x77 and cp[i + 2] == 0x77 and cp[i + 3] == 0x2E:
                links.append(i)
        elif c == 0xA9:  # ©
            signs.append(i)
    return np.array(links, dtype=np.int64), np.array(signs, dtype=np.int64)


@_jit
def language_counts(
    masks: np.ndarray, starts: np.ndarray, n_langs: int
) -> tuple[np.ndarray, np.ndarray]:
    """``tasks.language.detect_many``'s counts: for each group of masks ``masks[starts[g]
    : starts[g + 1]]`` (the last to the end), how many have bit ``i`` set, for each of
    the first ``n_langs`` bits, and how many are not 0."""
    ng = len(starts)
    per = np.zeros((ng, n_langs), dtype=np.int64)
    hits = np.zeros(ng, dtype=np.int64)
    for g in range(ng):
        end = starts[g + 1] if g + 1 < ng else len(masks)
        for t in range(starts[g], end):
            m = masks[t]
            if m != 0:
                hits[g] += 1
                for i in range(n_langs):
                    if (m >> i) & 1:
                        per[g, i] += 1
    return per, hits


@_jit
def context_columns(
    p: np.ndarray,
    w: np.ndarray,
    cuts: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    self_out: np.ndarray,
    out: np.ndarray,
    logs: np.ndarray,
) -> None:
    """``tasks.context.context_features_many``'s columns that need no logarithm, written
    into ``out``, document by document with the same float operations in the same order
    (sequential cumulative sums, window sums as their differences, stable ranks); the
    four distances it takes ``log1p`` of go to ``logs`` (before the main run, after it,
    to the previous and next high unit), for numpy's ``log1p``. ``lo``/``hi``: the
    windows' offsets (``_LO``/``_HI``, the last one the character-weighted mean's),
    ``self_out``: 1.0 where a window leaves the unit itself out."""
    nw = len(lo)
    for k in range(len(cuts) - 1):
        a0, b0 = cuts[k], cuts[k + 1]
        n = b0 - a0
        if n == 0:
            continue
        c = np.empty(n + 1)
        cw = np.empty(n + 1)
        cwp = np.empty(n + 1)
        c[0] = cw[0] = cwp[0] = 0.0
        s0 = s1 = s2 = 0.0
        for i in range(n):
            pi = p[a0 + i]
            wi = w[a0 + i]
            s0 += pi
            s1 += wi
            s2 += wi * pi
            c[i + 1] = s0
            cw[i + 1] = s1
            cwp[i + 1] = s2
        total = c[n]
        # the main run: the stretch with the largest sum of p - 0.5
        low = c[0] - 0.0
        best_end = 1
        best = (c[1] - 0.5) - low
        for m in range(1, n):
            v = c[m] - 0.5 * m
            if v < low:
                low = v
            d = (c[m + 1] - 0.5 * (m + 1)) - low
            if d > best:
                best = d
                best_end = m + 1
        st = 0
        smin = c[0] - 0.0
        for m in range(1, best_end):
            v = c[m] - 0.5 * m
            if v < smin:
                smin = v
                st = m
        en = best_end
        n_high = 0
        for i in range(n):
            if p[a0 + i] >= 0.5:
                n_high += 1
        order = np.argsort(p[a0:b0], kind="mergesort")
        rank_div = max(n - 1, 1)
        for j in range(n):
            out[a0 + order[j], 14] = j / rank_div
        tot = max(total, 1e-9)
        prev_high = -1
        for i in range(n):
            g = a0 + i
            pi = p[g]
            out[g, 0] = pi
            for v in range(nw - 1):
                wa = min(max(i + lo[v], 0), n)
                wb = min(max(i + hi[v], 0), n)
                size = (wb - wa) - self_out[v]
                out[g, 2 + v] = ((c[wb] - c[wa]) - pi * self_out[v]) / max(size, 1.0)
            mx = -np.inf
            mn = np.inf
            for off in range(-3, 4):
                if off != 0:
                    inside = 0 <= i + off < n
                    mx = max(mx, p[g + off] if inside else 0.0)
                    mn = min(mn, p[g + off] if inside else 1.0)
            out[g, 10] = mx
            out[g, 11] = mn
            out[g, 12] = p[g - 1] if i >= 1 else 0.0
            out[g, 13] = p[g + 1] if i + 1 < n else 0.0
            out[g, 15] = total / n
            out[g, 16] = n_high / n
            out[g, 17] = 1.0 if st <= i < en else 0.0
            logs[0, g] = max(st - i, 0)
            logs[1, g] = max(i - (en - 1), 0)
            out[g, 20] = (en - st) / n
            out[g, 21] = c[i] / tot
            out[g, 22] = (total - c[i + 1]) / tot
            logs[2, g] = i - prev_high if prev_high >= 0 else n + 1
            if pi >= 0.5:
                prev_high = i
            wa = min(max(i + lo[nw - 1], 0), n)
            wb = min(max(i + hi[nw - 1], 0), n)
            out[g, 25] = (cwp[wb] - cwp[wa]) / max(cw[wb] - cw[wa], 1e-9)
        next_high = -1
        for i in range(n - 1, -1, -1):
            g = a0 + i
            logs[3, g] = next_high - i if next_high >= 0 else n + 1
            if p[g] >= 0.5:
                next_high = i


@_jit
def context_extra(
    p: np.ndarray, flags: np.ndarray, cuts: np.ndarray, out: np.ndarray, c0: int
) -> None:
    """``tasks.context.context_extra_numpy``'s columns (from ``c0``) in one pass per
    document, the same floats: ``flags`` holds each unit's listish flag and ends_colon."""
    for k in range(len(cuts) - 1):
        a0, b0 = cuts[k], cuts[k + 1]
        n = b0 - a0
        for i in range(n):
            g = a0 + i
            mb = 0.0
            ma = 0.0
            for off in range(1, 13):
                if i >= off:
                    mb = max(mb, p[g - off])
                if i + off < n:
                    ma = max(ma, p[g + off])
                if off == 6:
                    out[g, c0] = min(mb, ma)
            out[g, c0 + 1] = min(mb, ma)
        rs = 0
        while rs < n:
            flag = flags[0, a0 + rs]
            re = rs + 1
            while re < n and flags[0, a0 + re] == flag:
                re += 1
            size = re - rs
            s = 0.0
            for i in range(rs, re):
                s += p[a0 + i]
            before = 0.0
            after = 0.0
            for off in range(1, 4):
                if rs - off >= 0:
                    before = max(before, p[a0 + rs - off])
                if re + off - 1 < n:
                    after = max(after, p[a0 + re + off - 1])
            colon = flags[1, a0 + rs - 1] if rs > 0 else 0.0
            for i in range(rs, re):
                g = a0 + i
                out[g, c0 + 2] = size  # its log1p by numpy
                out[g, c0 + 3] = (i - rs) / max(size - 1, 1)
                out[g, c0 + 4] = s / size
                out[g, c0 + 5] = before
                out[g, c0 + 6] = after
                out[g, c0 + 7] = min(before, after)
                out[g, c0 + 8] = colon
                out[g, c0 + 9] = flag
            rs = re


@_jit
def hash_prefix(
    cp: np.ndarray, lower: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``tasks.tokens.Hasher``'s arrays in one pass: each character's value
    ``lower[min(cp, 0xFFFF)]``, the running sum of ``value * up[i]`` (uint64, wrapping,
    after a leading 0) and where the value is 0 (odd characters)."""
    n = len(cp)
    values = np.empty(n, dtype=np.uint64)
    acc = np.empty(n + 1, dtype=np.uint64)
    odd = np.empty(n, dtype=np.bool_)
    s = np.uint64(0)
    acc[0] = s
    for i in range(n):
        v = lower[min(cp[i], 0xFFFF)]
        values[i] = v
        odd[i] = v == 0
        s += v * up[i]
        acc[i + 1] = s
    return values, acc, odd


@_jit
def run_keys(
    acc: np.ndarray, down: np.ndarray, starts: np.ndarray, ends: np.ndarray, len_mix: Any
) -> np.ndarray:
    """``tasks.tokens.token_keys`` of the runs ``starts[i]:ends[i]`` from the hasher's
    prefix sums: ``(acc[end] - acc[start]) * down[start] + (end - start) * len_mix``
    (uint64, wrapping), in one loop instead of three gathers and four array passes."""
    out = np.empty(len(starts), dtype=np.uint64)
    for i in range(len(starts)):
        a = starts[i]
        b = ends[i]
        out[i] = (acc[b] - acc[a]) * down[a] + np.uint64(b - a) * len_mix
    return out


@_jit
def scan_text(
    cp: np.ndarray, table: np.ndarray, lower: np.ndarray, up: np.ndarray, alnum: int
) -> tuple[Any, ...]:
    """One pass over a text's code points ``cp`` for what ``tasks.features`` needs of its
    characters, each as the numpy code computes it:

    * ``cls``: ``tasks.chars.char_table()[min(cp, 0xFFFF)]`` (astral characters are
      classed by the caller);
    * ``nl``: ``cumsum(cp == 10)`` (int32), each character's line number;
    * ``ws``: where an alnum run starts; ``tok_s``/``tok_e``: the runs' starts and ends;
    * ``acc``/``odd``: ``tasks.tokens.Hasher``'s prefix sums and odd characters
      (``hash_prefix``); ``odd_tok``: the runs holding an odd character, in order.

    Returns those and the number of astral characters (``cp > 0xFFFF``)."""
    n = len(cp)
    cls = np.empty(n, dtype=np.uint16)
    nl = np.empty(n, dtype=np.int32)
    ws = np.empty(n, dtype=np.bool_)
    odd = np.empty(n, dtype=np.bool_)
    acc = np.empty(n + 1, dtype=np.uint64)
    # a spare slot: the next start and end are written on every step, kept only when
    # the count moves on (no branch on the character's kind)
    cap = (n + 1) // 2 + 1
    tok_s = np.empty(cap, dtype=np.int64)
    tok_e = np.empty(cap, dtype=np.int64)
    odd_tok = np.empty(cap, dtype=np.int64)
    s = np.uint64(0)
    acc[0] = s
    line = 0
    nt = ne = no = 0
    astral = 0
    prev = 0
    for i in range(n):
        c = np.int64(cp[i])
        if c > 0xFFFF:
            astral += 1
            c = np.int64(0xFFFF)
        f = table[c]
        cls[i] = f
        line += c == 10
        nl[i] = line
        v = lower[c]
        bad = v == 0
        odd[i] = bad
        s += v * up[i]
        acc[i + 1] = s
        a = 1 if (f & alnum) != 0 else 0
        start = a & (1 - prev)
        ws[i] = start
        tok_s[nt] = i
        nt += start
        tok_e[ne] = i
        ne += prev & (1 - a)
        prev = a
        if bad and a and (no == 0 or odd_tok[no - 1] != nt - 1):
            odd_tok[no] = nt - 1
            no += 1
    if prev:
        tok_e[ne] = n
        ne += 1
    return (
        cls,
        nl,
        ws,
        acc,
        odd,
        tok_s[:nt].copy(),
        tok_e[:ne].copy(),
        odd_tok[:no].copy(),
        astral,
    )


@_jit
def class_counts(
    cls: np.ndarray, ws: np.ndarray, span: np.ndarray, class_mask: int, weights: np.ndarray
) -> np.ndarray:
    """The per-unit count columns of ``tasks.features`` (``weights.T @ histogram``):
    unit ``u`` owns the next ``span[u]`` characters; each character adds its row of
    ``weights`` (class ``cls & class_mask``, shifted by half the rows at a word start
    ``ws``). The counts are whole numbers, so the float64 sums are exact in any order."""
    nrow, ncol = weights.shape
    nc = nrow // 2
    # each histogram row's nonzero columns (a few of the 17)
    ptr = np.zeros(nrow + 1, dtype=np.int64)
    for c in range(nrow):
        ptr[c + 1] = ptr[c] + np.count_nonzero(weights[c])
    cols = np.empty(ptr[nrow], dtype=np.int64)
    wts = np.empty(ptr[nrow])
    for c in range(nrow):
        k = ptr[c]
        for j in range(ncol):
            if weights[c, j] != 0:
                cols[k] = j
                wts[k] = weights[c, j]
                k += 1
    out = np.zeros((ncol, len(span)))
    hist = np.zeros(nrow, dtype=np.int64)
    pos = 0
    for u in range(len(span)):
        hist[:] = 0
        for i in range(pos, pos + span[u]):
            hist[(cls[i] & class_mask) + (nc if ws[i] else 0)] += 1
        pos += span[u]
        for c in range(nrow):
            h = hist[c]
            if h:
                for k in range(ptr[c], ptr[c + 1]):
                    out[cols[k], u] += h * wts[k]
    return out


@_jit
def token_counts(
    codes: np.ndarray, tok_lo: np.ndarray, tok_hi: np.ndarray, bits: np.ndarray, lex_mask: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (tokens ``tok_lo[u] .. tok_hi[u] - 1``): how many of its tokens have each
    of ``bits`` (float64 counts, one row per bit), and the union of their ``lex_mask``
    bits."""
    n = len(tok_lo)
    per = np.zeros((len(bits), n))
    lexmask = np.zeros(n, dtype=np.int64)
    for u in range(n):
        m = 0
        for t in range(tok_lo[u], tok_hi[u]):
            c = codes[t]
            m |= c & lex_mask
            for b in range(len(bits)):
                if c & bits[b]:
                    per[b, u] += 1.0
        lexmask[u] = m
    return per, lexmask


@_jit
def line_spans(cls: np.ndarray, line: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """``tasks.segment.line_spans``: starts and ends of the runs of non-space characters
    (``cls & space == 0``) that share a line number, i.e. the stripped non-blank lines."""
    n = len(cls)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    k = -1
    last_line = -1
    for i in range(n):
        if cls[i] & space:
            continue
        if k < 0 or line[i] != last_line:
            k += 1
            starts[k] = i
            last_line = line[i]
        ends[k] = i + 1
    return starts[: k + 1].copy(), ends[: k + 1].copy()


@_jit
def duplicate_counts(
    key: np.ndarray,
    order: np.ndarray,
    doc: np.ndarray,
    cp: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:
    """``tasks.features._duplicates``: per unit, how many other units of its document
    have the same text (``cp[starts[i]:ends[i]]``). Units are grouped by ``key`` (equal
    for equal texts in one document; ``order`` sorts it), then compared character by
    character inside each group, so a hash collision never counts."""
    n = len(key)
    out = np.zeros(n)
    i = 0
    while i < n:
        j = i + 1
        while j < n and key[order[j]] == key[order[i]]:
            j += 1
        for a in range(i, j if j - i > 1 else i):
            ua = order[a]
            la = ends[ua] - starts[ua]
            count = 0
            for b in range(i, j):
                ub = order[b]
                if b == a or doc[ub] != doc[ua] or ends[ub] - starts[ub] != la:
                    continue
                same = True
                for c in range(la):
                    if cp[starts[ua] + c] != cp[starts[ub] + c]:
                        same = False
                        break
                if same:
                    count += 1
            out[ua] = count
        i = j
    return out


@_inline
def _digits(cp: np.ndarray, decimal: np.ndarray, at: int, end: int, most: int) -> int:
    """How many decimal digits (``decimal[cp]``: ``re``'s ``\\d``) follow ``at``, up to
    ``most`` and not past ``end``."""
    k = 0
    while k < most and at + k < end and decimal[cp[at + k]]:
        k += 1
    return k


@_inline
def _date_end(cp: np.ndarray, decimal: np.ndarray, p: int, end: int) -> int:
    """Where ``tasks.features._DATE_RX`` (``\\d(?:\\d?[./]\\d{1,2}[./]\\d{2,4}|
    \\d{3}-\\d{2}-\\d{2}|\\d?:\\d{2})``) matching at ``p`` ends, or -1: the
    alternatives and the greedy counts tried in ``re``'s order."""
    if not decimal[cp[p]]:
        return -1
    q = p + 1
    lead = _digits(cp, decimal, q, end, 1)
    for a in range(lead, -1, -1):  # \d? then [./] \d{1,2} [./] \d{2,4}
        r = q + a
        if r < end and (cp[r] == 46 or cp[r] == 47):
            r += 1
            for b in range(_digits(cp, decimal, r, end, 2), 0, -1):
                s = r + b
                if s < end and (cp[s] == 46 or cp[s] == 47):
                    d = _digits(cp, decimal, s + 1, end, 4)
                    if d >= 2:
                        return s + 1 + d
    if (  # \d{3}-\d{2}-\d{2}
        _digits(cp, decimal, q, end, 3) == 3
        and q + 3 < end
        and cp[q + 3] == 45
        and _digits(cp, decimal, q + 4, end, 2) == 2
        and q + 6 < end
        and cp[q + 6] == 45
        and _digits(cp, decimal, q + 7, end, 2) == 2
    ):
        return q + 9
    for a in range(lead, -1, -1):  # \d? : \d{2}
        r = q + a
        if r < end and cp[r] == 58 and _digits(cp, decimal, r + 1, end, 2) == 2:
            return r + 3
    return -1


@_inline
def _score_end(cp: np.ndarray, decimal: np.ndarray, p: int, end: int) -> int:
    """Where ``tasks.features._SCORE_RX`` (``\\d\\d{0,2} ?[-–] ?\\d{1,3}``) matching at
    ``p`` ends, or -1, in ``re``'s order of tries."""
    if not decimal[cp[p]]:
        return -1
    q = p + 1
    for b in range(_digits(cp, decimal, q, end, 2), -1, -1):
        r = q + b
        gap = 1 if r < end and cp[r] == 32 else 0
        for s1 in range(gap, -1, -1):
            s = r + s1
            if s < end and (cp[s] == 45 or cp[s] == 0x2013):
                s += 1
                gap2 = 1 if s < end and cp[s] == 32 else 0
                for s2 in range(gap2, -1, -1):
                    d = _digits(cp, decimal, s + s2, end, 3)
                    if d >= 1:
                        return s + s2 + d
    return -1


@_jit
def cue_matches(
    cp: np.ndarray, decimal: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """``tasks.features._cues``'s two patterns: per unit (``cp[starts[i]:ends[i]]``), how
    many non-overlapping matches ``_DATE_RX.finditer`` (row 0) and ``_SCORE_RX`` (row 1)
    find, leftmost first, each search going on where the last match ended."""
    out = np.zeros((2, len(starts)))
    for i in range(len(starts)):
        end = ends[i]
        for row in range(2):
            p = starts[i]
            count = 0
            while p < end:
                if not decimal[cp[p]]:  # both patterns start with a digit
                    p += 1
                    continue
                m = _date_end(cp, decimal, p, end) if row == 0 else _score_end(cp, decimal, p, end)
                if m < 0:
                    p += 1
                else:
                    count += 1
                    p = m
            out[row, i] = count
    return out


@_jit
def feature_tail(
    m: np.ndarray,
    cnt: np.ndarray,
    rows: np.ndarray,
    classes: np.ndarray,
    bounds: np.ndarray,
    nchars: np.ndarray,
    words: np.ndarray,
    endp: np.ndarray,
    endcolon: np.ndarray,
    first_cls: np.ndarray,
    link: np.ndarray,
    para_start: np.ndarray,
    lexcov: np.ndarray,
    close: np.ndarray,
    lexmask: np.ndarray,
    n_concerns: int,
    cue_any: np.ndarray,
    hchars: np.ndarray,
    headline: np.ndarray,
    confs: np.ndarray,
    log_units: np.ndarray,
) -> None:
    """The rest of ``tasks.features``' feature matrix ``m`` (one row per feature, one
    column per unit; rows 0-4, 21, 30, 32, 33 and 77-81 filled before), as its numpy code
    computes it, in two passes over the units instead of ~150 array operations:
    windows of prose, prose chars and comment cues (their running sums are whole
    numbers: exact in any order), the unit's own columns, its distances to prose, and
    its neighbours' columns (inside its document). ``rows``: the rows of ``cnt`` for
    letters, digits, punctuation, capitals, sentence ends, capitalised words,
    separators, commas and quotes; ``classes``: the classes of a capital (Latin, other)
    and of a digit; ``headline``: each document's headline unit (local, or -1);
    ``log_units``: each document's ``log1p`` of its unit count. Rows 40 and 41 are left
    as the arguments of their ``log1p`` (numpy's, which numba's does not always match to
    the last bit: the caller applies it, as it does for rows 0, 1, 3 and 21)."""
    n = m.shape[1]
    h = m[33]
    cs0 = np.zeros(n + 1)
    cs1 = np.zeros(n + 1)
    cs2 = np.zeros(n + 1)
    for i in range(n):
        cs0[i + 1] = cs0[i] + h[i]
        cs1[i + 1] = cs1[i] + hchars[i]
        cs2[i + 1] = cs2[i] + (1.0 if cue_any[0, i] else 0.0)
    r_let, r_dig, r_punct, r_up = rows[0], rows[1], rows[2], rows[3]
    for d in range(len(bounds) - 1):
        b0 = bounds[d]
        b1 = bounds[d + 1]
        if b1 == b0:
            continue
        docs_n = np.float64(b1 - b0)
        pos_div = max(docs_n - 1.0, 1.0)
        log_n = log_units[d]
        tot = max(cs1[b1] - cs1[b0], 1.0)
        hl = headline[d]
        conf = confs[d]
        last = -1  # the last prose unit before this one, in the document
        for i in range(b0, b1):
            fidx = np.float64(i - b0)
            for k in range(3):
                w = (3, 6, 12)[k]
                lo = max(i - w, b0)
                hi = min(i + w + 1, b1)
                m[34 + k, i] = (cs0[hi] - cs0[lo]) / np.float64(hi - lo)
                if k == 0:
                    m[37, i] = (cs1[hi] - cs1[lo]) / np.float64(hi - lo)
                    m[37, i] /= 400.0
                if k == 1:
                    m[82, i] = (cs2[hi] - cs2[lo]) / np.float64(hi - lo)
            nc = nchars[i]
            wd = words[i]
            csafe = max(nc, 1.0)
            wsafe = max(wd, 1.0)
            m[5, i] = cnt[r_let, i] / csafe
            m[6, i] = cnt[r_dig, i] / csafe
            m[9, i] = cnt[r_punct, i] / csafe
            m[7, i] = cnt[r_up, i] / max(cnt[r_let, i], 1.0)
            for k, row in ((0, 8), (1, 14), (2, 16), (3, 17)):
                m[row, i] = cnt[rows[4 + k], i] / wsafe
            m[19, i] = cnt[r_let, i] / wsafe
            m[10, i] = endp[i]
            m[11, i] = endcolon[i]
            fc = first_cls[i]
            m[12, i] = 1.0 if fc == classes[0] or fc == classes[1] else 0.0
            m[13, i] = 1.0 if fc == classes[2] else 0.0
            m[15, i] = min(link[i], 3.0)
            m[18, i] = 1.0 if cnt[rows[8], i] > 0 else 0.0
            m[20, i] = 1.0 if wd <= 3 else 0.0
            m[22, i] = para_start[i]
            nxt = para_start[i + 1] if i + 1 < n else 1.0
            m[23, i] = 1.0 - para_start[i] * nxt
            m[24, i] = fidx / pos_div
            if hl >= 0:
                m[25, i] = min(max(fidx - hl, -40.0), 40.0) / 40.0
                m[26, i] = 1.0 if fidx > hl else 0.0
                m[27, i] = 1.0 if fidx == hl else 0.0
                m[28, i] = 1.0
            else:
                m[25, i] = 0.0
                m[26, i] = 0.0
                m[27, i] = 0.0
                m[28, i] = 0.0
            m[29, i] = 1.0 if lexcov[i] > 0 else 0.0
            m[31, i] = 1.0 if close[i] else 0.0
            csum = cs1[i + 1] - cs1[b0]
            m[38, i] = (csum - hchars[i]) / tot
            m[39, i] = 1.0 - csum / tot
            before = fidx - (last - b0) if last >= 0 else fidx + 1000.0
            m[40, i] = min(before, 50.0)
            if h[i] > 0:
                last = i
            m[42, i] = conf
            m[43, i] = log_n
            for k in range(n_concerns):
                m[68 + k, i] = (lexmask[i] >> k) & 1
        nxt_h = -1  # the next prose unit after this one, in the document
        for i in range(b1 - 1, b0 - 1, -1):
            fidx = np.float64(i - b0)
            after = (nxt_h - b0) - fidx if nxt_h >= 0 else 1e6 - fidx
            m[41, i] = min(after, 50.0)
            if h[i] > 0:
                nxt_h = i
        # the neighbours' prose, log_words, stop_density, ends_sentence, lexicon_any,
        # short; the next unit's date cue, caps and link, the previous one's teaser
        # and credit cues
        for i in range(b0, b1):
            for k in range(6):
                src = (33, 1, 2, 10, 29, 20)[k]
                m[44 + k, i] = m[src, i - 1] if i - 1 >= b0 else 0.0
                m[50 + k, i] = m[src, i - 2] if i - 2 >= b0 else 0.0
                m[56 + k, i] = m[src, i + 1] if i + 1 < b1 else 0.0
                m[62 + k, i] = m[src, i + 2] if i + 2 < b1 else 0.0
            if i + 1 < b1:
                m[83, i] = 1.0 if cue_any[3, i + 1] else 0.0
                m[84, i] = cnt[r_up, i + 1] / max(cnt[r_let, i + 1], 1.0)
                m[85, i] = 1.0 if link[i + 1] > 0 else 0.0
            else:
                m[83, i] = 0.0
                m[84, i] = 0.0
                m[85, i] = 0.0
            if i - 1 >= b0:
                m[86, i] = 1.0 if cue_any[1, i - 1] else 0.0
                m[87, i] = 1.0 if cue_any[2, i - 1] else 0.0
            else:
                m[86, i] = 0.0
                m[87, i] = 0.0
            t = max(max(m[83, i], 1.0 if m[84, i] > 0.6 else 0.0), m[85, i])
            wd = words[i]
            t *= (1.0 - endp[i]) * (1.0 if wd >= 3 and wd <= 25 else 0.0)
            m[88, i] = t


def warm() -> None:
    """Load (or compile) every kernel for the argument types the stages pass, on tiny
    inputs, so that a process pays it once, up front."""
    i64, u64 = np.int64, np.uint64
    ro32 = np.frombuffer(np.array([65, 10, 66], dtype=np.uint32).tobytes(), dtype=np.uint32)
    one_i = np.zeros(1, dtype=i64)
    one_f = np.zeros(1)
    for layout in ("C", "F"):  # the separator's feature matrix is column-major
        x = np.zeros((2, 2), order=layout)
        tree_raw(x, one_i, np.full(1, np.inf), one_i, one_f, one_i, 1, 0.0)
    table_get(np.zeros((16, 2), dtype=u64), 60, np.ones(1, dtype=u64))
    table_get_docs(
        np.zeros((16, 2), dtype=u64),
        one_i,
        one_i + 15,
        one_i + 60,
        one_i,
        np.array([0, 1], dtype=i64),
        np.ones(1, dtype=u64),
    )
    language_counts(one_i, one_i, 3)
    f32 = np.zeros(2, dtype=np.float32)
    for x in (np.zeros((2, 2)), np.zeros((2, 2)).T):  # the feature matrix is column-major
        z = np.zeros((2, 2), dtype=np.float32, order="F" if x.flags.f_contiguous else "C")
        standardize(x, f32, f32, z, bool(x.flags.f_contiguous))
    bias_relu(np.zeros((2, 2), dtype=np.float32), f32)
    find_marks(ro32)
    cuts = np.array([0, 1], dtype=i64)
    context_columns(
        np.full(1, 0.5), one_f, cuts, one_i, one_i + 1, one_f, np.zeros((1, 26)), np.zeros((4, 1))
    )
    hash_prefix(ro32, np.ones(0x10000, dtype=u64), np.ones(4, dtype=u64))
    run_keys(np.ones(4, dtype=u64), np.ones(4, dtype=u64), one_i, one_i + 1, u64(3))
    table16 = np.zeros(0x10000, dtype=np.uint16)
    scan_text(ro32, table16, np.ones(0x10000, dtype=u64), np.ones(4, dtype=u64), 2)
    cls = np.zeros(3, dtype=np.uint16)
    class_counts(cls, np.zeros(3, dtype=np.bool_), np.array([3], dtype=i64), 31, np.zeros((64, 2)))
    token_counts(one_i, one_i, one_i + 1, one_i + 1, 1)
    line_spans(cls, np.zeros(3, dtype=np.int32), 1)
    line_spans(cls, np.zeros(3, dtype=i64), 1)
    duplicate_counts(np.zeros(1, dtype=u64), one_i, one_i, ro32, one_i, one_i + 1)
    cue_matches(ro32, np.zeros(0x110000, dtype=np.bool_), one_i, one_i + 1)
    f1 = np.zeros(1)
    feature_tail(
        np.zeros((89, 1)),
        np.zeros((17, 1)),
        np.zeros(9, dtype=i64),
        np.zeros(3, dtype=i64),
        np.array([0, 1], dtype=i64),
        *(f1, f1, f1, f1, np.zeros(1, dtype=np.uint16), f1, f1, f1),
        np.zeros(1, dtype=np.bool_),
        one_i,
        9,
        np.zeros((5, 1), dtype=np.bool_),
        f1,
        one_i,
        f1,
        f1,
    )
    _warm_cohesion()  # the cohesion section's kernels (below)
    warm_lexical()  # the lexical section's kernels (below)


# ---------------------------------------------------------------------------------------
# Vocabulary cohesion (``tasks.context.cohesion_tokens`` and ``cohesion_columns``): the
# content tokens of a batch's units, numbered per document by a hash table instead of two
# ``np.unique`` over the batch, and the columns in one pass instead of seven bincounts.

_COH_HOME_MUL = np.uint64(0x9E3779B97F4A7C15)
_COH_SORT_SMALL = 24  # a unit's tokens: insertion sort up to this many, else argsort


@_jit
def cohesion_stop_table(keys: np.ndarray, values: np.ndarray, lang: int) -> np.ndarray:
    """Language ``lang``'s stoplist as a small table of its own, from the stoplists' table
    (``tasks.tokens.HashTable``'s ``keys`` and ``values``: bit ``lang`` of a word's value
    set when the word is in that language's list): its words' keys alone (no values),
    linear probing from the home slot ``key >> (64 - log2(slots))``, at most 1/8 full.
    A page reads its own language's table only, a few KB that stay in the cache, where
    the shared table's 8 MB of (key, value) slots made every lookup a cache miss."""
    bit = np.uint64(1) << np.uint64(lang)
    count = 0
    for i in range(len(keys)):
        if keys[i] != 0 and np.uint64(values[i]) & bit:
            count += 1
    bits = 4
    while (1 << bits) < 8 * count:
        bits += 1
    mask = (1 << bits) - 1
    sh = np.uint64(64 - bits)
    slots = np.zeros(1 << bits, dtype=np.uint64)
    for i in range(len(keys)):
        q = keys[i]
        if q != 0 and np.uint64(values[i]) & bit:
            s = np.intp(q >> sh)
            while slots[s] != 0:
                s = (s + 1) & mask
            slots[s] = q
    return slots


@_jit
def cohesion_candidates(
    cp: np.ndarray,
    cls: np.ndarray,
    tok_s: np.ndarray,
    tok_e: np.ndarray,
    keys: np.ndarray,
    ntok: np.ndarray,
    first_unit: int,
    cuts: np.ndarray,
    letter: np.ndarray,
    cjk: np.ndarray,
    class_mask: int,
    min_chars: int,
    stop_slots: np.ndarray,
    stop_first: np.ndarray,
    stop_masks: np.ndarray,
    stop_shifts: np.ndarray,
    doc_lang: np.ndarray,
    bigram_mul: Any,
    doc_mul: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """The content tokens of one ``tasks.lexical.TokenView`` as (unit, key) pairs, unit by
    unit: a token starting with a ``letter`` class of ``min_chars`` or more characters
    not in its document's language's stoplist (``cohesion_stop_table``, table
    ``doc_lang[doc]`` of the tables back to back in ``stop_slots``, ``stop_masks[l] + 1``
    slots from ``stop_first[l]``, home slot ``key >> stop_shifts[l]``; none when -1),
    its key; a token starting with a ``cjk`` class of two or more
    characters, the key of each pair of neighbouring characters,
    ``(cp[i] + 1) * bigram_mul + cp[i + 1]``. Every key is xored with ``doc *
    doc_mul`` (``doc``: the unit's document in ``cuts``), as the numpy code does."""
    one = np.uint64(1)
    base = 0
    mask = 0
    sh = np.uint64(0)
    size = 0
    for t in range(len(tok_s)):  # an upper bound on the pairs
        size += max(int(tok_e[t] - tok_s[t] - 1), 1)
    unit = np.empty(size, dtype=np.int64)
    key = np.empty(size, dtype=np.uint64)
    j = 0
    t0 = 0
    d = 0
    for u in range(len(ntok)):
        g = first_unit + u
        while cuts[d + 1] <= g:
            d += 1
        salt = np.uint64(d) * doc_mul
        lang = doc_lang[d]
        if lang >= 0:
            base = stop_first[lang]
            mask = stop_masks[lang]
            sh = np.uint64(stop_shifts[lang])
        t1 = t0 + ntok[u]
        for t in range(t0, t1):
            s = tok_s[t]
            length = tok_e[t] - s
            first = np.int64(cls[s]) & class_mask
            if letter[first] and length >= min_chars:
                q = keys[t]
                stop = False
                if lang >= 0:  # _probe's linear probing, inline (a call costs ~10-30 ns)
                    at = np.intp(q >> sh)
                    found = stop_slots[base + at]
                    stop = found == q  # mostly settled here (no branch on it)
                    while not stop and found != 0:
                        at = (at + 1) & mask
                        found = stop_slots[base + at]
                        stop = found == q
                unit[j] = g  # written either way, kept when not a stopword: no branch
                key[j] = q ^ salt
                j += 0 if stop else 1
            if cjk[first] and length >= 2:
                for i in range(s, s + length - 1):
                    a = np.uint64(cp[i]) + one
                    unit[j] = g
                    key[j] = (a * bigram_mul + np.uint64(cp[i + 1])) ^ salt
                    j += 1
        t0 = t1
    return unit[:j], key[:j]


@_inline
def _sort_by_key(k: np.ndarray, v: np.ndarray, m: int) -> None:
    """``k[:m]`` (distinct) in increasing order, ``v[:m]`` moved with it."""
    if m <= _COH_SORT_SMALL:
        for i in range(1, m):
            a = k[i]
            b = v[i]
            j = i - 1
            while j >= 0 and k[j] > a:
                k[j + 1] = k[j]
                v[j + 1] = v[j]
                j -= 1
            k[j + 1] = a
            v[j + 1] = b
        return
    order = np.argsort(k[:m])
    ks = k[:m][order]
    vs = v[:m][order]
    k[:m] = ks
    v[:m] = vs


@_jit
def cohesion_pairs(
    unit: np.ndarray, key: np.ndarray, cuts: np.ndarray, titled: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """``tasks.context.cohesion_tokens``' numbering from its (unit, key) pairs: the
    distinct (unit, token) pairs sorted by unit, then by key (the order of
    ``np.unique``'s numbering, so every per-unit sum over them adds in the same order),
    whether the token is also in its document's title unit (``titled``: the document's
    unit 0 is its title; the unit is not that title), the pairs of every unit, and the
    number of tokens. Tokens are numbered per document in the order first seen (one
    open-addressing table per document, emptied between documents), not in key order:
    documents never share a token either way."""
    n = cuts[-1]
    nd = len(cuts) - 1
    m = len(unit)
    count = np.zeros(n, dtype=np.int64)
    # the pairs grouped by unit (a counting sort, when the input is not grouped already)
    start = np.zeros(n + 1, dtype=np.int64)
    grouped = True
    for i in range(m):
        start[unit[i] + 1] += 1
        if i and unit[i] < unit[i - 1]:
            grouped = False
    for u in range(n):
        start[u + 1] += start[u]
    if grouped:
        gkey = key
    else:
        gkey = np.empty(m, dtype=np.uint64)
        at = start[:-1].copy()
        for i in range(m):
            gkey[at[unit[i]]] = key[i]
            at[unit[i]] += 1
    biggest = 0
    for d in range(nd):
        biggest = max(biggest, start[cuts[d + 1]] - start[cuts[d]])
    bits = 4
    while (1 << bits) < 2 * biggest:
        bits += 1
    tkey = np.zeros(1 << bits, dtype=np.uint64)
    tval = np.zeros(1 << bits, dtype=np.int64)  # token + 1; 0: an empty slot
    seen = np.full(m, -1, dtype=np.int64)  # the last unit each token was met in
    in_title = np.zeros(m, dtype=np.bool_)
    out_unit = np.empty(m, dtype=np.int64)
    out_tok = np.empty(m, dtype=np.int64)
    out_title = np.empty(m, dtype=np.float64)
    bk = np.empty(max(biggest, 1), dtype=np.uint64)
    bv = np.empty(max(biggest, 1), dtype=np.int64)
    n_tok = 0
    j = 0
    for d in range(nd):
        lo = start[cuts[d]]
        hi = start[cuts[d + 1]]
        if lo == hi:
            continue
        tbits = 4
        while (1 << tbits) < 2 * (hi - lo):
            tbits += 1
        size = 1 << tbits
        tval[:size] = 0
        tmask = size - 1
        sh = np.uint64(64 - tbits)
        for u in range(cuts[d], cuts[d + 1]):
            head = titled[d] and u == cuts[d]
            c = 0
            for i in range(start[u], start[u + 1]):
                q = gkey[i]
                s = np.intp((q * _COH_HOME_MUL) >> sh)
                while True:
                    if tval[s] == 0:
                        tkey[s] = q
                        tval[s] = n_tok + 1
                        tok = n_tok
                        n_tok += 1
                        break
                    if tkey[s] == q:
                        tok = tval[s] - 1
                        break
                    s = (s + 1) & tmask
                if seen[tok] == u:
                    continue
                seen[tok] = u
                bk[c] = q
                bv[c] = tok
                c += 1
            _sort_by_key(bk, bv, c)
            for i in range(c):
                tok = bv[i]
                out_unit[j] = u
                out_tok[j] = tok
                if head:
                    in_title[tok] = True
                    out_title[j] = 0.0
                else:
                    out_title[j] = 1.0 if in_title[tok] else 0.0
                j += 1
            count[u] = c
    return out_unit[:j], out_tok[:j], out_title[:j], count, n_tok


@_jit
def cohesion_sums(
    p: np.ndarray,
    unit: np.ndarray,
    tok: np.ndarray,
    title: np.ndarray,
    count: np.ndarray,
    n_tok: int,
    out: np.ndarray,
    c0: int,
) -> None:
    """``tasks.context.cohesion_columns``' columns but the first into ``out[:, c0 + 1:c0 +
    8]`` (column ``c0``, the log of the count, is numpy's), the same float operations in
    the same order as its numpy code: per token, the sums over its pairs in pair order;
    per unit, the sums over its pairs in pair order, then divided by the unit's count (at
    least 1)."""
    per_tok = np.zeros((n_tok, 3))  # summed probability, holders, holders at 0.5 or more
    for i in range(len(unit)):
        t = tok[i]
        pu = p[unit[i]]
        per_tok[t, 0] += pu
        per_tok[t, 1] += 1.0
        per_tok[t, 2] += 1.0 if pu >= 0.5 else 0.0  # (adding 0.0: no branch to mispredict)
    n = out.shape[0]
    for u in range(n):
        for k in range(1, 8):
            out[u, c0 + k] = 0.0
    i = 0
    while i < len(unit):
        # a run of one unit's pairs, its sums kept in registers: each added in pair order
        # to what the unit had (all of its pairs are one run when sorted by unit)
        u = unit[i]
        pu = p[u]
        high = 1.0 if pu >= 0.5 else 0.0
        s0 = out[u, c0 + 1]
        s1 = out[u, c0 + 2]
        s2 = out[u, c0 + 3]
        s3 = out[u, c0 + 4]
        s4 = out[u, c0 + 5]
        s5 = out[u, c0 + 6]
        s6 = out[u, c0 + 7]
        while i < len(unit) and unit[i] == u:
            t = tok[i]
            others = per_tok[t, 1] - 1.0
            other_p = max(per_tok[t, 0] - pu, 0.0)
            s0 += 1.0 if others > 0 else 0.0
            s1 += min(other_p, 1.0)
            s2 += other_p / max(others, 1.0)
            s3 += min(max(others - other_p, 0.0), 1.0)
            s4 += title[i]
            other_high = 1.0 if per_tok[t, 2] - high > 0 else 0.0
            s5 += other_high
            s6 += other_high if others <= 2 else 0.0
            i += 1
        out[u, c0 + 1] = s0
        out[u, c0 + 2] = s1
        out[u, c0 + 3] = s2
        out[u, c0 + 4] = s3
        out[u, c0 + 5] = s4
        out[u, c0 + 6] = s5
        out[u, c0 + 7] = s6
    for u in range(n):
        c = np.float64(max(count[u], 1))
        for k in range(1, 8):
            out[u, c0 + k] /= c


def _warm_cohesion() -> None:
    """``warm`` for this section's kernels, for the argument types ``tasks.context``
    passes (the text's code points are read-only)."""
    i64, u64 = np.int64, np.uint64
    ro32 = np.frombuffer(np.array([65, 66, 67], dtype=np.uint32).tobytes(), dtype=np.uint32)
    one_i = np.zeros(1, dtype=i64)
    cuts = np.array([0, 1], dtype=i64)
    flags = np.zeros(32, dtype=np.bool_)
    cohesion_candidates(
        ro32,
        np.zeros(3, dtype=np.uint16),
        one_i,
        one_i + 3,
        np.ones(1, dtype=u64),
        one_i + 1,
        0,
        cuts,
        flags,
        flags,
        31,
        3,
        cohesion_stop_table(np.ones(1, dtype=u64), one_i + 1, 0),
        one_i,
        one_i + 15,
        one_i + 60,
        one_i,
        u64(3),
        u64(5),
    )
    pu, tok, title, count, n_tok = cohesion_pairs(
        one_i, np.ones(1, dtype=u64), cuts, np.ones(1, dtype=np.bool_)
    )
    cohesion_sums(np.zeros(1), pu, tok, title, count, n_tok, np.zeros((1, 8)), 0)


# --- the lexical model's unit sums (tasks.lexical, branch lexkern) -------------------


@_inline
def _lexical_bucket(key: Any, shift: Any) -> Any:
    """``tasks.lexical.buckets_of`` of one key: splitmix64's finaliser, then the top bits."""
    x = key ^ (key >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return np.intp(x >> shift)


@_inline
def _lexical_word(
    cls: np.ndarray,
    tok_s: np.ndarray,
    tok_e: np.ndarray,
    keys: np.ndarray,
    t: int,
    mask: int,
    digit: int,
    digits: Any,
) -> Any:
    """Token ``t``'s word key: its ``keys[t]``, or for a run of digits only
    ``min(length, 4) * digits`` (``tasks.lexical._numbers``)."""
    a = tok_s[t]
    b = tok_e[t]
    if (cls[a] & mask) == digit:
        for p in range(a + 1, b):
            if (cls[p] & mask) != digit:
                return keys[t]
        return np.uint64(min(b - a, 4)) * digits
    return keys[t]


@_inline
def _lexical_char(cp: np.ndarray, cls: np.ndarray, at: int, alnum: int, mask: int) -> Any:
    """``tasks.lexical._char_keys`` of one position."""
    c = cls[at]
    if c & alnum:
        return np.uint64(c & mask)
    return np.uint64(cp[at]) + np.uint64(0x100)


@_jit
def touch_lines(a: np.ndarray, step: int) -> float:
    """Reads ``a[::step]`` in order (one element per cache line for ``step`` elements a
    line) and returns their sum, so that the reads stay: a table about to be read at
    random is then brought into the cache by the hardware's sequential prefetch, not by
    one miss per read. ``lexical_sums``' weight table (1 MB, evicted by the rest of a
    batch's work in between): 58 -> 31-37 ms for the devset's batches in a run of the
    separator, for ~0.05 ms a batch of touching."""
    s = 0.0
    for i in range(0, len(a), step):
        s += a[i]
    return s


@_jit
def lexical_sums(
    cp: np.ndarray,
    cls: np.ndarray,
    tok_s: np.ndarray,
    tok_e: np.ndarray,
    keys: np.ndarray,
    ntok: np.ndarray,
    gstarts: np.ndarray,
    gends: np.ndarray,
    first_unit: int,
    weights: np.ndarray,
    shift: Any,
    salts: np.ndarray,
    kinds: np.ndarray,
    classes: np.ndarray,
    total: np.ndarray,
    count: np.ndarray,
    known: np.ndarray,
    nwords: np.ndarray,
) -> bool:
    """One ``tasks.lexical.TokenView``'s part of ``LexicalModel.logits`` and
    ``word_coverage`` without the key arrays: unit ``first_unit + u`` gets, in
    ``total[.]``, the sum of its keys' bucket weights (float64, added in
    ``unit_keys``' order: its words in token order, its marks in position order, then
    first word, last word, first and last character, so the same float as
    ``np.bincount``'s), in ``count`` its number of keys, in ``known`` and ``nwords`` its
    word keys whose bucket has a weight and all its word keys.

    ``salts``: the punct, first word, last word, first char, last char and digits salts;
    ``kinds``: words, punct, edges wanted (bools); ``classes``: ``ALNUM``,
    ``CLASS_MASK``, ``P_DIGIT``. False, with nothing written, when the units' spans are
    not in order and apart (a mark then belongs to the unit ``_unit_of`` finds, which a
    walk over each span would not give): the caller keeps the numpy path.

    A unit's marks are looked for between its tokens only (a token is a run of alnum
    characters, none of them a mark), then summed from a list of their positions: 29 ms
    for the 990 devset dumps' 10.4 M characters, 1.5 M tokens and 0.2 M units called
    back to back, against ~88 ms for ``unit_keys``, ``logits`` and ``word_coverage``; in
    a run of the separator, where the weight table is out of the cache at each call,
    58 ms, 31-37 with the table read in order first (``touch_lines``)."""
    n = len(gstarts)
    longest = 0
    for u in range(n):
        if u and (gstarts[u] < gstarts[u - 1] or gstarts[u] < gends[u - 1]):
            return False
        longest = max(longest, gends[u] - gstarts[u])
    marks = np.empty(longest, dtype=np.intp)
    alnum, mask, digit = classes[0], classes[1], classes[2]
    digits = salts[5]
    words, punct, edges = kinds[0], kinds[1], kinds[2]
    any_tokens = len(keys) > 0
    hi = 0
    for u in range(n):
        lo = hi
        hi = lo + ntok[u]
        g = first_unit + u
        s = total[g]  # a unit of two views (none are) still adds in unit_keys' order
        c = 0
        k = 0
        if words:
            for t in range(lo, hi):
                key = _lexical_word(cls, tok_s, tok_e, keys, t, mask, digit, digits)
                w = weights[_lexical_bucket(key, shift)]
                s += np.float64(w)
                k += w != 0  # no branch: a bucket's weight is 0 or not at random
            c += hi - lo
        if punct:  # the marks' positions first, without a branch per character
            m = 0
            p = gstarts[u]
            e = gends[u]
            t = lo
            while p < e:  # the gaps between tokens (a token holds no mark)
                while t < hi and tok_s[t] < p:
                    t += 1
                gap = min(tok_s[t], e) if t < hi else e
                for q in range(p, gap):
                    marks[m] = q
                    m += cls[q] < alnum
                if gap == e:
                    break
                p = tok_e[t]
                t += 1
            for j in range(m):
                key = np.uint64(cp[marks[j]]) * salts[0] + salts[0]
                s += np.float64(weights[_lexical_bucket(key, shift)])
            c += m
        if edges:
            if any_tokens and hi > lo:
                key = _lexical_word(cls, tok_s, tok_e, keys, lo, mask, digit, digits) ^ salts[1]
                s += np.float64(weights[_lexical_bucket(key, shift)])
                key = _lexical_word(cls, tok_s, tok_e, keys, hi - 1, mask, digit, digits) ^ salts[2]
                s += np.float64(weights[_lexical_bucket(key, shift)])
                c += 2
            key = _lexical_char(cp, cls, gstarts[u], alnum, mask) * salts[3] + salts[3]
            s += np.float64(weights[_lexical_bucket(key, shift)])
            key = _lexical_char(cp, cls, gends[u] - 1, alnum, mask) * salts[4] + salts[4]
            s += np.float64(weights[_lexical_bucket(key, shift)])
            c += 2
        total[g] = s
        count[g] += c
        if words:
            known[g] += k
            nwords[g] += hi - lo
    return True


@_jit
def lexical_columns(
    total: np.ndarray,
    count: np.ndarray,
    known: np.ndarray,
    nwords: np.ndarray,
    given: np.ndarray,
    bias: float,
    min_coverage: float,
    bounds: np.ndarray,
    neighbours: bool,
    coverage: bool,
    guarded: bool,
) -> np.ndarray:
    """``LexicalModel.columns`` from ``lexical_sums``' arrays, each value as the numpy
    steps compute it (``logits``, ``word_coverage``, ``neutral``, ``finish_columns``):
    the score ``total / sqrt(max(count, 1)) + bias`` and the coverage ``known /
    max(nwords, 1)`` (0 unless ``guarded``); a unit ``given`` as neutral, or covered
    less than ``min_coverage``, scores ``bias`` and covers 0; then the columns: the
    score, with ``neighbours`` the previous and next unit's inside the document (0 at
    its edges), with ``coverage`` the coverage (row-major, float64)."""
    n = len(total)
    width = (3 if neighbours else 1) + (1 if coverage else 0)
    out = np.zeros((n, width))
    s = np.empty(n)
    for u in range(n):
        c = known[u] / np.float64(max(nwords[u], 1)) if guarded else 0.0
        off = given[u] or (min_coverage > 0 and c < min_coverage)
        s[u] = bias if off else total[u] / np.sqrt(np.float64(max(count[u], 1))) + bias
        if coverage:
            out[u, width - 1] = 0.0 if off else c
    first = np.zeros(n + 1, dtype=np.bool_)
    last = np.zeros(n + 1, dtype=np.bool_)
    for d in range(len(bounds) - 1):
        if bounds[d] < n:
            first[bounds[d]] = True
        if bounds[d + 1] > 0:
            last[bounds[d + 1] - 1] = True
    for u in range(n):
        out[u, 0] = s[u]
        if neighbours:
            if u > 0 and not first[u]:
                out[u, 1] = s[u - 1]
            if u < n - 1 and not last[u]:
                out[u, 2] = s[u + 1]
    return out


def warm_lexical() -> None:
    """``warm``'s part for this section: its kernels for the types ``tasks.lexical``
    passes."""
    i64, u64 = np.int64, np.uint64
    ro32 = np.frombuffer(np.array([65, 10, 66], dtype=np.uint32).tobytes(), dtype=np.uint32)
    one_i = np.zeros(1, dtype=i64)
    lexical_sums(
        ro32,
        np.zeros(3, dtype=np.uint16),
        one_i,
        one_i + 1,
        np.ones(1, dtype=u64),
        one_i + 1,
        one_i,
        one_i + 1,
        0,
        np.zeros(4, dtype=np.float32),
        u64(62),
        np.ones(6, dtype=u64),
        np.ones(3, dtype=np.bool_),
        np.array([256, 31, 1], dtype=i64),
        np.zeros(1),
        np.zeros(1, dtype=i64),
        np.zeros(1),
        np.zeros(1, dtype=i64),
    )
    touch_lines(np.zeros(4, dtype=np.float32), 16)
    f1 = np.zeros(1)
    lexical_columns(
        f1,
        one_i,
        f1,
        one_i,
        np.zeros(1, dtype=np.bool_),
        0.0,
        0.5,
        np.array([0, 1], dtype=i64),
        True,
        True,
        True,
    )
