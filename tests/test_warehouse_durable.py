"""Durability of a commit: staged files are flushed once, before the manifest lists them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

import warehouse.store as store
from tests.test_warehouse_checks import article
from warehouse.store import MANIFEST, commit, read_manifest, stage, to_table


def test_staging_skips_fsync_and_publish_flushes_before_the_manifest_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = tmp_path / "wh"
    events: list[str] = []
    real_fsync, real_sync = os.fsync, store.sync_filesystem

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def sync(warehouse: Path) -> None:
        events.append("manifest present" if (wh / MANIFEST).exists() else "sync")
        real_sync(warehouse)

    monkeypatch.setattr(store.os, "fsync", fsync)
    monkeypatch.setattr(store, "sync_filesystem", sync)
    table = to_table("articles", [article("a.txt")], run_id="r1")
    staged = stage(wh, "r1", date(2024, 6, 1), "00000", {"articles": table})
    assert staged and events == []  # no fsync per staged file
    commit(wh, "r1", staged)
    # one flush of the file system, then the manifest (written and fsync'd) lists them
    assert events == ["sync", "fsync"]
    assert read_manifest(wh)["files"]["articles"] == staged
    assert (wh / staged[0]).stat().st_size > 0


def test_sync_filesystem_without_syncfs_falls_back_to_os_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    monkeypatch.setattr(store, "_libc", lambda: None)  # no glibc (musl, macOS)
    monkeypatch.setattr(store.os, "sync", lambda: called.append("os.sync"))
    store.sync_filesystem(tmp_path)
    assert called == ["os.sync"]
