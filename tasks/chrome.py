"""Chrome separation: decide for each block whether it is article body or site chrome.

A small model (standardised features -> one ReLU layer -> sigmoid, and for the units it
is unsure of an average with 100 gradient-boosted trees; then a second, context stage of
the same form over the first stage's probabilities in windows around each unit,
``tasks.context``; numpy only, shipped as ``config/chrome_model.json`` and rebuilt by
``bench/train_chrome.py``) scores every unit from ``tasks.features``; a few hard rules
come first. Each decision carries a
reason code and a body score (the model's estimate that the unit is article text):

``title``            the page title line, or a line repeating it (the headline)
``template``         the line's hash is in ``template_hashes`` (repeats across the site)
``close_button``     a lone close/dismiss control (``X``, ``✕``, ``Close``, ``Kapat`` ...)
``body``             kept: the model scores it at or above the threshold
``lexicon:<concern>`` dropped by the model, and it matches a chrome lexicon (consent,
                     navigation, share, subscribe, legal, ads, related, comments, meta)
``lang_mismatch``    dropped, and written in another language or script than the page
``model:short``      dropped, a short line (<= 3 words) outside the article's prose
``model:context``    dropped, prose-like on its own but surrounded by chrome
``model:chrome``     dropped by the model for other reasons
For hard-rule drops (template, close_button, title) the score is capped at 0.05.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from tasks.context import (
    Cohesion,
    cohesion_tokens,
    context_features_many,
    context_names,
    layout_of_width,
    stage_layout,
)
from tasks.features import FEATURE_NAMES, DocFeatures, FeatureBatch, Resources, extract_batch
from tasks.language import default_stoplists
from tasks.lexical import (
    LexicalModel,
    foreign_units,
    load_weights,
    page_coverage,
)
from tasks.lexicons import CJK_LANGS, CONCERNS, compile_lexicons
from tasks.records import Block, Blocks, Decisions, Separation
from tasks.segment import make_blocks
from tasks.templates import line_hash
from tasks.title import could_be_headline, headline_keys, is_headline, split_title
from tasks.tokens import compiled_kernels

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
_REASON_ORDER = (
    "consent",
    "comments",
    "related",
    "share",
    "subscribe",
    "navigation",
    "legal",
    "ads",
    "meta",
)
_RULE_SCORE = 0.05


@dataclass(frozen=True)
class TreeEnsemble:
    """Gradient-boosted trees as flat node arrays, evaluated for all units at once.

    From node ``k`` a unit goes to ``left[k] + (x[feature[k]] > threshold[k])``: the two
    children of a split are adjacent, and a leaf points to itself with an infinite
    threshold. ``depth`` rounds of a few gathers walk every tree of every unit together;
    the raw score is ``baseline + sum of the reached leaves' values``."""

    feature: np.ndarray  # (nodes,) int
    threshold: np.ndarray  # (nodes,); +inf at leaves
    left: np.ndarray  # (nodes,) int, global index of the left child (itself at leaves)
    value: np.ndarray  # (nodes,) leaf value (0 at splits)
    roots: np.ndarray  # (trees,) int
    depth: int
    baseline: float

    @cached_property
    def _packed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The roots' feature, threshold and left child, and every node's left child and
        feature packed in one int64 (``left | feature << 32``: one gather instead of two)."""
        packed = self.left.astype(np.int64) | (self.feature.astype(np.int64) << 32)
        r = self.roots
        return self.feature[r], self.threshold[r], self.left[r], packed

    def raw(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``baseline`` + the sum of every tree's reached leaf, for each row of ``x`` (or
        of ``x[rows]``: the kernel copies each of those rows as it walks it, so the
        separator's column-major feature matrix is not gathered into a new one first;
        trees 0.16 -> 0.15 ms per devset dump). ``tasks.kernels.tree_raw`` when numba is
        there: the same floats."""
        k = compiled_kernels()
        if k is not None and len(self.roots) <= k.PAIRWISE_MAX and self.depth >= 1:
            if x.dtype != np.float64 or not (x.flags.c_contiguous or x.flags.f_contiguous):
                x = np.ascontiguousarray(x, dtype=np.float64)
            out: np.ndarray = k.tree_raw(
                x,
                np.arange(len(x)) if rows is None else np.asarray(rows, dtype=np.int64),
                self.threshold,
                self._packed[3],
                self.value,
                self.roots,
                self.depth,
                self.baseline,
            )
            return out
        return self.raw_numpy(x if rows is None else x[rows])

    def raw_numpy(self, x: np.ndarray) -> np.ndarray:
        """``raw`` in numpy: ``depth`` rounds of gathers for all rows and trees at once."""
        n = len(x)
        flat = x.ravel()
        base = (np.arange(n) * x.shape[1])[:, None]
        if self.depth < 1:
            idx = np.broadcast_to(self.roots, (n, len(self.roots)))
        else:
            root_feature, root_threshold, root_left, packed = self._packed
            idx = root_left + (np.take(flat, base + root_feature) > root_threshold)
            for _ in range(self.depth - 1):
                node = np.take(packed, idx)
                at = node >> 32
                at += base
                node &= 0xFFFFFFFF
                idx = node + (np.take(flat, at) > np.take(self.threshold, idx))
        res: np.ndarray = np.take(self.value, idx).sum(axis=1) + self.baseline
        return res


@dataclass(frozen=True)
class ChromeModel:
    """Standardise, one ReLU hidden layer (or none: logistic), sigmoid; optionally
    averaged with a gradient-boosted tree ensemble (``tree_weight`` of the probability)
    for the units the network is unsure of (probability within ``gate``): a cascade,
    so the trees' cost is paid on a fraction of the units.

    ``stages``: context models applied in turn, each to ``tasks.context.context_features``
    of the previous stage's probabilities (stacking); the last one's probability is the
    unit's score, averaged with the previous stage's at ``stage_blend`` weight. They see a
    whole document, so ``predict`` takes one document's units (or several, split at
    ``bounds``)."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray  # (features, hidden); empty for a logistic model
    b1: np.ndarray
    w2: np.ndarray  # (hidden,) or (features,) for a logistic model
    b2: float
    threshold: float
    info: dict[str, object]
    trees: TreeEnsemble | None = None
    tree_weight: float = 0.0
    gate: tuple[float, float] = (0.0, 1.0)
    stages: tuple[ChromeModel, ...] = ()
    stage_blend: float = 0.0
    lexical: LexicalModel | None = None
    # documents whose lexical coverage (``tasks.lexical.page_coverage``) is below
    # ``fallback_below`` (an unseen language: the lexical model knows nothing there) are
    # scored by ``fallback``, a model without lexical columns, on the feature columns
    fallback: ChromeModel | None = None
    fallback_below: float = 0.0

    def matrix(self, fb: FeatureBatch) -> np.ndarray:
        """The model's input for a batch: the unit features, and with a lexical model its
        ``LEXICAL_NAMES`` columns after them (``tasks.lexical``)."""
        x = fb.all.matrix
        if self.lexical is None or not len(x):
            return x
        a = fb.all
        cjk = np.repeat([lang in CJK_LANGS for lang in fb.languages], np.diff(fb.bounds))
        foreign = foreign_units(a.offscript, a.foreign, a.stop, cjk)
        cols = self.lexical.columns(fb.tokens, fb.bounds, foreign, x[:, _LOG_WORDS])
        # column-major like ``x``: each column one contiguous copy (np.hstack's row-major
        # result transposed the whole matrix, ~0.04 ms a devset dump)
        out = np.empty((len(x), x.shape[1] + cols.shape[1]), order="F")
        out[:, : x.shape[1]] = x
        out[:, x.shape[1] :] = cols
        return out

    @cached_property
    def needs_cohesion(self) -> bool:
        """A context stage reads the ``tasks.context.COHESION_NAMES`` columns: ``predict``
        then needs the batch's ``cohesion`` (``cohesion_of``)."""
        own = any(layout_of_width(len(st.mean))[1] for st in self.stages)
        return own or (self.fallback is not None and self.fallback.needs_cohesion)

    def predict(
        self, x: np.ndarray, bounds: np.ndarray | None = None, cohesion: Cohesion | None = None
    ) -> np.ndarray:
        """Body probability of every unit of one document's feature matrix ``x``, or of
        several documents' stacked matrices with ``bounds`` (start offsets and the end:
        document ``k`` is ``x[bounds[k]:bounds[k + 1]]``); ``cohesion``: the units'
        content tokens (``cohesion_of``), needed when ``needs_cohesion``."""
        if self.needs_cohesion and cohesion is None and len(x):
            raise ValueError("this chrome model needs the units' tokens (cohesion_of)")
        if self.fallback is not None and len(x):
            return self._predict_or_fall_back(x, bounds, cohesion)
        return self._predict(x, bounds, cohesion)

    def _predict_or_fall_back(
        self, x: np.ndarray, bounds: np.ndarray | None, cohesion: Cohesion | None
    ) -> np.ndarray:
        """``predict``, with the documents the lexical model barely covers scored by
        ``fallback`` (on the feature columns alone; each part with its units' share of
        ``cohesion``)."""
        assert self.fallback is not None and self.lexical is not None and self.lexical.coverage
        cuts = np.array([0, len(x)]) if bounds is None else np.asarray(bounds)
        cov = page_coverage(x[:, -1], x[:, _LOG_WORDS], cuts)
        low = cov < self.fallback_below
        if not low.any():
            return self._predict(x, cuts, cohesion)
        base = x[:, : len(self.fallback.mean)]
        if low.all():
            return self.fallback._predict(base, cuts, cohesion)
        sizes = np.diff(cuts)
        out = np.empty(len(x))
        for docs, model, xs in ((low, self.fallback, base), (~low, self, x)):
            rows = np.repeat(docs, sizes)
            part = None if cohesion is None else cohesion.take(rows)
            # column-major like a whole batch's matrix, so that a page's rows go through
            # the same float32 products alone, in a batch, or in a mixed batch's part
            out[rows] = model._predict(
                np.asfortranarray(xs[rows]), np.concatenate(([0], np.cumsum(sizes[docs]))), part
            )
        return out

    def _predict(
        self, x: np.ndarray, bounds: np.ndarray | None, cohesion: Cohesion | None = None
    ) -> np.ndarray:
        p = self.first_stage(x)
        if not self.stages or not len(x):
            return p
        cuts = np.array([0, len(x)]) if bounds is None else bounds
        for stage in self.stages:
            extra, coh = layout_of_width(len(stage.mean))  # older stages read fewer columns
            z = context_features_many(p, x, cuts, extra, cohesion if coh else None)
            q = stage.first_stage(z)
            p = self.stage_blend * p + (1.0 - self.stage_blend) * q
        return p

    def first_stage(self, x: np.ndarray) -> np.ndarray:
        """The network (and trees) alone, unit by unit, without the context stages."""
        p = self._mlp(x)
        if self.trees is None or self.tree_weight <= 0 or not len(x):
            return p
        unsure = np.flatnonzero((p > self.gate[0]) & (p < self.gate[1]))
        if len(unsure):
            t = 1.0 / (1.0 + np.exp(-self.trees.raw(x, unsure)))
            p[unsure] = self.tree_weight * t + (1.0 - self.tree_weight) * p[unsure]
        return p

    @cached_property
    def _f32(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The network's weights in float32, cast once: mean, 1 / scale, w1, b1, w2."""
        return tuple(  # type: ignore[return-value]
            np.asarray(a, dtype=np.float32)
            for a in (self.mean, 1.0 / self.scale, self.w1, self.b1, self.w2)
        )

    def _mlp(self, x: np.ndarray) -> np.ndarray:
        """The network's probability of every row of ``x``, computed in float32 (half
        the BLAS work of float64: 0.104 -> 0.05 ms per devset dump); the sigmoid in
        float64. Against float64 weights the probabilities move by < 1e-4: no unit of
        the devset changes its decision, ~1 in 4,000 changes its 4-decimal score.

        A row's result does not depend on the other rows (so a document scores the same
        alone and in any batch): the hidden layer is one matrix product of at least two
        rows (a single row would go through BLAS's matrix-vector path, which sums in
        another order), the output layer numpy's ``einsum`` (the same loop for every row,
        whatever its place or alignment; BLAS's matrix-vector product is not)."""
        mean, inv, w1, b1, w2 = self._f32
        k = compiled_kernels()
        if (
            k is not None
            and x.dtype == np.float64
            and (x.flags.f_contiguous or x.flags.c_contiguous)
        ):
            # the same float32 operations, one pass each (tasks.kernels.standardize,
            # bias_relu): 0.072 -> 0.057 ms per devset dump for both stages' networks
            column_major = x.flags.f_contiguous and not x.flags.c_contiguous
            z = np.empty(x.shape, dtype=np.float32, order="F" if column_major else "C")
            k.standardize(x, mean, inv, z, column_major)
        else:
            z = x.astype(np.float32)
            z -= mean
            z *= inv
        if w1.size:
            one = len(z) == 1
            h = (np.vstack([z, z]) if one else z) @ w1
            if k is not None and h.flags.c_contiguous:
                k.bias_relu(h, b1)
            else:
                h += b1
                np.maximum(h, 0.0, out=h)
            z = h[:1] if one else h
        t = np.einsum("ij,j->i", z, w2)
        t += np.float32(self.b2)
        out: np.ndarray = 1.0 / (1.0 + np.exp(-t.astype(np.float64)))
        return out


def _stage_names(raw: dict[str, Any]) -> tuple[str, ...]:
    """The context columns a stage must have been trained on: the base ones, with or
    without the extra and the cohesion ones (``tasks.context.context_names``)."""
    return context_names(*stage_layout(raw["features"]))


MAX_TITLE_CHARS = 300  # a longer first unit is not taken for the title line


def title_position(titled: bool, units: int, first_chars: int) -> int | None:
    """0 when a document's first unit (``first_chars`` long, of ``units``) is its title
    line (``titled``: the input's first line is one), else None."""
    return 0 if titled and units > 1 and first_chars <= MAX_TITLE_CHARS else None


def cohesion_of(fb: FeatureBatch, res: Resources, titled: Sequence[bool]) -> Cohesion:
    """The content tokens of a batch's units (``tasks.context.cohesion_tokens``);
    ``titled``: whether each document's unit 0 is its title line."""
    langs = res.stop.langs
    bits = [1 << langs.index(x) if x in langs else 0 for x in fb.languages]
    return cohesion_tokens(fb.tokens, fb.bounds, titled, res.hashed_stop(), bits)


def model_from_dict(
    raw: dict[str, Any], names: tuple[str, ...] = FEATURE_NAMES, config_dir: Path = CONFIG_DIR
) -> ChromeModel:
    """The model from its JSON form; refuses a model trained on other features (``names``:
    the columns it must have been trained on, and ``tasks.lexical``'s after them when it has
    a lexical model, whose weights file is read from ``config_dir``; a context stage's
    columns are ``tasks.context.context_names`` of its layout: the base ones, with or
    without the ``EXTRA_NAMES`` and the ``COHESION_NAMES`` after them)."""
    lex = raw.get("lexical")
    lexical = None
    if lex:
        lexical = LexicalModel(
            load_weights(config_dir / str(lex["file"]), lex.get("sha256")),
            float(lex["bias"]),
            tuple(lex["kinds"]),
            bool(lex.get("neighbours", True)),
            bool(lex.get("foreign_neutral", False)),
            int(lex.get("min_words", 0)),
            float(lex.get("min_coverage", 0.0)),
            bool(lex.get("coverage", False)),
        )
    if tuple(raw["features"]) != (names + lexical.names if lexical else names):
        raise ValueError("chrome model was trained on other features; rerun bench/train_chrome.py")

    def arr(key: str) -> np.ndarray:
        return np.asarray(raw[key], dtype=np.float64)

    trees = None
    t = raw.get("trees")
    if t:
        trees = TreeEnsemble(
            np.asarray(t["feature"], dtype=np.intp),
            np.asarray([np.inf if v is None else v for v in t["threshold"]], dtype=np.float64),
            np.asarray(t["left"], dtype=np.intp),
            np.asarray(t["value"], dtype=np.float64),
            np.asarray(t["roots"], dtype=np.intp),
            int(t["depth"]),
            float(t["baseline"]),
        )
    return ChromeModel(
        arr("mean"),
        arr("scale"),
        arr("w1"),
        arr("b1"),
        arr("w2"),
        float(raw["b2"]),
        float(raw["threshold"]),
        dict(raw.get("info", {})),
        trees,
        float(raw.get("tree_weight", 0.0)),
        (float(raw.get("gate", [0.0, 1.0])[0]), float(raw.get("gate", [0.0, 1.0])[1])),
        tuple(model_from_dict(st, _stage_names(st)) for st in raw.get("stages", ())),
        float(raw.get("stage_blend", 0.0)),
        lexical,
        model_from_dict(raw["fallback"], names, config_dir) if raw.get("fallback") else None,
        float(raw.get("fallback_below", 0.0)),
    )


@dataclass(frozen=True)
class Chrome:
    """Everything the separator needs: stoplists, lexicons and the model."""

    resources: Resources
    model: ChromeModel


def load_resources(config_dir: Path = CONFIG_DIR) -> Resources:
    """Stoplists and lexicons of a config folder."""
    return Resources(
        default_stoplists(str(config_dir / "stoplists")), compile_lexicons(config_dir / "lexicons")
    )


def load_chrome(config_dir: Path = CONFIG_DIR) -> Chrome:
    """Load stoplists, lexicons and model from a config folder (explicitly, not at import)."""
    raw = json.loads((config_dir / "chrome_model.json").read_text(encoding="utf-8"))
    return Chrome(load_resources(config_dir), model_from_dict(raw, config_dir=config_dir))


@lru_cache(maxsize=4)
def default_chrome(config_dir: str = str(CONFIG_DIR)) -> Chrome:
    """``load_chrome`` once per process and config folder."""
    return load_chrome(Path(config_dir))


def separate(
    text: str,
    template_hashes: frozenset[int] = frozenset(),
    has_title: bool = True,
    blocks: Sequence[Block] | None = None,
    known_title: str | None = None,
    *,
    chrome: Chrome | None = None,
    threshold: float | None = None,
    line_hashes: list[int] | None = None,
) -> Separation:
    """Separate ``text`` into title, article blocks and chrome blocks.

    ``has_title``: the first line is the page title (text dumps). ``known_title``: a title
    from elsewhere (HTML metadata); lines repeating either title are dropped as ``title``.
    ``template_hashes``: ``tasks.templates.line_hash`` of lines that repeat across the
    site's documents; ``line_hashes``: the blocks' own hashes when the caller has them
    already (else computed here when there are template hashes). ``chrome``: loaded
    resources (default: ``config/``, cached); ``threshold`` overrides the model's. The
    chrome lexicons come from ``chrome``. ``separate_many`` does the same for a batch.
    """
    return separate_many(
        [text],
        [template_hashes],
        [has_title],
        None if blocks is None else [blocks],
        [known_title],
        chrome=chrome,
        threshold=threshold,
        line_hashes=None if line_hashes is None else [line_hashes],
    )[0]


BATCH_DOCS = 16  # documents per pass of separate_many (bench/chrome_speed.py --batch)


def separate_many(
    texts: Sequence[str],
    template_hashes: Sequence[frozenset[int]] | None = None,
    has_title: bool | Sequence[bool] = True,
    blocks: Sequence[Sequence[Block] | None] | None = None,
    known_titles: Sequence[str | None] | None = None,
    *,
    chrome: Chrome | None = None,
    threshold: float | None = None,
    line_hashes: Sequence[list[int] | None] | None = None,
    batch_size: int = BATCH_DOCS,
) -> list[Separation]:
    """``[separate(texts[i], template_hashes[i], has_title[i], blocks[i], known_titles[i],
    line_hashes=line_hashes[i]) ...]``, the same decisions, computed ``batch_size``
    documents at a time: features, model and decisions run once per batch over all its
    units (``tasks.features.extract_batch``), then the results are split per document.
    Every per-document argument is a sequence with one entry per text (or None: the
    default for all)."""
    chrome = chrome or default_chrome()
    nd = len(texts)
    titled = [has_title] * nd if isinstance(has_title, bool) else list(has_title)
    known: list[str | None] = list(known_titles) if known_titles is not None else [None] * nd
    sites = list(template_hashes) if template_hashes is not None else [frozenset()] * nd
    given: list[Sequence[Block] | None] = list(blocks) if blocks is not None else [None] * nd
    hashes: list[list[int] | None] = list(line_hashes) if line_hashes is not None else [None] * nd
    thr = chrome.model.threshold if threshold is None else threshold
    out: list[Separation] = []
    step = max(1, batch_size)
    with _collector_paused(freeze=nd > 1):
        for lo in range(0, nd, step):
            hi = min(lo + step, nd)
            out.extend(
                _separate_batch(
                    texts[lo:hi],
                    sites[lo:hi],
                    titled[lo:hi],
                    given[lo:hi],
                    known[lo:hi],
                    hashes[lo:hi],
                    chrome,
                    thr,
                )
            )
    return out


_FREEZE = [False]  # set by ``freeze_results`` (a process's own choice, never the default)


def freeze_results(on: bool = True) -> None:
    """Let ``separate_many`` move what its calls leave alive out of the cyclic collector's
    reach (``_collector_paused``) in this process: for processes that only run batches
    (the run's pool workers opt in when they start, ``flows.batch.worker_pool``)."""
    _FREEZE[0] = on


@contextmanager
def _collector_paused(freeze: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector paused while ``separate_many`` runs (and turned
    back on after, if it was on): a batch allocates tens of thousands of small acyclic
    objects (unit texts, blocks, decisions), and each 700 of them set off a collection
    that walks the young objects, every tenth one the older generation too, with nothing
    to find (half the cost of building the records, measured). Whatever cycles others
    left are collected as usual once it is back on.

    ``freeze`` (calls of several documents, in a process that opted in with
    ``freeze_results`` — the run's pool workers — and only while it has one thread, so
    never a threaded or Dask runner, a test session or a notebook): everything is
    collected first (``gc.collect()``:
    cheap once earlier calls have frozen what lived before them), and what is alive at
    the end is moved out of the collector's reach (``gc.freeze``), so the first
    collection after the call does not walk the records it returns (~0.07 ms per devset
    dump). The records hold no cycles (``tests/test_chrome_batch.py``), so reference
    counting frees them when the caller drops them. The cost: an object of the
    caller's that is alive across a call and only later becomes part of a garbage cycle
    is never collected (e.g. a failed chunk's exceptions in ``tasks.process``). Not
    done when the call fails."""
    was_on = gc.isenabled()
    freeze = freeze and _FREEZE[0] and was_on and threading.active_count() == 1
    if was_on:
        if freeze:
            gc.collect()
        gc.disable()
    try:
        yield
    except BaseException:
        if was_on:
            gc.enable()
        raise
    if was_on:
        if freeze:
            gc.freeze()
        gc.enable()


def _separate_batch(
    texts: Sequence[str],
    sites: list[frozenset[int]],
    titled: list[bool],
    given: list[Sequence[Block] | None],
    known: list[str | None],
    hashes: list[list[int] | None],
    chrome: Chrome,
    thr: float,
) -> list[Separation]:
    nd = len(texts)
    cols = [None if bl is None else Blocks.of(bl) for bl in given]
    spans = [
        None if bl is None else (np.array(bl.starts, np.int64), np.array(bl.ends, np.int64))
        for bl in cols
    ]
    fb = extract_batch(texts, chrome.resources, titled, known, spans)
    feats, bounds = fb.all, fb.bounds.tolist()
    if any(bl is None for bl in cols):
        starts, ends = feats.starts.tolist(), feats.ends.tolist()
        ftexts = feats.texts
    blocks: list[Blocks] = [
        make_blocks(
            ftexts[bounds[d] : bounds[d + 1]],
            starts[bounds[d] : bounds[d + 1]],
            ends[bounds[d] : bounds[d + 1]],
        )
        if bl is None
        else bl
        for d, bl in enumerate(cols)
    ]
    title_pos = [
        title_position(titled[d], len(bl), len(bl.texts[0]) if len(bl) else 0)
        for d, bl in enumerate(blocks)
    ]
    titles = [
        bl.texts[p] if p is not None else k
        for bl, p, k in zip(blocks, title_pos, known, strict=True)
    ]
    model = chrome.model
    coh = None
    if model.needs_cohesion and len(feats.texts):
        coh = cohesion_of(fb, chrome.resources, [p == 0 for p in title_pos])
    probs = model.predict(model.matrix(fb), fb.bounds, coh) if len(feats.texts) else np.zeros(0)
    templated: list[int] = []
    for d in range(nd):
        if sites[d]:
            bl, site, base = blocks[d], sites[d], bounds[d]
            hs = hashes[d]
            if hs is None:
                hs = [line_hash(t) for t in bl.texts]
            templated += [base + i for i, h in enumerate(hs) if h in site]
    decisions = decide(
        [t for bl in blocks for t in bl.texts]
        if any(b is not None for b in given)
        else feats.texts,
        feats,
        probs,
        thr,
        [base + p for base, p in zip(bounds, title_pos, strict=False) if p is not None],
        list(map(headline_keys, titles)),
        templated,
        fb.bounds,
    )
    out = []
    for d in range(nd):
        lo, hi = bounds[d], bounds[d + 1]
        title = titles[d]
        lang = fb.languages[d]
        out.append(
            Separation(
                blocks=blocks[d],
                decisions=decisions[lo:hi],
                title=title,
                title_position=title_pos[d],
                language=None if lang == "und" else lang,
                language_confidence=fb.confidences[d] if len(blocks[d]) else 0.0,
                site_name=split_title(title)[1] if title else None,
            )
        )
    return out


_REASONS: tuple[str, ...] = (
    "body",
    "title",
    "template",
    "close_button",
    *(f"lexicon:{c}" for c in _REASON_ORDER),
    "lang_mismatch",
    "model:short",
    "model:context",
    "model:chrome",
)
_REASON_OBJECTS = np.array(_REASONS, dtype=object)  # code -> the same str objects, by take
_LEX_BITS = tuple(1 << CONCERNS.index(c) for c in _REASON_ORDER)
_SHORT = FEATURE_NAMES.index("short")
_LOG_WORDS = FEATURE_NAMES.index("log_words")
_LEX_DENSITY = FEATURE_NAMES.index("lexicon_density")
_LOG4 = float(np.log1p(4.0))


def decide(
    texts: list[str],
    feats: DocFeatures,
    probs: np.ndarray,
    threshold: float,
    title_units: list[int],
    title_keys: list[frozenset[str]],
    templated: list[int],
    bounds: np.ndarray,
    control_rule: bool = True,
) -> Decisions:
    """Hard rules, then the model's score with a reason code for every unit of a batch of
    documents (``bounds``: each document's first unit and the end; ``title_units`` and
    ``templated``: unit indices over the whole batch; ``title_keys`` per document).

    ``templated``: the units whose line hash repeats across the site.
    ``control_rule``: a short unit (<= 3 words) made only of lexicon terms ("Teilen",
    "Accept all", "ホーム") is chrome whatever the model says.
    """
    n = len(texts)
    rule = np.zeros(n, dtype=bool)
    why = drop_codes(feats)
    code = why.copy()
    code[probs >= threshold] = 0
    if templated:
        code[templated] = 2
        rule[templated] = True
    if control_rule:
        control = (
            (feats.lexicon != 0)
            & (feats.matrix[:, _LEX_DENSITY] >= 1.0)
            & (feats.matrix[:, _SHORT] > 0)
        )
        drop = control & (code == 0)
        code[drop] = why[drop]
        rule |= drop
    code[feats.close] = 3
    rule |= feats.close
    counts = np.diff(bounds)
    if any(title_keys):
        lo = np.ones(len(title_keys), dtype=np.int64)
        hi = np.zeros(len(title_keys), dtype=np.int64)
        for d, keys in enumerate(title_keys):
            if keys:
                sizes = [len(k) for k in keys]
                lo[d], hi[d] = min(sizes) - 8, max(sizes) + 8
        lengths = feats.ends - feats.starts
        fits = (lengths >= np.repeat(lo, counts)) & (lengths <= np.repeat(hi, counts))
        cand = np.flatnonzero(fits)
        if len(cand):
            docs = np.searchsorted(bounds, cand, side="right") - 1
            some = could_be_headline([texts[i] for i in cand.tolist()], docs, title_keys)
            cand, docs = cand[some], docs[some]
            for i, d in zip(cand.tolist(), docs.tolist(), strict=True):
                if is_headline(texts[i], title_keys[d]):
                    code[i] = 1
                    rule[i] = True
    if title_units:
        code[title_units] = 1
        rule[title_units] = True
    scores = np.where(rule, np.minimum(probs, _RULE_SCORE), probs).round(4).tolist()
    reasons = _REASON_OBJECTS.take(code).tolist()
    positions = list(chain.from_iterable(map(range, counts.tolist())))
    return Decisions(positions, (code == 0).tolist(), reasons, scores)


def _lexicon_reason_table() -> np.ndarray:
    """Concern bitmask -> reason index of its highest-priority concern (0: none)."""
    table = np.zeros(1 << len(CONCERNS), dtype=np.int64)
    for mask in range(1, len(table)):
        first = next(k for k, bit in enumerate(_LEX_BITS) if mask & bit)
        table[mask] = 4 + first
    return table


_LEX_REASON = _lexicon_reason_table()
_MISMATCH, _SHORT_CODE, _CONTEXT, _CHROME = (len(_REASONS) - k for k in (4, 3, 2, 1))


def drop_codes(feats: DocFeatures) -> np.ndarray:
    """Index into ``_REASONS`` of why each unit would be chrome if the model dropped it."""
    several = feats.matrix[:, _LOG_WORDS] >= _LOG4
    mismatch = (feats.offscript >= 0.5) | ((feats.foreign >= 0.25) & (feats.stop < 0.05))
    code = np.where(feats.heuristic > 0, _CONTEXT, _CHROME)
    code[feats.matrix[:, _SHORT] > 0] = _SHORT_CODE
    code[mismatch & several] = _MISMATCH
    lex = _LEX_REASON[feats.lexicon]
    return np.where(lex > 0, lex, code)
