"""A local Prefect server with its UI, for watching runs: ``newsetl ui`` / ``make ui``.

Bound to 127.0.0.1 by default, analytics off, nothing fetched from the network. Runs
report to it when ``PREFECT_API_URL`` points at it (the command prints the line to use).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200


def public_host(host: str) -> str:
    """The name browsers and Dask workers use to reach a server bound to ``host``."""
    return socket.gethostname() if host in ("0.0.0.0", "::") else host


def server_env(host: str, port: int) -> dict[str, str]:
    """Environment of the server process: UI on, analytics and telemetry off."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # the server must not point at another server
    ui_api = env.get("PREFECT_UI_API_URL") or f"http://{public_host(host)}:{port}/api"
    env.update(
        {
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true",
            "PREFECT_SERVER_UI_ENABLED": "true",
            "PREFECT_SERVER_API_HOST": host,
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_UI_API_URL": ui_api,
            "PREFECT_SERVER_UI_API_URL": ui_api,
        }
    )
    return env


def server_command(host: str, port: int) -> list[str]:
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable))
    base = [prefect] if prefect else [sys.executable, "-m", "prefect"]
    args = ["server", "start", "--host", host, "--port", str(port), "--analytics-off", "--ui"]
    return [*base, *args]


def start_ui(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the server in the foreground until Ctrl-C; returns its exit code."""
    shown = public_host(host)
    print(f"Prefect UI: http://{shown}:{port}", flush=True)
    print(
        f"In another shell, point runs at it:  export PREFECT_API_URL=http://{shown}:{port}/api",
        flush=True,
    )
    print("Stop with Ctrl-C.", flush=True)
    proc = subprocess.Popen(server_command(host, port), env=server_env(host, port))
    # `kill` (SIGTERM) of this command stops the server too; Ctrl-C reaches both anyway
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=30)
        return 0
