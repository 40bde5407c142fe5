"""Chrome separation: decide for each block whether it is article body or site chrome.

A small model (standardised features -> one ReLU layer -> sigmoid, numpy only, shipped
as ``config/chrome_model.json`` and rebuilt by ``bench/train_chrome.py``) scores every
unit from ``tasks.features``; a few hard rules come first. Each decision carries a
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

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tasks.features import FEATURE_NAMES, DocFeatures, Resources, extract
from tasks.language import default_stoplists
from tasks.lexicons import CONCERNS, Lexicon, compile_lexicons
from tasks.records import Block, Decision, Separation
from tasks.templates import line_hash
from tasks.title import headline_keys, is_headline, split_title

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
class ChromeModel:
    """Standardise, one ReLU hidden layer (or none: logistic), sigmoid."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray  # (features, hidden); empty for a logistic model
    b1: np.ndarray
    w2: np.ndarray  # (hidden,) or (features,) for a logistic model
    b2: float
    threshold: float
    info: dict[str, object]

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        if self.w1.size:
            z = np.maximum(z @ self.w1 + self.b1, 0.0)
        out: np.ndarray = 1.0 / (1.0 + np.exp(-(z @ self.w2 + self.b2)))
        return out


def model_from_dict(raw: dict[str, Any]) -> ChromeModel:
    """The model from its JSON form; refuses a model trained on other features."""
    if tuple(raw["features"]) != FEATURE_NAMES:
        raise ValueError("chrome model was trained on other features; rerun bench/train_chrome.py")

    def arr(key: str) -> np.ndarray:
        return np.asarray(raw[key], dtype=np.float64)

    return ChromeModel(
        arr("mean"),
        arr("scale"),
        arr("w1"),
        arr("b1"),
        arr("w2"),
        float(raw["b2"]),
        float(raw["threshold"]),
        dict(raw.get("info", {})),
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
    return Chrome(load_resources(config_dir), model_from_dict(raw))


@lru_cache(maxsize=4)
def default_chrome(config_dir: str = str(CONFIG_DIR)) -> Chrome:
    """``load_chrome`` once per process and config folder."""
    return load_chrome(Path(config_dir))


def separate(
    text: str,
    lexicons: tuple[Lexicon, ...] = (),
    template_hashes: frozenset[int] = frozenset(),
    has_title: bool = True,
    blocks: list[Block] | None = None,
    known_title: str | None = None,
    *,
    chrome: Chrome | None = None,
    threshold: float | None = None,
) -> Separation:
    """Separate ``text`` into title, article blocks and chrome blocks.

    ``has_title``: the first line is the page title (text dumps). ``known_title``: a title
    from elsewhere (HTML metadata); lines repeating either title are dropped as ``title``.
    ``template_hashes``: ``tasks.templates.line_hash`` of lines that repeat across the
    site's documents. ``chrome``: loaded resources (default: ``config/``, cached);
    ``threshold`` overrides the model's. ``lexicons`` is accepted for compatibility; the
    chrome lexicons come from ``chrome``.
    """
    del lexicons
    chrome = chrome or default_chrome()
    spans = None
    if blocks is not None:
        spans = (
            np.fromiter((b.start for b in blocks), np.int64, len(blocks)),
            np.fromiter((b.end for b in blocks), np.int64, len(blocks)),
        )
    n_units = len(blocks) if blocks is not None else None
    title_ok = has_title and (n_units is None or n_units > 1)
    feats = extract(
        text, chrome.resources, has_title=title_ok, known_title=known_title, spans=spans
    )
    if blocks is None:
        blocks = [
            Block(i, t, s, e)
            for i, (t, s, e) in enumerate(
                zip(feats.texts, feats.starts.tolist(), feats.ends.tolist(), strict=True)
            )
        ]
    title_pos = 0 if title_ok and len(blocks) > 1 and len(blocks[0].text) <= 300 else None
    title = blocks[title_pos].text if title_pos is not None else known_title
    probs = chrome.model.predict(feats.matrix) if len(blocks) else np.zeros(0)
    thr = chrome.model.threshold if threshold is None else threshold
    decisions = decide(blocks, feats, probs, thr, title_pos, headline_keys(title), template_hashes)
    lang = None if feats.language == "und" else feats.language
    return Separation(
        blocks=tuple(blocks),
        decisions=tuple(decisions),
        title=title,
        title_position=title_pos,
        language=lang,
        language_confidence=float(feats.matrix[0, FEATURE_NAMES.index("doc_lang_conf")])
        if len(blocks)
        else 0.0,
        site_name=split_title(title)[1] if title else None,
    )


def decide(
    blocks: list[Block],
    feats: DocFeatures,
    probs: np.ndarray,
    threshold: float,
    title_pos: int | None,
    title_keys: frozenset[str],
    template_hashes: frozenset[int],
) -> list[Decision]:
    """Hard rules, then the model's score with a reason code for every unit."""
    out: list[Decision] = []
    keep = (probs >= threshold).tolist()
    scores = np.round(probs, 4).tolist()
    close = feats.close.tolist()
    for i, block in enumerate(blocks):
        p = scores[i]
        if i == title_pos or (len(block.text) < 400 and is_headline(block.text, title_keys)):
            out.append(Decision(i, False, "title", min(p, _RULE_SCORE)))
        elif template_hashes and line_hash(block.text) in template_hashes:
            out.append(Decision(i, False, "template", min(p, _RULE_SCORE)))
        elif close[i]:
            out.append(Decision(i, False, "close_button", min(p, _RULE_SCORE)))
        elif keep[i]:
            out.append(Decision(i, True, "body", p))
        else:
            out.append(Decision(i, False, drop_reason(feats, i), p))
    return out


def drop_reason(feats: DocFeatures, i: int) -> str:
    """Why a unit the model dropped looks like chrome (for the rejects table)."""
    mask = int(feats.lexicon[i])
    if mask:
        for concern in _REASON_ORDER:
            if mask >> CONCERNS.index(concern) & 1:
                return f"lexicon:{concern}"
    if feats.offscript[i] >= 0.5 or (feats.foreign[i] >= 0.25 and feats.stop[i] < 0.05):
        return "lang_mismatch"
    row = feats.matrix[i]
    if row[FEATURE_NAMES.index("short")]:
        return "model:short"
    if feats.heuristic[i]:
        return "model:context"
    return "model:chrome"
