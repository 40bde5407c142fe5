"""The user's seed document, through the whole batch of pure stages, comes out exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.discover import discover
from tasks.process import process_batch
from tasks.settings import load_settings
from tests.conftest import SEED


def test_seed_split_exactly(tmp_path: Path, seed_expected: dict[str, object]) -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())
    files, _ = discover(tmp_path)
    out = process_batch(files, load_settings(workers=0))
    assert out.rejects == []
    (article,) = out.articles
    assert article.title == seed_expected["title"]
    assert article.body == "\n\n".join(seed_expected["article_paragraphs"])  # type: ignore[arg-type]
    assert [s.text for s in out.segments] == seed_expected["chrome"]
    assert all(s.reason for s in out.segments)
    assert article.language == "en"


def test_keep_threshold_setting_reaches_the_separator(tmp_path: Path) -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / SEED.name).write_bytes(SEED.read_bytes())
    files, _ = discover(raw)
    assert load_settings().keep_threshold is None  # default: the model's own threshold
    strict = load_settings(workers=0, keep_threshold=1.01)  # no score reaches it
    out = process_batch(files, strict)
    assert out.articles == []
    assert [(r.stage, r.reason) for r in out.rejects] == [("separate", "no_body")]
