"""Same separator output before and after a speed change, on every devset dump.

    PYTHONPATH=. python bench/chrome_identity.py --save /tmp/ref.pkl   # on the old code
    PYTHONPATH=. python bench/chrome_identity.py --check /tmp/ref.pkl  # on the new code

``--config DIR`` reads the model (and lexicons) from another config folder.

For every dump, three calls: ``separate(text)`` (a text dump), the run's call
(``segment`` first, then ``separate`` on its blocks with line hashes and the site
templates: lines on >= 3 dumps of the devset) and the HTML path's call
(``has_title=False`` with a known title). Recorded per call: the feature matrix and the
per-unit arrays of ``extract`` (bit for bit), every decision (keep, reason, score), the
title, its position, the language and its confidence, the site name. ``--check`` also
runs the batch API (``separate_many``/``extract_many``, when the code has them) over
batches of several sizes and compares it with the same record. A saved file holds the
full arrays (about 100 MB), so a difference can be shown, not only detected.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from collections import Counter
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import tasks.chrome as chrome_mod  # noqa: E402
import tasks.features as features_mod  # noqa: E402
from tasks.segment import segment  # noqa: E402
from tasks.templates import line_hashes  # noqa: E402

CONFIG = str(ROOT / "config")  # --config: another config folder (another model)
_ARRAYS = ("starts", "ends", "matrix", "heuristic", "lexicon", "close", "offscript", "foreign")
_ARRAYS += ("stop",)


def _texts(devset: Path) -> list[str]:
    paths = sorted((devset / "pages").glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


def _calls(texts: list[str]) -> list[list[tuple[str, dict[str, Any]]]]:
    """Per dump, the three calls' names and keyword arguments of ``separate`` (the site
    templates are counted over all ``texts``)."""
    seg = [segment(t) for t in texts]
    hashes = [line_hashes([b.text for b in bl]) for bl in seg]
    counts: Counter[int] = Counter()
    for _, distinct in hashes:
        counts.update(distinct)
    site = frozenset(h for h, c in counts.items() if c >= 3)
    out = []
    for t, bl, (every, _) in zip(texts, seg, hashes, strict=True):
        first = t.strip().split("\n", 1)[0]
        out.append(
            [
                ("dump", {}),
                ("run", {"blocks": bl, "line_hashes": every, "template_hashes": site}),
                ("html", {"blocks": bl, "has_title": False, "known_title": first}),
            ]
        )
    return out


def _feature_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "has_title": kw.get("has_title", True),
        "known_title": kw.get("known_title"),
    }
    if "blocks" in kw:
        bl = kw["blocks"]
        out["spans"] = (
            np.array([b.start for b in bl], dtype=np.int64),
            np.array([b.end for b in bl], dtype=np.int64),
        )
    return out


def _record_feats(f: Any) -> dict[str, Any]:
    rec = {k: np.asarray(getattr(f, k)).copy() for k in _ARRAYS}
    rec["language"] = f.language
    rec["texts"] = list(f.texts)
    return rec


def _record_sep(s: Any) -> dict[str, Any]:
    return {
        "blocks": [(b.position, b.text, b.start, b.end) for b in s.blocks],
        "decisions": [(d.position, d.keep, d.reason, d.score) for d in s.decisions],
        "title": s.title,
        "title_position": s.title_position,
        "language": s.language,
        "language_confidence": s.language_confidence,
        "site_name": s.site_name,
    }


def record(texts: list[str], limit: int | None = None) -> list[dict[str, Any]]:
    chrome = chrome_mod.default_chrome(CONFIG)
    out = []
    for t, calls in zip(texts[:limit], _calls(texts)[:limit], strict=True):
        row = {}
        for name, kw in calls:
            f = features_mod.extract(t, chrome.resources, **_feature_kwargs(kw))
            s = chrome_mod.separate(t, chrome=chrome, **kw)
            row[name] = {"feats": _record_feats(f), "sep": _record_sep(s)}
        out.append(row)
    return out


def _diff_feats(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    if a["language"] != b["language"]:
        return f"language {a['language']} != {b['language']}"
    if a["texts"] != b["texts"]:
        return "unit texts differ"
    for k in _ARRAYS:
        x, y = a[k], b[k]
        if x.shape != y.shape or x.dtype != y.dtype:
            return f"{k}: shape/dtype {x.shape} {x.dtype} != {y.shape} {y.dtype}"
        if x.tobytes() != y.tobytes():
            if k == "matrix":
                bad = np.argwhere(~((x == y) | (np.isnan(x) & np.isnan(y))))
                cols = sorted({int(c) for c in bad[:, 1]})
                names = [features_mod.FEATURE_NAMES[c] for c in cols[:5]]
                return f"matrix differs in {len(bad)} cells, features {names}"
            return f"{k} differs"
    return None


def _diff_sep(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    for k, v in a.items():
        if v != b[k]:
            if k == "decisions":
                bad = [(x, y) for x, y in zip(v, b[k], strict=False) if x != y]
                return f"decisions differ ({len(bad)}), first {bad[:2]}"
            return f"{k}: {v!r:.80} != {b[k]!r:.80}"
    return None


def check(texts: list[str], ref: list[dict[str, Any]], batches: list[int]) -> int:
    chrome = chrome_mod.default_chrome(CONFIG)
    calls = _calls(texts)[: len(ref)]
    now = record(texts, len(ref))
    texts = texts[: len(ref)]
    bad = 0
    for i, (r, n) in enumerate(zip(ref, now, strict=True)):
        for name in r:
            why = _diff_feats(r[name]["feats"], n[name]["feats"]) or _diff_sep(
                r[name]["sep"], n[name]["sep"]
            )
            if why:
                bad += 1
                print(f"dump {i} {name} (per document): {why}")
    print(f"per document: {len(ref)} dumps x 3 calls, {bad} differ")
    many = getattr(chrome_mod, "separate_many", None)
    fmany = getattr(features_mod, "extract_many", None)
    if many is None or fmany is None:
        print("no batch API to check")
        return 1 if bad else 0
    for size in batches:
        bbad = 0
        for name in ("dump", "run", "html"):
            for lo in range(0, len(texts), size):
                part = list(range(lo, min(lo + size, len(texts))))
                kws = [calls[i][[c[0] for c in calls[i]].index(name)][1] for i in part]
                seps = many([texts[i] for i in part], chrome=chrome, **_batch_kwargs(kws))
                fk = [_feature_kwargs(k) for k in kws]
                feats = fmany(
                    [texts[i] for i in part],
                    chrome.resources,
                    has_title=[k["has_title"] for k in fk],
                    known_titles=[k["known_title"] for k in fk],
                    spans=[k["spans"] for k in fk] if "spans" in fk[0] else None,
                )
                for j, i in enumerate(part):
                    why = _diff_feats(ref[i][name]["feats"], _record_feats(feats[j])) or _diff_sep(
                        ref[i][name]["sep"], _record_sep(seps[j])
                    )
                    if why:
                        bbad += 1
                        print(f"dump {i} {name} (batch of {size}): {why}")
        print(f"batches of {size}: {len(ref)} dumps x 3 calls, {bbad} differ")
        bad += bbad
    return 1 if bad else 0


def _batch_kwargs(kws: list[dict[str, Any]]) -> dict[str, Any]:
    """``separate_many`` keyword arguments (lists, one entry per document) from the
    per-document ``separate`` keywords."""
    out: dict[str, Any] = {}
    if "blocks" in kws[0]:
        out["blocks"] = [k["blocks"] for k in kws]
    if "line_hashes" in kws[0]:
        out["line_hashes"] = [k["line_hashes"] for k in kws]
        out["template_hashes"] = [k["template_hashes"] for k in kws]
    if "has_title" in kws[0]:
        out["has_title"] = [k["has_title"] for k in kws]
        out["known_titles"] = [k["known_title"] for k in kws]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--limit", type=int, default=None, help="first N dumps only")
    ap.add_argument("--batches", default="1,7,64,256", help="batch sizes to check")
    ap.add_argument("--config", type=Path, help="config folder (default: the checkout's)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--check", type=Path)
    args = ap.parse_args(argv)
    global CONFIG
    if args.config:
        CONFIG = str(args.config.resolve())
    texts = _texts(args.devset)
    if args.save:
        rec = record(texts, args.limit)
        args.save.write_bytes(pickle.dumps(rec, protocol=5))
        print(f"saved {len(rec)} dumps to {args.save}")
        return 0
    ref = pickle.loads(args.check.read_bytes())[: args.limit]
    return check(texts, ref, [int(b) for b in args.batches.split(",")])


if __name__ == "__main__":
    sys.exit(main())
