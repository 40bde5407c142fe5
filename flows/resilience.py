"""Retries, timeouts and failure messages for the ingest flow.

- Retries are for transient I/O only (a flaky network filesystem, a busy file): the
  ``transient_io`` condition refuses to retry deterministic failures (a missing file, a
  permission error, a bug in a stage), which would fail the same way again.
- ``flow_timeout_seconds`` bounds a run; ``[ops]`` in ``config/newsetl.toml``.
- A failed batch names its batch, the file that fails and the stage it fails in.
"""

from __future__ import annotations

import re
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.settings import CONFIG_DIR

# OSErrors that are facts about the input, not hiccups: retrying cannot help.
_DETERMINISTIC_OS_ERRORS = (
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    FileExistsError,
)


@dataclass(frozen=True, slots=True)
class OpsSettings:
    flow_timeout_seconds: float | None = 7200.0
    io_retries: int = 2
    io_retry_delay_seconds: float = 5.0


def load_ops(path: Path | None = None) -> OpsSettings:
    """``[ops]`` of the settings TOML (default ``config/newsetl.toml``); 0 timeout = none."""
    path = path or CONFIG_DIR / "newsetl.toml"
    with open(path, "rb") as fh:
        raw = tomllib.load(fh).get("ops", {})
    timeout = float(raw.get("flow_timeout_seconds", 7200))
    return OpsSettings(
        flow_timeout_seconds=timeout if timeout > 0 else None,
        io_retries=int(raw.get("io_retries", 2)),
        io_retry_delay_seconds=float(raw.get("io_retry_delay_seconds", 5)),
    )


def is_transient(exc: BaseException | None) -> bool:
    """An I/O error worth retrying (follows ``BatchFailed`` to its cause)."""
    while isinstance(exc, BatchFailed):
        exc = exc.__cause__
    if exc is None or not isinstance(exc, OSError):
        return False
    return not isinstance(exc, _DETERMINISTIC_OS_ERRORS)


def transient_io(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry a failed task only on transient I/O errors."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


def io_task_options(ops: OpsSettings) -> dict[str, Any]:
    """``Task.with_options`` keywords for the tasks that do I/O."""
    return {
        "retries": ops.io_retries,
        "retry_delay_seconds": ops.io_retry_delay_seconds,
        "retry_condition_fn": transient_io,
    }


class BatchFailed(RuntimeError):
    """A batch task failed: the message names the batch, the file and the stage."""


_FRAME = re.compile(r"[/\\](tasks|warehouse|flows)[/\\](\w+)\.py")
_STAGE_NAMES = {"store": "write", "batch": "batch"}


def stage_of(exc: BaseException) -> str:
    """The pipeline stage an exception came from: the innermost frame in ``tasks/`` or
    ``warehouse/`` (also across a process-pool boundary, from the remote traceback)."""
    text = "".join(traceback.format_exception(exc))
    cause: BaseException | None = exc.__cause__
    while cause is not None:  # the process pool's _RemoteTraceback carries the worker frames
        text += str(cause)
        cause = cause.__cause__
    hits = [(pkg, mod) for pkg, mod in _FRAME.findall(text) if pkg != "flows"]
    if not hits:
        return "batch"
    pkg, mod = hits[-1]
    if mod == "process":
        return "process"
    return _STAGE_NAMES.get(mod, mod)


def describe_failure(index: int, files: list[Any], settings: Any, exc: BaseException) -> str:
    """One line: which batch, which file, which stage, what error.

    The file is found by running the batch's files one at a time through the stages
    (only after a failure, so it costs nothing on the happy path).
    """
    from tasks.process import process_batch

    stage, culprit = stage_of(exc), None
    if stage != "write":
        for f in files:
            try:
                process_batch([f], settings)
            except Exception as single:
                culprit, stage, exc = f.rel_path, stage_of(single), single
                break
    where = f" on file {culprit}" if culprit else ""
    first, last = files[0].rel_path, files[-1].rel_path
    return (
        f"batch {index} ({first} .. {last}) failed in stage {stage}{where}: "
        f"{type(exc).__name__}: {exc}"
    )
