"""Collecting batch results: batch order, one progress report per batch, and the flow
timeout naming the batches that did not finish."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flows.progress import RunTimedOut, _eta, collect


class _Future:
    def __init__(self, value: Any, finishes: bool = True) -> None:
        self.value, self.finishes = value, finishes

    def add_done_callback(self, fn: Any) -> None:
        if self.finishes:
            fn(self)

    def result(self) -> Any:
        if isinstance(self.value, BaseException):
            raise self.value
        return self.value


class _Progress:
    def __init__(self) -> None:
        self.reported: list[Any] = []
        self.closed = False

    def batch_done(self, summary: Any) -> None:
        self.reported.append(summary)

    def close(self) -> None:
        self.closed = True


def test_results_come_back_in_batch_order() -> None:
    progress = _Progress()
    futures = [_Future("b0"), _Future("b1"), _Future("b2")]
    assert collect(futures, ["l0", "l1", "l2"], progress, None) == ["b0", "b1", "b2"]  # type: ignore[arg-type]
    assert sorted(progress.reported) == ["b0", "b1", "b2"] and progress.closed


def test_timeout_names_unfinished_batches() -> None:
    progress = _Progress()
    futures = [_Future("b0"), _Future(None, finishes=False), _Future(None, finishes=False)]
    labels = ["files 0-9", "files 10-19", "files 20-29"]
    t0 = time.monotonic()
    with pytest.raises(RunTimedOut) as info:
        collect(futures, labels, progress, time.monotonic() + 0.2)  # type: ignore[arg-type]
    assert time.monotonic() - t0 < 5
    assert str(info.value) == (
        "run exceeded flow_timeout_seconds with 2 batch(es) unfinished: files 10-19, files 20-29"
    )
    assert progress.reported == ["b0"] and progress.closed


def test_failed_batch_raises_its_own_error() -> None:
    futures = [_Future(RuntimeError("batch 0 (a .. b) failed in stage read on file a"))]
    with pytest.raises(RuntimeError, match="failed in stage read on file a"):
        collect(futures, ["l0"], _Progress(), None)  # type: ignore[arg-type]


def test_eta_format() -> None:
    assert _eta(3725.4) == "1:02:05" and _eta(-3) == "0:00:00"
