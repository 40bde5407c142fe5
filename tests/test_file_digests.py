"""The batches' file digests (32 bytes a file) as the commit's path -> SHA-256 mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.batch import BatchSummary, FileDigests
from tasks.records import SourceFile
from warehouse.files import UNREAD, content_digest, file_sha256


def _file(root: Path, rel: str, data: bytes | None) -> SourceFile:
    path = root / rel
    if data is not None:
        path.write_bytes(data)
    return SourceFile(str(path), rel, None, len(data or b""), 0)


def _summary(index: int, files: list[SourceFile]) -> BatchSummary:
    digests = b"".join(content_digest(f.path) for f in files)
    return BatchSummary(index, len(files), 0, 0, 0, 0, [], digests=digests)


def test_paths_map_to_their_sha256_hex(tmp_path: Path) -> None:
    files = [_file(tmp_path, f"f{i}.txt", f"text {i}".encode() * i) for i in range(5)]
    gone = _file(tmp_path, "gone.txt", None)  # listed, then unreadable
    batches = [files[:2], [files[2], gone], files[3:]]
    # summaries arrive in any order; each names its batch
    digests = FileDigests(
        batches, [_summary(2, batches[2]), _summary(0, batches[0])] + [_summary(1, batches[1])]
    )
    assert content_digest(gone.path) == UNREAD
    assert {p: digests[p] for p in digests} == {f.rel_path: file_sha256(f.path) for f in files}
    assert digests.get("gone.txt") is None  # the commit reads it itself
    assert len(digests) == 5
    # the same as two Arrow columns (what the commit matches), in batch order
    paths, shas = digests.arrays()
    order = [f.rel_path for f in batches[2] + batches[0] + batches[1] if f is not gone]
    assert paths.to_pylist() == order and shas.to_pylist() == [digests[p] for p in order]


def test_digests_of_another_batch_are_refused(tmp_path: Path) -> None:
    files = [_file(tmp_path, f"f{i}.txt", b"x") for i in range(3)]
    digests = FileDigests([files[:2], files[2:]], [_summary(0, files)])
    with pytest.raises(ValueError, match="other files"):
        digests.get("f0.txt")
    with pytest.raises(ValueError, match="other files"):
        digests.arrays()


def test_run_batch_hashes_each_file_once_whatever_its_kind(tmp_path: Path) -> None:
    """A plain file is hashed from the bytes its reader read; a compressed file, a JSON
    Lines file, one too large and one gone are hashed (or marked unread) by the batch:
    every digest is still the SHA-256 of the file on disk."""
    import gzip
    import json
    from datetime import UTC, date, datetime

    from flows.batch import run_batch
    from tasks.read import read_file
    from tasks.settings import load_settings

    raw = tmp_path / "raw"
    raw.mkdir()
    body = "Title\n\n" + "A sentence of an article that is long enough to keep. " * 20
    files = [
        _file(raw, "plain.txt", body.encode()),
        _file(raw, "packed.txt.gz", gzip.compress(body.encode())),
        _file(raw, "lines.jsonl", json.dumps({"url": "u", "text": body}).encode() + b"\n"),
        _file(raw, "big.txt", body.encode() * 40),
        _file(raw, "gone.txt", None),
    ]
    settings = load_settings(None, workers=0, max_file_bytes=20_000)
    read: dict[str, bytes] = {}
    for f in files:
        list(read_file(f, 20_000, read))
    assert set(read) == {"plain.txt"}  # only a plain file read whole hashes itself

    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    summary = run_batch(0, files, settings, str(warehouse), "run", date(2026, 1, 1), at)
    by_path = FileDigests([files], [summary])
    assert dict(by_path) == {f.rel_path: file_sha256(f.path) for f in files[:4]}
    assert summary.digests[-32:] == UNREAD


def test_the_commit_fills_the_files_table_from_either_form(tmp_path: Path) -> None:
    """``Plan.files_with_hashes`` from the digests' columns, from a plain mapping, and from
    a plan kept on disk (``spill``): the same table; a file no worker read is read there."""
    from datetime import UTC, date, datetime

    from tasks.discover import discover
    from warehouse.files import plan_run

    src = tmp_path / "in" / "site"
    src.mkdir(parents=True)
    for i in range(7):
        (src / f"f{i}.txt").write_bytes(f"text {i}".encode() * (i + 1))
    files, refused = discover(tmp_path / "in")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    plan = plan_run(tmp_path / "wh", files, refused, date(2026, 1, 1), now, "r")
    batches = [files[:3], files[3:6], files[6:]]
    summaries = [_summary(i, list(b)) for i, b in enumerate(batches[:2])]  # last: unread
    expected = {f.rel_path: file_sha256(f.path) for f in files}
    by_columns = plan.files_with_hashes(FileDigests(batches, summaries))
    got = by_columns.to_pydict()
    assert dict(zip(got["path"], got["sha256"], strict=True)) == expected
    assert plan.files_with_hashes(dict(FileDigests(batches, summaries))).equals(by_columns)
    plan.spill(tmp_path / "wh" / "_staging" / "r" / "plan.parquet")
    assert plan.files.num_rows == 0
    assert plan.files_with_hashes(FileDigests(batches, summaries)).equals(by_columns)
