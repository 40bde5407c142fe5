"""The benchmark harness: a deterministic, varied corpus; the floor; what run.py measures."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

from flows.batch import POOL_LOG, TIMINGS_LOG
from tests.conftest import ROOT, SHARED

DEVSET = SHARED / "devset"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path, dict[str, int]]:
    if not (DEVSET / "pages").is_dir():
        pytest.skip("../shared/devset is not beside this checkout")
    make = _load("make_corpus")
    out = tmp_path_factory.mktemp("corpus") / "a"
    kw = dict(sources=4, html_share=0.1, dup_share=0.1, near_dup_share=0.1, cp1252_share=0.2)
    counts = make.generate(out, 150, seed=3, devset=DEVSET, **kw)
    return make, out, counts | kw  # type: ignore[operator]


def test_corpus_is_deterministic(
    corpus: tuple[ModuleType, Path, dict[str, int]], tmp_path: Path
) -> None:
    make, out, counts = corpus
    kw = {k: counts[k] for k in ("sources", "html_share", "dup_share", "near_dup_share")}
    make.generate(tmp_path / "b", 150, seed=3, devset=DEVSET, cp1252_share=0.2, **kw)
    make.generate(tmp_path / "c", 150, seed=4, devset=DEVSET, cp1252_share=0.2, **kw)
    assert _digests(tmp_path / "b") == _digests(out)
    assert _digests(tmp_path / "c") != _digests(out)


def test_corpus_is_varied(corpus: tuple[ModuleType, Path, dict[str, int]]) -> None:
    _, out, counts = corpus
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 150
    assert len({p.relative_to(out).parts[0] for p in files}) == 4  # raw/<source>/...
    assert counts["html"] > 0 and counts["exact_dup"] > 0 and counts["near_dup"] > 0
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    assert len(set(digests)) < len(digests)  # exact duplicates under other paths
    not_utf8 = 0
    for p in files:
        try:
            p.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
    assert not_utf8 >= counts["cp1252"] > 0  # (and their duplicates)


def test_chrome_is_per_site(corpus: tuple[ModuleType, Path, dict[str, int]]) -> None:
    """Each site's text files end with its own footer line; sites' footers differ."""
    _, out, _ = corpus
    footers: dict[str, set[str]] = {}
    for p in out.rglob("*.txt"):
        data = p.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        footers.setdefault(p.relative_to(out).parts[0], set()).add(text.rstrip().splitlines()[-1])
    assert all(len(lines) == 1 for lines in footers.values())  # same within a site
    assert len({next(iter(v)) for v in footers.values()}) == len(footers)  # unlike others


def test_floor_writes_every_file(
    corpus: tuple[ModuleType, Path, dict[str, int]], tmp_path: Path
) -> None:
    _, out, _ = corpus
    floor = _load("floor")
    assert floor.floor(out, tmp_path / "floor.parquet", rows_per_group=40) == 150
    table = pq.read_table(tmp_path / "floor.parquet")
    assert table.num_rows == 150 and len(set(table["source_path"].to_pylist())) == 150


def test_timings_line_is_what_the_harness_parses() -> None:
    run = _load("run")
    line = TIMINGS_LOG % (12.5, 0.25, 11.75, 22.0, 2, 0.5)
    m = run._TIMINGS.search(f"12:00:00 | INFO | Flow run 'x' - {line}")
    assert m is not None
    assert [float(x) for x in m.groups()] == [12.5, 0.25, 11.75, 22.0, 2.0, 0.5]
    pool = run._POOL.search(f"12:00:01 | INFO | Flow run 'x' - {POOL_LOG % (2, 0.1, 1.5, 0.75)}")
    assert pool is not None
    assert [float(x) for x in pool.groups()] == [2.0, 0.1, 1.5, 0.75]


def test_measure_sums_rss_over_the_process_tree() -> None:
    """A parent holding ~100 MB and a child holding ~100 MB: the peak counts both."""
    run = _load("run")
    code = (
        "import subprocess, sys, time\n"
        "a = bytearray(100 * 2**20)\n"
        "child = 'b = bytearray(100 * 2**20); import time; time.sleep(1.0)'\n"
        "subprocess.run([sys.executable, '-c', child], check=True)\n"
    )
    m = run.measure([sys.executable, "-c", code], interval=0.05, series=True)
    assert m.returncode == 0
    assert m.peak_total >= 200 * 2**20
    assert m.cpu > 0 and m.wall >= 1.0
    # every sample kept (bench/timeline.py): the two processes' RSS at the peak sample
    at = max(m.samples, key=lambda s: sum(map(sum, s[2].values())))
    assert sum(map(sum, at[2].values())) == m.peak_total
    assert len(at[2]["flow"]) == 1 and sum(len(v) for v in at[2].values()) == 2
    assert [t for t, _, _ in m.samples] == sorted(t for t, _, _ in m.samples)


def test_timeline_takes_the_batch_phase_and_the_summed_peak() -> None:
    timeline = _load("timeline")
    mb = 1_000_000
    samples = [  # (seconds, CPU by role, RSS by role): start-up, batches, commit
        (0.0, {"flow": 0.5, "prefect-server": 1.0}, {"flow": [100 * mb]}),
        (1.0, {"flow": 1.0, "prefect-server": 3.0, "pool": 1.0}, {"pool": [200 * mb]}),
        (
            2.0,
            {"flow": 1.2, "prefect-server": 3.5, "pool": 4.0},
            {"pool": [300 * mb, 250 * mb], "flow": [120 * mb]},
        ),
        (3.0, {"flow": 1.5, "prefect-server": 4.0, "pool": 8.0}, {"pool": [350 * mb, 340 * mb]}),
        (4.0, {"flow": 3.0, "prefect-server": 4.2, "pool": 8.0}, {"flow": [400 * mb]}),
    ]
    out = timeline.summary(samples)
    assert out["batch_phase"] == {
        "seconds": 1.0,
        "cpu_flow": 0.3,
        "cpu_prefect-server": 0.5,
        "cpu_pool": 4.0,
        "flow_rss_mb": 120,  # not the commit's 400, after the batch phase
    }
    assert out["peak"] == {"mb": 690, "at": 3.0, "pool": [350, 340]}
    assert out["cpu"] == {"flow": 3.0, "prefect-server": 4.2, "pool": 8.0} and out["wall"] == 4.0


def test_report_shows_the_host_speed_of_each_run() -> None:
    """The probe taken before the 2- and the 1-worker run is printed beside the figures
    it qualifies; a results file from before the probe renders a dash, not an error."""
    run = _load("run")
    assert 0 < run.host_speed(n=20_000, rounds=1) < 10_000
    timed = {"wall": 10.0, "files": 1000, "docs_per_s": 100.0, "peak_rss": 2**30, "cpu": 15.0}
    timed |= {"others": 0.01, "startup": 2.0, "orchestration": 0.1, "batches": 7.0}
    results = {
        "machine": "test",
        "date": "2026-11-29",
        "commit": "abc",
        "command": "bench",
        "bench_seconds": 1.0,
        "seed": 7,
        "runs": {
            "1000": {
                "floor": {"wall": 1.0, "peak_rss": 2**28},
                "run": timed | {"host_speed": 9.25},
                "run1": timed | {"wall": 18.0, "host_speed": 8.5},
            }
        },
        "stages": {"prefect_startup": 5.0, "discover": 0.1, "chrome": {}, "html": {}},
    }
    line = next(x for x in run.render(results).splitlines() if "host speed" in x)
    assert "| 9.2 (1-worker run: 8.5) |" in line
    del results["runs"]["1000"]["run"]["host_speed"]
    line = next(x for x in run.render(results).splitlines() if "host speed" in x)
    assert "| – |" in line


def test_speed_up_sums_the_two_pairs_taken_2_1_1_2() -> None:
    """Runs of 100, 190 (1 worker), 210 (1 worker), 110 s: the host slowed steadily by
    10 s a run; the summed walls give 400 / 210, each pair alone 1.90x and 1.91x."""
    run = _load("run")
    x = {
        "run": {"wall": 100.0, "batches": 90.0},
        "run1": {"wall": 190.0, "batches": 180.0},
        "run1b": {"wall": 210.0, "batches": 200.0},
        "run2b": {"wall": 110.0, "batches": 100.0},
    }
    assert run.speedup(x, "wall") == pytest.approx(400 / 210)
    assert run.speedup(x, "batches") == pytest.approx(380 / 190)
    assert run.pair_walls(x) == ["190.0 s → 100.0 s: 1.90×", "210.0 s → 110.0 s: 1.91×"]
    one = {k: x[k] for k in ("run", "run1")}
    assert run.speedup(one, "wall") == pytest.approx(1.9)
    assert run.pair_walls(one) == ["190.0 s → 100.0 s: 1.90×"]
