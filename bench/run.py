"""``make bench``: end-to-end and per-stage performance, written to BENCHMARKS.md.

    python bench/run.py --sizes 10000 100000     # what `make bench N="10000 100000"` runs

For each size N it generates (once, cached in bench/out/) a text corpus of N files with
bench/make_corpus.py, then measures in separate processes, one after the other:

- the floor: bench/floor.py reads the same files and writes their raw text to one
  Parquet table (one process; run twice, the faster kept: both it and the run then
  read from a warm page cache);
- ``newsetl run`` end to end (2 workers): wall time from process start to exit, docs/s,
  peak RSS summed over the whole process tree (CLI/flow process, forkserver + pool
  workers, Prefect's temporary server), sampled from /proc every 0.2 s, and the flow's
  own ``timings:`` log line (discover, batch phase, batch work summed over workers,
  commit + catalog + artifacts);
- a second run over the same input and warehouse (what a no-op rerun costs on this
  commit); then the same run with 1 worker into a fresh warehouse, another 1-worker run
  and another 2-worker run (speed-up 1 -> 2: summed walls in the order 2-1-1-2, so a
  steady drift of the host's speed cancels; ``--pairs 1``: one 1-worker run only), at
  every size unless ``--speedup-sizes`` names fewer;
- before each of those two runs, the host's own speed (``host_speed``: a fixed Python
  loop, best of three): this VM's speed moves between days and within minutes.

Once per bench: Prefect start-up alone (a no-op flow in a fresh process), discovery of
the largest corpus alone, the chrome separator alone and the HTML path alone
(bench/stages.py, one core), and the per-stage split of the text path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PAGE = os.sysconf("SC_PAGE_SIZE")
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # one BLAS thread per process, as flows/__init__.py sets for a run: the stage
    # benches import tasks/ only, and OpenBLAS threads doubled the separator's CPU there
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_TIMINGS = re.compile(
    r"timings: body ([\d.]+)s = discover ([\d.]+)s \+ batches ([\d.]+)s "
    r"\(work ([\d.]+)s in (\d+) workers\) \+ finish ([\d.]+)s"
)
_POOL = re.compile(
    r"pool: (\d+) workers idle ([\d.]+)s before their first batch, ([\d.]+)s between, "
    r"([\d.]+)s after their last"
)


# --- process-tree sampling -------------------------------------------------------------


def _tree(root: int) -> dict[int, str]:
    """pid -> role for ``root`` and all its descendants."""
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after the last ')'
        parent[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
    pids = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in pids and pid not in pids:
                pids.add(pid)
                grew = True
    return {pid: _role(pid, root) for pid in pids}


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "flow"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ")
    except OSError:
        return "other"
    if b"multiprocessing" in cmd:
        return "pool"  # the forkserver and the workers it forks
    if b"uvicorn" in cmd or b"prefect" in cmd or b"server" in cmd:
        return "prefect-server"
    return "other"


def _cpu(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(b")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    wall: float
    returncode: int
    output: str
    peak_total: int = 0
    peak_by_role: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0  # CPU seconds of the whole tree (user + system, reaped children)
    others: float = 0.0  # cores used on average by processes outside the tree meanwhile
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    # with ``series``: every sample, (seconds since start, CPU seconds so far by role, each
    # process's RSS by role, largest first) (bench/timeline.py)
    samples: list[tuple[float, dict[str, float], dict[str, list[int]]]] = field(
        default_factory=list
    )


def measure(cmd: list[str], interval: float = 0.2, series: bool = False) -> Measured:
    """Run ``cmd``; wall time and peak RSS summed over its process tree (``series``: and
    every sample, ``Measured.samples``)."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    # a file of its own (a concurrent measure must not truncate it), kept as last-command.log
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        "w+", dir=out, prefix=".command-", suffix=".log", delete=False, encoding="utf-8"
    )
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = _busy_seconds()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT)
    peak_total = 0
    peaks: dict[str, int] = {}
    cpu_seen: dict[int, float] = {}
    roles: dict[int, str] = {}
    samples: list[tuple[float, dict[str, float], dict[str, list[int]]]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_total
        while not done.is_set():
            rss: dict[str, list[int]] = {}
            for pid, role in _tree(proc.pid).items():
                role = role if role != "other" else roles.get(pid, role)
                rss.setdefault(role, []).append(_rss(pid))
                cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), _cpu(pid))
                if roles.get(pid, "other") == "other":  # a zombie's cmdline is empty
                    roles[pid] = role
            by_role = {role: sum(values) for role, values in rss.items()}
            peak_total = max(peak_total, sum(by_role.values()))
            for role, value in by_role.items():
                peaks[role] = max(peaks.get(role, 0), value)
            if series:
                cpu: dict[str, float] = {}
                for pid, seconds in cpu_seen.items():
                    cpu[roles[pid]] = cpu.get(roles[pid], 0.0) + seconds
                at = time.perf_counter() - t0
                samples.append((at, cpu, {k: sorted(v, reverse=True) for k, v in rss.items()}))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.perf_counter() - t0
    busy = _busy_seconds() - busy0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    done.set()
    sampler.join()
    # sampled per process (misses each process's last < 0.2 s) or what the kernel counted
    # for reaped children (misses grandchildren nobody waited for): the larger of the two
    cpu = max(reaped, sum(cpu_seen.values()))
    log.seek(0)
    output = log.read()
    log.close()
    os.replace(log.name, out / "last-command.log")
    others = max(0.0, busy - cpu) / wall
    cpu_by_role: dict[str, float] = {}
    for pid, seconds in cpu_seen.items():
        cpu_by_role[roles[pid]] = cpu_by_role.get(roles[pid], 0.0) + seconds
    return Measured(wall, rc, output, peak_total, peaks, cpu, others, cpu_by_role, samples)


# --- steps ------------------------------------------------------------------------------


def corpus(out: Path, n: int, seed: int) -> Path:
    """The text corpus of ``n`` files (generated once per generator version and seed)."""
    path = out / f"corpus-{n}-s{seed}"
    stamp = out / f"corpus-{n}-s{seed}.stamp"  # beside the corpus: not an input file
    gen = (ROOT / "bench" / "make_corpus.py").read_bytes()
    key = f"{n} {seed} {hash_bytes(gen)}"
    if stamp.exists() and stamp.read_text() == key:
        return path
    print(f"generating {n} files into {path} ...", flush=True)
    cmd = [PY, "bench/make_corpus.py", "--n", str(n), "--out", str(path)]
    subprocess.run([*cmd, "--seed", str(seed), "--html-share", "0"], cwd=ROOT, env=ENV, check=True)
    stamp.write_text(key)
    return path


def hash_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def run_ingest(
    src: Path, warehouse: Path, workers: int, fresh: bool = True
) -> dict[str, float | int]:
    if fresh and warehouse.exists():
        shutil.rmtree(warehouse)
    cmd = [PY, "-m", "flows.cli", "run", "--input", str(src), "--warehouse", str(warehouse)]
    m = measure([*cmd, "--workers", str(workers), "--logical-date", "2026-01-01"])
    if m.returncode != 0:
        raise SystemExit(f"newsetl run failed ({m.returncode}):\n{m.output[-3000:]}")
    # a flow run prints "run <id> (<date>): N files, ..."; a no-op decided before
    # Prefect starts prints "nothing to do: all N files ..."
    found = re.search(r"\): (\d+) files", m.output) or re.search(r"all (\d+) files", m.output)
    if found is None:
        raise SystemExit(f"newsetl run printed no file count:\n{m.output[-2000:]}")
    files = int(found.group(1))
    res: dict[str, float | int] = {
        "wall": m.wall,
        "files": files,
        "docs_per_s": files / m.wall,
        "peak_rss": m.peak_total,
        "cpu": m.cpu,
        "others": m.others,
        **{f"peak_{k}": v for k, v in m.peak_by_role.items()},
        **{f"cpu_{k}": v for k, v in m.cpu_by_role.items()},
    }
    t = _TIMINGS.search(m.output)
    if t:
        body, discover, batches, work, w, finish = (float(x) for x in t.groups())
        res.update(body=body, discover=discover, batches=batches, work=work, finish=finish)
        res["startup"] = m.wall - body  # interpreter + Prefect server + flow run + teardown
        # time in the flow body not accounted for by our stages running on `workers` cores
        res["orchestration"] = max(0.0, body - discover - work / max(1, int(w)) - finish)
    p = _POOL.search(m.output)
    if p:  # where the workers waited in the batch phase, summed over them
        res.update(idle_before=float(p[2]), idle_between=float(p[3]), idle_after=float(p[4]))
    return res


def run_floor(src: Path, out: Path) -> dict[str, float | int]:
    """The floor twice, keeping the faster: the first pass may read the files from disk
    while the run that follows reads them from the page cache (a cold first pass made
    the floor 3x slower and the run/floor ratio look far better than it is)."""
    target = out / "floor.parquet"
    runs = [measure([PY, "bench/floor.py", str(src), str(target)]) for _ in range(2)]
    for m in runs:
        if m.returncode != 0:
            raise SystemExit(f"floor failed:\n{m.output[-2000:]}")
    m = min(runs, key=lambda r: r.wall)
    size = target.stat().st_size
    target.unlink()
    return {
        "wall": m.wall,
        "peak_rss": m.peak_total,
        "parquet_bytes": size,
        "cpu": m.cpu,
        "others": m.others,
    }


def run_json(args: list[str]) -> dict[str, object]:
    out = subprocess.run([PY, *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {"error": "no result", "output": out.stdout[-500:]}


def chrome_alone() -> dict[str, object]:
    """The separator's own benchmark when it has one, else ``separate`` over the devset."""
    own = ROOT / "bench" / "chrome_speed.py"
    if own.exists():
        t0 = time.perf_counter()
        out = subprocess.run([PY, str(own)], cwd=ROOT, env=ENV, capture_output=True, text=True)
        text = (out.stdout + out.stderr).strip()
        res: dict[str, object] = {"via": "bench/chrome_speed.py", "output": text[-600:]}
        if out.returncode != 0:  # no figure from a run that failed part-way (its last line)
            res["error"] = (text.splitlines() or ["failed"])[-1].replace("|", "/")
            res["seconds"] = time.perf_counter() - t0
            return res
        for line in reversed(text.splitlines()):
            if line.startswith("{"):
                try:
                    res.update(json.loads(line))
                except json.JSONDecodeError:
                    pass
                break
        # its batch line (the path a run takes: separate_many), else "separate (all)";
        # CPU rate (per core, holds on a shared machine)
        m = (
            re.search(r"batch: separate_many.*?([\d.]+) docs/s CPU", text)
            or re.search(r"separate \(all\).*?([\d.]+) docs/s CPU", text)
            or re.search(r"([\d.]+)\s*docs?/s", text)
        )
        if "docs_per_s" not in res and m:
            res["docs_per_s"] = float(m.group(1))
        res["seconds"] = time.perf_counter() - t0
        return res
    return {"via": "bench/stages.py chrome", **run_json(["bench/stages.py", "chrome"])}


def host_speed(n: int = 3_000_000, rounds: int = 3) -> float:
    """How fast this host runs plain Python right now: millions of iterations of a fixed
    loop per CPU-second, the best of ``rounds`` (~1 s in all). Taken before each
    end-to-end run: the same code's CPU seconds moved 2x between days on this VM (steal
    time ~0 in ``/proc/stat``), and ±20% within minutes, so a table read without it can
    blame the code for the host (``bench/NOTES.md``, session 11)."""
    best = 0.0
    for _ in range(rounds):
        t0, total = time.process_time(), 0
        for i in range(n):
            total += i
        best = max(best, n / max(time.process_time() - t0, 1e-9) / 1e6)
    return best


def prefect_startup() -> float:
    code = "import flows\nfrom prefect import flow\n@flow\ndef noop():\n    return 1\nnoop()\n"
    return measure([PY, "-c", code]).wall


def discover_alone(src: Path) -> float:
    code = "import sys\nfrom pathlib import Path\nfrom tasks.discover import discover\n"
    code += "discover(Path(sys.argv[1]))"
    return measure([PY, "-c", code, str(src)]).wall


# --- report -----------------------------------------------------------------------------


def gb(n: float) -> str:
    return f"{n / 2**30:.2f} GB"


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem = int(fh.readline().split()[1]) * 1024
    import prefect
    import pyarrow

    return (
        f"{os.cpu_count()} × {cpu}, {gb(mem)} RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, Prefect {prefect.__version__}, "
        f"pyarrow {pyarrow.__version__}"
    )


def commit() -> str:
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return rev + (" (uncommitted changes)" if dirty else "")


def orch_cpu(run: dict) -> float:
    """CPU seconds of the flow process and the Prefect server (not the pool's work)."""
    return float(run.get("cpu_flow", 0) + run.get("cpu_prefect-server", 0))


def _pairs(x: dict) -> list[tuple[dict, dict]]:
    """The (1-worker, 2-worker) runs a size has: one pair, or two taken 2-1-1-2."""
    keys = (("run1", "run"), ("run1b", "run2b"))
    return [(x[a], x[b]) for a, b in keys if a in x and b in x]


def speedup(x: dict, figure: str) -> float:
    """1 -> 2 workers: the 1-worker runs' summed ``figure`` over the 2-worker runs' (one
    pair, or two taken in the order 2-1-1-2, where a steady drift of the host cancels)."""
    pairs = _pairs(x)
    return float(sum(a[figure] for a, _ in pairs) / sum(b[figure] for _, b in pairs))


def pair_walls(x: dict) -> list[str]:
    """Each pair's walls and ratio, 1 worker → 2 workers."""
    return [
        f"{a['wall']:.1f} s → {b['wall']:.1f} s: {a['wall'] / b['wall']:.2f}×" for a, b in _pairs(x)
    ]


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**not met**")


def render(r: dict) -> str:  # noqa: C901 - one table, read top to bottom
    sizes = sorted(int(k) for k in r["runs"])
    small, big = sizes[0], sizes[-1]
    lines = [
        "# Benchmarks",
        "",
        f"- machine: {r['machine']}",
        f"- date: {r['date']}",
        f"- commit: `{r['commit']}`",
        f"- command: `{r['command']}` ({r['bench_seconds']:.0f} s in all)",
        "- corpus: `bench/make_corpus.py --seed "
        f"{r['seed']} --html-share 0` (text dumps, median ~9.5 KB, per-site chrome, "
        "3% exact and 5% near duplicates, 2% cp1252)",
        "",
        "| measure | " + " | ".join(f"{n:,} files" for n in sizes) + " | target | verdict |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | --- | --- |",
    ]

    def row(name: str, fmt, target: str = "", ok=None) -> None:  # type: ignore[no-untyped-def]
        cells = []
        for n in sizes:
            try:
                cells.append(fmt(r["runs"][str(n)]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} | {verdict(ok)} |")

    runs = {int(k): v for k, v in r["runs"].items()}
    rb = runs[big]
    row(
        "`newsetl run` wall (2 workers)",
        lambda x: f"{x['run']['wall']:.1f} s",
        "≤ 120 s at 100k",
        rb["run"]["wall"] <= 120 if big >= 100_000 else None,
    )
    row("documents/s end to end", lambda x: f"{x['run']['docs_per_s']:.0f}", "≥ 830")
    row("CPU seconds, all processes", lambda x: f"{x['run']['cpu']:.0f} s")
    row(
        "lower bound for the wall on 2 idle cores (CPU s / 2)",
        lambda x: f"{x['run']['cpu'] / 2:.0f} s",
        "≤ 120 s at 100k",
        rb["run"]["cpu"] / 2 <= 120 if big >= 100_000 else None,
    )
    row("documents per CPU-second", lambda x: f"{x['run']['files'] / x['run']['cpu']:.0f}")
    row(
        "… CPU of flow process / Prefect server / pool",
        lambda x: (
            f"{x['run'].get('cpu_flow', 0):.0f} / {x['run'].get('cpu_prefect-server', 0):.0f}"
            f" / {x['run'].get('cpu_pool', 0):.0f} s"
        ),
    )
    row(
        "orchestration CPU share (flow + server) / all",
        lambda x: f"{orch_cpu(x['run']) / x['run']['cpu']:.0%}",
    )
    row("other processes' load meanwhile (cores)", lambda x: f"{x['run']['others']:.2f}")
    row(
        "host speed just before (pure-Python loop, M iterations per CPU-s)",
        lambda x: (
            f"{x['run']['host_speed']:.1f}"
            + (f" (1-worker run: {x['run1']['host_speed']:.1f})" if "run1" in x else "")
        ),
    )
    row("floor (read + one Parquet table)", lambda x: f"{x['floor']['wall']:.1f} s")
    row(
        "run / floor",
        lambda x: f"{x['run']['wall'] / x['floor']['wall']:.1f}×",
        "≤ 12",
        rb["run"]["wall"] / rb["floor"]["wall"] <= 12,
    )
    row(
        "peak RSS, all processes",
        lambda x: gb(x["run"]["peak_rss"]),
        "≤ 1.5 GB",
        rb["run"]["peak_rss"] <= 1.5 * 2**30,
    )
    row("… flow process", lambda x: gb(x["run"].get("peak_flow", 0)))
    row("… forkserver + workers", lambda x: gb(x["run"].get("peak_pool", 0)))
    row("… Prefect server", lambda x: gb(x["run"].get("peak_prefect-server", 0)))
    growth = None
    if len(sizes) > 1:
        growth = runs[big]["run"]["peak_rss"] / runs[small]["run"]["peak_rss"] - 1
    lines.append(
        f"| peak RSS growth {small:,} → {big:,} | "
        + " | ".join("" for _ in sizes[:-1])
        + (" | " if len(sizes) > 1 else "")
        + (f"{growth:+.0%}" if growth is not None else "–")
        + f" | ≤ +10% | {verdict(None if growth is None else growth <= 0.10)} |"
    )
    row("floor peak RSS", lambda x: gb(x["floor"]["peak_rss"]))
    row("start-up + teardown (wall − flow body)", lambda x: f"{x['run']['startup']:.1f} s")
    row("flow body", lambda x: f"{x['run']['body']:.1f} s")
    row("… discover", lambda x: f"{x['run']['discover']:.1f} s")
    row("… batch phase", lambda x: f"{x['run']['batches']:.1f} s")
    row("… batch work (sum over workers)", lambda x: f"{x['run']['work']:.1f} s")
    row("… commit + catalog + artifacts", lambda x: f"{x['run']['finish']:.1f} s")
    row(
        "… workers idle before first / between / after last batch (summed)",
        lambda x: (
            f"{x['run']['idle_before']:.1f} / {x['run']['idle_between']:.1f} / "
            f"{x['run']['idle_after']:.1f} s"
        ),
    )
    row(
        "pool use (work / 2 / batch phase)",
        lambda x: f"{x['run']['work'] / 2 / x['run']['batches']:.0%}",
    )
    row(
        "orchestration in the body (body − stages)",
        lambda x: (
            f"{x['run']['orchestration']:.1f} s "
            f"({x['run']['orchestration'] / x['run']['wall']:.0%} of wall)"
        ),
        "≤ 10% of wall",
        rb["run"]["orchestration"] / rb["run"]["wall"] <= 0.10,
    )
    row(
        "orchestration incl. start-up",
        lambda x: (
            f"{(x['run']['orchestration'] + x['run']['startup']) / x['run']['wall']:.0%} of wall"
        ),
    )
    if any("run1" in x for x in runs.values()):
        # the verdict, like every row's, is the largest size's (the 100,000 files)
        row(
            "1 → 2 workers speed-up, wall (batch phase)",
            lambda x: (
                f"{speedup(x, 'wall'):.2f}× ({', '.join(pair_walls(x))}); "
                f"{speedup(x, 'batches'):.2f}×; other load "
                f"{x['run1']['others']:.2f} → {x['run']['others']:.2f} cores"
            ),
            "≥ 1.7×",
            speedup(rb, "wall") >= 1.7 if "run1" in rb else None,
        )
    for n in sizes:
        if "rerun" in runs[n]:
            rr = runs[n]["rerun"]
            lines.append(
                f"| rerun, same input and warehouse, {n:,} files | {rr['wall']:.1f} s"
                + " |" * (len(sizes) - 1)
                + f" | no-op ≤ 15 s at 100k | {verdict(rr['wall'] <= 15)} |"
            )
    st = r["stages"]
    lines += [
        f"| Prefect start-up alone (no-op flow, fresh process) | {st['prefect_startup']:.1f} s"
        + " |" * (len(sizes) - 1)
        + " | | |",
        f"| discovery of {big:,} files alone (fresh process) | {st['discover']:.1f} s"
        + " |" * (len(sizes) - 1)
        + " | | |",
    ]
    ch = st["chrome"]
    figure = f"failed: {ch['error']}" if "error" in ch else f"{float(ch.get('docs_per_s', 0)):.0f}"
    lines.append(
        f"| chrome separator alone, docs/s/core ({ch.get('via')}) | {figure}"
        + " |" * (len(sizes) - 1)
        + " | | |"
    )
    ht = st["html"]
    if "docs_per_s" in ht:
        lines.append(
            f"| HTML path alone, pages/s/core (devset, {ht['docs']} pages; "
            f"{float(ht['extract_share']):.0%} in trafilatura) | {float(ht['docs_per_s']):.1f}"
            + " |" * (len(sizes) - 1)
            + f" | ≥ 25 | {verdict(float(ht['docs_per_s']) >= 25)} |"
        )
    tx = st.get("text", {})
    if "ms_per_doc" in tx:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in tx["ms_per_doc"].items())
        lines.append(
            f"| text path alone, docs/s/core ({tx['docs']} corpus files; ms/doc: {parts}) | "
            f"{float(tx['docs_per_s']):.0f}" + " |" * (len(sizes) - 1) + " | ≥ 415 | "
            f"{verdict(float(tx['docs_per_s']) >= 415)} |"
        )
    lines += [
        "",
        'Rerun with `make bench` (10k) or `make bench N="10000 100000"`; raw figures '
        "in `bench/out/results.json`. How each figure is taken: `bench/run.py`'s docstring.",
        "",
    ]
    notes = r.get("notes")
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="newsetl benchmarks -> BENCHMARKS.md")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="bench/out")
    p.add_argument("--md", default="BENCHMARKS.md", help="report to write ('' to skip)")
    p.add_argument("--notes", default="bench/NOTES.md", help="markdown appended to the report")
    p.add_argument("--no-speedup", action="store_true", help="skip the 1-worker runs")
    p.add_argument(
        "--speedup-sizes",
        type=int,
        nargs="*",
        help="sizes that also get the 1-worker run (default: every size)",
    )
    p.add_argument(
        "--pairs",
        type=int,
        choices=(1, 2),
        default=2,
        help="1- and 2-worker run pairs for the speed-up (2: in the order 2-1-1-2)",
    )
    p.add_argument("--no-stages", action="store_true", help="skip the per-stage benchmarks")
    p.add_argument(
        "--render", action="store_true", help="only rewrite the report from results.json"
    )
    a = p.parse_args(argv)
    out = (ROOT / a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if a.render:
        return write_report(json.loads((out / "results.json").read_text()), a.md, a.notes)
    t_all = time.perf_counter()
    sizes = sorted(set(a.sizes))
    results: dict = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "command": "python bench/run.py --sizes " + " ".join(map(str, sizes)),
        "seed": a.seed,
        "runs": {},
        "stages": {},
    }
    for n in sizes:
        src = corpus(out, n, a.seed)
        res: dict = {}
        print(f"[{n}] floor ...", flush=True)
        res["floor"] = run_floor(src, out)
        print(f"[{n}] floor {res['floor']['wall']:.1f} s; newsetl run ...", flush=True)
        wh = out / f"warehouse-{n}"
        speed = host_speed()
        res["run"] = run_ingest(src, wh, a.workers) | {"host_speed": speed}
        print(
            f"[{n}] run {res['run']['wall']:.1f} s, peak {gb(res['run']['peak_rss'])}", flush=True
        )
        res["rerun"] = run_ingest(src, wh, a.workers, fresh=False)
        print(f"[{n}] rerun {res['rerun']['wall']:.1f} s", flush=True)
        if not a.no_speedup and a.workers > 1 and n in (a.speedup_sizes or sizes):
            # 2-1-1-2: the run above, two 1-worker runs, a second 2-worker run, each into
            # a fresh warehouse; summed walls cancel a host speed that drifts steadily
            order = [("run1", 1)]
            if a.pairs == 2:
                order += [("run1b", 1), ("run2b", a.workers)]
            for key, workers in order:
                speed = host_speed()
                target = out / f"warehouse-{n}-{key}"
                res[key] = run_ingest(src, target, workers) | {"host_speed": speed}
                shutil.rmtree(target, ignore_errors=True)
                print(f"[{n}] {workers} worker(s) {res[key]['wall']:.1f} s", flush=True)
        shutil.rmtree(wh, ignore_errors=True)
        results["runs"][str(n)] = res
    st = results["stages"]
    st["prefect_startup"] = prefect_startup()
    st["discover"] = discover_alone(corpus(out, sizes[-1], a.seed))
    if not a.no_stages:
        print("stages alone ...", flush=True)
        st["chrome"] = chrome_alone()
        st["html"] = run_json(["bench/stages.py", "html"])
        st["text"] = run_json(["bench/stages.py", "text", str(corpus(out, sizes[0], a.seed))])
    else:
        st["chrome"], st["html"] = {}, {}
    results["bench_seconds"] = time.perf_counter() - t_all
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return write_report(results, a.md, a.notes)


def write_report(results: dict, md: str, notes: str) -> int:
    path = ROOT / notes if notes else None
    if path and path.exists():
        results["notes"] = path.read_text(encoding="utf-8")
    report = render(results)
    print(report)
    if md:
        (ROOT / md).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
