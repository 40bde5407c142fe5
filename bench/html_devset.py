"""Devset HTML: run the pipeline's real HTML path over every page, write preds, score them.

    PYTHONPATH=. python bench/html_devset.py [--devset ../shared/devset] [--pred DIR]
                                             [--limit N] [--config FILE]

Each ``pages/ID.html.gz`` goes through exactly what a run does with a file:
``tasks.process.process_batch`` (read: gzip wrapper -> decode -> trafilatura
``extract_html`` -> ``tasks.chrome.separate`` -> ``tasks.html.html_decide`` ->
``article_rows``), in one process.
The article body is written to ``PRED/ID.txt`` (a page with no article gets no file,
which the scorer counts as empty), then ``score.py`` scores the directory. Prints
documents/s of the whole path (read to article) and the scorer's summary.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.process import process_batch  # noqa: E402
from tasks.records import SourceFile  # noqa: E402
from tasks.settings import load_settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", default=str(ROOT.parent / "shared" / "devset"))
    ap.add_argument("--pred", default=None, help="output folder (default: a temp folder)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--config", default=None)
    ap.add_argument("--worst", type=int, default=0)
    args = ap.parse_args(argv)

    devset = Path(args.devset)
    pages = sorted((devset / "pages").glob("*.html.gz"))
    if args.limit:
        pages = pages[: args.limit]
    files = [
        SourceFile(str(p), p.name, None, p.stat().st_size, p.stat().st_mtime_ns) for p in pages
    ]
    settings = load_settings(Path(args.config) if args.config else None)
    pred = Path(args.pred or tempfile.mkdtemp(prefix="html_devset_"))
    pred.mkdir(parents=True, exist_ok=True)

    process_batch(files[:1], settings)  # warm-up: imports, lexicons
    t0, c0 = time.perf_counter(), time.process_time()
    result = process_batch(files, settings)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    for article in result.articles:
        page_id = article.source_path.removesuffix(".html.gz")
        (pred / f"{page_id}.txt").write_text(article.body, encoding="utf-8")
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"commit {head}: {len(files)} pages -> {len(result.articles)} articles, "
        f"{len(result.rejects)} rejects in {seconds:.1f} s = {len(files) / seconds:.1f} docs/s "
        f"wall, {len(files) / cpu:.1f} docs per CPU-second (one process, load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    for r in result.rejects[:10]:
        print(f"  reject {r.source_path}: {r.stage}:{r.reason} {r.detail}")
    cmd = [sys.executable, str(devset / "score.py"), "--pred", str(pred)]
    cmd += ["--labels", str(devset / "labels.jsonl"), "--worst", str(args.worst)]
    if args.limit:
        ids = pred / "_ids.txt"
        ids.write_text("\n".join(p.name.removesuffix(".html.gz") for p in pages))
        cmd += ["--only-ids", str(ids)]
    print(f"preds in {pred}")
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    raise SystemExit(main())
