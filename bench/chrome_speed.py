"""Speed of the chrome separator alone: documents per second on one core.

    PYTHONPATH=. python bench/chrome_speed.py [--devset ../shared/devset] [--passes 3]

Texts are read into memory first; resources are loaded and one warm-up pass runs before
timing. Each pass calls ``tasks.chrome.separate`` (features + model + decisions) on every
dump. Reports the best pass by wall clock and by process CPU time (CPU time is the fairer
figure on a shared machine). Pin one core with ``taskset -c 0`` for a strict reading.

Lines: ``separate (all)`` (the text alone: segmentation inside), ``features + model`` (no
decisions, no records), ``as a run calls it`` (``segment`` then ``separate`` on its blocks,
as ``tasks.process`` does; no site templates).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# one core: no BLAS/OpenMP worker threads (tiny matrices; threads only add overhead)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.chrome import default_chrome, separate  # noqa: E402
from tasks.features import extract  # noqa: E402
from tasks.segment import segment  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args(argv)
    texts = [p.read_text(encoding="utf-8") for p in sorted((args.devset / "pages").glob("*.txt"))]
    chrome = default_chrome()
    for t in texts:  # warm-up: per-language tables are built on first use
        separate(t, chrome=chrome)
    n = len(texts)
    kb = statistics.median(len(t.encode()) for t in texts) / 1024
    print(f"{n} docs (median {kb:.1f} KB)")

    def whole(t: str) -> object:
        return separate(t, chrome=chrome)

    def features_model(t: str) -> object:
        return chrome.model.predict(extract(t, chrome.resources).matrix)

    def as_run(t: str) -> object:
        return separate(t, blocks=segment(t), chrome=chrome)

    for name, fn in (
        ("separate (all)", whole),
        ("features + model", features_model),
        ("as a run calls it", as_run),
    ):
        walls, cpus = [], []
        for _ in range(args.passes):
            w0, c0 = time.perf_counter(), time.process_time()
            for t in texts:
                fn(t)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        print(
            f"{name:<18} best {n / min(walls):.0f} docs/s wall, {n / min(cpus):.0f} docs/s "
            f"CPU; median pass {n / statistics.median(walls):.0f} docs/s wall"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
