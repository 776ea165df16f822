"""``TaskQueue``: how the API hands a task to the broker without blocking its event loop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from reference_app.db.models import TaskPriority
from reference_app.tasks.celery_app import PRIORITY_NUMBERS, ReferenceCelery
from reference_app.tasks.errors import BrokerUnavailableError
from reference_app.tasks.tracked import REQUEST_ID_HEADER
from reference_app.tracing.tasks import add_trace_headers

logger = structlog.stdlib.get_logger("reference_app.tasks")


class TaskQueue:
    """Send tasks; ``submit`` returns once the broker holds the message.

    >>> queue = TaskQueue(create_celery(settings))
    >>> await queue.submit("reference_app.export", task_id, kwargs={...}, priority=TaskPriority.HIGH)
    """

    def __init__(self, celery: ReferenceCelery, *, timeout_s: float | None = None) -> None:
        self.celery = celery
        self.timeout_s = timeout_s if timeout_s is not None else celery.settings.tasks.publish_timeout_seconds

    async def submit(
        self,
        name: str,
        task_id: uuid.UUID,
        *,
        kwargs: Mapping[str, Any],
        priority: TaskPriority = TaskPriority.NORMAL,
        correlation_id: str | None = None,
    ) -> None:
        """Queue ``name`` with ``task_id``; raises :class:`BrokerUnavailableError` when the broker
        cannot take it within ``timeout_s`` (kombu's client is synchronous: it runs in a thread)."""
        headers = {REQUEST_ID_HEADER: correlation_id} if correlation_id else {}
        # The request's trace continues in the worker (nothing is added when tracing is off).
        add_trace_headers(headers)
        send = self.celery.send_task
        try:
            await asyncio.wait_for(
                asyncio.to_thread(
                    send,
                    name,
                    kwargs=dict(kwargs),
                    task_id=str(task_id),
                    priority=PRIORITY_NUMBERS[priority],
                    queue=self.celery.settings.tasks.queue,
                    headers=headers,
                ),
                timeout=self.timeout_s,
            )
        except (TimeoutError, KombuOperationalError, RedisError, OSError) as exc:
            logger.warning("task_submit_failed", task=name, error_type=type(exc).__name__)
            raise BrokerUnavailableError("The task queue is unavailable; retry later.") from exc

    def close(self) -> None:
        self.celery.close()
