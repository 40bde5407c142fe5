"""Reading: one file on disk -> the documents it holds (lazily), or rejects.

Formats are told apart by content, not by extension:

- a gzip (``1f 8b``) or zstd (``28 b5 2f fd``) wrapper around any format below; the
  decompressed stream of a single document or JSON Lines file is capped
  (``max_decompressed_bytes``) so a decompression bomb becomes a reject instead of
  filling memory; WARC records are capped one by one (``max_document_bytes``), since a
  crawl archive is legitimately many times larger than any one page;
- a WARC archive (``WARC/1.x``): ``response`` and ``resource`` records are documents
  (HTML path when the payload is HTML), ``conversion`` records (WET files) are plain
  text; ``warcinfo``, ``request``, ``metadata`` and ``revisit`` records are archive
  bookkeeping, not documents. A corrupt record becomes a reject and reading resumes at
  the next record header, so the good records around it are kept;
- JSON Lines: one object per line with ``url`` and ``html`` or ``text``;
- anything else is one document (plain text or HTML, told apart when decoding).

Every document carries ``record`` (its index in the file: the WARC record number, the
JSON line number, 0 for a single-document file) and ``offset`` (its byte offset in the
file; in a ``.warc.gz`` the offset of its gzip member, as in Common Crawl's index).
Nothing here holds more than one document (at most ``max_document_bytes``) in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Any, cast

from tasks.fields import parse_date
from tasks.records import RawDoc, Reject, SourceFile

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
WARC_MAGIC = re.compile(rb"^\s*WARC/\d")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_DOC_WARC_TYPES = {"response", "resource", "conversion"}
_TEXTUAL = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Caps applied while reading (bytes)."""

    max_file_bytes: int = 64 * 1024 * 1024  # on-disk size of an uncompressed single document
    max_decompressed_bytes: int = 256 * 1024 * 1024  # all bytes out of a gzip/zstd wrapper
    max_document_bytes: int = 64 * 1024 * 1024  # one document (a record, a JSON line)


class CapExceeded(Exception):
    """More bytes came out of a decompressor than the cap allows."""


class _Capped(io.RawIOBase):
    """A read-only stream that raises CapExceeded after ``cap`` bytes."""

    def __init__(self, inner: IO[bytes], cap: int) -> None:
        self._inner = inner
        self._cap = cap
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        n = len(data)
        self.count += n
        if self.count > self._cap:
            raise CapExceeded(f"decompressed size > {self._cap} bytes")
        view[:n] = data
        return n


def read_file(
    f: SourceFile, limits: ReadLimits | int, digests: dict[str, bytes] | None = None
) -> Iterator[RawDoc | Reject]:
    """The documents in ``f``, one at a time; problems become rejects, never exceptions.

    ``digests``: when given and ``f`` is a plain single-document file (read whole, no
    wrapper), its SHA-256 (32 raw bytes) is stored there under ``f.rel_path``, hashed
    from the bytes already read (the ``files`` table's content hash without a second read).
    Other files (archives, JSON Lines, gzip/zstd, unreadable, too large) are left out."""
    if isinstance(limits, int):
        limits = ReadLimits(max_file_bytes=limits, max_document_bytes=limits)
    try:
        fh = open(f.path, "rb")  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        yield Reject(f.rel_path, 0, "read", "vanished", "file disappeared after discovery")
        return
    except PermissionError as exc:
        yield Reject(f.rel_path, 0, "read", "permission_denied", exc.strerror or "")
        return
    except IsADirectoryError:
        yield Reject(f.rel_path, 0, "read", "not_a_file")
        return
    except OSError as exc:
        yield Reject(f.rel_path, 0, "read", "unreadable", exc.strerror or str(exc))
        return
    try:
        yield from _read_stream(f, fh, limits, digests)
    finally:
        fh.close()


def _read_stream(
    f: SourceFile, fh: IO[bytes], limits: ReadLimits, digests: dict[str, bytes] | None = None
) -> Iterator[RawDoc | Reject]:
    try:
        head = fh.read(4)
        fh.seek(0)
    except OSError as exc:
        yield Reject(f.rel_path, 0, "read", "unreadable", exc.strerror or str(exc))
        return
    wrapper = "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head == ZSTD_MAGIC else None
    stream: IO[bytes] = fh
    capped: _Capped | None = None
    if wrapper is not None:
        inner = _decompressor(fh, wrapper)
        capped = _Capped(inner, limits.max_decompressed_bytes)
        stream = io.BufferedReader(capped, buffer_size=1 << 16)
    elif f.size > limits.max_file_bytes and not _looks_multi(fh):
        yield Reject(
            f.rel_path, 0, "read", "too_large", f"{f.size} bytes > {limits.max_file_bytes}"
        )
        return
    produced = 0
    try:
        peek = _first_member(fh) if wrapper == "gzip" else _peek(stream, 65536)
        if WARC_MAGIC.match(peek):
            # warcio reads per-record gzip itself: give it the raw file, so offsets are
            # those of the file on disk. A zstd archive is decompressed here, without
            # the total cap: records are capped one by one and read one at a time.
            src = stream
            if wrapper is not None:
                fh.seek(0)
                src = fh if wrapper == "gzip" else _decompressor(fh, "zstd")
            for item in _read_warc(f, src, limits, seekable=wrapper != "zstd"):
                produced = item.record + 1  # a later failure gets the next record number
                yield item
        elif _is_jsonl(peek):
            for item in _read_jsonl(f, stream, limits):
                produced = item.record + 1  # a later failure gets the next record number
                yield item
        else:
            cap = limits.max_document_bytes if wrapper else limits.max_file_bytes
            data = _read_upto(stream, cap + 1, None if wrapper else f.size)
            if len(data) > cap:
                if wrapper:
                    yield Reject(f.rel_path, 0, "read", "too_large", f"decompressed > {cap} bytes")
                else:
                    yield Reject(f.rel_path, 0, "read", "too_large", f"> {cap} bytes")
                return
            if digests is not None and wrapper is None:  # the whole file's bytes
                digests[f.rel_path] = hashlib.sha256(data).digest()
            produced += 1
            yield RawDoc(f.rel_path, 0, data, source=f.source, offset=0)
    except CapExceeded as exc:
        yield Reject(f.rel_path, produced, "read", "decompression_bomb", str(exc))
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield Reject(f.rel_path, produced, "read", "truncated_or_corrupt_gzip", str(exc)[:200])
    except FileNotFoundError:
        yield Reject(f.rel_path, produced, "read", "vanished", "file disappeared while reading")
    except OSError as exc:
        reason = "corrupt_zstd" if wrapper == "zstd" else "unreadable"
        yield Reject(f.rel_path, produced, "read", reason, (exc.strerror or str(exc))[:200])
    except Exception as exc:  # a zstd error class, or a reader bug: never sink the batch
        reason = "corrupt_zstd" if wrapper == "zstd" else "read_error"
        yield Reject(f.rel_path, produced, "read", reason, repr(exc)[:200])


def _read_upto(stream: IO[bytes], n: int, size: int | None) -> bytes:
    """``stream.read(n)``, without a buffer of ``n`` bytes (64 MiB, so an ``mmap`` and
    ``munmap`` each time) when the stream should hold ``size`` bytes: reads ``size + 1``
    first, then the rest only if there were more (a file that grew since discovery)."""
    if size is None or size + 1 >= n:
        return stream.read(n)
    data = stream.read(size + 1)
    if len(data) <= size:  # a short read is the end of a regular file
        return data
    return data + stream.read(n - len(data))


def _decompressor(fh: IO[bytes], wrapper: str) -> IO[bytes]:
    if wrapper == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=fh, mode="rb"))
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True)
    return cast(IO[bytes], reader)


def _first_member(fh: IO[bytes], n: int = 65536) -> bytes:
    """Up to ``n`` bytes of the first gzip member (a ``.warc.gz`` has one per record)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = b""
    while len(out) < n and not d.eof:
        chunk = fh.read(65536)
        if not chunk:
            break
        out += d.decompress(chunk, n - len(out))
        while d.unconsumed_tail and len(out) < n:
            out += d.decompress(d.unconsumed_tail, n - len(out))
    fh.seek(0)
    return out


def _peek(stream: IO[bytes], n: int) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is not None:
        data = bytes(peek(n))
        # BufferedReader.peek returns at most one buffer; enough to sniff the format
        return data[:n]
    pos = stream.tell()
    data = stream.read(n)
    stream.seek(pos)
    return data


def _looks_multi(fh: IO[bytes]) -> bool:
    """A large uncompressed file may still be an archive (read record by record)."""
    head = fh.read(65536)
    fh.seek(0)
    return bool(WARC_MAGIC.match(head)) or _is_jsonl(head)


def _is_jsonl(head: bytes) -> bool:
    stripped = head.lstrip()
    if not stripped.startswith(b"{"):
        return False
    first = stripped.split(b"\n", 1)[0]
    if b"\n" not in stripped and len(head) >= 65536:
        first = stripped  # an over-long first line: still JSONL if keys are near the start
    return bool(re.search(rb'"(?:html|text|content|url)"\s*:', first[:65536]))


# --- JSON Lines -----------------------------------------------------------------------


def _read_jsonl(f: SourceFile, stream: IO[bytes], limits: ReadLimits) -> Iterator[RawDoc | Reject]:
    offset = 0
    index = -1
    while True:
        line = stream.readline(limits.max_document_bytes + 1)
        if not line:
            return
        index += 1
        start = offset
        offset += len(line)
        if len(line) > limits.max_document_bytes and not line.endswith(b"\n"):
            # skip the rest of the over-long line without holding it
            while True:
                more = stream.readline(1 << 20)
                offset += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield Reject(
                f.rel_path, index, "read", "too_large", f"JSON line > {limits.max_document_bytes}"
            )
            continue
        if not line.strip():
            index -= 1  # blank separator lines are not documents
            continue
        yield _jsonl_doc(f, index, start, line)


def _jsonl_doc(f: SourceFile, index: int, offset: int, line: bytes) -> RawDoc | Reject:
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return Reject(f.rel_path, index, "read", "bad_json_line", str(exc)[:200])
    if not isinstance(obj, dict):
        return Reject(f.rel_path, index, "read", "bad_json_line", "not a JSON object")
    html, text = obj.get("html"), obj.get("text") or obj.get("content")
    if isinstance(html, str) and html.strip():
        body, hint = html, "html"
    elif isinstance(text, str) and text.strip():
        body, hint = text, "text"
    else:
        return Reject(f.rel_path, index, "read", "no_content_field", "needs 'html' or 'text'")
    title = obj.get("title")
    if hint == "text" and isinstance(title, str) and title.strip():
        # plain text documents carry their title on the first line (as dumps do)
        if not body.lstrip().startswith(title.strip()):
            body = f"{title.strip()}\n\n{body}"
    url = obj.get("url")
    meta: dict[str, str] = {}
    for key in ("title", "author", "date", "published_at", "source"):
        value = obj.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            meta["container_" + ("date" if key == "published_at" else key)] = str(value).strip()
    return RawDoc(
        f.rel_path,
        index,
        body.encode("utf-8", errors="surrogatepass"),
        source=f.source,
        format_hint=hint,
        url=url if isinstance(url, str) and url.strip() else None,
        offset=offset,
        declared_charset="utf-8",
        meta=meta,
    )


# --- WARC / WET -----------------------------------------------------------------------


def _read_warc(
    f: SourceFile, src: IO[bytes], limits: ReadLimits, seekable: bool
) -> Iterator[RawDoc | Reject]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    index = 0
    while True:
        records = ArchiveIterator(src, ensure_http_headers=False)
        try:
            for record in records:
                item = _warc_doc(f, index, record, limits)
                # warcio knows a record's offset only once its content is consumed
                offset = records.get_record_offset()
                index += 1
                if isinstance(item, RawDoc):
                    item = replace(item, offset=offset)
                if item is not None:
                    yield item
        except (ArchiveLoadFailed, ValueError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            failed_at = getattr(records, "offset", None)  # start of the record that failed
            yield Reject(f.rel_path, index, "read", "corrupt_warc_record", str(exc)[:200])
            index += 1
            if not seekable or not isinstance(failed_at, int):
                return
            nxt = _next_record_start(src, failed_at + 1)
            if nxt is None:
                return
            src.seek(nxt)
            continue
        return


def _next_record_start(src: IO[bytes], start: int) -> int | None:
    """Offset of the next WARC header (or gzip member holding one) after ``start``."""
    src.seek(start)
    chunk_size = 1 << 20
    pos = start
    tail = b""
    while True:
        chunk = src.read(chunk_size)
        if not chunk:
            return None
        data = tail + chunk
        data_start = pos - len(tail)
        for pattern in (b"WARC/1.", GZIP_MAGIC + b"\x08"):
            i = data.find(pattern)
            while i != -1:
                cand = data_start + i
                if pattern.startswith(b"WARC") and (i == 0 or data[i - 1 : i] == b"\n"):
                    return cand
                if not pattern.startswith(b"WARC") and _gzip_member_is_warc(src, cand):
                    src.seek(pos + len(chunk))
                    return cand
                i = data.find(pattern, i + 1)
        tail = data[-8:]
        pos += len(chunk)
        src.seek(pos)


def _gzip_member_is_warc(src: IO[bytes], at: int) -> bool:
    here = src.tell()
    try:
        src.seek(at)
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(src.read(4096), 16)
        return out.startswith(b"WARC/")
    except zlib.error:
        return False
    finally:
        src.seek(here)


def _warc_doc(f: SourceFile, index: int, record: Any, limits: ReadLimits) -> RawDoc | Reject | None:
    rtype = record.rec_type
    if rtype not in _DOC_WARC_TYPES:
        return None
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    fetched = parse_date(headers.get_header("WARC-Date"))
    ctype = ""
    if rtype == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        ctype = record.http_headers.get_header("Content-Type") or ""
        if status and not status.startswith("2"):
            record.content_stream().read()  # consume, or the iterator reads it
            return Reject(f.rel_path, index, "read", "http_status", f"{status} {url or ''}".strip())
    else:
        ctype = headers.get_header("Content-Type") or ""
    mime = ctype.split(";")[0].strip().lower()
    if rtype == "conversion":
        hint = "text"
    elif mime.startswith(("text/html", "application/xhtml")):
        hint = "html"
    elif mime.startswith("text/plain"):
        hint = "text"
    elif not mime or mime.startswith(_TEXTUAL):
        hint = None  # detect from the bytes
    else:
        return Reject(f.rel_path, index, "read", "unsupported_content_type", mime[:100])
    stream = record.content_stream()
    data = stream.read(limits.max_document_bytes + 1)
    if len(data) > limits.max_document_bytes:
        while stream.read(1 << 20):
            pass
        return Reject(
            f.rel_path, index, "read", "too_large", f"record > {limits.max_document_bytes}"
        )
    missing = getattr(record.raw_stream, "limit", 0)  # bytes Content-Length promised, not there
    if isinstance(missing, int) and missing > 0:
        return Reject(f.rel_path, index, "read", "truncated_warc_record", f"{missing} bytes short")
    m = _CHARSET.search(ctype)
    return RawDoc(
        f.rel_path,
        index,
        data,
        source=f.source,
        format_hint=hint,
        url=url,
        fetched_at=fetched,
        declared_charset=m.group(1) if m else None,
    )
