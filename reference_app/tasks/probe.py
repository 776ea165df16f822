"""Probe jobs: a task on the app's real ``TrackedTask`` base whose behaviour a test scripts.

The property suite (``TaskQueue`` component, properties 17–20) cannot time or break the
export task from outside, so it submits probes instead: the status table, transitions,
retries, backoff, priorities and broker configuration are the app's own; only the body
is scripted. A probe worker is a separate process consuming one queue::

    APP_* ... python -m reference_app.tasks.probe --ready-file F [--hostname NAME]

It is never part of the app's own worker: probes exist only where a test starts them.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.signals import setup_logging, worker_ready, worker_shutdown
from redis import Redis

from reference_app.http.log_config import configure_logging
from reference_app.settings import Settings, build_settings
from reference_app.tasks.celery_app import ReferenceCelery, create_celery, register
from reference_app.tasks.errors import TransientTaskError
from reference_app.tasks.tracked import TrackedTask, runtime_of

PROBE_TASK = "reference_app.probe"
#: Seconds a held probe waits for its release before going on anyway (never forever).
HOLD_BOUND_S = 60
#: What a probe's scripted transient failure says (recorded as the task's error).
PROBE_FAILURE = "The probe's scripted dependency failed."


def hold_key(settings: Settings, hold: str) -> str:
    """The Redis list a held probe waits on; ``release`` pushes one item onto it."""
    return settings.redis_key("probe", "hold", hold)


class ProbeTask(TrackedTask):
    """``run(label, transient_failures, hold)``; returns ``{"label", "pid"}``."""

    name = PROBE_TASK

    def run(self, label: str, transient_failures: int = 0, hold: str | None = None) -> dict[str, Any]:
        if hold is not None and self.request.retries == 0:
            settings = runtime_of(self.app).settings
            # A connection of its own: the runtime's times out after a second, a hold must not.
            with Redis.from_url(settings.redis_url, socket_timeout=HOLD_BOUND_S + 5) as redis:
                redis.blpop([hold_key(settings, hold)], timeout=HOLD_BOUND_S)
        if self.request.retries < transient_failures:
            raise TransientTaskError(PROBE_FAILURE)
        return {"label": label, "pid": os.getpid()}


def build_probe_celery(settings: Settings) -> ReferenceCelery:
    """The app's Celery with the probe task registered."""
    celery = create_celery(settings)
    register(celery, ProbeTask)
    return celery


def _keep_our_logging(**_: Any) -> None:
    """Connected to Celery's ``setup_logging``: its presence stops Celery configuring logging."""


def main(argv: list[str] | None = None, *, build: Callable[[Settings], ReferenceCelery] = build_probe_celery) -> int:
    """Run one probe worker: solo pool, one job at a time, on ``settings.tasks.queue``.

    ``build`` makes the Celery app (a test passes a variant of the app's to prove that a
    property fails against it).
    """
    parser = argparse.ArgumentParser(prog="python -m reference_app.tasks.probe")
    parser.add_argument("--ready-file", type=Path, required=True, help="created once the worker consumes")
    parser.add_argument("--hostname", default=f"probe@{socket.gethostname()}")
    args = parser.parse_args(argv)
    settings = build_settings()
    configure_logging(settings.service_name, "WARNING", sys.stdout)
    setup_logging.connect(_keep_our_logging, weak=False)
    ready: Path = args.ready_file
    worker_ready.connect(lambda **_: ready.write_text(args.hostname), weak=False)
    worker_shutdown.connect(lambda **_: ready.unlink(missing_ok=True), weak=False)
    celery = build(settings)
    worker = celery.Worker(
        hostname=args.hostname,
        pool_cls="solo",
        concurrency=1,
        loglevel="WARNING",
        queues=[settings.tasks.queue],
        quiet=True,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        redirect_stdouts=False,
    )
    worker.start()
    return int(getattr(worker, "exitcode", 0) or 0)


if __name__ == "__main__":
    sys.exit(main())
