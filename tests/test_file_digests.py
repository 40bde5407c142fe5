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


def test_digests_of_another_batch_are_refused(tmp_path: Path) -> None:
    files = [_file(tmp_path, f"f{i}.txt", b"x") for i in range(3)]
    digests = FileDigests([files[:2], files[2:]], [_summary(0, files)])
    with pytest.raises(ValueError, match="other files"):
        digests.get("f0.txt")
