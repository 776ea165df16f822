"""Task rows as a worker sees them: synchronous SQLAlchemy (Celery tasks are sync code).

Status changes go through :func:`reference_app.tasks.transitions.transition_statement`
only; this module runs it and commits. The API side (async) only inserts and reads:
``reference_app.repositories.tasks``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import sessionmaker

from reference_app.db.base import utcnow
from reference_app.db.models import BackgroundTask, TaskPriority, TaskStatus
from reference_app.tasks.transitions import transition_statement

_SYNC_DRIVERS = {
    "postgresql+asyncpg://": "postgresql+psycopg://",
    "sqlite+aiosqlite://": "sqlite://",
}


def sync_database_url(url: str) -> str:
    """The synchronous twin of the app's async URL: ``postgresql+asyncpg://`` → ``+psycopg``."""
    for prefix, replacement in _SYNC_DRIVERS.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url


def create_sync_engine(database_url: str, *, application_name: str = "reference-app-worker") -> Engine:
    url = sync_database_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=2,
        max_overflow=2,
        pool_pre_ping=True,
        connect_args={"application_name": application_name},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class TaskStore:
    """Read and move task rows.

    >>> store = TaskStore(create_sync_engine(settings.database_url))
    >>> store.transition(task_id, TaskStatus.STARTED, worker="w1@host")   # None: refused
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    def get(self, task_id: uuid.UUID) -> BackgroundTask | None:
        with self._sessions() as session:
            return session.execute(select(BackgroundTask).where(BackgroundTask.id == task_id)).scalar_one_or_none()

    def create(
        self,
        task_id: uuid.UUID,
        *,
        kind: str,
        owner_id: uuid.UUID | None = None,
        priority: TaskPriority = TaskPriority.NORMAL,
        params: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> BackgroundTask:
        """A PENDING row (tasks the system starts; the API inserts through its repository)."""
        now = self._clock()
        task = BackgroundTask(
            id=task_id,
            owner_id=owner_id,
            kind=kind,
            status=TaskStatus.PENDING,
            priority=priority,
            params=dict(params or {}),
            retries=0,
            version=1,
            correlation_id=correlation_id,
            created_at=now,
            updated_at=now,
        )
        with self._sessions() as session, session.begin():
            session.add(task)
        return task

    def transition(
        self, task_id: uuid.UUID, new: TaskStatus, *, at: datetime | None = None, **values: Any
    ) -> BackgroundTask | None:
        """Move the task to ``new`` as of ``at`` (default now) and commit; None when refused."""
        statement = transition_statement(task_id, new, at=at or self._clock(), values=values)
        with self._sessions() as session, session.begin():
            return session.execute(statement).scalar_one_or_none()

    def now(self) -> datetime:
        return self._clock()

    def dispose(self) -> None:
        self.engine.dispose()
