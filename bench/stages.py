"""Single-core speed of the stages alone, outside Prefect and the pool.

    python bench/stages.py chrome          # separator over the devset text dumps
    python bench/stages.py html            # HTML path over the devset HTML pages
    python bench/stages.py text DIR [N]    # each stage of the text path over N corpus files
    python bench/stages.py profile DIR [N] # cProfile of process_batch over N corpus files
    python bench/stages.py trafilatura '{"fast": true}'  # bare_extraction options, 300 pages
    python bench/stages.py html-ab BASE [PASSES]  # HTML path, this checkout vs BASE, lockstep

Each prints one JSON line (``profile`` prints the top functions too). Times are CPU
time of this one-threaded process (``time.process_time``), so documents per second are
per core and hold on a machine shared with other work.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.decode import decode
from tasks.dedup import signatures
from tasks.discover import discover
from tasks.normalize import article_rows
from tasks.process import prepare, process_batch, text_passes
from tasks.read import read_file
from tasks.records import Decoded, RawDoc
from tasks.records import Reject as RejectT
from tasks.segment import segment
from tasks.settings import load_settings

DEVSET_PAGES = Path(__file__).resolve().parents[2] / "shared" / "devset" / "pages"


def _decoded(paths: list[Path], fmt: str) -> list[Decoded]:
    docs = []
    for p in paths:
        data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        d = decode(RawDoc(p.name, 0, data, source="devset", format_hint=fmt))
        if isinstance(d, Decoded):
            docs.append(d)
    return docs


def bench_chrome(pages: Path = DEVSET_PAGES) -> dict[str, object]:
    """``tasks.chrome.separate`` alone (decoded and segmented beforehand)."""
    from tasks.chrome import separate

    docs = _decoded(sorted(pages.glob("*.txt")), "text")
    blocks = [segment(d.text) for d in docs]
    separate(docs[0].text, blocks=blocks[0])  # warm-up
    t0 = time.process_time()
    for d, b in zip(docs, blocks, strict=True):
        separate(d.text, blocks=b)
    dt = time.process_time() - t0
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    return {
        "stage": "chrome",
        "docs": len(docs),
        "seconds": dt,
        "docs_per_s": len(docs) / dt,
        "mb_per_s": mb / dt,
        "input": str(pages / "*.txt"),
    }


def bench_html(pages: Path = DEVSET_PAGES) -> dict[str, object]:
    """The whole HTML path as a run takes it (``process_batch`` over the devset's
    ``.html.gz`` pages: read, decode, trafilatura, chrome pass, normalize), with the
    share of CPU inside trafilatura."""
    import tasks.process as process
    from tasks.records import SourceFile

    settings = load_settings()
    files = [
        SourceFile(str(p), p.name, "devset", p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(pages.glob("*.html.gz"))
    ]
    inner = process.extract_html
    spent = [0.0]

    def timed(*args: object, **kwargs: object) -> object:
        t0 = time.process_time()
        try:
            return inner(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent[0] += time.process_time() - t0

    process_batch(files[:5], settings)  # warm-up (imports)
    process.extract_html = timed  # type: ignore[assignment]
    try:
        t0 = time.process_time()
        res = process_batch(files, settings)
        dt = time.process_time() - t0
    finally:
        process.extract_html = inner
    return {
        "stage": "html",
        "docs": len(files),
        "seconds": dt,
        "docs_per_s": len(files) / dt,
        "extract_share": spent[0] / dt,
        "articles": len(res.articles),
        "rejects": len(res.rejects),
        "input": str(pages / "*.html.gz"),
    }


def _html_files(pages: Path = DEVSET_PAGES) -> list[Any]:
    from tasks.records import SourceFile

    return [
        SourceFile(str(p), p.name, "devset", p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(pages.glob("*.html.gz"))
    ]


def html_worker() -> None:
    """``html-ab``'s worker: after a warm-up, ``process_batch`` over each ``START END``
    slice of the devset pages read from stdin; prints the CPU seconds of each."""
    settings = load_settings()
    files = _html_files()
    process_batch(files[:5], settings)
    print("ready", flush=True)
    for line in sys.stdin:
        start, end = map(int, line.split())
        t0 = time.process_time()
        process_batch(files[start:end], settings)
        print(time.process_time() - t0, flush=True)


def bench_html_ab(base: Path, passes: int = 3, chunk: int = 30) -> dict[str, object]:
    """The HTML path of ``base`` (A) and of this checkout (B) in lockstep: two workers
    on core 1 get the same ``chunk``-page slices of the devset, the order swapped from
    slice to slice, so that both see the same machine (its speed drifts ~12% over
    minutes here, and whole-run pairs differ by more than the change measured). Both
    workers run this file; each imports ``tasks`` from its own checkout."""
    import subprocess

    here = Path(__file__).resolve().parents[1]
    sides = {"A": base.resolve(), "B": here}
    workers = {
        k: subprocess.Popen(
            [
                "taskset",
                "-c",
                "1",
                sys.executable,
                str(here / "bench" / "stages.py"),
                "html-worker",
            ],
            cwd=d,
            env={**os.environ, "PYTHONPATH": str(d)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k, d in sides.items()
    }
    for w in workers.values():
        assert w.stdout is not None and w.stdout.readline().strip() == "ready"
    n = len(_html_files())
    rows = []
    for done in range(passes):
        spent = {"A": 0.0, "B": 0.0}
        for c, start in enumerate(range(0, n, chunk)):
            for k in "AB" if (c + done) % 2 == 0 else "BA":
                w = workers[k]
                assert w.stdin is not None and w.stdout is not None
                w.stdin.write(f"{start} {min(n, start + chunk)}\n")
                w.stdin.flush()
                spent[k] += float(w.stdout.readline())
        rows.append((n / spent["A"], n / spent["B"], spent["A"] / spent["B"]))
        print(
            f"pass {done + 1}: A {rows[-1][0]:.2f} B {rows[-1][1]:.2f} pages/s/core, "
            f"B/A {rows[-1][2]:.3f}",
            file=sys.stderr,
        )
    for w in workers.values():
        assert w.stdin is not None
        w.stdin.close()
        w.wait()
    return {
        "stage": "html-ab",
        "base": str(sides["A"]),
        "docs": n,
        "a_docs_per_s": [round(r[0], 2) for r in rows],
        "b_docs_per_s": [round(r[1], 2) for r in rows],
        "ratio_median": statistics.median(r[2] for r in rows),
    }


def bench_trafilatura(options: dict[str, object], n: int = 300) -> dict[str, object]:
    """``trafilatura.bare_extraction`` alone with extra ``options`` (run each in a fresh
    process: dateparser's caches warm up over a run)."""
    import trafilatura

    docs = [d.text for d in _decoded(sorted(DEVSET_PAGES.glob("*.html.gz"))[:n], "html")]
    kw: dict[str, object] = dict(
        with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
    )
    kw.update(options)
    trafilatura.bare_extraction(docs[0], **kw)
    t0 = time.process_time()
    dates = chars = 0
    for d in docs:
        r = trafilatura.bare_extraction(d, **kw)
        dates += bool(r is not None and r.date)
        chars += len((r.text or "") if r is not None else "")
    dt = time.process_time() - t0
    return {
        "stage": "trafilatura",
        "options": options,
        "docs": len(docs),
        "docs_per_s": len(docs) / dt,
        "dates": dates,
        "text_chars": chars,
    }


def _sample(root: Path, n: int) -> list:
    files, _ = discover(root)
    step = max(1, len(files) // n)
    return files[::step][:n]


def bench_text(root: Path, n: int = 2000) -> dict[str, object]:
    """Seconds per stage of the text path over ``n`` corpus files (one process)."""
    import tasks.dedup
    import tasks.process as process
    from tasks.chars import char_table
    from tasks.templates import count_lines, template_set
    from tasks.tokens import compiled_kernels
    from warehouse.load import signature_table
    from warehouse.store import to_table

    settings = load_settings()
    files = _sample(root, n)
    # one-time loads are paid here, not by the first stage that touches them: the numba
    # kernels (~0.45 s; the pool's forkserver loads them before forking), the stages'
    # kernels and the character table (~0.15 s)
    compiled_kernels()
    if hasattr(tasks.dedup, "stage_kernels"):  # (a checkout before them: none to load)
        tasks.dedup.stage_kernels()
    char_table()
    t: dict[str, float] = {}

    def tick(name: str, since: float) -> float:
        now = time.process_time()
        t[name] = t.get(name, 0.0) + now - since
        return now

    c = time.process_time()
    raws = [r for f in files for r in read_file(f, settings.max_file_bytes)]
    raws = [r for r in raws if isinstance(r, RawDoc)]
    c = tick("read", c)
    docs = [d for d in (decode(r) for r in raws) if isinstance(d, Decoded)]
    c = tick("decode", c)
    preps = [p for p in (prepare(d, settings) for d in docs) if not isinstance(p, RejectT)]
    c = tick("segment+hash", c)
    by_src: dict[str | None, list] = {}
    for p in preps:
        by_src.setdefault(p.doc.source, []).append(p.hashes)
    templates = {
        s: template_set(count_lines(h), settings.template_min_docs) for s, h in by_src.items()
    }
    c = tick("templates", c)
    # as the run does: the batch path (separate_many, 256 documents a call)
    sites = [templates.get(p.doc.source, frozenset()) for p in preps]
    seps = list(text_passes(preps, settings, sites))
    c = tick("separate", c)
    folded = getattr(process, "folded_blocks", lambda p: None)  # (none before it)

    def rows(p: Any, s: Any) -> Any:
        f = folded(p)
        return article_rows(p.doc, p.text, s) if f is None else article_rows(p.doc, p.text, s, f)

    built = [rows(p, s) for p, s in zip(preps, seps, strict=True)]
    c = tick("normalize", c)
    arts = [a for a, _, _ in built if a is not None]
    segs = [s for _, ss, _ in built for s in ss]
    keys = [k for a, _, k in built if a is not None]
    # as the run does: the MinHashes of each batch of settings.batch_size files together
    step = settings.batch_size
    minhashes = [m for i in range(0, len(keys), step) for m in signatures(keys[i : i + step])]
    tables = [signature_table(arts, "x", minhashes)]
    c = tick("signatures", c)
    tables += [
        to_table("articles", arts, run_id="x", ingested_at=datetime.now(UTC)),
        to_table("chrome_segments", segs, run_id="x"),
    ]
    c = tick("to_table", c)
    with tempfile.TemporaryDirectory() as tmp:
        import pyarrow.parquet as pq

        for i, tab in enumerate(tables):
            pq.write_table(tab, f"{tmp}/{i}.parquet", compression="zstd")
    tick("parquet", c)
    total = sum(t.values())
    return {
        "stage": "text",
        "docs": len(files),
        "seconds": total,
        "docs_per_s": len(files) / total,
        "ms_per_doc": {k: round(1000 * v / len(files), 3) for k, v in t.items()},
    }


def profile(root: Path, n: int = 1000) -> dict[str, object]:
    import cProfile
    import io
    import pstats

    settings = load_settings()
    files = _sample(root, n)
    process_batch(files[:20], settings)
    prof = cProfile.Profile()
    prof.enable()
    process_batch(files, settings)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(20)
    print(out.getvalue(), file=sys.stderr)
    return {"stage": "profile", "docs": len(files)}


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "chrome"
    if what == "chrome":
        res = bench_chrome()
    elif what == "html":
        res = bench_html()
    elif what == "text":
        res = bench_text(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 2000)
    elif what == "html-ab":
        res = bench_html_ab(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 3)
    elif what == "html-worker":
        html_worker()
        return 0
    elif what == "trafilatura":
        res = bench_trafilatura(json.loads(argv[1]) if len(argv) > 1 else {})
    elif what == "profile":
        res = profile(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 1000)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
