"""Wrap the devset HTML pages into one WARC file (a request + response record per page).

    PYTHONPATH=. python bench/make_warc.py [--devset ../shared/devset] [--out FILE]
                                           [--repeat N] [--no-gzip]

Each ``pages/ID.html.gz`` becomes an HTTP 200 ``response`` record with the page's raw
bytes, ``Content-Type: text/html`` (no charset: the pipeline must find it), the page's
URL from ``labels.jsonl`` as ``WARC-Target-URI`` (a made-up ``https://devset.invalid/ID``
when the label is not a URL) and a fixed ``WARC-Date``. ``--repeat`` writes the set N
times (for a bigger file). Per-record gzip by default, as crawlers write ``.warc.gz``.
Then, for docs/s over the archive:

    PYTHONPATH=. python -m flows.cli run --input DIR_WITH_THE_WARC --warehouse /tmp/wh
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", default=str(ROOT.parent / "shared" / "devset"))
    ap.add_argument("--out", default="data/bench/devset.warc.gz")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-gzip", action="store_true")
    args = ap.parse_args(argv)

    devset = Path(args.devset)
    urls = {}
    with open(devset / "labels.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                label = json.loads(line)
                urls[label["id"]] = label["url"]
    pages = sorted((devset / "pages").glob("*.html.gz"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    records = 0
    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=not args.no_gzip)
        writer.write_record(writer.create_warcinfo_record(out.name, {"software": "make_warc"}))
        for _ in range(args.repeat):
            for page in pages:
                page_id = page.name.removesuffix(".html.gz")
                url = urls.get(page_id, "")
                if not url.startswith(("http://", "https://")):
                    url = f"https://devset.invalid/{page_id}"
                body = gzip.decompress(page.read_bytes())
                http = StatusAndHeaders(
                    "200 OK",
                    [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": "2024-01-01T00:00:00Z"},
                )
                writer.write_record(record)
                records += 1
    print(
        f"{out}: {records} response records, {out.stat().st_size / 1e6:.1f} MB "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
