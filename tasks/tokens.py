"""Word tokens as numbers: each alnum run of a text is hashed and looked up in numpy.

The chrome features need, for every token (an alnum run, then lowercased: ``İ`` gives
``i̇``, whose combining dot stays in the word), a few bits from a per-language table (stopword,
lexicon, cue). Looking up each token's string in a dict costs ~100 ns a token; here the
tokens are hashed straight from the text's code points and found in open-addressing
tables with a handful of numpy calls per batch of documents.

The hash of a token ``c_0 .. c_{k-1}`` is ``sum R[lower(c_j)] * P**j`` (mod 2**64), with
``R`` a fixed table of random 64-bit values per code point and ``P`` odd: from one
cumulative sum over the text, any token's hash is ``(A[end] - A[start]) * P**-start``.
A table entry matches a token when hash and length are equal; two different strings
of one length share a hash with probability ~2**-64 (``R`` is random, so no structured
pair of words collides for every ``P``). Tokens the per-character lowercase cannot give
(``İ``, which lowercases to two characters; ``Σ``, whose lowercase depends on its place in the word;
characters beyond the BMP) are lowercased by Python and hashed from the string.
"""

from __future__ import annotations

import gc
import importlib
import os
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import numpy as np

_P = 0x9E3779B97F4A7C15  # odd
_SPECIAL = (0x130, 0x3A3)  # lowercase not one context-free character
_ASTRAL = np.uint64(0x9FB21C651E98DF25)


@cache
def _load_kernels(name: str) -> Any:
    """The compiled module ``tasks.<name>`` (numba is imported with it), once per process,
    or None without numba, with no writable cache folder or with ``NEWSETL_NO_JIT=1``.

    Loading numba and the kernels leaves ~100,000 long-lived objects behind (numba's
    types, the loaded code); they are moved out of the garbage collector's reach
    (``gc.freeze``), else every full collection would walk them again (a full pass went
    from 4 to 50 ms, and the stages allocate enough to run several per batch)."""
    if os.environ.get("NEWSETL_NO_JIT"):
        return None
    try:
        module = importlib.import_module(f"tasks.{name}")
    except ImportError:
        return None
    module.warm()
    gc.freeze()
    return module


def compiled_kernels() -> Any:
    """``tasks.kernels``, the separator's compiled loops (see ``_load_kernels``)."""
    return _load_kernels("kernels")


def stage_kernels() -> Any:
    """``tasks.kernels_stages``, the other stages' compiled loops, or None whenever
    ``compiled_kernels()`` is (the same switches apply to both)."""
    return _load_kernels("kernels_stages") if compiled_kernels() is not None else None


@lru_cache(maxsize=1)
def _random() -> np.ndarray:
    """The fixed random value of every BMP code point."""
    return np.random.default_rng(20261128).integers(0, 2**64, 0x10000, dtype=np.uint64)


@lru_cache(maxsize=1)
def lower_values() -> np.ndarray:
    """``R[ord(chr(c).lower())]`` for every BMP code point ``c`` (special ones: 0)."""
    r = _random()
    low = np.array(
        [ord(chr(c).lower()) if len(chr(c).lower()) == 1 else c for c in range(0x10000)],
        dtype=np.int64,
    )
    out = r[low]
    out[[*_SPECIAL, 0xFFFF]] = 0  # 0xFFFF: where astral characters are looked up
    return out


def lowered(text: str, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """``text[starts[i]:ends[i]].lower()`` for every i."""
    return [text[a:b].lower() for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


class Hasher:
    """Hashes of any runs of one text, its characters lowercased one by one: one
    cumulative sum, then a subtraction and a product per run."""

    def __init__(self, text: str, cp: np.ndarray) -> None:
        self.text = text
        up, self.down = _POWERS.get(len(cp) + 1)
        k = compiled_kernels()
        if k is not None:  # the same three arrays in one pass
            self.values, self.acc, self.odd = k.hash_prefix(cp, lower_values(), up)
            return
        self.values = lower_values()[np.minimum(cp, 0xFFFF)]
        self.acc = np.empty(len(cp) + 1, dtype=np.uint64)
        self.acc[0] = 0
        np.cumsum(self.values * up[: len(cp)], out=self.acc[1:])
        # characters whose lowercase is not one character of their own (and, by chance,
        # any whose random value is 0): runs holding one are lowercased by Python
        self.odd = self.values == 0

    @classmethod
    def of_prefix(cls, text: str, acc: np.ndarray, odd: np.ndarray) -> Hasher:
        """The hasher of ``text`` from its prefix sums and odd characters, computed
        elsewhere (``tasks.kernels.scan_text``)."""
        self = cls.__new__(cls)
        self.text, self.acc, self.odd = text, acc, odd
        self.down = _POWERS.get(len(acc))[1]
        return self

    def raw(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The runs' hashes (exact for runs without odd characters)."""
        out: np.ndarray = (self.acc[ends] - self.acc[starts]) * self.down[starts]
        return out

    def keys(self, starts: np.ndarray, ends: np.ndarray, odd: np.ndarray) -> np.ndarray:
        """``token_keys`` of the runs' lowercase; ``odd``: indices of the runs holding an
        odd character (lowercased by Python). ``tasks.kernels.run_keys`` when numba is
        there and no run is odd (the same keys; 0.019 -> 0.009 ms per devset dump)."""
        k = compiled_kernels()
        if k is not None and not len(odd) and starts.dtype == ends.dtype == np.int64:
            out: np.ndarray = k.run_keys(self.acc, self.down, starts, ends, _LEN_MIX)
            return out
        h = self.raw(starts, ends)
        lengths = ends - starts
        if len(odd):
            low = lowered(self.text, starts[odd], ends[odd])
            h[odd] = hash_strings(low)
            lengths = lengths.copy()
            lengths[odd] = np.fromiter(map(len, low), np.int64, len(low))
        return token_keys(h, lengths)


def run_keys(
    hasher: Hasher, alnum: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of the hasher's text (alnum runs, then lowercased): their starts, ends
    and ``token_keys``. ``alnum``: ``str.isalnum`` of each character; ``starts``: where
    a run starts (bool)."""
    tok_s = np.flatnonzero(starts)
    ends = np.empty_like(alnum)
    ends[-1:] = alnum[-1:]
    np.greater(alnum[:-1], alnum[1:], out=ends[:-1])
    tok_e = np.flatnonzero(ends) + 1
    odd = np.flatnonzero(hasher.odd & alnum)
    if len(odd):
        odd = np.unique(np.searchsorted(tok_s, odd, side="right") - 1)
    return tok_s, tok_e, hasher.keys(tok_s, tok_e, odd)


@dataclass(frozen=True)
class TextScan:
    """What ``scan`` finds in a text in one pass (see ``tasks.kernels.scan_text``)."""

    cp: np.ndarray  # code points (uint32)
    cls: np.ndarray  # tasks.chars.char_classes
    nl: np.ndarray  # line number of every character (cumsum of newlines, int32)
    ws: np.ndarray  # bool: an alnum run starts here
    hasher: Hasher
    tok_s: np.ndarray  # the alnum runs' starts and ends (``run_keys``)
    tok_e: np.ndarray
    odd_tok: np.ndarray  # the runs holding an odd character


def scan(text: str) -> TextScan | None:
    """``tasks.chars.char_classes``, the line numbers, alnum run starts, ``Hasher`` and
    ``run_keys``' runs of ``text`` in one compiled pass, the same arrays as the numpy
    steps (1.4 ns a character for classes, lines and hashes, where the steps took 5);
    None without the kernels, for an empty text, or when an astral character is a
    letter or digit (rare: then the runs need its class first; the numpy steps do it)."""
    k = compiled_kernels()
    if k is None or not text:
        return None
    from tasks.chars import ALNUM, SPACE, char_classes, char_table

    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    up = _POWERS.get(len(cp) + 1)[0]
    out = k.scan_text(cp, char_table(), lower_values(), up, ALNUM)
    cls, nl, ws, acc, odd, tok_s, tok_e, odd_tok, astral = out
    if astral:  # classed one by one, as char_classes does (emoji: no runs, no blanks)
        at = np.flatnonzero(cp > 0xFFFF)
        fixed = char_classes("".join([text[i] for i in at.tolist()]))[1]
        if (fixed & (ALNUM | SPACE)).any():
            return None
        cls[at] = fixed
    return TextScan(cp, cls, nl, ws, Hasher.of_prefix(text, acc, odd), tok_s, tok_e, odd_tok)


class _Powers:
    """``P**i`` and ``P**-i`` (mod 2**64) for ``i < n``, grown on demand."""

    def __init__(self) -> None:
        self.up = np.ones(1, dtype=np.uint64)
        self.down = np.ones(1, dtype=np.uint64)

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.up) < n:
            size = max(n, 2 * len(self.up))
            up = np.empty(size, dtype=np.uint64)
            down = np.empty(size, dtype=np.uint64)
            up[0] = down[0] = 1
            # doubling: [p^0 .. p^(k-1)] * p^k -> [p^k .. p^(2k-1)]
            k, pk, ik = 1, _P, pow(_P, -1, 2**64)
            while k < size:
                m = min(k, size - k)
                np.multiply(up[:m], np.uint64(pk), out=up[k : k + m])
                np.multiply(down[:m], np.uint64(ik), out=down[k : k + m])
                pk, ik = pk * pk % 2**64, ik * ik % 2**64
                k += m
            self.up, self.down = up, down
        return self.up, self.down


_POWERS = _Powers()


def hash_runs(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Hashes of ``values[starts[i]:ends[i]]`` (per-character random values, uint64)."""
    up, down = _POWERS.get(len(values) + 1)
    acc = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values * up[: len(values)], out=acc[1:])
    out: np.ndarray = (acc[ends] - acc[starts]) * down[starts]
    return out


def hash_strings(words: list[str]) -> np.ndarray:
    """The hash of each string as it is (no lowercasing): what ``hash_runs`` gives for a
    token whose lowercase is that string."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    cp = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    vals = _random()[cp & 0xFFFF] + (cp >> 16).astype(np.uint64) * _ASTRAL
    lens = np.fromiter(map(len, words), np.int64, len(words))
    ends = np.cumsum(lens)
    return hash_runs(vals, ends - lens, ends)


_LEN_MIX = np.uint64(0xD6E8FEB86659FD93)
_PAIR_MIX = np.uint64(0xA0761D6478BD642F)


def token_keys(h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Tokens' table keys: their hashes with their lengths mixed in (one compare for both)."""
    out: np.ndarray = h + lengths.astype(np.uint64) * _LEN_MIX
    return out


def pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Keys of token pairs (bigrams) from the two tokens' keys."""
    out: np.ndarray = first * _PAIR_MIX + second
    return out


def string_keys(words: list[str]) -> np.ndarray:
    """``token_keys`` of strings as they are (a token whose lowercase is the string)."""
    return token_keys(hash_strings(words), np.fromiter(map(len, words), np.int64, len(words)))


@dataclass(frozen=True)
class HashTable:
    """``dict[key, int]`` over uint64 keys (``token_keys``, ``pair_keys``) as an
    open-addressing table (linear probing); a slot with key 0 is empty."""

    keys: np.ndarray  # (slots,) uint64
    values: np.ndarray  # (slots,) int64
    shift: np.uint64
    exact: dict[int, int]  # key -> value, for the few keys not found in two probes

    @staticmethod
    def of_words(mapping: dict[str, int]) -> HashTable:
        """The table of ``mapping``'s words (looked up by ``token_keys``)."""
        vals = np.fromiter(mapping.values(), np.int64, len(mapping))
        return HashTable.build(string_keys(list(mapping)), vals)

    @staticmethod
    def of_pairs(mapping: dict[tuple[str, str], int]) -> HashTable:
        """The table of ``mapping``'s word pairs (looked up by ``pair_keys``)."""
        pairs = list(mapping)
        first = string_keys([a for a, _ in pairs])
        second = string_keys([b for _, b in pairs])
        vals = np.fromiter(mapping.values(), np.int64, len(mapping))
        return HashTable.build(pair_keys(first, second), vals)

    @staticmethod
    def build(h: np.ndarray, vals: np.ndarray) -> HashTable:
        if len(np.unique(h)) != len(h) or (h == 0).any():
            raise ValueError("two table words share a hash: change the seed in tasks/tokens.py")
        bits = max(4, (2 * len(h)).bit_length() + 1)  # load 1/8 .. 1/4
        size = 1 << bits
        mask = size - 1
        keys = np.zeros(size, dtype=np.uint64)
        values = np.zeros(size, dtype=np.int64)
        shift = np.uint64(64 - bits)
        home = (h >> shift).astype(np.int64)
        # linear probing, all keys at once: round k tries slot home + k; a slot goes to
        # the first key that wants it, the others try the next slot in the next round
        todo = np.arange(len(h))
        k = 0
        while len(todo):
            s = (home[todo] + k) & mask
            free = keys[s] == 0
            slots, first = np.unique(s[free], return_index=True)
            won = todo[free][first]
            keys[slots], values[slots] = h[won], vals[won]
            placed = np.zeros(len(h), dtype=bool)
            placed[won] = True
            todo = todo[~placed[todo]]
            k += 1
        return HashTable(keys, values, shift, dict(zip(h.tolist(), vals.tolist(), strict=True)))

    @cached_property
    def slots(self) -> np.ndarray:
        """``keys`` and ``values`` side by side, (slots, 2) uint64 (a value's bits):
        what ``tasks.kernels``' lookups read, one cache line a hit instead of
        two (the token tables are ~2 MB each and mostly cold: 0.045 -> 0.024 ms per
        devset dump for the token codes)."""
        out = np.empty((len(self.keys), 2), dtype=np.uint64)
        out[:, 0] = self.keys
        out[:, 1] = self.values
        return out

    def get(self, key: np.ndarray) -> np.ndarray:
        """The value of every key, 0 when absent (``tasks.kernels.table_get`` when numba
        is there: the same values)."""
        k = compiled_kernels()
        if k is not None and len(key):
            out: np.ndarray = k.table_get(
                self.slots, int(self.shift), np.ascontiguousarray(key, np.uint64)
            )
            return out
        return self.get_numpy(key)

    def get_numpy(self, key: np.ndarray) -> np.ndarray:
        """``get`` in numpy: two probes for every key at once, then a dict lookup each."""
        slot = (key >> self.shift).astype(np.intp)
        found = self.keys[slot]
        hit = found == key
        out = np.where(hit, self.values[slot], 0)
        todo = np.flatnonzero(~hit & (found != 0))  # another key there: probe on
        if len(todo):
            s = (slot[todo] + 1) & (len(self.keys) - 1)
            found = self.keys[s]
            hit = found == key[todo]
            out[todo[hit]] = self.values[s[hit]]
            todo = todo[~hit & (found != 0)]
            if len(todo):  # the rest (a few %): a dict lookup each
                get = self.exact.get
                out[todo] = [get(k, 0) for k in key[todo].tolist()]
        return out
