"""Background tasks of one owner, for the API: insert PENDING, get, keyset listing.

Status changes never happen here: workers make them (``reference_app.tasks.transitions``).
Every read is scoped to ``owner_id``: another user's task looks exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.cursor import Keyset
from reference_app.db.base import utcnow
from reference_app.db.models import BackgroundTask, TaskPriority, TaskStatus


class TaskRepository:
    """>>> task = await TaskRepository(session).create(owner_id, kind="export", priority=..., params={})"""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        owner_id: uuid.UUID,
        *,
        kind: str,
        priority: TaskPriority,
        params: Mapping[str, Any],
        correlation_id: str | None,
    ) -> BackgroundTask:
        """Insert and commit a PENDING task (committed before it is queued: a worker finds it)."""
        now = utcnow()
        task = BackgroundTask(
            id=uuid.uuid4(),
            owner_id=owner_id,
            kind=kind,
            status=TaskStatus.PENDING,
            priority=priority,
            params=dict(params),
            retries=0,
            version=1,
            correlation_id=correlation_id,
            created_at=now,
            updated_at=now,
        )
        self._session.add(task)
        await self._session.commit()
        return task

    async def discard(self, task_id: uuid.UUID) -> None:
        """Remove a task the broker never accepted (its 202 was never sent)."""
        await self._session.execute(
            delete(BackgroundTask).where(BackgroundTask.id == task_id, BackgroundTask.status == TaskStatus.PENDING)
        )
        await self._session.commit()

    async def get(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> BackgroundTask | None:
        statement = select(BackgroundTask).where(BackgroundTask.id == task_id, BackgroundTask.owner_id == owner_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def list_page(self, owner_id: uuid.UUID, *, limit: int, after: Keyset | None) -> Sequence[BackgroundTask]:
        """Up to ``limit + 1`` tasks in (created_at DESC, id DESC) order after ``after``."""
        statement = select(BackgroundTask).where(BackgroundTask.owner_id == owner_id)
        if after is not None:
            statement = statement.where(
                tuple_(BackgroundTask.created_at, BackgroundTask.id) < tuple_(after.created_at, after.id)
            )
        statement = statement.order_by(BackgroundTask.created_at.desc(), BackgroundTask.id.desc()).limit(limit + 1)
        return (await self._session.execute(statement)).scalars().all()
