"""Test tasks on the real ``TrackedTask`` base, and a recorder of published status messages."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from celery.contrib.testing.worker import start_worker
from redis import Redis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from reference_app.db.models import TaskPriority, TaskStatus
from reference_app.tasks import PRIORITY_NUMBERS, ReferenceCelery, TrackedTask, TransientTaskError
from reference_app.tasks.celery_app import register
from reference_app.tasks.store import TaskStore

#: Bound on waiting for a task to reach a status (a real worker on a shared machine).
WAIT_BOUND_S = 30.0

#: Releases for ``BlockingTask`` runs, by key (the in-process worker shares our memory).
GATES: dict[str, threading.Event] = {}
#: Labels in the order ``RecordingTask`` runs started.
STARTS: list[str] = []


class FlakyTask(TrackedTask):
    """Fails with a transient error on its first ``failures`` attempts, then succeeds."""

    name = "tests.flaky"

    def run(self, failures: int) -> dict[str, Any]:
        if self.request.retries < failures:
            raise TransientTaskError("The flaky dependency timed out.")
        return {"attempts": self.request.retries + 1}


class BrokenTask(TrackedTask):
    """Fails with an unexpected error whose text must never reach the status table."""

    name = "tests.broken"

    def run(self) -> None:
        raise ValueError("postgresql://admin:hunter2@db/internal exploded")


class BlockingTask(TrackedTask):
    name = "tests.block"

    def run(self, key: str) -> None:
        GATES.setdefault(key, threading.Event()).wait(WAIT_BOUND_S)


class RecordingTask(TrackedTask):
    name = "tests.record"

    def run(self, label: str) -> dict[str, str]:
        STARTS.append(label)
        return {"label": label}


def register_test_tasks(celery: ReferenceCelery) -> None:
    for task_class in (FlakyTask, BrokenTask, BlockingTask, RecordingTask):
        register(celery, task_class)


@contextmanager
def running_worker(celery: ReferenceCelery, hostname: str = "test-worker@gauntlet") -> Iterator[Any]:
    """A real Celery worker in a thread of this process (solo pool: one task at a time)."""
    try:
        with start_worker(
            celery, pool="solo", perform_ping_check=False, loglevel="WARNING", hostname=hostname
        ) as worker:
            yield worker
    finally:
        celery.close()


def send(
    celery: ReferenceCelery,
    store: TaskStore,
    name: str,
    kwargs: dict[str, Any],
    *,
    priority: TaskPriority = TaskPriority.NORMAL,
    task_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Insert the PENDING row, then queue the message (the order the API uses)."""
    task_id = task_id or uuid.uuid4()
    if store.get(task_id) is None:
        store.create(task_id, kind=name, priority=priority)
    celery.send_task(
        name,
        kwargs=kwargs,
        task_id=str(task_id),
        priority=PRIORITY_NUMBERS[priority],
        queue=celery.settings.tasks.queue,
    )
    return task_id


def wait_for(predicate: Callable[[], bool], what: str, bound_s: float = WAIT_BOUND_S) -> None:
    deadline = time.monotonic() + bound_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_status(store: TaskStore, task_id: uuid.UUID, *statuses: TaskStatus) -> Any:
    wait_for(lambda: (task := store.get(task_id)) is not None and task.status in statuses, f"{task_id} in {statuses}")
    return store.get(task_id)


class StatusMessages:
    """Every status message published under ``{prefix}tasks:events:*``, by task id."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self._redis = Redis.from_url(redis_url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._pubsub.psubscribe(f"{prefix}tasks:events:*")
        self.messages: dict[str, list[dict[str, Any]]] = {}

    def drain(self) -> None:
        while (message := self._pubsub.get_message(timeout=0.01)) is not None:
            data = orjson.loads(message["data"])
            self.messages.setdefault(data["id"], []).append(data)

    def of(self, task_id: uuid.UUID) -> list[dict[str, Any]]:
        self.drain()
        return list(self.messages.get(str(task_id), []))

    def wait_final(self, task_id: uuid.UUID) -> list[dict[str, Any]]:
        wait_for(
            lambda: any(m["status"] in ("SUCCESS", "FAILURE") for m in self.of(task_id)), f"final message of {task_id}"
        )
        return self.of(task_id)

    def close(self) -> None:
        self._pubsub.close()
        self._redis.close()


async def messages_until_close(websocket: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every status message a task-status WebSocket sends until it closes, and its close code."""
    received = []
    try:
        async for raw in websocket:
            received.append(orjson.loads(raw))
    except ConnectionClosed:
        pass
    return received, websocket.close_code
