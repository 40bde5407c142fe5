"""The HTML path as a teacher for the text separator, honest under site-grouped CV.

    PYTHONPATH=. python bench/html_teacher.py [--devset ../shared/devset]
        [--teachers .cache/teachers] [--cache .cache/chrome_extracts.json]
        [--no-text-pass] [--name htmlfold]

The HTML path (trafilatura with the lead paragraph put back, the text chrome pass, the
structure combiner of ``tasks.html``; devset F1 .942) is a better extractor than
trafilatura alone (.921), but its two models were trained on every devset page, snippets
included. Used as it ships to label the training pages of a CV fold, it would hand that
fold's held-out sites' snippets to the student. So it is rebuilt for every set ``E`` of
folds that ``bench/train_chrome.py --cv`` keeps out of a fit (the 5 folds and the 10
pairs, by the same ``GroupKFold`` by site):

- the chrome pass is the first-stage model ``train_chrome`` fitted without ``E`` (from
  its stage-1 cache: run ``train_chrome.py --cv`` with default flags first), and the
  shipped ``config/chrome_model.json`` for ``E`` empty (the export);
- the combiner (``tasks.html.combined_features``, logistic regression, C=1, as
  ``bench/train_html.py``) is fitted on the blocks of pages outside ``E`` with a snippet;
  its threshold is the best by an inner site-grouped 4-fold CV on those pages;
- ``--no-text-pass``: the combiner without the chrome pass's columns (structure only:
  no chrome model at all).

Needs ``bench/chrome_teachers.py --html-prep`` (trafilatura's blocks and the structure
features of every page). Writes ``TEACHERS/NAME.json`` as ``{"folds": {key: {id: text}}}``
(key: the excluded folds, "0,3"; "" for the export) for ``train_chrome.py --teacher``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.train_chrome import build, first_stage_oof, site, site_folds  # noqa: E402
from tasks.chrome import CONFIG_DIR, Chrome, default_chrome, load_resources, separate  # noqa: E402
from tasks.evaluate import load_labels  # noqa: E402
from tasks.html import TEXT_FEATURES, combined_features  # noqa: E402

FIRST = {  # train_chrome's default first stage (its stage-1 cache key)
    "hidden": 64,
    "weight": 4,
    "threshold": 0.45,
    "trees": 100,
    "depth": 6,
    "tree_weight": 0.6,
    "lr": 0.1,
    "gate": (0.03, 0.97),
}
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.71, 0.05))


def norm(text: str) -> str:
    return " ".join(text.split())


def page_blocks(
    prep: tuple[str, list[str], np.ndarray, str | None], chrome: Chrome | None
) -> tuple[list[str], np.ndarray, list[bool]]:
    """(block texts, combiner features, title flags) of one page under ``chrome``."""
    text, _, structure, title = prep
    sep = separate(text, has_title=False, known_title=title, chrome=chrome)
    x = combined_features(sep, structure)
    return [b.text for b in sep.blocks], x, [d.reason == "title" for d in sep.decisions]


def block_labels(lab: dict[str, Any], texts: list[str]) -> np.ndarray:
    """1 / 0 for a block holding a with / without snippet only, -1 otherwise."""
    wl = [norm(s) for s in lab["with"]]
    wo = [norm(s) for s in lab["without"]]
    out = []
    for t in texts:
        t = norm(t)
        pos, neg = any(s in t for s in wl), any(s in t for s in wo)
        out.append(int(pos) if pos != neg else -1)
    return np.array(out, dtype=np.int64)


def f1_of(
    labs: list[dict[str, Any]], texts: list[list[str]], probs: list[np.ndarray], titles: list
) -> dict[float, float]:
    out = {}
    for t in THRESHOLDS:
        tp = fp = fn = 0
        for lab, tx, p, ti in zip(labs, texts, probs, titles, strict=True):
            body = norm(
                " ".join(x for x, q, tt in zip(tx, p, ti, strict=True) if q >= t and not tt)
            )
            hits = sum(norm(s) in body for s in lab["with"])
            tp += hits
            fn += len(lab["with"]) - hits
            fp += sum(norm(s) in body for s in lab["without"])
        out[t] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def fit(x: np.ndarray, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=5000).fit(x, y)


def teacher_texts(
    pages: list[int],
    labs: list[dict[str, Any]],
    blocks: dict[int, tuple[list[str], np.ndarray, list[bool]]],
    groups: np.ndarray,
    columns: np.ndarray,
) -> dict[int, str]:
    """The combiner fitted on ``pages`` (threshold by inner grouped CV), their texts."""
    from sklearn.model_selection import GroupKFold

    def rows(ps: list[int]) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for p in ps:
            texts, x, _ = blocks[p]
            y = block_labels(labs[p], texts)
            xs.append(x[y >= 0][:, columns])
            ys.append(y[y >= 0])
        return np.vstack(xs), np.concatenate(ys)

    ps = np.array([p for p in pages if len(blocks[p][0])])
    probs: dict[int, np.ndarray] = {}
    for tr, te in GroupKFold(n_splits=4).split(ps, groups=groups[ps]):
        model = fit(*rows(ps[tr].tolist()))
        for p in ps[te].tolist():
            probs[p] = model.predict_proba(blocks[p][1][:, columns])[:, 1]
    order = ps.tolist()
    f1 = f1_of(
        [labs[p] for p in order],
        [blocks[p][0] for p in order],
        [probs[p] for p in order],
        [blocks[p][2] for p in order],
    )
    threshold = max(f1, key=lambda t: (f1[t], -abs(t - 0.5)))
    model = fit(*rows(order))
    out = {}
    for p in order:
        texts, x, titles = blocks[p]
        q = model.predict_proba(x[:, columns])[:, 1]
        out[p] = "\n".join(
            t for t, v, ti in zip(texts, q, titles, strict=True) if v >= threshold and not ti
        )
    print(
        f"  combiner threshold {threshold:.2f} (inner CV F1 {f1[threshold]:.3f})", file=sys.stderr
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--teachers", type=Path, default=ROOT / ".cache" / "teachers")
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "chrome_extracts.json")
    ap.add_argument("--no-text-pass", action="store_true")
    ap.add_argument("--name", default="")
    args = ap.parse_args(argv)
    name = args.name or ("htmlfold_struct" if args.no_text_pass else "htmlfold")

    res = load_resources(CONFIG_DIR)
    data = build(args.devset, res, args.cache, loose=True)  # as train_chrome by default
    _, fold_all = site_folds(data, 5)
    labs = load_labels(args.devset)
    ids = [str(lab["id"]) for lab in labs]
    # every page's fold (-1: a page with no training rows, never used to fit the combiner)
    doc_fold = np.full(len(labs), -1)
    doc_fold[data["doc_all"]] = fold_all
    sites: dict[str, int] = {}
    groups = np.array([sites.setdefault(site(str(lab["url"])), len(sites)) for lab in labs])
    prep = pickle.loads((args.teachers / "html_prep.pkl").read_bytes())
    # pages the HTML path reads (3 devset pages are read as plain text: they abstain)
    have = [k for k, i in enumerate(ids) if prep.get(i) is not None and prep[i][2] is not None]
    s1 = None if args.no_text_pass else first_stage_oof(data, 5, args.cache, **FIRST)
    n_text = len(TEXT_FEATURES)
    n_all = n_text + prep[ids[have[0]]][2].shape[1]
    columns = np.arange(n_text if args.no_text_pass else 0, n_all)
    out: dict[str, dict[str, str]] = {}
    sets: list[tuple[int, ...]] = [(), *[(i,) for i in range(5)], *combinations(range(5), 2)]
    for excluded in sets:
        chrome = None  # the shipped model (E empty)
        if s1 is not None and excluded:
            chrome = Chrome(res, s1["models"][excluded])
        elif s1 is None:
            chrome = default_chrome()  # its columns are not used
        pages = [k for k in have if doc_fold[k] >= 0 and doc_fold[k] not in excluded]
        blocks = {k: page_blocks(prep[ids[k]], chrome) for k in pages}
        texts = teacher_texts(pages, labs, blocks, groups, columns)
        key = ",".join(str(f) for f in excluded)
        out[key] = {ids[k]: t for k, t in texts.items()}
        print(f"teacher without folds ({key}) done: {len(out[key])} pages", file=sys.stderr)
    path = args.teachers / f"{name}.json"
    path.write_text(json.dumps({"folds": out}), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
