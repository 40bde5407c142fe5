"""Shared fixtures: paths to the shared devset/seed, and one Prefect test server per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_59be5f47db3bc1db.txt"
SEED_EXPECTED = SHARED / "devset" / "seed" / "expected.json"
EXAMPLES = ROOT / "examples" / "raw"


def fresh_python(script: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new interpreter on this checkout, ``stdin`` as its input: for
    what a test session's own threads and earlier imports would hide (garbage counts,
    what a process has loaded when)."""
    return subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A temporary Prefect API and database for the whole session (started once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def seed_expected() -> dict[str, object]:
    import json

    if not SEED_EXPECTED.exists():
        pytest.skip("../shared/devset/seed/expected.json is not beside this checkout")
    return dict(json.loads(SEED_EXPECTED.read_text(encoding="utf-8")))
