"""Discovery over a tree with links of every kind: what os.walk-based discovery found."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.discover import discover


def test_links_folders_and_order(tmp_path: Path) -> None:
    root, out = tmp_path / "in", tmp_path / "out"
    (root / "a" / "b").mkdir(parents=True)
    (root / "c").mkdir()
    out.mkdir()
    (root / "a" / "f1").write_text("x")
    (root / "a" / "b" / "f2").write_text("yy")
    (root / "top").write_text("top")
    (out / "o").write_text("secret")
    os.symlink(out / "o", root / "a" / "lout")  # a file outside: refused
    os.symlink(root / "a" / "f1", root / "c" / "lin")  # a file inside: kept, stat of target
    os.symlink(out, root / "ldir")  # a folder outside: not followed, not listed
    os.symlink(root / "a", root / "ldir2")  # a folder inside: not followed either
    os.symlink(root / "nothere", root / "broken")  # dangling inside: unreadable
    os.symlink(tmp_path / "nowhere", root / "brokenout")  # dangling outside: refused
    files, rejects = discover(root)
    assert [(f.rel_path, f.source, f.size) for f in files] == [
        ("a/b/f2", "a", 2),
        ("a/f1", "a", 1),
        ("c/lin", "c", 1),
        ("top", None, 3),
    ]
    assert files[0].path == str(root / "a" / "b" / "f2")
    # a folder's own files before its subfolders', each in name order
    assert [(r.source_path, r.reason) for r in rejects] == [
        ("broken", "unreadable"),
        ("brokenout", "symlink_outside_input"),
        ("a/lout", "symlink_outside_input"),
    ]


def test_unlistable_folder_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "f").write_text("f")
    assert [f.rel_path for f in discover(tmp_path)[0]] == ["ok/f"]
    assert discover(tmp_path / "missing") == ([], [])
