"""Teachers for the text separator's training labels: several extractors' text of every
devset page's HTML, cached, and each one's devset score.

    PYTHONPATH=. python bench/chrome_teachers.py [--devset ../shared/devset]
        [--out .cache/teachers] [--only NAME,...] [--score]

``bench/train_chrome.py`` labels a dump unit article when its text occurs in a teacher's
text of the same page (``--teacher``). The teachers here use no devset training at all:

- ``default``: ``trafilatura.extract(html, include_comments=False)`` (the labels of the
  shipped model; ``.cache/chrome_extracts.json`` holds the same texts);
- ``precision`` / ``recall``: the same with ``favor_precision`` / ``favor_recall``;
- ``lead``: the HTML path's own trafilatura step (``tasks.process.prepare``: tables,
  no deduplication, the lead paragraph trafilatura cut put back); no model involved;
- ``readability``: trafilatura's fork of readability-lxml, one line per paragraph;
- ``justext``: jusText on the HTML with the stoplist of the dump's language
  (``tasks.language.detect_language``, config/stoplists), good paragraphs only.

``--html-prep`` also writes what the HTML path's models need to be rerun per fold
(``bench/html_teacher.py``): every page's extracted blocks and structure features.
Each teacher is written to ``OUT/NAME.json`` ({page id: text}); ``--score`` scores each
with the devset's ``score.py`` (its P/R/F1 as an extractor of the HTML page).
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import sys
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.evaluate import load_labels, load_scorer  # noqa: E402

TEACHERS = ("default", "precision", "recall", "lead", "readability", "justext")
_DEVSET: Path = Path()
_ONLY: tuple[str, ...] = TEACHERS
_PREP = False


def _paragraphs(tree: Any) -> str:
    """One line per block-level element's text of an lxml tree (readability's summary)."""
    out = []
    for el in tree.iter("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "pre", "blockquote"):
        text = " ".join("".join(el.itertext()).split())
        if text:
            out.append(text)
    return "\n".join(out)


def _justext(html: bytes, dump: str) -> str:
    import justext

    from tasks.language import detect_language

    lang, _ = detect_language(dump)
    path = ROOT / "config" / "stoplists" / f"{lang}.txt"
    if not lang or not path.is_file():
        path = ROOT / "config" / "stoplists" / "en.txt"
    stop = frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").split() if w)
    paras = justext.justext(html, stop)
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def _lead(path: Path) -> tuple[str, Any]:
    """The HTML path's trafilatura step (``prepare``): text, and (block texts, structure,
    title) for the per-fold HTML teacher."""
    from tasks.decode import decode
    from tasks.process import prepare, read_limits
    from tasks.read import read_file
    from tasks.records import Reject, SourceFile
    from tasks.settings import load_settings

    settings = load_settings()
    f = SourceFile(str(path), path.name, None, path.stat().st_size, path.stat().st_mtime_ns)
    for raw in read_file(f, read_limits(settings)):
        doc = raw if isinstance(raw, Reject) else decode(raw)
        p = doc if isinstance(doc, Reject) else prepare(doc, settings)
        if isinstance(p, Reject):
            return "", None
        prep = (p.text, [b.text for b in p.blocks], p.structure, p.doc.meta.get("title"))
        return "\n".join(b.text for b in p.blocks), prep
    return "", None


def page_teachers(page_id: str) -> tuple[str, dict[str, str], Any]:
    import trafilatura
    from trafilatura.readability_lxml import Document
    from trafilatura.utils import fromstring_bytes, load_html

    path = _DEVSET / "pages" / f"{page_id}.html.gz"
    html = gzip.decompress(path.read_bytes())
    dump = (_DEVSET / "pages" / f"{page_id}.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for name, kw in (("default", {}), ("precision", {"favor_precision": True})):
        if name in _ONLY:
            try:
                out[name] = trafilatura.extract(html, include_comments=False, **kw) or ""
            except Exception:
                out[name] = ""
    if "recall" in _ONLY:
        try:
            out["recall"] = trafilatura.extract(html, include_comments=False, favor_recall=True)
            out["recall"] = out["recall"] or ""
        except Exception:
            out["recall"] = ""
    if "readability" in _ONLY:
        try:
            tree = load_html(html)
            summary = None
            if tree is not None:
                summary = fromstring_bytes(Document(tree, min_text_length=25).summary())
            out["readability"] = "" if summary is None else _paragraphs(summary)
        except Exception:
            out["readability"] = ""
    if "justext" in _ONLY:
        try:
            out["justext"] = _justext(html, dump)
        except Exception:
            out["justext"] = ""
    prep = None
    if "lead" in _ONLY or _PREP:
        text, prep = _lead(path)
        if "lead" in _ONLY:
            out["lead"] = text
    return page_id, out, prep


def _init(devset: Path, only: tuple[str, ...], prep: bool) -> None:
    global _DEVSET, _ONLY, _PREP
    _DEVSET, _ONLY, _PREP = devset, only, prep


def score(devset: Path, name: str, texts: dict[str, str]) -> str:
    scorer = load_scorer(devset)
    counts = []
    for lab in load_labels(devset):
        c = scorer.count_page(lab, texts.get(str(lab["id"]), ""))
        c["lang"] = lab.get("lang") or "?"
        counts.append(c)
    f = scorer.figures(counts)
    by: dict[str, list[dict[str, object]]] = {}
    for c in counts:
        by.setdefault(str(c["lang"]), []).append(c)
    langs = " ".join(
        f"{k} {scorer.figures(v)['f1']:.3f}"
        for k, v in sorted(by.items(), key=lambda kv: -len(kv[1]))
        if len(v) >= 20
    )
    return f"{name:<14} P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}  ({langs})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--out", type=Path, default=ROOT / ".cache" / "teachers")
    ap.add_argument("--only", default=",".join(TEACHERS))
    ap.add_argument("--html-prep", action="store_true", help="also write OUT/html_prep.pkl")
    ap.add_argument("--score", action="store_true", help="score the cached teachers only")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    only = tuple(x for x in args.only.split(",") if x)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.score:
        ids = [str(lab["id"]) for lab in load_labels(args.devset)]
        results: dict[str, dict[str, str]] = {n: {} for n in only}
        prep: dict[str, Any] = {}
        ctx = get_context("fork")
        with ctx.Pool(args.workers, _init, (args.devset, only, args.html_prep)) as pool:
            for k, (pid, out, p) in enumerate(pool.imap(page_teachers, ids, chunksize=4)):
                for n, t in out.items():
                    results[n][pid] = t
                prep[pid] = p
                if k % 100 == 0:
                    print(f"{k}/{len(ids)} pages", file=sys.stderr)
        for n, texts in results.items():
            (args.out / f"{n}.json").write_text(json.dumps(texts), encoding="utf-8")
        if args.html_prep:
            (args.out / "html_prep.pkl").write_bytes(pickle.dumps(prep))
    for n in only:
        path = args.out / f"{n}.json"
        if path.is_file():
            print(score(args.devset, n, json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
