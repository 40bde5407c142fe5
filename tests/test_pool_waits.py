"""Where the workers waited in a batch phase, from the batch summaries' times."""

from __future__ import annotations

from flows.batch import POOL_LOG, BatchSummary, pool_waits


def _batch(index: int, worker: int, started: float, seconds: float) -> BatchSummary:
    return BatchSummary(index, 1, 1, 1, 0, 0, [], worker=worker, started=started, seconds=seconds)


def test_idle_before_between_and_after() -> None:
    # phase 10.0 -> 20.0; worker 1: 10.5-14 then 15-19; worker 2: 11-20 (one long batch)
    summaries = [_batch(1, 1, 15.0, 4.0), _batch(0, 1, 10.5, 3.5), _batch(2, 2, 11.0, 9.0)]
    workers, before, between, after = pool_waits(summaries, 10.0, 20.0)
    assert workers == 2
    assert (round(before, 6), round(between, 6), round(after, 6)) == (1.5, 1.0, 1.0)
    assert POOL_LOG % (workers, before, between, after) == (
        "pool: 2 workers idle 1.50s before their first batch, 1.00s between, 1.00s after their last"
    )
