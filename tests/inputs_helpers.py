"""Builders for archive fixtures (WARC, WET, JSON Lines, gzip/zstd), written in the test."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "inputs"
CORRUPT = b"GARBAGE that is not a WARC record\r\n\r\nmore garbage\r\n\r\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def build_warc(
    path: Path,
    pages: list[tuple[str, bytes, str]],
    gz: bool = True,
    corrupt_before: int | None = None,
) -> Path:
    """A WARC with a warcinfo record, then one request + response per (url, body, ctype).

    ``corrupt_before``: write a broken record before that page's records.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "newsetl-tests"}))
        for i, (url, body, ctype) in enumerate(pages):
            if corrupt_before == i:
                fh.write(gzip.compress(CORRUPT) if gz else CORRUPT)
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", http_headers=req))
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = w.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": "2022-03-01T10:00:00Z"},
            )
            w.write_record(rec)
    return path


def build_wet(path: Path, texts: list[tuple[str, str]]) -> Path:
    """A WET file (Common Crawl's text extracts): warcinfo + one conversion record each."""
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "newsetl-tests"}))
        for url, text in texts:
            rec = w.create_warc_record(
                url,
                "conversion",
                payload=io.BytesIO(text.encode("utf-8")),
                warc_content_type="text/plain",
                warc_headers_dict={"WARC-Date": "2022-03-01T10:00:00Z"},
            )
            w.write_record(rec)
    return path


def jsonl(rows: list[object]) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n"
        for r in rows
    )


ARTICLE_TEXT = (
    "Harbour ferry returns after repairs\n\n"
    "The harbour ferry returned to service on Saturday after three weeks of repairs to "
    "its engine and hull, the operator said.\n\n"
    "Passengers said they were glad to avoid the long drive around the bay, which can "
    "take more than an hour in traffic.\n"
)
