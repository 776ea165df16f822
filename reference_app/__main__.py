"""Command line: serve the app, migrate, or seed demo data.

    python -m reference_app [--host 127.0.0.1] [--port 8000] [--migrate] [--workers N]
                                               # N > 1: N processes on one port (reference_app.workers)
    python -m reference_app migrate
    python -m reference_app seed-demo          # dev only; prints credentials as JSON
    python -m reference_app worker [--pool prefork|solo|threads] [--ready-file PATH]
                                               # the background-job worker (reference_app.tasks.worker)
    python -m reference_app audit-verify [--anchor HASH]   # exit 0: the audit chain verifies

Settings come from ``APP_*`` environment variables (see ``reference_app/settings.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from types import FrameType

import orjson
import uvicorn

from reference_app.app import create_app
from reference_app.audit.store import verify_database
from reference_app.db.wait import DatabaseUnreachable, retry_until_reachable
from reference_app.errors import ConfigurationError
from reference_app.http.log_config import configure_logging
from reference_app.migrations import upgrade
from reference_app.seed import seed_demo
from reference_app.settings import build_settings
from reference_app.state import app_lifecycle
from reference_app.workers import GRACEFUL_SHUTDOWN_SECONDS, serve_workers

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference_app", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["serve", "migrate", "seed-demo", "audit-verify"])
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--migrate", action="store_true", help="upgrade the database first")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--workers", type=_worker_count, default=1, help="app processes sharing the port (default 1)")
    parser.add_argument(
        "--anchor", default=None, help="audit-verify: a head_hash printed earlier; fails if it is gone (truncation)"
    )
    return parser


def _worker_count(text: str) -> int:
    """argparse type for ``--workers``: an integer of at least 1, or a message saying so."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"--workers must be an integer >= 1, got {text!r}. Example: --workers 4")
    return count


class _DrainingServer(uvicorn.Server):
    """Flips readiness to 503 the moment SIGTERM arrives, before connections drain."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["worker"]:
        from reference_app.tasks.worker import main as worker_main

        return worker_main(arguments[1:])
    args = _parser().parse_args(argv)
    try:
        settings = build_settings()
    except ConfigurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    command = args.command or "serve"
    if command == "migrate" or args.migrate:
        # A database still starting (compose, k8s) is waited for, bounded, with backoff.
        try:
            retry_until_reachable(lambda: upgrade(settings.database_url, "head"))
        except DatabaseUnreachable as exc:
            sys.stderr.write(f"{exc}\n")
            return 2
    if command == "migrate":
        return 0
    if command == "audit-verify":
        result = asyncio.run(verify_database(settings.database_url, anchor=args.anchor))
        report = {
            "ok": result.ok,
            "entries": result.count,
            "head_hash": result.head_hash,
            "first_bad_id": result.first_bad_id,
            "reason": result.reason,
        }
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0 if result.ok else 1
    if command == "seed-demo":
        try:
            credentials = asyncio.run(seed_demo(settings))
        except ConfigurationError as exc:
            sys.stderr.write(f"{exc}\n")
            return 2
        sys.stdout.write(orjson.dumps(credentials, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    configure_logging(settings.service_name, args.log_level.upper(), sys.stdout)
    if args.workers > 1:
        # Migrated above, once; each worker only builds the app (reference_app.workers).
        serve_workers(host=args.host, port=args.port, workers=args.workers, log_level=args.log_level)
        return 0
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server_header=False,
        # uvicorn's own records go through the JSON handler configured above; its access
        # log is off because AccessLogMiddleware logs every error response (with the
        # correlation id) and the metrics count every request.
        log_config=None,
        access_log=False,
        date_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    _DrainingServer(config, app_lifecycle(app.state).begin_shutdown).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
