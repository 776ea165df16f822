"""Several app processes on one port: uvicorn's own supervisor (``--workers N``).

    python -m reference_app --port 8000 --migrate --workers 4

The parent process migrates (once, before any worker exists), binds the socket and
supervises; each worker is a spawned interpreter that builds the app from the ``APP_*``
environment with :func:`worker_app`. Workers share nothing but Redis and PostgreSQL, so
rate limits, idempotency records and caches hold across them (property E1).

SIGTERM/SIGINT to the parent terminates and joins every worker; a process-group signal
(``gauntlet serve``'s ProcessGroup) reaches the workers directly too, since spawned
children stay in the parent's group.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import uvicorn
from fastapi import FastAPI

from reference_app.app import create_app
from reference_app.http.log_config import configure_logging
from reference_app.settings import build_settings
from reference_app.state import app_lifecycle

#: The factory each worker imports (uvicorn needs an import string to spawn workers).
WORKER_FACTORY = "reference_app.workers:worker_app"
#: How the parent hands ``--log-level`` to spawned workers (they inherit the environment).
LOG_LEVEL_VARIABLE = "REFERENCE_APP_WORKER_LOG_LEVEL"
#: Signals after which a worker's readiness answers 503 while its connections drain.
_DRAIN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def worker_app() -> FastAPI:
    """Build one worker's app; never migrates (the parent did, once)."""
    settings = build_settings()
    configure_logging(settings.service_name, os.environ.get(LOG_LEVEL_VARIABLE, "info").upper(), sys.stdout)
    app = create_app(settings)
    _drain_on_exit_signals(app)
    return app


def _drain_on_exit_signals(app: FastAPI) -> None:
    """Chain readiness → 503 before uvicorn's own exit handler.

    In a worker, the supervisor builds the ``uvicorn.Server``, so the single-process
    ``_DrainingServer`` subclass cannot be used; uvicorn has already installed its handlers
    when it calls this factory (``Server.serve`` captures signals before loading the app).
    """
    lifecycle = app_lifecycle(app.state)
    for number in _DRAIN_SIGNALS:
        previous = signal.getsignal(number)
        if not callable(previous):
            continue

        def handler(sig: int, frame: FrameType | None, previous: signal.Handlers | object = previous) -> None:
            lifecycle.begin_shutdown()
            if callable(previous):
                previous(sig, frame)

        signal.signal(number, handler)


#: Seconds shutdown waits for open connections (an upstream call's retry deadline is 30 s);
#: then uvicorn cancels what is left, so a client that never reads cannot hold SIGTERM up.
GRACEFUL_SHUTDOWN_SECONDS = 30


def serve_workers(*, host: str, port: int, workers: int, log_level: str) -> None:
    """Run ``workers`` app processes behind one listening socket until SIGTERM/SIGINT."""
    os.environ[LOG_LEVEL_VARIABLE] = log_level
    uvicorn.run(
        WORKER_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        server_header=False,
        # Same reasons as the single-process server in __main__: JSON logs, no access log.
        log_config=None,
        access_log=False,
        date_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
