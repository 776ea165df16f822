"""Errors of background tasks.

The hierarchy::

    ReferenceAppError
     └─ TaskError                 messages are written for the task's owner (stored in ``error``)
         ├─ TransientTaskError    worth retrying: retried with backoff up to max_retries
         ├─ PermanentTaskError    retrying cannot help: FAILURE at once
         └─ BrokerUnavailableError  the API could not queue a task (answered 503)
"""

from __future__ import annotations

from reference_app.errors import ReferenceAppError


class TaskError(ReferenceAppError):
    pass


class TransientTaskError(TaskError):
    pass


class PermanentTaskError(TaskError):
    pass


class BrokerUnavailableError(TaskError):
    pass
