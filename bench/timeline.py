"""CPU and memory of each process of one ``newsetl run``, over time.

    python bench/timeline.py CORPUS [--workers 2] [--interval 0.5] [--out FILE.json]

Runs ``newsetl run`` over CORPUS into a fresh temporary warehouse with
``bench/run.py``'s ``measure``, which samples each process of its tree (the flow
process, Prefect's temporary server, the worker pool) every ``interval`` seconds: here
every sample is kept (CPU seconds so far and RSS by role). Prints one JSON line:

- ``batch_phase``: the span where the pool's CPU rises (from its first 3 CPU-s to its
  last 0.3), and the flow's and server's CPU within it: what they take from the workers'
  cores while the batches run (``bench/NOTES.md``, session 8); ``flow_rss_mb``: the flow
  process's highest RSS within it (what it holds per file; its commit comes later);
- ``peak``: the summed RSS at its highest sample, with each process's RSS at that moment
  (largest first per role), which says what makes the peak, unlike per-role peaks taken
  at different moments;
- ``cpu``: each role's CPU seconds in all.

``--out`` also writes every sample.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PY, measure  # noqa: E402


def summary(samples: list[tuple[float, dict, dict]]) -> dict:
    pool = [cpu.get("pool", 0.0) for _, cpu, _ in samples]
    start = next((i for i, p in enumerate(pool) if p > 3.0), 0)
    end = next((i for i, p in enumerate(pool) if p >= pool[-1] - 0.3), len(pool) - 1)

    def spent(role: str) -> float:
        return round(samples[end][1].get(role, 0.0) - samples[start][1].get(role, 0.0), 2)

    t, _, rss = max(samples, key=lambda s: sum(map(sum, s[2].values())))
    flow_rss = max((sum(r.get("flow", [0])) for _, _, r in samples[start : end + 1]), default=0)
    return {
        "wall": round(samples[-1][0], 1),
        "batch_phase": {
            "seconds": round(samples[end][0] - samples[start][0], 1),
            **{f"cpu_{r}": spent(r) for r in ("flow", "prefect-server", "pool")},
            "flow_rss_mb": round(flow_rss / 1e6),
        },
        "peak": {
            "mb": round(sum(map(sum, rss.values())) / 1e6),
            "at": round(t, 1),
            **{role: [round(x / 1e6) for x in v] for role, v in rss.items()},
        },
        "cpu": {role: round(s, 2) for role, s in samples[-1][1].items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--out", type=Path, help="write every sample here (JSON)")
    args = ap.parse_args(argv)
    wh = Path(tempfile.mkdtemp(prefix="newsetl-timeline-"))
    cmd = [PY, "-m", "flows.cli", "run", "--input", str(args.corpus.resolve())]
    cmd += ["--warehouse", str(wh), "--workers", str(args.workers)]
    try:
        m = measure([*cmd, "--logical-date", "2026-01-01"], args.interval, series=True)
    finally:
        shutil.rmtree(wh, ignore_errors=True)
    if m.returncode:
        raise SystemExit(f"newsetl run failed ({m.returncode}):\n{m.output[-2000:]}")
    samples = m.samples
    if args.out:
        args.out.write_text(json.dumps(samples))
    print(json.dumps(summary(samples)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
