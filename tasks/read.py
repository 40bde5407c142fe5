"""Reading: one file on disk -> the raw documents it holds, or a reject."""

from __future__ import annotations

from tasks.records import RawDoc, Reject, SourceFile


def read_file(f: SourceFile, max_bytes: int) -> list[RawDoc] | Reject:
    """The documents in ``f`` (a plain file holds one)."""
    if f.size > max_bytes:
        return Reject(f.rel_path, 0, "read", "too_large", f"{f.size} bytes > {max_bytes}")
    try:
        with open(f.path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return Reject(f.rel_path, 0, "read", "vanished")
    except PermissionError:
        return Reject(f.rel_path, 0, "read", "permission_denied")
    except OSError as exc:
        return Reject(f.rel_path, 0, "read", "unreadable", exc.strerror or str(exc))
    if len(data) > max_bytes:
        return Reject(f.rel_path, 0, "read", "too_large", f"> {max_bytes} bytes")
    return [RawDoc(f.rel_path, 0, data, source=f.source)]
