"""Score a text separator on the devset: the devset's own ``score.py``, imported by path.

``evaluate(devset, separate_body)`` runs ``separate_body(text) -> body`` over every
``pages/<id>.txt``, writes ``<id>.txt`` predictions to a temporary folder (or ``pred_dir``)
and scores them with ``score.py``'s functions: pooled P/R/F1 overall and per language.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tasks.chrome import Chrome, separate
from tasks.segment import join_blocks


@dataclass(frozen=True, slots=True)
class Figures:
    pages: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    overall: Figures
    by_lang: dict[str, Figures]


def load_scorer(devset: Path) -> ModuleType:
    """The devset's ``score.py`` as a module."""
    spec = importlib.util.spec_from_file_location("devset_score", devset / "score.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(devset / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_labels(devset: Path) -> list[dict[str, object]]:
    lines = (devset / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def chrome_body(chrome: Chrome | None = None) -> Callable[[str], str]:
    """``text -> body`` with the shipped separator."""

    def run(text: str) -> str:
        sep = separate(text, chrome=chrome)
        return join_blocks(text, list(sep.body_blocks))

    return run


def score_dir(devset: Path, pred_dir: Path) -> Evaluation:
    """Score a folder of ``<id>.txt`` predictions with the devset's metric."""
    scorer = load_scorer(devset)
    counts = []
    for lab in load_labels(devset):
        path = pred_dir / f"{lab['id']}.txt"
        pred = path.read_text(encoding="utf-8") if path.is_file() else ""
        c = scorer.count_page(lab, pred)
        c["lang"] = lab.get("lang") or "?"
        counts.append(c)
    by: dict[str, list[dict[str, object]]] = {}
    for c in counts:
        by.setdefault(str(c["lang"]), []).append(c)
    return Evaluation(
        _figures(scorer, counts), {k: _figures(scorer, v) for k, v in sorted(by.items())}
    )


def evaluate(devset: Path, body: Callable[[str], str], pred_dir: Path | None = None) -> Evaluation:
    """Run ``body`` over the devset dumps and score the outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        out = pred_dir or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for lab in load_labels(devset):
            text = (devset / "pages" / f"{lab['id']}.txt").read_text(encoding="utf-8")
            (out / f"{lab['id']}.txt").write_text(body(text), encoding="utf-8")
        return score_dir(devset, out)


def _figures(scorer: ModuleType, counts: list[dict[str, object]]) -> Figures:
    f = scorer.figures(counts)
    return Figures(f["pages"], f["tp"], f["fp"], f["fn"], f["precision"], f["recall"], f["f1"])
