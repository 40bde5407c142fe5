"""The ``newsetl`` command line. Errors print one line and exit non-zero, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import flows  # noqa: F401  (keeps Prefect offline before it is imported)


class CliError(Exception):
    """A usage problem the user can fix; printed as one line."""


def _existing_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise CliError(f"input folder not found: {value}")
    return path


def _date(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{flag} must be YYYY-MM-DD, got {value!r}") from exc


def _ingest(args: argparse.Namespace, input_dir: Path, logical: date | None) -> dict[str, Any]:
    """One ``ingest`` flow run; a busy warehouse or failed checks become one-line errors."""
    from flows.progress import terminal_bar
    from flows.runners import RunnerError, run_ingest
    from warehouse.load import LoadFailed
    from warehouse.store import WarehouseBusy

    runner, dask_address = getattr(args, "runner", "threads"), getattr(args, "dask_address", None)
    try:
        with terminal_bar(sys.stderr.isatty() and sys.stdout.isatty()):
            return run_ingest(
                runner=runner,
                workers=args.workers,
                dask_address=dask_address,
                input_dir=str(input_dir),
                warehouse_dir=args.warehouse,
                logical_date=logical,
                batch_size=args.batch_size,
                config_path=args.config,
                replace=args.replace,
            )
    except WarehouseBusy as exc:  # taken since ``_refuse`` looked, by the time the flow did
        raise _busy(exc) from exc
    except (LoadFailed, RunnerError) as exc:
        raise CliError(str(exc)) from exc


def _busy(exc: Exception) -> CliError:
    return CliError(f"{exc} (wait for it to finish, then run again)")


def _refuse(args: argparse.Namespace) -> None:
    """A one-line error now for a runner option without its runner, or when another run
    holds the warehouse's writer lock: before a flow run starts (it takes the lock
    itself) and before the workers do."""
    from warehouse.store import WarehouseBusy, writer_lock

    if getattr(args, "dask_address", None) and getattr(args, "runner", "threads") != "dask":
        raise CliError("--dask-address needs --runner dask")
    try:
        with writer_lock(Path(args.warehouse)):
            pass
    except WarehouseBusy as exc:
        raise _busy(exc) from exc


def cmd_run(args: argparse.Namespace) -> int:
    input_dir = _existing_dir(args.input)
    logical = _date(args.logical_date, "--logical-date") if args.logical_date else None
    if args.config and not Path(args.config).is_file():
        raise CliError(f"config file not found: {args.config}")
    server = _early_server(args)
    from flows import prefetch

    prefetch.start(input_dir)  # the listing runs while Prefect's server starts
    try:
        if not args.replace:  # decide a no-op before paying for Prefect's start-up
            from flows.preflight import nothing_to_do

            message = nothing_to_do(input_dir, Path(args.warehouse))
            if message:
                if server is not None:
                    server.stop()
                print(message)
                return 0
        _refuse(args)  # before the workers start: an error need not wait for them
        if getattr(args, "runner", "threads") == "threads":
            # the workers start while Prefect does (and its temporary server, if any):
            # against a running server the first batch waited ~2.5 s for the forkserver
            _warm_pool(args)
        with _use_server(server):
            totals = _ingest(args, input_dir, logical)
    finally:
        prefetch.discard(input_dir)  # not taken by a flow: never reused by a later run
    _print_run(totals)
    return 0


def _warm_pool(args: argparse.Namespace) -> None:
    from flows.batch import warm_pool
    from tasks.settings import load_settings

    config = Path(args.config) if args.config else None
    settings = load_settings(config, batch_size=args.batch_size, workers=args.workers)
    warm_pool(settings.workers, wait=False)


def _early_server(args: argparse.Namespace) -> Any:
    """Prefect's temporary server, started now (``flows.server``) unless a server is named
    in the environment or the run goes to a remote Dask cluster."""
    import os

    if os.environ.get("PREFECT_API_URL") or getattr(args, "dask_address", None):
        return None
    if "prefect.settings" in sys.modules:  # imported already (a caller, a test): ask it
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            return None
    from flows.server import TemporaryServer

    return TemporaryServer()


@contextmanager
def _use_server(server: Any) -> Iterator[None]:
    """Within this block Prefect uses ``server`` (waiting for it to answer), unless its
    settings (a profile, a config file) name another server."""
    if server is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import flows.ingest  # noqa: F401  (Prefect's and the stages' imports, while it starts)
    from flows.server import startup_timeout

    if PREFECT_API_URL.value():
        server.stop()
        yield
        return
    server.wait(startup_timeout())
    # No flow-run heartbeats: they let a long-running server notice a crashed run, but
    # this server stops with the run; and the engine's heartbeat thread sleeps in 1 s
    # steps, which the end of every flow run waited out (0-1 s, ~0.5 s on average).
    updates = {PREFECT_API_URL: server.api_url, "flows.heartbeat_frequency": None}
    with temporary_settings(updates=updates):
        yield


def _print_run(totals: dict[str, Any]) -> None:
    files = ", ".join(f"{k} {v}" for k, v in totals.get("files", {}).items() if v)
    checks = totals.get("checks", [])
    bad = [c for c in checks if c["status"] == "fail"]
    print(
        f"run {totals['run_id']} ({totals['logical_date']}): {totals['files_seen']} files, "
        f"{totals['articles']} articles, {totals['rejects']} rejects, "
        f"{totals['chrome_segments']} chrome segments in {totals['seconds']:.1f}s"
    )
    print(f"files: {files or 'none'}; languages: {totals['languages']}")
    print(
        f"checks: {len(checks) - len(bad)}/{len(checks)} passed"
        + "".join(f"; {c['severity']} {c['check_name']} {c['table_name']}" for c in bad)
    )
    print(f"catalog: {totals['catalog']}")


def cmd_backfill(args: argparse.Namespace) -> int:
    """Run each logical date from --from to --to (inclusive), replacing its partition."""
    start, end = _date(getattr(args, "from"), "--from"), _date(args.to, "--to")
    if end < start:
        raise CliError(f"--to {end} is before --from {start}")
    if args.config and not Path(args.config).is_file():
        raise CliError(f"config file not found: {args.config}")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    folders = [Path(args.input.replace("{date}", d.isoformat())) for d in days]
    for folder in folders:
        _existing_dir(str(folder))
    for day, folder in zip(days, folders, strict=True):
        _refuse(args)
        _print_run(_ingest(args, folder, day))
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from warehouse.catalog import build_catalog
    from warehouse.compact import compact
    from warehouse.store import WarehouseBusy, writer_lock

    warehouse = Path(args.warehouse)
    if not (warehouse / "_manifest.json").exists():
        raise CliError(f"no warehouse at {warehouse}: run `newsetl run` first")
    try:
        with writer_lock(warehouse):
            stats = compact(warehouse)
            build_catalog(warehouse)
    except WarehouseBusy as exc:
        raise CliError(f"{exc} (wait for it to finish, then compact)") from exc
    print(
        f"compacted {stats['partitions']} partitions: "
        f"{stats['files_before']} files -> {stats['files_after']}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from prefect.settings import PREFECT_API_URL

    from flows.serve import deployment_parameters, serve

    if args.config and not Path(args.config).is_file():
        raise CliError(f"config file not found: {args.config}")
    if not PREFECT_API_URL.value():
        raise CliError(
            "serve needs a Prefect server: start one with `newsetl ui`, then "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    params = deployment_parameters(
        str(_existing_dir(args.input)),
        args.warehouse,
        batch_size=args.batch_size,
        workers=args.workers,
        config_path=args.config,
    )
    serve(args.name, args.cron, params, limit=args.limit)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from flows.ui import start_ui

    return start_ui(args.host, args.port)


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from flows.render import render
    from warehouse.catalog import connect

    try:
        con = connect(Path(args.warehouse))
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from exc
    try:
        cur = con.execute(args.sql)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise CliError(f"query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    print(render(columns, rows, args.format))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from tasks.explain import explain_file
    from tasks.settings import load_settings

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"file not found: {args.file}")
    settings = load_settings(Path(args.config) if args.config else None)
    report = explain_file(path, settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if "reject" in report:
        print(f"rejected at {report['reject']['stage']}: {report['reject']['reason']}")
        return 0
    print(f"title: {report['title']}")
    print(f"language: {report['language']} ({report['language_confidence']:.2f})")
    for d in report["blocks"]:
        mark = "KEEP" if d["keep"] else "drop"
        text = d["text"] if len(d["text"]) <= 90 else d["text"][:87] + "..."
        print(f"{d['position']:4d} {mark} {d['score']:.2f} {d['reason']:<22} {text}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from tasks.evaluate import chrome_body, evaluate

    devset = Path(args.devset)
    if not (devset / "labels.jsonl").is_file() or not (devset / "score.py").is_file():
        raise CliError(f"not a devset folder (labels.jsonl and score.py needed): {devset}")
    pred_dir = Path(args.pred_dir) if args.pred_dir else None
    result = evaluate(devset, chrome_body(), pred_dir=pred_dir)
    rows = [("all", result.overall)] + [
        (lang, f) for lang, f in result.by_lang.items() if f.pages >= args.min_pages
    ]
    print(f"{'lang':<6}{'pages':>6}{'P':>7}{'R':>7}{'F1':>7}")
    for lang, f in rows:
        print(f"{lang:<6}{f.pages:>6}{f.precision:>7.3f}{f.recall:>7.3f}{f.f1:>7.3f}")
    print("(shipped model: these pages were its training data; see bench/train_chrome.py --cv)")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from warehouse.catalog import build_catalog

    print(build_catalog(Path(args.warehouse)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsetl", description="Raw scraped web articles -> clean Parquet + DuckDB."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Prefect ingest flow over an input folder")
    run.add_argument("--input", default="data/raw", help="folder of raw files (default data/raw)")
    run.add_argument("--warehouse", default="data/warehouse", help="warehouse folder")
    run.add_argument("--logical-date", help="partition date YYYY-MM-DD (default: today, UTC)")
    run.add_argument("--batch-size", type=int, help="files per Prefect task")
    run.add_argument(
        "--workers", type=int, help="worker processes (0 = inline); Dask workers with --runner dask"
    )
    run.add_argument("--config", help="settings TOML (default config/newsetl.toml)")
    run.add_argument(
        "--runner",
        choices=("threads", "dask"),
        default="threads",
        help="where batch tasks run: threads + a process pool (default) or Dask",
    )
    run.add_argument("--dask-address", help="existing Dask scheduler, e.g. tcp://host:8786")
    run.add_argument(
        "--replace",
        action="store_true",
        help="process every file and replace the logical date's partition (default: only "
        "new and changed files)",
    )
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve the ingest flow on a cron schedule (Prefect)")
    serve.add_argument("--cron", required=True, help='cron schedule, e.g. "0 * * * *"')
    serve.add_argument("--name", default="newsetl", help="deployment name (default newsetl)")
    serve.add_argument("--input", default="data/raw", help="folder of raw files")
    serve.add_argument("--warehouse", default="data/warehouse", help="warehouse folder")
    serve.add_argument("--batch-size", type=int, help="files per Prefect task")
    serve.add_argument("--workers", type=int, help="worker processes (0 = inline)")
    serve.add_argument("--config", help="settings TOML (default config/newsetl.toml)")
    serve.add_argument("--limit", type=int, default=1, help="concurrent runs (default 1)")
    serve.set_defaults(func=cmd_serve)

    ui = sub.add_parser("ui", help="start a local Prefect server with its UI")
    ui.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=4200, help="port (default 4200)")
    ui.set_defaults(func=cmd_ui)

    backfill = sub.add_parser("backfill", help="run each logical date of a range")
    backfill.add_argument("--from", required=True, help="first logical date YYYY-MM-DD")
    backfill.add_argument("--to", required=True, help="last logical date YYYY-MM-DD")
    backfill.add_argument(
        "--input", default="data/raw", help="input folder; {date} is replaced by each date"
    )
    backfill.add_argument("--warehouse", default="data/warehouse", help="warehouse folder")
    backfill.add_argument("--batch-size", type=int, help="files per Prefect task")
    backfill.add_argument("--workers", type=int, help="worker processes (0 = inline)")
    backfill.add_argument("--config", help="settings TOML (default config/newsetl.toml)")
    backfill.add_argument(
        "--incremental",
        dest="replace",
        action="store_false",
        help="only new and changed files per date (default: replace each date's partition)",
    )
    backfill.set_defaults(func=cmd_backfill, replace=True)

    compact = sub.add_parser("compact", help="merge each partition's small files into one")
    compact.add_argument("--warehouse", default="data/warehouse")
    compact.set_defaults(func=cmd_compact)

    query = sub.add_parser("query", help="run SQL against the warehouse catalog")
    query.add_argument("sql")
    query.add_argument("--warehouse", default="data/warehouse")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(func=cmd_query)

    explain = sub.add_parser("explain", help="show each block of one file kept or dropped, why")
    explain.add_argument("file")
    explain.add_argument("--json", action="store_true")
    explain.add_argument("--config")
    explain.set_defaults(func=cmd_explain)

    ev = sub.add_parser("eval", help="score the chrome separator on a labeled devset")
    ev.add_argument("--devset", default="../shared/devset", help="devset folder")
    ev.add_argument("--pred-dir", help="keep the predicted bodies in this folder")
    ev.add_argument("--min-pages", type=int, default=5, help="list languages with this many pages")
    ev.set_defaults(func=cmd_eval)

    catalog = sub.add_parser("catalog", help="rebuild catalog.duckdb from the manifest")
    catalog.add_argument("--warehouse", default="data/warehouse")
    catalog.set_defaults(func=cmd_catalog)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None:  # the command line itself, not a caller passing arguments
        _exit_without_teardown()
    try:
        return _exit_code(int(args.func(args)))
    except CliError as exc:
        print(f"newsetl: error: {exc}", file=sys.stderr)
        return _exit_code(2)
    except KeyboardInterrupt:
        print("newsetl: interrupted", file=sys.stderr)
        return _exit_code(130)
    except Exception as exc:  # last resort: one line, no traceback
        first = (str(exc).splitlines() or [""])[0]  # one line, even for multi-line messages
        print(f"newsetl: error: {type(exc).__name__}: {first}", file=sys.stderr)
        return _exit_code(1)


_EXIT: list[int] = []  # the command's exit code, once known (``_exit_without_teardown``)


def _exit_code(code: int) -> int:
    _EXIT.append(code)
    return code


def _exit_without_teardown() -> None:
    """End the process as soon as every exit hook has run, without the interpreter's
    teardown of its modules: after a run that imported Prefect (and pyarrow, DuckDB, the
    stages) that teardown alone took ~0.4-0.6 s, on every command's critical path.

    Registered before Prefect and the rest are imported, so this hook runs after all
    of theirs (hooks run last-registered first), themselves after the interpreter
    joined its threads and ran Prefect's service drains (its logs and events are sent):
    what is left is freeing objects. Output streams are flushed first. Without a known
    exit code (the command did not return), the usual teardown happens."""
    import atexit
    import os

    def exit_now() -> None:
        if _EXIT:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):  # a closed pipe (`| head`), a closed stream
                    pass
            os._exit(_EXIT[-1])

    atexit.register(exit_now)


if __name__ == "__main__":
    sys.exit(main())
