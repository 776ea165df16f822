"""The app's background jobs as the property suite's ``TaskQueue`` component (properties 17–20).

``build(database_url=..., redis_url=..., key_prefix=...)`` gives a queue of its own (its
own Celery queue under ``key_prefix``) whose jobs are probes (``reference_app.tasks.probe``)
on the app's ``TrackedTask`` base; ``worker()`` runs one probe worker process. Statuses
are read from the status table; the history of each task is the app's own status
messages (every transition is published on ``{prefix}tasks:events:{id}``), collected
from the moment the queue is built.

>>> queue = build(database_url=url, redis_url=redis_url, key_prefix="t:ab12:")
>>> with queue.worker():
...     task_id = queue.submit(TaskScript(label="a", transient_failures=1), priority="high")
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from redis import Redis
from redis.client import PubSub, PubSubWorkerThread

from reference_app.db.models import TaskPriority, TaskStatus
from reference_app.migrations.runner import upgrade
from reference_app.settings import Settings, build_settings
from reference_app.tasks.celery_app import PRIORITY_NUMBERS, ReferenceCelery, create_celery
from reference_app.tasks.events import task_channel
from reference_app.tasks.probe import PROBE_TASK, hold_key
from reference_app.tasks.store import TaskStore, create_sync_engine

#: Seconds a probe worker may take to start consuming (imports, broker connection).
WORKER_READY_BOUND_S = 60.0
#: Seconds a worker gets to stop after SIGTERM before it is killed.
WORKER_STOP_BOUND_S = 10.0
#: Seconds a release signal stays in Redis when nobody takes it.
RELEASE_TTL_S = 300


@dataclass(frozen=True)
class Event:
    """A ``TaskEvent`` (structural: the app never imports the harness's protocols)."""

    status: str
    at: datetime
    retries: int
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """A ``TaskSnapshot``."""

    task_id: str
    status: str
    retries: int
    result: Any = None
    error: str | None = None


class ReferenceTaskQueue:
    """The app's task machinery on a queue of its own, driven with probe jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        tasks = settings.tasks
        self.max_retries = tasks.max_retries
        self.backoff_base_s = tasks.retry_backoff_seconds
        self.backoff_cap_s = tasks.retry_backoff_max_seconds
        self.jitter = "full" if tasks.retry_jitter else "none"
        self.celery: ReferenceCelery = create_celery(settings)
        self.store = TaskStore(create_sync_engine(settings.database_url, application_name="task-queue-component"))
        self._redis = Redis.from_url(settings.redis_url)
        self._lock = threading.Lock()
        #: Status messages by task id, as (version, event): versions order them.
        self._events: dict[str, list[tuple[int, Event]]] = {}
        self._pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.psubscribe(**{task_channel(settings, "*"): self._on_message})
        self._listener: PubSubWorkerThread = self._pubsub.run_in_thread(sleep_time=0.01, daemon=True)

    # -------------------------------------------------------------- the worker process

    def worker_command(self, ready_file: Path) -> list[str]:
        """The probe worker's command line (a variant of the app overrides it)."""
        return [sys.executable, "-m", "reference_app.tasks.probe", "--ready-file", str(ready_file)]

    def worker_environment(self) -> dict[str, str]:
        settings = self.settings
        return {
            **os.environ,
            "APP_ENVIRONMENT": settings.environment.value,
            "APP_DATABASE_URL": settings.database_url,
            "APP_REDIS_URL": settings.redis_url,
            "APP_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "APP_TASKS__QUEUE": settings.tasks.queue,
            "APP_TASKS__MAX_RETRIES": str(settings.tasks.max_retries),
            "APP_TASKS__RETRY_BACKOFF_SECONDS": repr(settings.tasks.retry_backoff_seconds),
            "APP_TASKS__RETRY_BACKOFF_MAX_SECONDS": repr(settings.tasks.retry_backoff_max_seconds),
            "APP_TASKS__RETRY_JITTER": "true" if settings.tasks.retry_jitter else "false",
        }

    @contextmanager
    def worker(self) -> Iterator[None]:
        """One probe worker process (solo pool, prefetch 1) for the duration of the block."""
        with tempfile.TemporaryDirectory(prefix="probe-worker-") as workdir:
            ready = Path(workdir) / "ready"
            log = Path(workdir) / "worker.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    self.worker_command(ready),
                    env=self.worker_environment(),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                self._wait_ready(process, ready, log)
                yield
            finally:
                _stop(process)

    @staticmethod
    def _wait_ready(process: subprocess.Popen[bytes], ready: Path, log: Path) -> None:
        deadline = time.monotonic() + WORKER_READY_BOUND_S
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the probe worker did not start (exit {process.returncode}): {tail}")
            time.sleep(0.05)

    # -------------------------------------------------------------- jobs

    def submit(self, script: Any, *, priority: str = "normal") -> str:
        """Insert the PENDING row, then queue the message (the order the API uses)."""
        level = TaskPriority(priority)
        task_id = uuid.uuid4()
        kwargs = asdict(script)
        self.store.create(task_id, kind="probe", priority=level, params=kwargs)
        self.publish(task_id, kwargs, level)
        return str(task_id)

    def publish(self, task_id: uuid.UUID, kwargs: Mapping[str, Any], priority: TaskPriority) -> None:
        self.celery.send_task(
            PROBE_TASK,
            kwargs=dict(kwargs),
            task_id=str(task_id),
            priority=PRIORITY_NUMBERS[priority],
            queue=self.settings.tasks.queue,
        )

    def release(self, hold: str) -> None:
        key = hold_key(self.settings, hold)
        with self._redis.pipeline() as pipe:
            pipe.rpush(key, "go")
            pipe.expire(key, RELEASE_TTL_S)
            pipe.execute()

    def status(self, task_id: str) -> Snapshot | None:
        try:
            parsed = uuid.UUID(task_id)
        except ValueError:
            return None
        task = self.store.get(parsed)
        if task is None:
            return None
        return Snapshot(str(task.id), task.status.value, task.retries, task.result, task.error)

    def history(self, task_id: str) -> Sequence[Event]:
        with self._lock:
            events = sorted(self._events.get(task_id, ()), key=lambda pair: pair[0])
        task = self.store.get(uuid.UUID(task_id))
        if task is None:
            return []
        pending = Event(TaskStatus.PENDING.value, task.created_at, 0)
        return [pending, *(event for _, event in events)]

    def _on_message(self, message: Mapping[str, Any]) -> None:
        data = orjson.loads(message["data"])
        due = data.get("next_attempt_at")
        event = Event(
            data["status"],
            datetime.fromisoformat(data["updated_at"]),
            int(data["retries"]),
            datetime.fromisoformat(due) if due else None,
        )
        with self._lock:
            self._events.setdefault(str(data["id"]), []).append((int(data["version"]), event))

    def close(self) -> None:
        self._listener.stop()
        self._listener.join(timeout=5)
        self._pubsub.close()
        self._redis.close()
        self.celery.close()
        self.store.dispose()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(WORKER_STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def build(
    *,
    database_url: str,
    redis_url: str,
    key_prefix: str,
    max_retries: int = 3,
    backoff_base_s: float = 1.0,
    backoff_cap_s: float = 600.0,
    jitter: bool = True,
    queue_class: type[ReferenceTaskQueue] = ReferenceTaskQueue,
) -> ReferenceTaskQueue:
    """The ``task_queue`` component: a queue of its own under ``key_prefix`` (migrates the database).

    ``queue_class`` builds a subclass instead (the failure proofs' broken variants).
    """
    upgrade(database_url, "head")
    settings = build_settings(
        {
            "environment": "dev",
            "database_url": database_url,
            "redis_url": redis_url,
            "redis_key_prefix": key_prefix,
            "tasks": {
                "queue": f"probe-{secrets.token_hex(4)}",
                "max_retries": max_retries,
                "retry_backoff_seconds": backoff_base_s,
                "retry_backoff_max_seconds": backoff_cap_s,
                "retry_jitter": jitter,
            },
        }
    )
    return queue_class(settings)
