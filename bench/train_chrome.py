"""Rebuild config/chrome_model.json from the devset, deterministically; optionally CV it.

    PYTHONPATH=. python bench/train_chrome.py --devset ../shared/devset [--cv] [--out PATH]

Labels: a dump unit is article when its whitespace-normalised text occurs in
``trafilatura.extract(html, include_comments=False)`` of the same page (defaults
otherwise; cached); ``--line-labels``: a unit under 40 characters only when it is a whole
line, list item or table cell of that output or covers half of a line; units overlapping a
"with"/"without" snippet are set to 1/0 and weigh
``--snippet-weight`` + 1 in training. Title lines (unit 0) are left out. Features:
``tasks.features.extract``. Model: scikit-learn's MLPClassifier (one ReLU layer,
``random_state=0``), exported as plain arrays for numpy inference (``tasks.chrome``),
plus ``--trees`` boosted trees (HistGradientBoosting, ``random_state=0``, no early
stopping) that rescore the units the MLP puts inside ``--gate`` (a cascade: the trees'
cost is paid on part of the units only), averaged with weight ``--tree-weight``.

``--teacher NAMES`` (off by default): labels from other teachers' texts of each page's
HTML instead of trafilatura's default extract (``Teachers``; texts from
``bench/chrome_teachers.py``, which needs no devset training, and
``bench/html_teacher.py``, the HTML path rebuilt for every set of excluded CV folds so
that no fold's labels carry the held-out sites' snippets); ``--teacher-rule`` and
``--teacher-disagree`` combine several. Measured in bench/NOTES.md ("Better teachers").

``--context-extra``, ``--stage-seeds K``, ``--stage-max-iter``, ``--max-iter`` (off /
1 / as before by default; ``make model`` ships the first two, K = 5): the context
stage's "inside the article" columns (``tasks.context.EXTRA_NAMES``), the logits of K
context networks averaged (one network of K times the units), the networks' epoch caps.
Measured in bench/NOTES.md ("Context-stage signals"): CV .897-.902 against .899 each
alone.

``--context-cohesion``, ``--first-cohesion``, ``--self-train LO,HI`` (off by default;
``make model`` ships the first):
the context stage's vocabulary cohesion columns (``tasks.context.COHESION_NAMES``: do a
unit's content words recur elsewhere on the page, in likely-article units, in chrome, in
the title line), the same columns from the prose heuristic as first-stage features (a CV
experiment, model-only figures: the separator cannot read that model), and labels
relabelled by the out-of-fold first stage where it is confident (``self_labels``).
Measured in bench/NOTES.md ("Vocabulary cohesion"): CV .898-.905 against .899 each
alone.

``--cv``: 5-fold cross-validation grouped by site (domain of the page's url), every page
scored by a model that never saw its site, with the devset metric (``score.py``).
Needs scikit-learn and trafilatura (``pip install -e .[train]``); labels are cached.

``--lexical KINDS`` (off by default; ``make model`` ships it): a hashed-token logistic model
(``tasks.lexical``) whose out-of-fold scores are extra first-stage columns. Its guards for
pages and units it knows little about: ``--lexical-min-sites`` (a bucket gets a weight
only if found on that many training sites), ``--lexical-min-words`` and
``--lexical-min-coverage`` (shorter units, or units with a smaller share of words in
weighted buckets, get the neutral score), ``--lexical-foreign-neutral``,
``--lexical-coverage`` (that share as a column), ``--lexical-dropout`` (that share of
training pages seen neutral by the network, a fixed draw) and ``--lexical-fallback COV``
(pages whose mean coverage is below COV are scored by a model without lexical columns,
trained alongside: byte-identical to the model this script builds without ``--lexical``).
The lexical model alone with its guards (passes every hand-written case, CV F1 .906); the
shipped model adds the context stage's extra and cohesion columns, five context networks
and a 0.5 blend to it (CV F1 .911: ``make model`` / ``make model-cv``, the Makefile's
``MODEL_FLAGS``):

    PYTHONPATH=. python bench/train_chrome.py --lexical words,punct,edges \
        --lexical-foreign-neutral --lexical-min-sites 3 --lexical-min-words 3 \
        --lexical-min-coverage 0.5 --lexical-coverage --lexical-dropout 0.3 \
        --lexical-fallback 0.4 [--cv]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import pickle
import re
import sys
import time
from dataclasses import replace
from multiprocessing import Pool, get_context
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.chrome import (  # noqa: E402
    CONFIG_DIR,
    ChromeModel,
    TreeEnsemble,
    cohesion_of,
    load_resources,
    title_position,
)
from tasks.context import (  # noqa: E402
    Cohesion,
    cohesion_columns,
    context_features,
    context_names,
    layout_of_width,
)
from tasks.evaluate import load_labels, load_scorer  # noqa: E402
from tasks.features import FEATURE_NAMES, Resources, extract, extract_batch  # noqa: E402
from tasks.lexical import (  # noqa: E402
    KINDS,
    LexicalModel,
    foreign_units,
    save_weights,
    unit_keys,
    weights_sha256,
)
from tasks.lexicons import CJK_LANGS  # noqa: E402

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def site(url: str) -> str:
    """Domain of a label's url (``hard::name.html`` keys use the name)."""
    if "::" in url:
        url = url.split("::", 1)[1]
    net = (urlparse(url).netloc or url.split("/")[0]).lower()
    return net.removeprefix("www.")


_LONG = 40  # characters from which a unit found anywhere in the extract is article


def page_extract(args: tuple[Path, str]) -> str:
    """trafilatura's text of one page's HTML ("" when it cannot read it)."""
    import trafilatura

    devset, page_id = args
    html = gzip.decompress((devset / "pages" / f"{page_id}.html.gz").read_bytes())
    try:
        return trafilatura.extract(html, include_comments=False) or ""
    except Exception:  # a page trafilatura cannot read: every unit chrome but snippets
        return ""


def extract_pieces(extract_text: str) -> tuple[str, set[str], list[str]]:
    """trafilatura's output as (joined text, whole pieces, lines): a piece is a line, a
    list item without its ``- `` bullet, or a table cell (``| a | b |`` rows)."""
    lines = [norm(x) for x in extract_text.split("\n")]
    lines = [x for x in lines if x]
    pieces: set[str] = set()
    for line in lines:
        pieces.add(line)
        if line.startswith("- "):
            pieces.add(line[2:])
        if line.startswith("|") or " | " in line:
            pieces.update(c for c in (norm(c) for c in line.strip("|").split("|")) if c)
    return " ".join(lines), pieces, lines


def unit_labels(
    lab: dict[str, object], units: list[str], extract_text: str, loose: bool = False
) -> tuple[list[int], list[int]]:
    """(label, snippet-covered) per unit of one page.

    A unit is article when it is a whole piece of trafilatura's output (a line, a list
    item, a table cell), covers at least half of one of its lines, or, when it has at
    least ``_LONG`` characters, occurs anywhere in it. A short unit found only inside a
    longer line ("Politik", "Anzeige", "10" inside a sentence) is a coincidence, not
    article. ``loose``: the old rule (any occurrence counts)."""
    joined_ext, pieces, lines = extract_pieces(extract_text)
    us = [norm(u) for u in units]
    y = []
    for u in us:
        if not u or u not in joined_ext:
            y.append(0)
        elif loose or len(u) >= _LONG or u in pieces:
            y.append(1)
        else:
            y.append(int(any(u in x and 2 * len(u) >= len(x) for x in lines)))
    snip = [0] * len(us)
    offs, pos = [], 0
    for u in us:
        offs.append((pos, pos + len(u)))
        pos += len(u) + 1
    joined = " ".join(us)
    for key, val in (("without", 0), ("with", 1)):
        for s in lab[key]:  # type: ignore[attr-defined]
            s = norm(str(s))
            i = joined.find(s) if s else -1
            while i >= 0:
                for k, (a, b) in enumerate(offs):
                    if a < i + len(s) and b > i:
                        y[k], snip[k] = val, 1
                i = joined.find(s, i + 1)
    return y, snip


class Teachers:
    """Training labels from one or several teachers' texts of each page's HTML
    (``bench/chrome_teachers.py``, ``bench/html_teacher.py``) instead of trafilatura's
    default extract.

    A teacher is ``{page id: text}``, or ``{"folds": {key: {page id: text}}}`` when its
    text depends on devset training: ``key`` names the folds whose pages it never saw
    ("0,3"; "" for the shipped model, every page seen), so that a model tested on a fold
    learns from labels that carry nothing of that fold. Each teacher labels a unit as
    ``unit_labels`` does (snippets override); an empty text (the extractor failed on the
    page) abstains. ``rule``: a unit is article when ``all`` / ``any`` / a ``majority``
    (more than half) of the teachers that did not abstain say so; units on which they
    disagree weigh ``disagree`` in training (0: left out)."""

    def __init__(self, texts: list[dict[str, Any]], rule: str, disagree: float) -> None:
        self.texts = [t["folds"] if "folds" in t else {"": t} for t in texts]
        self.rule, self.disagree = rule, disagree

    def labels(
        self, labs: list[dict[str, object]], units: list[list[str]], ids: list[str], loose: bool
    ) -> dict[str, tuple[list[list[int]], list[list[float]]]]:
        keys = sorted({k for t in self.texts for k in t})
        memo: dict[tuple[int, str], list[list[int] | None]] = {}

        def of(t: int, key: str) -> list[list[int] | None]:
            src = key if key in self.texts[t] else ""
            if (t, src) not in memo:
                texts = self.texts[t][src]
                memo[t, src] = [
                    unit_labels(lab, us, texts[i], loose)[0] if texts.get(i) else None
                    for lab, us, i in zip(labs, units, ids, strict=True)
                ]
            return memo[t, src]

        out = {}
        for key in keys:
            per = [of(t, key) for t in range(len(self.texts))]
            ys, ws = [], []
            for k, us in enumerate(units):
                votes = [p[k] for p in per if p[k] is not None]
                if not votes:  # every teacher abstains: chrome but for snippets
                    y0, _ = unit_labels(labs[k], us, "", loose)
                    ys.append(y0)
                    ws.append([1.0] * len(us))
                    continue
                v = np.sum(votes, axis=0)
                n = len(votes)
                if self.rule == "all":
                    y = v == n
                elif self.rule == "any":
                    y = v >= 1
                else:
                    y = 2 * v > n
                ys.append(y.astype(int).tolist())
                ws.append(np.where((v == 0) | (v == n), 1.0, self.disagree).tolist())
            out[key] = ys, ws
        return out


def load_teachers(folder: Path, names: str, rule: str, disagree: float) -> Teachers | None:
    """``--teacher``: the named teachers' texts from ``folder`` (None: no names)."""
    picked = [n.strip() for n in names.split(",") if n.strip()]
    if not picked:
        return None
    texts = [json.loads((folder / f"{n}.json").read_text(encoding="utf-8")) for n in picked]
    return Teachers(texts, rule, disagree)


def build(
    devset: Path,
    res: Resources,
    cache: Path | None,
    loose: bool = False,
    teachers: Teachers | None = None,
) -> dict[str, Any]:
    labels = load_labels(devset)
    texts = [(devset / "pages" / f"{lab['id']}.txt").read_text(encoding="utf-8") for lab in labels]
    batches = [extract_batch([t], res) for t in texts]
    feats = [fb.doc(0) for fb in batches]
    ids = [str(lab["id"]) for lab in labels]
    extracts: dict[str, str] = {}
    if cache and cache.is_file():
        extracts = json.loads(cache.read_text())
    if any(i not in extracts for i in ids):
        with Pool(2) as pool:
            got = pool.map(page_extract, [(devset, i) for i in ids], chunksize=8)
        extracts = dict(zip(ids, got, strict=True))
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(extracts))
    ys = [
        unit_labels(lab, f.texts, extracts[i], loose)
        for lab, f, i in zip(labels, feats, ids, strict=True)
    ]
    taught = None
    if teachers is not None:
        taught = teachers.labels(labels, [f.texts for f in feats], ids, loose)
        ys = [(taught[""][0][k], sn) for k, (_, sn) in enumerate(ys)]
    # the line labels (a short unit found only inside a longer line is not article), for
    # the lexical model: "X" or "Politik" found somewhere in the extract is no lexical cue
    strict = [
        unit_labels(lab, f.texts, extracts[i], False)[0]
        for lab, f, i in zip(labels, feats, ids, strict=True)
    ]
    sites: dict[str, int] = {}
    xs, y, w, g, d, y_line, cjk, heur = [], [], [], [], [], [], [], []
    lex_unit, lex_key, lex_kind = [], [], []
    cohesion: list[Cohesion] = []
    rows = 0
    for k, (lab, f, (yy, sn)) in enumerate(zip(labels, feats, ys, strict=True)):
        s = sites.setdefault(site(str(lab["url"])), len(sites))
        if len(yy) < 2:
            continue
        for kind_id, kind in enumerate(KINDS):  # every kind of key, told apart
            uk = unit_keys(batches[k].tokens, len(yy), (kind,), np.array([0, len(yy)]))
            lex_unit.append(uk.unit + rows)
            lex_key.append(uk.key)
            lex_kind.append(np.full(len(uk.key), kind_id, dtype=np.int8))
        rows += len(yy)
        # the title line as the separator finds it (``_separate_batch``'s title_pos)
        head = title_position(True, len(f.texts), len(f.texts[0]) if f.texts else 0)
        cohesion.append(cohesion_of(batches[k], res, [head == 0]))
        xs.append(f.matrix)
        heur.append(f.heuristic)
        cjk.append(np.full(len(yy), f.language in CJK_LANGS))
        y.append(np.array(yy))
        y_line.append(np.array(strict[k]))
        w.append(np.array(sn))
        g.append(np.full(len(yy), s))
        d.append(np.full(len(yy), k))
    doc = np.concatenate(d)
    unit = np.concatenate(([True], doc[1:] != doc[:-1]))  # a document's first row: its title
    unit = ~unit
    x_all = np.vstack(xs)
    # the teachers' labels and weights of the training rows, per set of excluded folds
    # ("" : every fold's pages may have shaped them; "0,3": folds 0 and 3 did not)
    y_ex = {}
    if taught is not None:
        kept_docs = [len(yy) >= 2 for yy, _ in ys]

        def rows(per_page: list[list[Any]]) -> np.ndarray:
            got = [np.asarray(v) for v, ok in zip(per_page, kept_docs, strict=True) if ok]
            return np.concatenate(got)[unit]

        y_ex = {key: (rows(yk), rows(wk)) for key, (yk, wk) in taught.items()}
    return {
        "y_ex": y_ex,
        # training rows: every unit but the title line (row 0 of each document)
        "X": x_all[unit],
        "y": np.concatenate(y)[unit],
        "y_line": np.concatenate(y_line)[unit],
        "snip": np.concatenate(w)[unit],
        "group": np.concatenate(g)[unit],
        "doc": doc[unit],
        # every row of every document, for the context stages (they see whole pages)
        "X_all": x_all,
        "doc_all": doc,
        "group_all": np.concatenate(g),
        "unit_all": unit,
        "cjk_all": np.concatenate(cjk),  # rows of Chinese, Japanese and Korean pages
        # the label's language of every document (index: doc)
        "lang_doc": np.array([str(lab.get("lang") or "?") for lab in labels]),
        # tasks.lexical keys of every row of X_all: (row, key, index of its kind in KINDS)
        "lex_unit": np.concatenate(lex_unit),
        "lex_key": np.concatenate(lex_key),
        "lex_kind": np.concatenate(lex_kind),
        # tasks.context.cohesion_tokens of every row of X_all
        "cohesion": Cohesion.concat(cohesion),
        "heuristic_all": np.concatenate(heur),  # the features' prose-like label
    }


def fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    snip: np.ndarray,
    trees: int,
    depth: int,
    weight: int,
    lr: float,
    keep: np.ndarray | None = None,
) -> TreeEnsemble:
    """scikit-learn's HistGradientBoostingClassifier (``random_state=0``, no early
    stopping: deterministic), exported as flat node arrays (leaves point to themselves)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(
        max_iter=trees,
        max_depth=depth,
        max_leaf_nodes=None if depth <= 5 else 2 ** (depth - 1),
        learning_rate=lr,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    )
    sw = 1.0 + weight * snip
    clf.fit(x, y, sample_weight=sw if keep is None else sw * keep)
    feat: list[int] = []
    thr: list[float] = []
    left: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        # renumber breadth-first so that a split's two children are adjacent
        roots.append(len(feat))
        order = [0]
        slot = {0: len(feat)}
        feat.append(0), thr.append(0.0), left.append(0), value.append(0.0)
        while order:
            k = order.pop(0)
            me = slot[k]
            if nodes["is_leaf"][k]:
                thr[me], left[me], value[me] = float("inf"), me, float(nodes["value"][k])
                continue
            feat[me], thr[me], left[me] = (
                int(nodes["feature_idx"][k]),
                float(nodes["num_threshold"][k]),
                len(feat),
            )
            for child in (int(nodes["left"][k]), int(nodes["right"][k])):
                slot[child] = len(feat)
                feat.append(0), thr.append(0.0), left.append(0), value.append(0.0)
                order.append(child)
    base = np.asarray(clf._baseline_prediction, dtype=np.float64).ravel()
    ens = TreeEnsemble(
        np.array(feat, dtype=np.intp),
        np.array(thr),
        np.array(left, dtype=np.intp),
        np.array(value),
        np.array(roots, dtype=np.intp),
        max(int(p.get_max_depth()) for (p,) in clf._predictors),
        float(base[0]),
    )
    check = x[:: max(1, len(x) // 2000)]
    if not np.allclose(ens.raw(check), clf.decision_function(check), atol=1e-6):
        raise RuntimeError("exported trees disagree with scikit-learn")
    return ens


def fit(
    x: np.ndarray,
    y: np.ndarray,
    snip: np.ndarray,
    hidden: int,
    weight: int,
    threshold: float,
    trees: int = 0,
    depth: int = 6,
    tree_weight: float = 0.0,
    lr: float = 0.1,
    gate: tuple[float, float] = (0.0, 1.0),
    keep: np.ndarray | None = None,
    seed: int = 0,
    max_iter: int = 30,
) -> ChromeModel:
    """``keep``: each row's teacher weight, 0 or 1 (``Teachers``; None: every row once);
    ``seed``: the network's ``random_state``."""
    from sklearn.neural_network import MLPClassifier

    ens = None
    if trees and tree_weight > 0:
        ens = fit_trees(x, y, snip, trees, depth, weight, lr, keep)

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    times = 1 + weight * snip.astype(np.int64)
    if keep is not None:
        times = times * np.rint(keep).astype(np.int64)
    rep = np.repeat(np.arange(len(x)), times)
    z = (x - mean) / scale
    clf = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        alpha=1e-3,
        batch_size=512,
        max_iter=max_iter,
        early_stopping=True,
        random_state=seed,
    )
    clf.fit(z[rep], y[rep])
    return ChromeModel(
        mean,
        scale,
        clf.coefs_[0],
        clf.intercepts_[0],
        clf.coefs_[1][:, 0],
        float(clf.intercepts_[1][0]),
        threshold,
        {
            "hidden": hidden,
            "snippet_weight": weight,
            "units": int(len(x)),
            "trees": trees if ens else 0,
            "tree_depth": depth if ens else 0,
            "learning_rate": lr if ens else 0,
        },
        ens,
        tree_weight if ens else 0.0,
        gate,
    )


def fit_stage(
    z: np.ndarray,
    y: np.ndarray,
    snip: np.ndarray,
    hidden: int,
    weight: int,
    threshold: float,
    keep: np.ndarray | None = None,
    seeds: int = 1,
    max_iter: int = 30,
) -> ChromeModel:
    """A context stage over ``tasks.context`` columns: a one-layer network of ``hidden``
    ReLU units (``random_state=0``), or logistic regression when ``hidden`` is 0.

    ``seeds`` > 1: that many networks (``random_state`` 0, 1, ...) whose logits are
    averaged, written as one network: their hidden layers side by side (they share the
    standardisation, which depends on the data alone), output weights divided by
    ``seeds``. The same format and inference, ``seeds`` times the hidden units."""
    if hidden > 0:
        nets = [
            fit(z, y, snip, hidden, weight, threshold, keep=keep, seed=k, max_iter=max_iter)
            for k in range(seeds)
        ]
        m = nets[0]
        if seeds > 1:
            m = replace(
                m,
                w1=np.hstack([n.w1 for n in nets]),
                b1=np.concatenate([n.b1 for n in nets]),
                w2=np.concatenate([n.w2 for n in nets]) / seeds,
                b2=float(np.mean([n.b2 for n in nets])),
            )
        info = {"hidden": hidden, "snippet_weight": weight}
        return replace(m, info=info if seeds == 1 else {**info, "seeds": seeds})
    from sklearn.linear_model import LogisticRegression

    mean = z.mean(axis=0)
    scale = z.std(axis=0) + 1e-6
    clf = LogisticRegression(C=1.0, max_iter=1000)
    sw = 1.0 + weight * snip
    clf.fit((z - mean) / scale, y, sample_weight=sw if keep is None else sw * keep)
    return ChromeModel(
        mean,
        scale,
        np.zeros((0, 0)),
        np.zeros(0),
        clf.coef_[0],
        float(clf.intercept_[0]),
        threshold,
        {"hidden": 0, "snippet_weight": weight},
    )


class Lexical:
    """The hashed-token model (``tasks.lexical``) over every row of ``X_all``, and its
    honest scores for stacking into the first stage.

    ``model(E)``: L2 logistic regression (scikit-learn, lbfgs, deterministic) on the
    training rows outside the folds ``E``, its weights rounded to float16 as shipped.
    ``columns(E)``: ``LEXICAL_NAMES`` of every row, each from a model that never saw the
    row's fold nor ``E``: a row of fold ``f`` is scored by ``model(E | {f})`` (by
    ``model(E)`` when ``f`` is in ``E``). A first stage trained without ``E`` learns from
    ``columns(E)`` and is tested on ``E``'s rows as the shipped model will be on new sites."""

    def __init__(
        self,
        data: dict[str, np.ndarray],
        fold_all: np.ndarray,
        kinds: tuple[str, ...],
        bits: int,
        c: float,
        weight: int,
        neighbours: bool = True,
        line_labels: bool = False,
        min_df: int = 1,
        foreign_neutral: bool = False,
        min_sites: int = 1,
        min_words: int = 0,
        min_coverage: float = 0.0,
        coverage: bool = False,
        dropout: float = 0.0,
        balance: float = 0.0,
    ) -> None:
        from scipy import sparse

        from tasks.lexical import buckets_of

        self.kinds, self.bits, self.c, self.weight = kinds, bits, c, weight
        self.neighbours, self.line_labels, self.min_df = neighbours, line_labels, min_df
        self.foreign_neutral = foreign_neutral
        self.min_sites, self.min_words, self.min_coverage = min_sites, min_words, min_coverage
        self.coverage, self.dropout = coverage, dropout
        x = data["X_all"]
        self.log_words = x[:, FEATURE_NAMES.index("log_words")]
        self.foreign = foreign_units(
            x[:, FEATURE_NAMES.index("off_script")],
            x[:, FEATURE_NAMES.index("foreign_stop_density")],
            x[:, FEATURE_NAMES.index("stop_density")],
            data["cjk_all"],
        )
        self.fold_all = fold_all
        n = len(data["doc_all"])
        keep = np.isin(data["lex_kind"], [KINDS.index(k) for k in kinds])
        rows, keys = data["lex_unit"][keep], data["lex_key"][keep]
        count = np.bincount(rows, minlength=n)
        vals = 1.0 / np.sqrt(np.maximum(count, 1))[rows]
        buckets = buckets_of(keys, bits)
        # (document, bucket) of every key, for the buckets' document frequencies
        self.doc_bucket = np.unique(data["doc_all"][rows].astype(np.int64) << bits | buckets)
        # (site, bucket) likewise, for the buckets' site frequencies
        self.site_bucket = np.unique(data["group_all"][rows].astype(np.int64) << bits | buckets)
        self.site_fold = np.zeros(data["group_all"].max() + 1, dtype=np.int64)
        self.site_fold[data["group_all"]] = fold_all
        # every row's word keys as counts (rows x buckets), for the coverage
        word = data["lex_kind"] == KINDS.index("words")
        wb = buckets_of(data["lex_key"][word], bits)
        self.mw = sparse.coo_matrix(
            (np.ones(len(wb)), (data["lex_unit"][word], wb)), shape=(n, 1 << bits)
        ).tocsr()
        self.mw.sum_duplicates()
        self.nwords = np.bincount(data["lex_unit"][word], minlength=n)
        # whole pages whose lexical columns are neutral when training the network
        # (``dropout``): a fixed draw, so the same command gives the same model
        ndocs = int(data["doc_all"].max()) + 1
        self.drop_doc = np.random.default_rng(0).random(ndocs) < dropout
        self.doc_all = data["doc_all"]
        m = sparse.coo_matrix((vals, (rows, buckets)), shape=(n, 1 << bits))
        self.m = m.tocsr()
        self.m.sum_duplicates()
        unit = data["unit_all"]
        self.y = np.zeros(n, dtype=np.int64)
        self.y[unit] = data["y_line" if line_labels else "y"]
        self.sw = np.zeros(n)
        self.sw[unit] = 1.0 + weight * data["snip"]
        self.balance = balance
        if balance > 0:  # a page of a language with k pages weighs k ** -balance (mean 1)
            _, inv, pages = np.unique(data["lang_doc"], return_inverse=True, return_counts=True)
            per_doc = pages[inv].astype(np.float64) ** -balance
            per_doc /= per_doc.mean()
            self.sw *= per_doc[data["doc_all"]]
        self.train = unit
        self.doc_bounds = np.searchsorted(data["doc_all"], np.arange(data["doc_all"].max() + 2))
        self.doc_fold = np.zeros(data["doc_all"].max() + 1, dtype=np.int64)
        self.doc_fold[data["doc_all"]] = fold_all
        self._models: dict[frozenset[int], LexicalModel] = {}

    def describe(self) -> str:
        out = f"kinds={','.join(self.kinds)} bits={self.bits} C={self.c} w={self.weight}"
        out += "" if self.neighbours else " own"
        out += f" min_df={self.min_df}" if self.min_df > 1 else ""
        out += f" min_sites={self.min_sites}" if self.min_sites > 1 else ""
        out += f" min_words={self.min_words}" if self.min_words > 0 else ""
        out += f" min_cov={self.min_coverage}" if self.min_coverage > 0 else ""
        out += " coverage" if self.coverage else ""
        out += f" dropout={self.dropout}" if self.dropout > 0 else ""
        out += f" balance={self.balance}" if self.balance > 0 else ""
        out += " foreign+cjk-neutral" if self.foreign_neutral else ""
        return out + " line-labels" if self.line_labels else out

    def model(self, excluded: frozenset[int]) -> LexicalModel:
        hit = self._models.get(excluded)
        if hit is None:
            from scipy import sparse
            from sklearn.linear_model import LogisticRegression
            from threadpoolctl import threadpool_limits

            rows = np.flatnonzero(self.train & ~np.isin(self.fold_all, list(excluded)))
            x = self.m[rows]
            if self.min_df > 1:  # buckets on fewer training pages than min_df: weight 0
                seen = np.isin(self.doc_fold, list(excluded), invert=True)
                pairs = self.doc_bucket[seen[self.doc_bucket >> self.bits]]
                df = np.bincount(pairs & ((1 << self.bits) - 1), minlength=x.shape[1])
                x = (x @ sparse.diags((df >= self.min_df).astype(np.float64))).tocsr()
            if self.min_sites > 1:  # buckets found on fewer training sites: weight 0
                seen = np.isin(self.site_fold, list(excluded), invert=True)
                pairs = self.site_bucket[seen[self.site_bucket >> self.bits]]
                sf = np.bincount(pairs & ((1 << self.bits) - 1), minlength=x.shape[1])
                x = (x @ sparse.diags((sf >= self.min_sites).astype(np.float64))).tocsr()
            clf = LogisticRegression(C=self.c, max_iter=300, tol=1e-5)
            with threadpool_limits(1):
                clf.fit(x, self.y[rows], sample_weight=self.sw[rows])
            w = clf.coef_[0].astype(np.float16).astype(np.float64)
            hit = LexicalModel(
                w,
                round(float(clf.intercept_[0]), 6),
                self.kinds,
                self.neighbours,
                self.foreign_neutral,
                self.min_words,
                self.min_coverage,
                self.coverage,
            )
            self._models[excluded] = hit
        return hit

    def columns(self, excluded: frozenset[int], dropout: bool = False) -> np.ndarray:
        """``names`` of every row, each row scored by a model that saw neither its fold nor
        ``excluded`` (``tasks.lexical.finish_columns``, as at inference); ``dropout``: the
        drawn pages neutral too (for the rows a network trains on)."""
        from tasks.lexical import finish_columns

        n = self.m.shape[0]
        s, cov, bias = np.zeros(n), np.zeros(n), np.zeros(n)
        neutral = np.zeros(n, dtype=bool)
        for f in np.unique(self.fold_all).tolist():
            rows = np.flatnonzero(self.fold_all == f)
            lm = self.model(excluded | {f})
            s[rows] = self.m[rows] @ lm.weights + lm.bias
            bias[rows] = lm.bias
            if lm.guarded:
                known = (lm.weights != 0).astype(np.float64)
                cov[rows] = (self.mw[rows] @ known) / np.maximum(self.nwords[rows], 1)
            neutral[rows] = lm.neutral(cov[rows], self.foreign[rows], self.log_words[rows])
        if dropout:
            neutral |= self.drop_doc[self.doc_all]
        return finish_columns(
            s, cov, neutral, bias, self.doc_bounds, self.neighbours, self.coverage
        )


def with_lexical(x: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
    return x if cols is None else np.hstack([x, cols])


def doc_spans(doc: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each document's rows in arrays sorted by document."""
    cuts = np.flatnonzero(np.diff(doc)) + 1
    edges = [0, *cuts.tolist(), len(doc)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def context_matrix(
    p: np.ndarray,
    x_all: np.ndarray,
    doc: np.ndarray,
    extra: bool = False,
    cohesion: Cohesion | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """``tasks.context.context_features`` of every document (rows sorted by document);
    ``extra``: with the ``EXTRA_NAMES`` columns; ``cohesion`` (of every row of X_all,
    whose rows ``rows`` these are; None: all): with the ``COHESION_NAMES`` columns."""
    z = np.vstack([context_features(p[a:b], x_all[a:b], extra) for a, b in doc_spans(doc)])
    if cohesion is None:
        return z
    full = np.zeros(len(cohesion.count))
    sel = slice(None) if rows is None else rows
    full[sel] = p  # documents never share a token: the other rows' zeros touch nothing
    return np.hstack([z, cohesion_columns(full, cohesion)[sel]])


def labels_of(
    data: dict[str, Any], excluded: tuple[int, ...], rows: Any = slice(None)
) -> tuple[np.ndarray, np.ndarray | None]:
    """Training labels of ``rows`` for a model that must know nothing of the folds
    ``excluded`` (``Teachers``' per-fold labels), and their teacher weights (None: 1)."""
    y_ex = data.get("y_ex")
    if not y_ex:
        return data["y"][rows], None
    key = ",".join(str(f) for f in sorted(excluded))
    y, keep = y_ex[key] if key in y_ex else y_ex[""]
    return y[rows], keep[rows]


_JOB: dict[str, Any] = {}


def _stage1_job(excluded: tuple[int, ...]) -> tuple[tuple[int, ...], Any, np.ndarray, np.ndarray]:
    """Fit the first stage without the folds ``excluded``; its (combined, network-only)
    probabilities on every row of those folds' documents."""
    from threadpoolctl import threadpool_limits

    d, fold_unit, fold_all, kw = _JOB["data"], _JOB["fold"], _JOB["fold_all"], _JOB["kw"]
    # (columns of every row, the same with the dropped pages neutral, model) or None
    lex = _JOB["lex"].get(excluded)
    cols = None if lex is None else lex[0]
    tr = ~np.isin(fold_unit, excluded)
    te = np.isin(fold_all, excluded)
    with threadpool_limits(1):
        x_unit = with_lexical(d["X"], None if lex is None else lex[1][d["unit_all"]])
        y, keep = labels_of(d, excluded, tr)
        model = fit(x_unit[tr], y, d["snip"][tr], keep=keep, **kw)
        if lex is not None:
            model = replace(model, lexical=lex[2])
        xt = with_lexical(d["X_all"][te], None if cols is None else cols[te])
        p_mlp = model._mlp(xt)
        p_both = model.first_stage(xt)
    print(f"first stage without folds {excluded} done", file=sys.stderr)
    return excluded, model, p_both, p_mlp


def site_folds(data: dict[str, np.ndarray], folds: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``GroupKFold``-by-site fold of every training row and of every row."""
    from sklearn.model_selection import GroupKFold

    g = data["group"]
    fold_of_group: dict[int, int] = {}
    for i, (_, te) in enumerate(GroupKFold(n_splits=folds).split(data["X"], data["y"], g)):
        fold_of_group.update({int(k): i for k in np.unique(g[te])})
    lookup = np.vectorize(fold_of_group.__getitem__, otypes=[np.int64])
    return lookup(g), lookup(data["group_all"])


def first_stage_oof(
    data: dict[str, np.ndarray],
    folds: int,
    cache: Path | None,
    outer_only: bool = False,
    lexical: Lexical | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """First-stage models and held-out probabilities for honest stacking.

    Folds are ``GroupKFold`` by site. For each fold ``i``: the model without it (``outer``)
    and its probabilities on fold ``i``'s pages (the stage-2 input at test time); for each
    pair ``{i, j}``: the model without both, scoring both folds' pages, so that within the
    training set of outer fold ``i`` the pages of fold ``j`` have stage-1 probabilities
    from a model that saw neither them nor fold ``i`` (inner out-of-fold). 15 fits for 5
    folds, two at a time; cached by the data and settings. ``outer_only``: the outer
    models alone (what an export needs), unless the full set is cached."""
    from itertools import combinations

    fold_unit, fold_all = site_folds(data, folds)
    key = hashlib.sha1(repr(sorted(kw.items())).encode())
    if lexical is not None:
        key.update(lexical.describe().encode())
    for name in ("X_all", "y", "snip", "group"):
        key.update(np.ascontiguousarray(data[name]).tobytes())
    for k, arrays in sorted(data.get("y_ex", {}).items()):  # teachers' labels, if any
        key.update(k.encode())
        for a in arrays:
            key.update(np.ascontiguousarray(a).tobytes())
    full = cache.parent / f"stage1_{folds}_{key.hexdigest()[:16]}.pkl" if cache else None
    path = full.with_name("outer_" + full.name) if full and outer_only else full
    for p in (full, path):
        if p is not None and p.is_file():
            out: dict[str, Any] = pickle.loads(p.read_bytes())
            return out
    jobs: list[tuple[int, ...]] = [(i,) for i in range(folds)]
    if not outer_only:
        jobs += list(combinations(range(folds), 2))
    lex: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, LexicalModel]] = {}
    if lexical is not None:  # fitted here, before the pool forks (cheap: sparse, linear)
        for e in jobs:
            ex = frozenset(e)
            cols = lexical.columns(ex)
            drop = lexical.columns(ex, dropout=True) if lexical.dropout > 0 else cols
            lex[e] = cols, drop, lexical.model(ex)
        print(f"lexical models ({lexical.describe()}) done", file=sys.stderr)
    _JOB.update(data=data, fold=fold_unit, fold_all=fold_all, kw=kw, lex=lex)
    with get_context("fork").Pool(2) as pool:
        got = pool.map(_stage1_job, jobs, chunksize=1)
    out = {"fold_unit": fold_unit, "fold_all": fold_all, "models": {}, "both": {}, "mlp": {}}
    for excluded, model, p_both, p_mlp in got:
        out["models"][excluded] = model
        out["both"][excluded] = p_both
        out["mlp"][excluded] = p_mlp
    if path is not None:
        path.write_bytes(pickle.dumps(out))
    return out


def self_labels(
    data: dict[str, Any], s1: dict[str, Any], lo: float, hi: float
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Self-training labels (``--self-train LO,HI``) for every set of excluded folds:
    a training row the first stage scores at ``hi`` or more while its label says chrome
    becomes article, one scored at ``lo`` or less labelled article becomes chrome
    (snippet-covered rows keep their labels). A row of fold ``k`` is judged by a model
    that never saw fold ``k`` nor the excluded fold ``i``, so the outer models, whose
    figures are reported, learn nothing of their held-out sites: for ``i``, the pair
    model without ``(i, k)``; for the pair ``(i, j)``, the same (it saw ``j``, which
    only shapes the context stage's inner inputs); for every fold (the export), the
    outer model without ``k``."""
    fold = s1["fold_unit"]
    unit = data["unit_all"]
    y0, snip = data["y"], data["snip"] > 0
    folds = int(fold.max()) + 1
    ones = np.ones(len(y0))

    def relabel(p: np.ndarray) -> np.ndarray:
        y = y0.copy()
        y[(p >= hi) & ~snip] = 1
        y[(p <= lo) & ~snip] = 0
        return y

    out = {"": (relabel(held_out_probs(s1, "both", None)[unit]), ones)}
    for i in range(folds):
        p = held_out_probs(s1, "both", i)[unit]
        y = relabel(p)
        out[str(i)] = (y, ones)
        for j in range(i + 1, folds):
            out[f"{i},{j}"] = (y, ones)
    flips = int((out[""][0] != y0).sum())
    print(f"self-training: {flips} of {len(y0)} labels flipped (all folds)", file=sys.stderr)
    return out


def held_out_probs(s1: dict[str, Any], variant: str, outer: int | None) -> np.ndarray:
    """Stage-1 probability of every row from a model that never saw its page: for the
    pages outside fold ``outer``, a model that did not see ``outer`` either (``None``:
    the outer models' own out-of-fold probabilities, every page)."""
    fold_all = s1["fold_all"]
    p = np.full(len(fold_all), np.nan)
    for f in np.unique(fold_all).tolist():
        rows = fold_all == f
        if outer is None or f == outer:
            p[rows] = s1[variant][(f,)]
        else:
            pair = (min(f, outer), max(f, outer))
            both = fold_all[np.isin(fold_all, pair)]
            p[rows] = s1[variant][pair][both == f]
    return p


def stacked_cv(
    data: dict[str, np.ndarray],
    s1: dict[str, Any],
    variant: str,
    hidden: int,
    weight: int,
    threshold: float,
    blend: float,
    extra: bool = False,
    seeds: int = 1,
    max_iter: int = 30,
    cohesion: bool = False,
) -> tuple[np.ndarray, dict[int, ChromeModel]]:
    """Outer CV of first stage + one context stage: for outer fold ``i`` the stage is
    trained on the other folds' pages with inner held-out stage-1 probabilities, and
    scores fold ``i`` from the outer model's probabilities. Returns the out-of-fold
    probabilities (training rows) and the held-out model of each site group."""
    fold_all, unit = s1["fold_all"], data["unit_all"]
    fold_unit = s1["fold_unit"]
    x_all, doc = data["X_all"], data["doc_all"]
    coh = data["cohesion"] if cohesion else None
    oof = np.zeros(len(data["y"]))
    by_group: dict[int, ChromeModel] = {}
    folds = int(fold_all.max()) + 1
    for i in range(folds):
        p_in = held_out_probs(s1, variant, i)
        tr_all = fold_all != i
        z = context_matrix(p_in[tr_all], x_all[tr_all], doc[tr_all], extra, coh, tr_all)
        z = z[unit[tr_all]]
        tr = fold_unit != i
        y, keep = labels_of(data, (i,), tr)
        stage = fit_stage(z, y, data["snip"][tr], hidden, weight, threshold, keep, seeds, max_iter)
        first = s1["models"][(i,)]
        if variant == "mlp":
            first = replace(first, trees=None, tree_weight=0.0)
        model = replace(first, stages=(stage,), stage_blend=blend)
        te_all = fold_all == i
        p_te = s1[variant][(i,)]
        q = stage.first_stage(context_matrix(p_te, x_all[te_all], doc[te_all], extra, coh, te_all))
        oof[fold_unit == i] = (blend * p_te + (1 - blend) * q)[unit[te_all]]
        g = data["group"][fold_unit == i]
        by_group.update({int(k): model for k in np.unique(g)})
        print(f"context stage, fold {i + 1}/{folds} done", file=sys.stderr)
    return oof, by_group


LEXICAL_FILE = "chrome_lexical.npy"


def to_dict(m: ChromeModel, names: tuple[str, ...] = FEATURE_NAMES) -> dict[str, object]:
    def r(a: np.ndarray) -> object:
        return np.round(a, 6).tolist()

    out: dict[str, object] = {
        "format": "newsetl-chrome-mlp-1",
        "features": list(names + m.lexical.names if m.lexical is not None else names),
        "mean": r(m.mean),
        "scale": r(m.scale),
        "w1": r(m.w1),
        "b1": r(m.b1),
        "w2": r(m.w2),
        "b2": round(m.b2, 6),
        "threshold": m.threshold,
        "info": m.info,
    }
    if m.trees is not None:
        t = m.trees
        out["tree_weight"] = m.tree_weight
        out["gate"] = list(m.gate)
        out["trees"] = {
            "depth": t.depth,
            "baseline": round(t.baseline, 8),
            "roots": t.roots.tolist(),
            "feature": t.feature.tolist(),
            "threshold": [None if np.isinf(v) else v for v in t.threshold.tolist()],
            "left": t.left.tolist(),
            "value": np.round(t.value, 8).tolist(),
        }
    if m.stages:
        out["stages"] = [
            to_dict(st, context_names(*layout_of_width(len(st.mean)))) for st in m.stages
        ]
        out["stage_blend"] = m.stage_blend
    if m.fallback is not None:
        out["fallback"] = to_dict(m.fallback, names)
        out["fallback_below"] = m.fallback_below
    if m.lexical is not None:
        out["lexical"] = {
            "file": LEXICAL_FILE,
            "bits": m.lexical.bits,
            "bias": m.lexical.bias,
            "kinds": list(m.lexical.kinds),
            "neighbours": m.lexical.neighbours,
            "foreign_neutral": m.lexical.foreign_neutral,
            "min_words": m.lexical.min_words,
            "min_coverage": m.lexical.min_coverage,
            "coverage": m.lexical.coverage,
            "sha256": weights_sha256(m.lexical.weights),
        }
    return out


def cross_validate(
    data: dict[str, np.ndarray],
    hidden: int,
    weight: int,
    folds: int,
    threshold: float,
    lexical: Lexical | None = None,
    **trees: Any,
) -> tuple[np.ndarray, dict[int, ChromeModel]]:
    """Out-of-fold unit probabilities, and for each site group the model that never saw it."""
    from sklearn.model_selection import GroupKFold

    x, y, snip, g = data["X"], data["y"], data["snip"], data["group"]
    fold_unit, _ = site_folds(data, folds)
    oof = np.zeros(len(y))
    by_group: dict[int, ChromeModel] = {}
    for i, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(x, y, g)):
        cols = None if lexical is None else lexical.columns(frozenset({i}))[data["unit_all"]]
        xl = with_lexical(x, cols)
        if lexical is not None and lexical.dropout > 0:
            drop = lexical.columns(frozenset({i}), dropout=True)[data["unit_all"]]
            xl_tr = with_lexical(x, drop)[tr]
        else:
            xl_tr = xl[tr]
        yi, keep = labels_of(data, (i,), tr)
        model = fit(xl_tr, yi, snip[tr], hidden, weight, threshold, keep=keep, **trees)
        if lexical is not None:
            assert set(np.unique(fold_unit[te]).tolist()) == {i}
            model = replace(model, lexical=lexical.model(frozenset({i})))
        oof[te] = model.predict(xl[te])
        by_group.update({int(k): model for k in np.unique(g[te])})
        print(f"fold {i + 1}/{folds} done", file=sys.stderr)
    return oof, by_group


def separator_cv(
    devset: Path,
    res: Resources,
    data: dict[str, np.ndarray],
    by_group: dict[int, ChromeModel],
    dump: Path | None = None,
    thresholds: tuple[float, ...] = (),
) -> None:
    """The whole separator (rules + model), each page run with its site's held-out model,
    at the model's threshold and then at each of ``thresholds``."""
    from tasks.chrome import Chrome, separate
    from tasks.segment import join_blocks

    scorer = load_scorer(devset)
    fallback = next(iter(by_group.values()))
    own = fallback.threshold
    for thr in (own, *(t for t in thresholds if t != own)):
        sites: dict[str, int] = {}
        counts = []
        for lab in load_labels(devset):
            s = sites.setdefault(site(str(lab["url"])), len(sites))
            chrome = Chrome(res, by_group.get(s, fallback))
            text = (devset / "pages" / f"{lab['id']}.txt").read_text(encoding="utf-8")
            sep = separate(text, chrome=chrome, threshold=thr)
            c = scorer.count_page(lab, join_blocks(text, list(sep.body_blocks)))
            c["lang"] = lab.get("lang") or "?"
            counts.append(c)
            if dump is not None and thr == own:
                c["id"], c["site"] = lab["id"], s
                c["units"] = [[d.position, int(d.keep), d.reason, d.score] for d in sep.decisions]
        _print_counts(scorer, counts, f"separator, site-grouped CV, threshold {thr:.2f}")
        if dump is not None and thr == own:
            dump.parent.mkdir(parents=True, exist_ok=True)
            dump.write_text(json.dumps(counts), encoding="utf-8")


def report(
    devset: Path,
    res: Resources,
    data: dict[str, np.ndarray],
    probs: np.ndarray,
    thresholds: list[float],
) -> None:
    scorer = load_scorer(devset)
    labels = load_labels(devset)
    doc = data["doc"]
    bounds = np.searchsorted(doc, np.arange(len(labels) + 1))
    units = [
        extract((devset / "pages" / f"{lab['id']}.txt").read_text(encoding="utf-8"), res).texts
        for lab in labels
    ]
    for thr in thresholds:
        counts = []
        for k, lab in enumerate(labels):
            p = probs[bounds[k] : bounds[k + 1]]
            body = "\n".join(u for u, q in zip(units[k][1:], p, strict=False) if q >= thr)
            c = scorer.count_page(lab, body)
            c["lang"] = lab.get("lang") or "?"
            counts.append(c)
        _print_counts(scorer, counts, f"model only, threshold {thr:.2f}")


def _print_counts(scorer: ModuleType, counts: list[dict[str, object]], what: str) -> None:
    f = scorer.figures(counts)
    print(
        f"{what}: P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}  "
        f"(tp {f['tp']} fp {f['fp']} fn {f['fn']})"
    )
    by: dict[str, list[dict[str, object]]] = {}
    for c in counts:
        by.setdefault(str(c["lang"]), []).append(c)
    for lang in sorted(by, key=lambda k: -len(by[k])):
        if len(by[lang]) >= 3:
            f = scorer.figures(by[lang])
            print(
                f"    {lang:<4} pages {f['pages']:>3}  P {f['precision']:.3f} "
                f"R {f['recall']:.3f} F1 {f['f1']:.3f}"
            )


def export_model(
    data: dict[str, np.ndarray], args: argparse.Namespace, first: dict[str, Any], lexical: Any
) -> ChromeModel:
    """The shipped model: the first stage on every page (the lexical columns with the
    dropout draw), the context stage on the outer folds' held-out first-stage scores."""
    from threadpoolctl import threadpool_limits

    cols = None
    if lexical is not None:
        cols = lexical.columns(frozenset(), dropout=True)[data["unit_all"]]
    with threadpool_limits(1):  # the same bytes on any machine
        y, keep = labels_of(data, ())
        model = fit(with_lexical(data["X"], cols), y, data["snip"], keep=keep, **first)
    if lexical is not None:
        model = replace(model, lexical=lexical.model(frozenset()))
    if args.stage_input == "mlp":
        model = replace(model, trees=None, tree_weight=0.0)
    if args.stages:
        s1 = first_stage_oof(
            data, args.folds, args.cache, outer_only=True, lexical=lexical, **first
        )
        p1 = held_out_probs(s1, args.stage_input, None)
        coh = data["cohesion"] if args.context_cohesion else None
        z = context_matrix(p1, data["X_all"], data["doc_all"], args.context_extra, coh)
        z = z[data["unit_all"]]
        stage = fit_stage(
            z,
            y,
            data["snip"],
            args.stage_hidden,
            args.stage_snippet_weight,
            args.threshold,
            keep,
            args.stage_seeds,
            args.stage_max_iter,
        )
        model = replace(model, stages=(stage,), stage_blend=args.stage_blend)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--out", type=Path, default=CONFIG_DIR / "chrome_model.json")
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "chrome_extracts.json")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--snippet-weight", type=int, default=4)
    ap.add_argument("--threshold", type=float, default=0.45)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--trees", type=int, default=100, help="boosted trees (0: MLP only)")
    ap.add_argument("--depth", type=int, default=6, help="tree depth")
    ap.add_argument("--lr", type=float, default=0.1, help="boosting learning rate")
    ap.add_argument(
        "--gate",
        type=float,
        nargs=2,
        default=(0.03, 0.97),
        help="trees score only units whose MLP probability lies within (LO, HI)",
    )
    ap.add_argument(
        "--tree-weight", type=float, default=0.6, help="trees' share of the averaged probability"
    )
    ap.add_argument(
        "--line-labels",
        action="store_true",
        help="a short unit is article only as a whole line/list item/table cell of "
        "trafilatura's output (default: found anywhere in it, as the shipped model)",
    )
    ap.add_argument(
        "--stages", type=int, default=1, help="context stages over stage-1 probabilities (0, 1)"
    )
    ap.add_argument(
        "--stage-hidden", type=int, default=16, help="context stage's ReLU units (0: logistic)"
    )
    ap.add_argument(
        "--stage-snippet-weight",
        type=int,
        default=20,
        help="the context stage's extra weight on snippet-covered units",
    )
    ap.add_argument(
        "--stage-blend",
        type=float,
        default=0.7,
        help="share of the first stage's probability in the final one (the rest: the context "
        "stage's)",
    )
    ap.add_argument(
        "--stage-input",
        choices=("both", "mlp"),
        default="both",
        help="the context stage reads the network+trees probability, or the network's alone "
        "(the trees are then left out of the model)",
    )
    ap.add_argument(
        "--max-iter", type=int, default=30, help="the first-stage network's epochs at most"
    )
    ap.add_argument(
        "--stage-max-iter", type=int, default=30, help="the context stage's epochs at most"
    )
    ap.add_argument(
        "--stage-seeds",
        type=int,
        default=1,
        help="context stage: average the logits of this many networks (random_state 0..K-1)",
    )
    ap.add_argument(
        "--context-extra",
        action="store_true",
        help="the context stage also reads tasks.context's EXTRA_NAMES columns (sandwiches, "
        "runs of listish units and what flanks them)",
    )
    ap.add_argument(
        "--context-cohesion",
        action="store_true",
        help="the context stage also reads tasks.context's COHESION_NAMES columns (do the "
        "unit's content words recur elsewhere on the page: in likely article units, in "
        "chrome, in the title line)",
    )
    ap.add_argument(
        "--self-train",
        default="",
        help="LO,HI: training rows the out-of-fold first stage scores at HI or more (LO or "
        "less) become article (chrome), snippet-covered rows excepted (self_labels)",
    )
    ap.add_argument(
        "--first-cohesion",
        action="store_true",
        help="CV experiment: the first stage also reads the cohesion columns, computed with "
        "the features' prose-like heuristic in place of probabilities (model-only figures)",
    )
    ap.add_argument(
        "--lexical",
        default="",
        help="kinds of hashed-token keys of the lexical model (tasks.lexical), comma separated "
        f"from {','.join(KINDS)}; empty: no lexical model",
    )
    ap.add_argument("--lexical-bits", type=int, default=18, help="2**BITS hash buckets")
    ap.add_argument(
        "--lexical-line-labels",
        action="store_true",
        help="the lexical model learns from line labels (as --line-labels), whatever the rest",
    )
    ap.add_argument(
        "--lexical-min-df",
        type=int,
        default=1,
        help="buckets found on fewer training pages get no weight (unseen words stay neutral)",
    )
    ap.add_argument(
        "--lexical-foreign-neutral",
        action="store_true",
        help="units in another language or script than the page get the neutral score (bias)",
    )
    ap.add_argument(
        "--lexical-own",
        action="store_true",
        help="the unit's lexical score only (not its neighbours' as well)",
    )
    ap.add_argument(
        "--lexical-min-sites",
        type=int,
        default=1,
        help="buckets found on fewer training sites get no weight (one site's template "
        "words say nothing about other sites)",
    )
    ap.add_argument(
        "--lexical-min-words",
        type=int,
        default=0,
        help="units with fewer words get the neutral score (a lone X, Close, a menu item)",
    )
    ap.add_argument(
        "--lexical-min-coverage",
        type=float,
        default=0.0,
        help="units with a smaller share of words in weighted buckets get the neutral score",
    )
    ap.add_argument(
        "--lexical-coverage",
        action="store_true",
        help="a column with the share of the unit's words in weighted buckets",
    )
    ap.add_argument(
        "--lexical-dropout",
        type=float,
        default=0.0,
        help="share of training pages whose lexical columns the network sees neutral",
    )
    ap.add_argument(
        "--lexical-balance",
        type=float,
        default=0.0,
        help="the lexical model weighs a page of a language with k pages k**-B (0: equal)",
    )
    ap.add_argument(
        "--lexical-fallback",
        type=float,
        default=0.0,
        help="pages whose mean lexical coverage is below this are scored by a model "
        "without lexical columns, trained alongside (needs --lexical-coverage)",
    )
    ap.add_argument("--lexical-c", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument(
        "--lexical-snippet-weight", type=int, default=4, help="the lexical model's snippet weight"
    )
    ap.add_argument(
        "--teacher",
        default="",
        help="labels from these teachers (comma separated names of TEACHER_DIR/NAME.json, "
        "bench/chrome_teachers.py) instead of trafilatura's default extract (--cache)",
    )
    ap.add_argument("--teacher-dir", type=Path, default=ROOT / ".cache" / "teachers")
    ap.add_argument(
        "--teacher-rule",
        choices=("all", "any", "majority"),
        default="majority",
        help="several teachers: a unit is article when all / any / most of them say so",
    )
    ap.add_argument(
        "--teacher-disagree",
        type=float,
        default=1.0,
        choices=(0.0, 1.0),
        help="training weight of units the teachers disagree on (0: left out)",
    )
    ap.add_argument("--cv", action="store_true", help="grouped-by-site CV instead of export")
    ap.add_argument(
        "--dump", type=Path, help="--cv: write every page's counts and unit decisions (JSON)"
    )
    args = ap.parse_args(argv)
    t0 = time.time()
    res = load_resources(CONFIG_DIR)
    teachers = load_teachers(
        args.teacher_dir, args.teacher, args.teacher_rule, args.teacher_disagree
    )
    data = build(args.devset, res, args.cache, not args.line_labels, teachers)
    print(
        f"units {len(data['y'])}  article share {data['y'].mean():.3f}  "
        f"sites {len(np.unique(data['group']))}  ({time.time() - t0:.0f}s)",
        file=sys.stderr,
    )
    trees = {
        "trees": args.trees,
        "depth": args.depth,
        "tree_weight": args.tree_weight,
        "lr": args.lr,
        "gate": tuple(args.gate),
    }
    thresholds = (args.threshold - 0.1, args.threshold - 0.05, args.threshold + 0.05)
    if args.first_cohesion:
        first_coh = cohesion_columns(data["heuristic_all"], data["cohesion"])
        data["X_all"] = np.hstack([data["X_all"], first_coh])
        data["X"] = data["X_all"][data["unit_all"]]
    lexical = None
    if args.lexical:
        kinds = tuple(k.strip() for k in args.lexical.split(",") if k.strip())
        if not set(kinds) <= set(KINDS):
            ap.error(f"--lexical: kinds among {', '.join(KINDS)}")
        if args.lexical_fallback > 0 and not args.lexical_coverage:
            ap.error("--lexical-fallback needs --lexical-coverage")
        lexical = Lexical(
            data,
            site_folds(data, args.folds)[1],
            kinds,
            args.lexical_bits,
            args.lexical_c,
            args.lexical_snippet_weight,
            not args.lexical_own,
            args.lexical_line_labels,
            args.lexical_min_df,
            args.lexical_foreign_neutral,
            args.lexical_min_sites,
            args.lexical_min_words,
            args.lexical_min_coverage,
            args.lexical_coverage,
            args.lexical_dropout,
            args.lexical_balance,
        )
    if args.cv and args.stages == 0:
        oof, by_group = cross_validate(
            data, args.hidden, args.snippet_weight, args.folds, args.threshold, lexical, **trees
        )
        separator_cv(args.devset, res, data, by_group, args.dump, thresholds)
        if args.dump is not None:
            np.save(args.dump.with_suffix(".oof.npy"), oof)
        report(args.devset, res, data, oof, [0.35, 0.4, args.threshold, 0.5, 0.55])
        return 0
    first = {
        "hidden": args.hidden,
        "weight": args.snippet_weight,
        "threshold": args.threshold,
        **trees,
    }
    if args.max_iter != 30:  # (the default left out: the stage-1 cache keys stay as they were)
        first["max_iter"] = args.max_iter
    if args.self_train:
        lo, hi = (float(v) for v in args.self_train.split(","))
        base = first_stage_oof(data, args.folds, args.cache, **first)
        data["y_ex"] = self_labels(data, base, lo, hi)
    if args.cv:

        def stacked(lex: Lexical | None) -> tuple[np.ndarray, dict[int, ChromeModel]]:
            """The stacked CV over the first stage's out-of-fold scores (``lex``: with
            that lexical setting, or None)."""
            s1 = first_stage_oof(data, args.folds, args.cache, lexical=lex, **first)
            return stacked_cv(
                data,
                s1,
                args.stage_input,
                args.stage_hidden,
                args.stage_snippet_weight,
                args.threshold,
                args.stage_blend,
                args.context_extra,
                args.stage_seeds,
                args.stage_max_iter,
                args.context_cohesion,
            )

        oof, by_group = stacked(lexical)
        if lexical is not None and args.lexical_fallback > 0:  # the same CV without it
            _, plain = stacked(None)
            by_group = {
                g: replace(m, fallback=plain[g], fallback_below=args.lexical_fallback)
                for g, m in by_group.items()
            }
        if args.first_cohesion:  # the separator cannot compute the experiment's columns
            print("--first-cohesion: model-only figures", file=sys.stderr)
        else:
            separator_cv(args.devset, res, data, by_group, args.dump, thresholds)
        if args.dump is not None:
            np.save(args.dump.with_suffix(".oof.npy"), oof)
        report(args.devset, res, data, oof, [0.35, 0.4, args.threshold, 0.5, 0.55])
        return 0
    if args.first_cohesion:
        ap.error("--first-cohesion is a CV experiment (the separator cannot read the model)")
    model = export_model(data, args, first, lexical)
    if lexical is not None and args.lexical_fallback > 0:
        plain = export_model(data, args, first, None)
        model = replace(model, fallback=plain, fallback_below=args.lexical_fallback)
    args.out.write_text(json.dumps(to_dict(model)) + "\n", encoding="utf-8")
    if model.lexical is not None:
        weights = args.out.with_name(LEXICAL_FILE)
        save_weights(weights, model.lexical.weights)
        print(f"wrote {weights} ({weights.stat().st_size // 1024} KB)", file=sys.stderr)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
