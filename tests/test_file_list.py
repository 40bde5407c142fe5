"""Discovery's files as columns (``tasks.discover.FileList``): the same records as a list
of ``SourceFile``, slices without copies, and a pickled batch that carries its own rows."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.ingest import _chunks, _label
from tasks.discover import FileList, discover
from warehouse.files import plan_run


def _tree(root: Path, n: int) -> None:
    for i in range(n):
        folder = root / f"site{i % 3}" / f"{i % 5:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc{i:04d}.txt").write_text("x" * (i % 7))
    (root / "top.txt").write_text("top")  # no source folder


def test_records_paths_and_order(tmp_path: Path) -> None:
    _tree(tmp_path, 40)
    files, rejects = discover(tmp_path)
    assert not rejects and len(files) == 41
    records = list(files)
    assert [f.rel_path for f in records] == sorted(f.rel_path for f in records)
    for f in records:
        st = os.stat(f.path)
        assert f.path == str(tmp_path.resolve() / f.rel_path)
        assert (f.size, f.mtime_ns) == (st.st_size, st.st_mtime_ns)
        assert f.source == (f.rel_path.split("/")[0] if "/" in f.rel_path else None)
    assert files[-1] == records[-1] and files[-41] == records[0]
    with pytest.raises(IndexError):
        files[41]
    assert files[3:9] == records[3:9] and files[::7] == records[::7]
    assert FileList.from_records(records) == files == records


def test_a_pickled_slice_carries_its_rows_only(tmp_path: Path) -> None:
    _tree(tmp_path, 300)
    files, _ = discover(tmp_path)
    batch = files[100:110]
    back = pickle.loads(pickle.dumps(batch))
    assert back == list(files)[100:110] and isinstance(back, FileList)
    # a sliced Arrow column pickles its whole buffers; the list pickles its 10 rows
    assert len(pickle.dumps(batch)) < len(pickle.dumps(files)) / 10


def test_batches_and_labels_as_before(tmp_path: Path) -> None:
    _tree(tmp_path, 23)
    files, _ = discover(tmp_path)
    batches = _chunks(files, 5)
    records = list(files)
    assert [list(b) for b in batches] == [records[i : i + 5] for i in range(0, 24, 5)]
    first, last = records[5].rel_path, records[14].rel_path
    assert _label(1, batches[1:3], 5) == f"files 5-14: {first} .. {last}"


def test_plan_takes_the_list_or_records(tmp_path: Path) -> None:
    src, wh = tmp_path / "in", tmp_path / "wh"
    _tree(src, 12)
    wh.mkdir()
    files, refused = discover(src)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    plan = plan_run(wh, files, refused, date(2026, 1, 1), now, "r")
    assert plan.todo is files  # a first run processes every file: no copy
    again = plan_run(wh, list(files)[::2], refused, date(2026, 1, 1), now, "r")
    assert again.todo == list(files)[::2]
    assert again.files["path"].to_pylist() == [f.rel_path for f in list(files)[::2]]


def test_a_name_that_is_not_utf8_is_a_reject(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "ok.txt").write_text("ok")
    try:
        (tmp_path / "site" / os.fsdecode(b"bad\xff.txt")).write_text("bad")
    except (OSError, UnicodeEncodeError):
        pytest.skip("the filesystem refuses a name that is not UTF-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("outside")
    (tmp_path / "site" / os.fsdecode(b"out\xfe.txt")).symlink_to(outside)
    (tmp_path / "site" / os.fsdecode(b"gone\xfd.txt")).symlink_to(tmp_path / "missing")
    files, rejects = discover(tmp_path)
    assert [f.rel_path for f in files] == ["site/ok.txt"]
    assert sorted((r.source_path, r.reason) for r in rejects) == [
        ("site/bad\\xff.txt", "undecodable_name"),
        ("site/gone\\xfd.txt", "undecodable_name"),
        ("site/out\\xfe.txt", "undecodable_name"),
    ]
    now = datetime(2026, 1, 1, tzinfo=UTC)  # the plan takes every reject's name
    plan_run(tmp_path / "wh", files, rejects, date(2026, 1, 1), now, "r")


def test_empty(tmp_path: Path) -> None:
    files, rejects = discover(tmp_path / "missing")
    assert len(files) == 0 and files == [] and not rejects
    assert _chunks(files, 5) == []
    assert FileList.from_records([]) == files
