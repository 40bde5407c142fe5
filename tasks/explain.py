"""Explain one raw file: every block, kept or dropped, with its reason and score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.process import prepare_raw, read_limits, separate_prepared
from tasks.read import read_file
from tasks.records import Reject, SourceFile
from tasks.settings import Settings


def explain_file(path: Path, settings: Settings) -> dict[str, Any]:
    """A JSON-ready report of the separator's decisions on the first document of ``path``."""
    st = path.stat()
    f = SourceFile(str(path), path.name, None, st.st_size, st.st_mtime_ns)
    raw = next(iter(read_file(f, read_limits(settings))), None)
    if raw is None:
        return {"file": str(path), "reject": {"stage": "read", "reason": "no_documents"}}
    if isinstance(raw, Reject):
        return {"file": str(path), "reject": {"stage": raw.stage, "reason": raw.reason}}
    prepared = prepare_raw(raw, settings)
    if isinstance(prepared, Reject):
        return {"file": str(path), "reject": {"stage": prepared.stage, "reason": prepared.reason}}
    sep = separate_prepared(prepared, settings)  # as the run does (HTML: html_decide too)
    return {
        "file": str(path),
        "format": prepared.doc.format,
        "encoding": prepared.doc.encoding,
        "title": prepared.doc.meta.get("title") or sep.title,
        "language": sep.language,
        "language_confidence": sep.language_confidence,
        "blocks": [
            {
                "position": b.position,
                "keep": d.keep,
                "reason": d.reason,
                "score": round(d.score, 4),
                "text": b.text,
            }
            for b, d in zip(sep.blocks, sep.decisions, strict=True)
        ],
    }
