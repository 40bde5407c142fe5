"""Prefect's temporary server, started first so that its start-up overlaps ours.

Without ``PREFECT_API_URL``, Prefect starts a temporary server the first time the flow
needs its API, and waits for it: ~4 CPU-seconds and 4-6 s of wall time on one core,
after ``newsetl run`` has already spent its own seconds importing Prefect and the stages
and planning the run (discovery and the incremental plan, 2-5 s at 100,000 files). Run
one after the other, those are most of a small run's fixed cost and hold down the 1 -> 2
worker speed-up. ``TemporaryServer`` starts the very same server process (Prefect's own
command line, ``prefect.server.api.server.SubprocessASGIServer``) before any of that, on
the other core; the run points ``PREFECT_API_URL`` at it, waits for it only when the
flow is about to start, and stops it at exit.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

_PORT_IN_USE = 3  # uvicorn's exit code when the port is taken


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_dir() -> str:
    spec = importlib.util.find_spec("prefect")  # without importing Prefect (seconds)
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise RuntimeError("prefect is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


class TemporaryServer:
    """A Prefect API server subprocess on a free local port, stopped at exit."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._start()
        atexit.register(self.stop)  # before Prefect registers its own exit hooks: runs after

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _start(self) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            # what Prefect sets for its temporary server (SubprocessASGIServer)
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            # No block types registered at start-up: that imports every installed Prefect
            # collection first (prefect-dask, hence distributed), ~0.5 CPU-s and ~0.8 s
            # before /health answers, and a run uses no blocks. A full server (`newsetl
            # ui`, `prefect server start`) registers them in the same database.
            "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
            "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
        }
        env.pop("PREFECT_API_URL", None)
        cmd = [sys.executable, "-m", "uvicorn", "--app-dir", _app_dir()]
        cmd += ["--factory", "prefect.server.api.server:create_app"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error"]
        self.proc = subprocess.Popen([*cmd, "--lifespan", "on"], env=env)

    def wait(self, timeout: float) -> None:
        """Block until the server answers ``/health``; RuntimeError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            code = self.proc.poll()
            if code == _PORT_IN_USE:  # taken between choosing it and binding it
                self._start()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary server exited with code {code}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"Prefect's temporary server did not start within {timeout:g} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def startup_timeout() -> float:
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
