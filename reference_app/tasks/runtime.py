"""What task bodies use inside a worker process: the task store, a Redis publisher for
status messages, the export directory and the retry backoff.

Connections are opened lazily and per process: a prefork worker builds the Celery app
(and this runtime) in its parent, then forks; each child opens its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog
from redis import Redis
from redis.exceptions import RedisError

from reference_app.db.models import BackgroundTask
from reference_app.settings import Settings
from reference_app.tasks.backoff import Backoff
from reference_app.tasks.events import task_channel, task_message
from reference_app.tasks.store import TaskStore, create_sync_engine
from reference_app.tracing import Tracing

#: Seconds a status PUBLISH may take; publishing is best effort.
PUBLISH_TIMEOUT_SECONDS = 1.0

logger = structlog.stdlib.get_logger("reference_app.tasks")


def backoff_for(settings: Settings) -> Backoff:
    tasks = settings.tasks
    return Backoff(base_s=tasks.retry_backoff_seconds, cap_s=tasks.retry_backoff_max_seconds, jitter=tasks.retry_jitter)


class TaskRuntime:
    """>>> runtime = TaskRuntime(settings); runtime.store.get(task_id); runtime.publish(task)"""

    def __init__(self, settings: Settings, *, backoff: Backoff | None = None) -> None:
        self.settings = settings
        self.backoff = backoff if backoff is not None else backoff_for(settings)
        self.export_dir = Path(settings.tasks.export_dir)
        self._pid: int | None = None
        self._store: TaskStore | None = None
        self._redis: Redis | None = None
        #: Set by the worker when tracing is on: each attempt is a span, with the store's
        #: SQL and the status PUBLISHes below it.
        self.tracing: Tracing | None = None

    def _ensure_process(self) -> None:
        if self._pid != os.getpid():  # first use, or a forked child: connections of our own
            self._pid = os.getpid()
            self._store = None
            self._redis = None

    @property
    def store(self) -> TaskStore:
        self._ensure_process()
        if self._store is None:
            engine = create_sync_engine(self.settings.database_url)
            if self.tracing is not None:
                self.tracing.instrument_engine(engine)
            self._store = TaskStore(engine)
        return self._store

    @property
    def redis(self) -> Redis:
        self._ensure_process()
        if self._redis is None:
            self._redis = Redis.from_url(
                self.settings.redis_url,
                socket_timeout=PUBLISH_TIMEOUT_SECONDS,
                socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            )
            if self.tracing is not None:
                self.tracing.instrument_redis(self._redis)
        return self._redis

    def publish(self, task: BackgroundTask) -> None:
        """Announce ``task``'s new status to WebSocket listeners (a failure is logged, not raised)."""
        try:
            self.redis.publish(task_channel(self.settings, task.id), task_message(task))
        except RedisError as exc:
            logger.warning("task_status_publish_failed", status=task.status.value, error_type=type(exc).__name__)

    def close(self) -> None:
        if self._pid == os.getpid():
            if self._store is not None:
                self._store.dispose()
            if self._redis is not None:
                self._redis.close()
        self._store = None
        self._redis = None
