"""Discovery: the files under an input folder, in a stable order.

``raw/<source>/...`` names the source by its first folder. Symlinks are not followed
out of the input folder: such a link becomes a reject, never a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

from tasks.records import Reject, SourceFile


def discover(root: Path) -> tuple[list[SourceFile], list[Reject]]:
    """All regular files below ``root`` (sorted by relative path), and the refused ones."""
    root = root.resolve()
    files: list[SourceFile] = []
    rejects: list[Reject] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    rejects.append(Reject(rel, 0, "discover", "symlink_outside_input"))
                    continue
            try:
                st = path.stat()
            except OSError as exc:
                rejects.append(Reject(rel, 0, "discover", "unreadable", exc.strerror or ""))
                continue
            parts = rel.split("/")
            source = parts[0] if len(parts) > 1 else None
            files.append(SourceFile(str(path), rel, source, st.st_size, st.st_mtime_ns))
    files.sort(key=lambda f: f.rel_path)
    return files, rejects
