"""The operations commands: `ui` binds to localhost with analytics off, `serve` and
`run --dask-address` refuse unusable setups with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import main
from flows.ui import server_command, server_env


def test_ui_server_is_local_with_analytics_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_UI_API_URL", raising=False)
    cmd = server_command("127.0.0.1", 4321)
    assert cmd[-8:] == [
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        "4321",
        "--analytics-off",
        "--ui",
    ]
    env = server_env("127.0.0.1", 4321)
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false" and env["DO_NOT_TRACK"] == "1"
    assert env["PREFECT_UI_ENABLED"] == "true"
    assert env["PREFECT_UI_API_URL"] == "http://127.0.0.1:4321/api"
    assert "PREFECT_API_URL" not in env


def test_serve_without_a_server_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["serve", "--cron", "0 * * * *", "--input", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsetl: error: serve needs a Prefect server") and "newsetl ui" in err


def test_dask_address_needs_the_dask_runner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--input", str(tmp_path), "--dask-address", "tcp://h:8786"]) == 2
    assert "--dask-address needs --runner dask" in capsys.readouterr().err
