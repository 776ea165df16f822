"""The worker process: ``python -m reference_app worker`` (or ``python -m reference_app.tasks.worker``).

    python -m reference_app worker [--pool prefork|solo|threads] [--concurrency N]
                                   [--loglevel INFO] [--ready-file PATH] [--hostname NAME]

Settings come from ``APP_*`` variables like the app's (``APP_DATABASE_URL``,
``APP_REDIS_URL``, ``APP_REDIS_KEY_PREFIX``, ``APP_TASKS__*``). Logs are the app's JSON
lines on stdout. ``--ready-file`` is created once the worker consumes (and removed at
exit): a supervisor waits for it (``gauntlet serve`` does).

Celery's own CLI needs an importable app; this module provides one, built from the
``APP_*`` environment on first access (nothing is built at import)::

    celery -A reference_app.tasks.worker:celery_app worker --loglevel INFO
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import structlog
from celery.signals import setup_logging, worker_process_shutdown, worker_ready, worker_shutdown

from reference_app.errors import ConfigurationError
from reference_app.http.log_config import configure_logging
from reference_app.settings import Settings, build_settings
from reference_app.tasks.celery_app import ReferenceCelery, create_celery
from reference_app.tracing import build_tracing

_lazy_app: ReferenceCelery | None = None

logger = structlog.stdlib.get_logger("reference_app.tasks.worker")


def __getattr__(name: str) -> Any:
    """``celery_app``: built from ``APP_*`` on first access (PEP 562)."""
    global _lazy_app  # noqa: PLW0603 - the one lazily built module attribute
    if name == "celery_app":
        if _lazy_app is None:
            _lazy_app = create_celery(build_settings())
        return _lazy_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference_app worker", description=__doc__)
    parser.add_argument("--pool", choices=["prefork", "solo", "threads"], default=settings.tasks.worker_pool)
    parser.add_argument("--concurrency", type=int, default=settings.tasks.worker_concurrency)
    parser.add_argument("--loglevel", default="INFO")
    parser.add_argument("--ready-file", type=Path, default=None, help="created once the worker consumes")
    parser.add_argument("--hostname", default=f"{settings.service_name}-worker@{socket.gethostname()}")
    return parser


def _keep_our_logging(**_: Any) -> None:
    """Connected to Celery's ``setup_logging``: its presence stops Celery configuring logging."""


def main(argv: list[str] | None = None) -> int:
    try:
        settings = build_settings()
    except ConfigurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    args = _parser(settings).parse_args(argv)
    configure_logging(settings.service_name, args.loglevel.upper(), sys.stdout)
    logging.captureWarnings(True)  # Celery's warnings (e.g. running as root) as JSON records too
    setup_logging.connect(_keep_our_logging, weak=False)
    ready_file: Path | None = args.ready_file
    if ready_file is not None:
        ready_file.unlink(missing_ok=True)

        def mark_ready(**_: Any) -> None:
            ready_file.write_text(args.hostname)
            logger.info("worker_ready", hostname=args.hostname, queue=settings.tasks.queue, pool=args.pool)

        def unmark_ready(**_: Any) -> None:
            ready_file.unlink(missing_ok=True)

        worker_ready.connect(mark_ready, weak=False)
        worker_shutdown.connect(unmark_ready, weak=False)
    celery = create_celery(settings)
    # APP_TRACING__*: each task attempt a span in the trace of the request that queued it.
    tracing = build_tracing(settings)
    celery.runtime.tracing = tracing
    if tracing is not None:

        def flush_spans(**_: Any) -> None:
            tracing.shutdown()

        # Prefork children leave with os._exit (no atexit): each flushes its own spans.
        worker_process_shutdown.connect(flush_spans, weak=False)
        worker_shutdown.connect(flush_spans, weak=False)
    worker = celery.Worker(
        hostname=args.hostname,
        pool_cls=args.pool,
        concurrency=args.concurrency,
        loglevel=args.loglevel.upper(),
        queues=[settings.tasks.queue],
        quiet=True,
        without_gossip=True,
        without_mingle=True,
        redirect_stdouts=False,
    )
    worker.start()
    return int(getattr(worker, "exitcode", 0) or 0)


if __name__ == "__main__":
    sys.exit(main())
