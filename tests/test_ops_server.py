"""The temporary Prefect server ``newsetl run`` starts before planning (flows/server.py)."""

from __future__ import annotations

import argparse

import pytest

from flows.cli import _early_server
from flows.server import TemporaryServer


def test_no_early_server_when_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert _early_server(argparse.Namespace()) is None
    monkeypatch.delenv("PREFECT_API_URL")
    assert _early_server(argparse.Namespace(dask_address="tcp://h:8786")) is None


def test_a_server_that_dies_is_one_clear_error() -> None:
    server = TemporaryServer()
    assert server.proc is not None and server.api_url.endswith(f":{server.port}/api")
    server.proc.kill()
    server.proc.wait()
    with pytest.raises(RuntimeError, match="temporary server exited with code"):
        server.wait(5)
    server.stop()
    server.stop()  # stopping twice is harmless
    assert server.proc is None


def test_no_early_server_when_prefect_already_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert _early_server(argparse.Namespace()) is None
