"""Train the HTML path's combiner (config/html_model.json) on the devset HTML pages.

    PYTHONPATH=. python bench/train_html.py [--devset ../shared/devset] [--out FILE]
                                            [--folds 5] [--C 1.0] [--check]

Every page goes through the run's own steps (decode, trafilatura, the text chrome pass),
then ``tasks.html.combined_features`` gives one row per extracted block. A block is
labelled body when it holds a "with" snippet, chrome when it holds a "without" one
(blocks holding neither are not used). A logistic regression (scikit-learn, the
``train`` extra; inference is numpy) is scored by site-grouped cross-validation: every
page's blocks are scored by a model that never saw its site, the page bodies rebuilt
and scored with the devset's ``score.py`` metric; the threshold with the best
cross-validated F1 is kept. The final model is fit on all pages. ``--check`` only prints
the cross-validated figures. Deterministic.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.decode import decode  # noqa: E402
from tasks.html import COMBINED_FEATURES, MODEL_PATH, combined_features  # noqa: E402
from tasks.process import prepare, read_limits, text_pass  # noqa: E402
from tasks.read import read_file  # noqa: E402
from tasks.records import Reject, SourceFile  # noqa: E402
from tasks.settings import load_settings  # noqa: E402

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.71, 0.05))


def site(label: dict) -> str:
    url = label["url"]
    host = urlparse(url).netloc or url.split("::")[-1]
    return host.lower().removeprefix("www.")


def norm(text: str) -> str:
    return " ".join(text.split())


def page_rows(devset: Path) -> list[tuple[dict, list[str], np.ndarray, list[bool]]]:
    """Per page: its label, block texts, combined features, title-drop flags (a page read
    as plain text has no features: its texts are the text pass's body, always kept)."""
    settings = load_settings()
    labels = {}
    for line in (devset / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            labels[item["id"]] = item
    rows = []
    for path in sorted((devset / "pages").glob("*.html.gz")):
        f = SourceFile(str(path), path.name, None, path.stat().st_size, path.stat().st_mtime_ns)
        label = labels[path.name.removesuffix(".html.gz")]
        for raw in read_file(f, read_limits(settings)):
            doc = raw if isinstance(raw, Reject) else decode(raw)
            p = doc if isinstance(doc, Reject) else prepare(doc, settings)
            if isinstance(p, Reject):
                rows.append((label, [], np.zeros((0, len(COMBINED_FEATURES))), []))
                continue
            sep = text_pass(p, settings)
            texts = [b.text for b in sep.blocks]
            if p.structure is None:  # read as plain text: the text pass decides alone
                kept = [t for t, d in zip(texts, sep.decisions, strict=True) if d.keep]
                rows.append((label, kept, np.zeros((0, len(COMBINED_FEATURES))), []))
                continue
            x = combined_features(sep, p.structure)
            titles = [d.reason == "title" for d in sep.decisions]
            rows.append((label, texts, x, titles))
    return rows


def f1_of(pages: list[tuple[dict, list[str]]]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for label, kept in pages:
        body = norm("\n\n".join(kept))
        hits = sum(norm(s) in body for s in label["with"])
        tp += hits
        fn += len(label["with"]) - hits
        fp += sum(norm(s) in body for s in label["without"])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * tp / (2 * tp + fp + fn) if tp else 0.0)


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", default=str(ROOT.parent / "shared" / "devset"))
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    rows = page_rows(Path(args.devset))
    xs, ys, groups, where = [], [], [], []
    for page, (label, texts, x, _) in enumerate(rows):
        if not len(x):
            continue
        wl = [norm(s) for s in label["with"]]
        wo = [norm(s) for s in label["without"]]
        for k, text in enumerate(texts):
            t = norm(text)
            pos, neg = any(s in t for s in wl), any(s in t for s in wo)
            if pos != neg:
                xs.append(x[k])
                ys.append(int(pos))
                groups.append(site(label))
                where.append((page, k))
    X, y = np.array(xs), np.array(ys)
    g = np.array(groups)
    page_sites = np.array([site(label) for label, *_ in rows])

    def fit(idx: np.ndarray) -> LogisticRegression:
        return LogisticRegression(C=args.C, max_iter=5000).fit(X[idx], y[idx])

    # cross-validated probability of every block of every page (fold by site)
    probs = [np.zeros(len(texts)) for _, texts, _, _ in rows]
    folds = GroupKFold(n_splits=args.folds)
    for _, held_pages in folds.split(page_sites, groups=page_sites):
        held = set(page_sites[held_pages].tolist())
        model = fit(np.flatnonzero(~np.isin(g, list(held))))
        for page in held_pages:
            if len(rows[page][2]):
                probs[page] = model.predict_proba(rows[page][2])[:, 1]
            else:
                probs[page] = np.ones(len(rows[page][1]))
    best = (-1.0, 0.5, (0.0, 0.0, 0.0))
    for t in THRESHOLDS:
        pages = [
            (
                label,
                [
                    tx
                    for tx, p, ti in zip(
                        texts, probs[i], titles or [False] * len(texts), strict=True
                    )
                    if p >= t and not ti
                ],
            )
            for i, (label, texts, _, titles) in enumerate(rows)
        ]
        prf = f1_of(pages)
        print(f"threshold {t:.2f}: cross-validated P {prf[0]:.4f} R {prf[1]:.4f} F1 {prf[2]:.4f}")
        if prf[2] > best[0]:
            best = (prf[2], t, prf)
    _, threshold, (p, r, f) = best
    print(
        f"best threshold {threshold:.2f}: P {p:.4f} R {r:.4f} F1 {f:.4f} "
        f"({len(y)} labelled blocks, {int(y.sum())} body)"
    )
    if args.check:
        return 0
    model = fit(np.arange(len(y)))
    out = {
        "features": list(COMBINED_FEATURES),
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": threshold,
        "trained_on": "devset HTML pages (bench/train_html.py)",
        "cv": {
            "folds": args.folds,
            "grouped_by": "site",
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
        },
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
