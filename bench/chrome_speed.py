"""Speed of the chrome separator alone: documents per second on one core.

    PYTHONPATH=. python bench/chrome_speed.py [--devset ../shared/devset] [--passes 3]
        [--batch 8] [--only batch|doc] [--fastest 8] [--config DIR]

Texts are read into memory first; resources are loaded and one warm-up pass runs before
timing. Each pass runs the separator (features + model + decisions) on every dump.
Reports the best pass by wall clock and by process CPU time (CPU time is the fairer
figure on a shared machine). Pin one core with ``taskset -c 0`` for a strict reading.

Per document (``tasks.chrome.separate``, one call per dump): ``separate (all)`` (the text
alone: segmentation inside), ``features + model`` (no decisions, no records), ``as a run
calls it`` (``segment`` first, then ``separate`` on its blocks; no site templates).
Per batch (``tasks.chrome.separate_many`` over all dumps, ``--batch`` documents per
pass of features, model and decisions): ``batch: separate_many`` (segmentation inside)
and ``batch: as a run calls it`` (blocks given, as ``tasks.process`` does).

The process opts in to ``tasks.chrome.freeze_results``, as the run's pool workers do
(``flows.batch.worker_pool``), so the batch lines read the separator as a run's workers
run it; ``--no-freeze`` leaves it off (as in a test session or a threaded runner).

``--fastest R`` adds one line for an A/B on a shared machine, whose speed drifts and whose
other load takes the core at random: ``separate_many`` over slices of 64 dumps, R rounds,
and the docs/s of the sum of each slice's fastest CPU time (interruptions only ever add
time, so the fastest of R is the least disturbed). Compare it only with the same line of
the other checkout, taken right before or after (8 rounds or more).

The compiled kernels (``tasks.kernels``, numba) are loaded before the warm-up; the first
line says how long that took (once per process). ``NEWSETL_NO_JIT=1`` runs the numpy
path instead (same output), for an A/B in one checkout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

# one core: no BLAS/OpenMP worker threads (tiny matrices; threads only add overhead)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.chrome import (  # noqa: E402
    BATCH_DOCS,
    cohesion_of,
    default_chrome,
    freeze_results,
    separate,
    separate_many,
)
from tasks.features import extract_batch  # noqa: E402
from tasks.segment import segment  # noqa: E402
from tasks.tokens import compiled_kernels  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--batch", type=int, default=BATCH_DOCS, help="documents per batch")
    ap.add_argument("--only", choices=("batch", "doc"), help="only the batch or per-doc lines")
    ap.add_argument("--no-freeze", action="store_true", help="not as a pool worker runs it")
    ap.add_argument("--fastest", type=int, default=0, metavar="R", help="rounds of slices")
    ap.add_argument("--config", type=Path, default=ROOT / "config", help="config folder (model)")
    args = ap.parse_args(argv)
    freeze_results(not args.no_freeze)
    texts = [p.read_text(encoding="utf-8") for p in sorted((args.devset / "pages").glob("*.txt"))]
    chrome = default_chrome(str(args.config.resolve()))
    t0 = time.perf_counter()
    jit = compiled_kernels() is not None
    print(f"kernels: {'numba' if jit else 'numpy'}, loaded in {time.perf_counter() - t0:.2f} s")
    separate_many(texts, chrome=chrome)  # warm-up: per-language tables are built on first use
    n = len(texts)
    kb = statistics.median(len(t.encode()) for t in texts) / 1024
    print(f"{n} docs (median {kb:.1f} KB)")

    def whole(t: str) -> object:
        return separate(t, chrome=chrome)

    def features_model(t: str) -> object:
        fb = extract_batch([t], chrome.resources)
        model = chrome.model  # a model with cohesion columns reads the units' tokens too
        coh = cohesion_of(fb, chrome.resources, [True]) if model.needs_cohesion else None
        return model.predict(model.matrix(fb), fb.bounds, coh)

    def as_run(t: str) -> object:
        return separate(t, blocks=segment(t), chrome=chrome)

    def batch_whole(ts: list[str]) -> object:
        return separate_many(ts, chrome=chrome, batch_size=args.batch)

    def batch_run(ts: list[str]) -> object:
        return separate_many(
            ts, blocks=[segment(t) for t in ts], chrome=chrome, batch_size=args.batch
        )

    per_doc: list[tuple[str, Callable[[str], object]]] = [
        ("separate (all)", whole),
        ("features + model", features_model),
        ("as a run calls it", as_run),
    ]
    batched: list[tuple[str, Callable[[list[str]], object]]] = [
        ("batch: separate_many", batch_whole),
        ("batch: as a run calls it", batch_run),
    ]
    runs: list[tuple[str, Callable[[], object]]] = []
    if args.only != "batch":
        runs += [(name, partial(_each, fn, texts)) for name, fn in per_doc]
    if args.only != "doc":
        # in slices of 256 documents, as tasks.process calls it (results freed per slice)
        runs += [(f"{name} ({args.batch})", partial(_slices, fn, texts)) for name, fn in batched]
    for name, run in runs:
        walls, cpus = [], []
        for _ in range(args.passes):
            w0, c0 = time.perf_counter(), time.process_time()
            run()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        print(
            f"{name:<18} best {n / min(walls):.0f} docs/s wall, {n / min(cpus):.0f} docs/s "
            f"CPU; median pass {n / statistics.median(walls):.0f} docs/s wall"
        )
    if args.fastest > 0:
        rate = n / _fastest_slices(batch_whole, texts, args.fastest)
        print(f"fastest slices ({args.fastest} rounds of 64): {rate:.0f} docs/s CPU")
    return 0


def _fastest_slices(fn: Callable[[list[str]], object], texts: list[str], rounds: int) -> float:
    """The sum over 64-document slices of each slice's fastest CPU time in ``rounds``."""
    best = [float("inf")] * len(range(0, len(texts), 64))
    for _ in range(rounds):
        for k, lo in enumerate(range(0, len(texts), 64)):
            c0 = time.process_time()
            fn(texts[lo : lo + 64])
            best[k] = min(best[k], time.process_time() - c0)
    return sum(best)


def _each(fn: Callable[[str], object], texts: list[str]) -> None:
    for t in texts:
        fn(t)


def _slices(fn: Callable[[list[str]], object], texts: list[str]) -> None:
    for lo in range(0, len(texts), 256):
        fn(texts[lo : lo + 256])


if __name__ == "__main__":
    sys.exit(main())
