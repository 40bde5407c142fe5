"""Pipeline settings, read from ``config/newsetl.toml`` (never at import time)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@dataclass(frozen=True, slots=True)
class Settings:
    batch_size: int = 250
    workers: int = 2
    max_file_bytes: int = 64 * 1024 * 1024
    max_decompressed_bytes: int = 256 * 1024 * 1024
    template_min_docs: int = 3
    keep_threshold: float | None = None  # None: the chrome model's own threshold
    doc_time_limit: float = 20.0  # seconds per document (decode + HTML extraction)
    html: dict[str, bool] = field(default_factory=dict)
    config_dir: str = str(CONFIG_DIR)


def load_settings(path: Path | None = None, **overrides: object) -> Settings:
    """Load settings from a TOML file (default ``config/newsetl.toml``), then apply overrides."""
    path = path or CONFIG_DIR / "newsetl.toml"
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    values: dict[str, object] = {
        "batch_size": raw.get("pipeline", {}).get("batch_size", 250),
        "workers": raw.get("pipeline", {}).get("workers", 2),
        "max_file_bytes": raw.get("input", {}).get("max_file_bytes", 64 * 1024 * 1024),
        "max_decompressed_bytes": raw.get("input", {}).get(
            "max_decompressed_bytes", 256 * 1024 * 1024
        ),
        "template_min_docs": raw.get("chrome", {}).get("template_min_docs", 3),
        "keep_threshold": raw.get("chrome", {}).get("keep_threshold"),
        "doc_time_limit": float(raw.get("input", {}).get("doc_time_limit", 20.0)),
        "html": dict(raw.get("html", {})),
        "config_dir": str(path.parent),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)  # type: ignore[arg-type]
