"""The listing ``newsetl run`` starts while Prefect's server starts, taken by the flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import prefetch
from tasks.discover import discover


def test_taken_once_and_never_stale(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.txt").write_text("a")
    prefetch.start(tmp_path)
    assert prefetch.peek(tmp_path) == discover(tmp_path)  # the preflight's look
    assert prefetch.take(tmp_path) == discover(tmp_path)
    assert prefetch.take(tmp_path) is None  # a second flow run lists the folder itself

    prefetch.start(tmp_path)
    prefetch.discard(tmp_path)  # the run ended before its flow took it
    (tmp_path / "site" / "b.txt").write_text("b")
    assert prefetch.take(tmp_path) is None
    assert [f.rel_path for f in prefetch.peek(tmp_path)[0]] == ["site/a.txt", "site/b.txt"]


def test_an_error_reaches_the_taker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(root: Path) -> None:
        raise PermissionError(13, "Permission denied", str(root))

    monkeypatch.setattr(prefetch, "discover", fail)
    prefetch.start(tmp_path)
    with pytest.raises(PermissionError):
        prefetch.take(tmp_path)
