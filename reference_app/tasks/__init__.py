"""Background jobs: Celery on Redis, with the status of every task in the database.

The parts::

    create_celery(settings)      the Celery app (producer in the API, consumer in the worker)
    TaskQueue                    async submit from the API (``POST /exports``)
    TrackedTask                  the base keeping the ``tasks`` table true (status, retries, result)
    transitions                  the state machine, enforced by one conditional UPDATE
    TaskEventHub                 Redis pub/sub fan-out of status changes to WebSocket clients
    python -m reference_app worker   the worker process (``reference_app.tasks.worker``)
"""

from __future__ import annotations

from reference_app.tasks.backoff import Backoff
from reference_app.tasks.celery_app import PRIORITY_NUMBERS, ReferenceCelery, create_celery
from reference_app.tasks.errors import (
    BrokerUnavailableError,
    PermanentTaskError,
    TaskError,
    TransientTaskError,
)
from reference_app.tasks.exports import EXPORT_TASK, ExportTask
from reference_app.tasks.queue import TaskQueue
from reference_app.tasks.runtime import TaskRuntime
from reference_app.tasks.tracked import REQUEST_ID_HEADER, TrackedTask

__all__ = [
    "EXPORT_TASK",
    "PRIORITY_NUMBERS",
    "REQUEST_ID_HEADER",
    "Backoff",
    "BrokerUnavailableError",
    "ExportTask",
    "PermanentTaskError",
    "ReferenceCelery",
    "TaskError",
    "TaskQueue",
    "TaskRuntime",
    "TrackedTask",
    "TransientTaskError",
    "create_celery",
]
