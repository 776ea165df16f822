"""``TrackedTask``: the Celery task base that keeps the status table true.

One attempt of a task, in the worker:

1. bind ``correlation_id`` (the ``request_id`` message header the API set from the
   request's X-Request-ID), ``task_id`` and ``task`` into structlog's context: every log
   line of the attempt carries them; with tracing on (``runtime.tracing``), the attempt is
   a CONSUMER span continuing the ``traceparent`` the API put into the message headers;
2. PENDING/RETRY → STARTED (a conditional UPDATE). Refused means the task is already
   final — a redelivered message — and the attempt ends without running the body again;
3. run the body, then STARTED → SUCCESS with its result, or
   - a transient error (``RETRYABLE_ERRORS``) with retries left: STARTED → RETRY (records
     ``retries``, the error and ``next_attempt_at``), then ``Task.retry(countdown=...)``
     re-queues the message with the backoff delay (``reference_app.tasks.backoff``);
   - any other error, or retries exhausted: STARTED → FAILURE with the error recorded.

Every change is published on the task's channel. If the database itself is unreachable
the message is retried without recording anything (the DB cannot count such retries, so
they are not limited): the next attempt re-claims the task from wherever it stands.
Messages are acknowledged after the attempt (``task_acks_late``): a worker that dies
mid-attempt leaves the message to be redelivered.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

import structlog
from celery import Celery, Task
from celery.exceptions import Reject, Retry
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError

from reference_app.db.models import BackgroundTask, TaskStatus
from reference_app.tasks.errors import TaskError, TransientTaskError
from reference_app.tasks.runtime import TaskRuntime
from reference_app.tracing.tasks import task_span

#: Message header carrying the correlation id of the request that started the task.
#: (Not ``correlation_id``: Celery fills that from the AMQP property, the task id.)
REQUEST_ID_HEADER = "request_id"
#: Errors of a task body worth retrying with backoff.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    TransientTaskError,
    OperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)
#: Errors of the status table itself (database unreachable).
STORE_ERRORS: tuple[type[Exception], ...] = (OperationalError, DBAPIError, ConnectionError, TimeoutError)
#: Longest error text stored.
MAX_ERROR_LENGTH = 1000
UNEXPECTED_ERROR = "The task failed unexpectedly; the worker log has the details under its correlation id."
TRANSIENT_ERROR = "A dependency was unavailable or too slow."

logger = structlog.stdlib.get_logger("reference_app.tasks")


def public_error(exc: BaseException) -> str:
    """What the owner may read about ``exc``: our own messages, else a fixed sentence."""
    if isinstance(exc, TaskError):
        return str(exc)[:MAX_ERROR_LENGTH] or type(exc).__name__
    if isinstance(exc, RETRYABLE_ERRORS):
        return TRANSIENT_ERROR
    return UNEXPECTED_ERROR


def runtime_of(app: Celery) -> TaskRuntime:
    runtime = getattr(app, "runtime", None)
    if not isinstance(runtime, TaskRuntime):
        raise TypeError("tracked tasks need a Celery app from reference_app.tasks.create_celery")
    return runtime


class TrackedTask(Task[Any, Any]):
    """Base of every task whose status lives in the ``tasks`` table; subclasses define ``run``."""

    #: Retries are counted in the status table (``settings.tasks.max_retries``), not by Celery.
    max_retries = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        task_id = uuid.UUID(str(request.id))
        correlation_id = (request.headers or {}).get(REQUEST_ID_HEADER)
        runtime = runtime_of(self.app)
        log_context = {"correlation_id": correlation_id, "task_id": str(task_id), "task": self.name}
        with (
            structlog.contextvars.bound_contextvars(**log_context),
            task_span(runtime.tracing, self.name, request.headers, str(task_id)),
        ):
            return self._attempt(runtime, task_id, args, kwargs)

    def _attempt(self, runtime: TaskRuntime, task_id: uuid.UUID, args: Any, kwargs: Any) -> Any:
        store = runtime.store
        try:
            now = store.now()
            started = store.transition(
                task_id, TaskStatus.STARTED, at=now, worker=self.request.hostname, started_at=now, next_attempt_at=None
            )
            current = started if started is not None else store.get(task_id)
        except STORE_ERRORS as exc:
            raise self._retry_unrecorded(runtime, exc) from exc
        if current is None:
            logger.error("task_unknown")  # no row: nothing to track (acknowledged)
            return None
        if started is None:
            logger.info("task_already_final", status=current.status.value)
            return None
        if started.correlation_id and not (self.request.headers or {}).get(REQUEST_ID_HEADER):
            structlog.contextvars.bind_contextvars(correlation_id=started.correlation_id)
        runtime.publish(started)
        logger.info("task_started", attempt=started.retries + 1, worker=self.request.hostname)
        try:
            result = self.run(*args, **kwargs)
        except RETRYABLE_ERRORS as exc:
            return self._retry_or_fail(runtime, started, exc)
        except Retry:
            raise
        except Exception as exc:
            logger.error("task_failed", error_type=type(exc).__name__, exc_info=True)
            self._finish(runtime, task_id, TaskStatus.FAILURE, error=public_error(exc))
            return None
        self._finish(runtime, task_id, TaskStatus.SUCCESS, result=result)
        logger.info("task_succeeded")
        return result

    def _finish(self, runtime: TaskRuntime, task_id: uuid.UUID, status: TaskStatus, **values: Any) -> None:
        store = runtime.store
        try:
            now = store.now()
            moved = store.transition(task_id, status, at=now, finished_at=now, next_attempt_at=None, **values)
        except STORE_ERRORS as exc:
            raise self._retry_unrecorded(runtime, exc) from exc
        if moved is not None:
            runtime.publish(moved)

    def _retry_or_fail(self, runtime: TaskRuntime, started: BackgroundTask, exc: Exception) -> Any:
        retries = started.retries
        limit = runtime.settings.tasks.max_retries
        if retries >= limit:
            logger.error("task_failed", error_type=type(exc).__name__, retries=retries, exhausted=True)
            self._finish(runtime, started.id, TaskStatus.FAILURE, error=public_error(exc))
            return None
        countdown = runtime.backoff.delay(retries)
        store = runtime.store
        try:
            now = store.now()
            moved = store.transition(
                started.id,
                TaskStatus.RETRY,
                at=now,
                retries=retries + 1,
                error=public_error(exc),
                next_attempt_at=now + timedelta(seconds=countdown),
            )
        except STORE_ERRORS as store_exc:
            raise self._retry_unrecorded(runtime, store_exc) from store_exc
        if moved is not None:
            runtime.publish(moved)
        logger.warning(
            "task_retry", retry=retries + 1, max_retries=limit, countdown_s=countdown, error_type=type(exc).__name__
        )
        raise self._requeue(countdown, exc)

    def _retry_unrecorded(self, runtime: TaskRuntime, exc: Exception) -> BaseException:
        countdown = runtime.backoff.delay(min(self.request.retries, 16))
        logger.warning("task_store_unavailable", countdown_s=countdown, error_type=type(exc).__name__)
        return self._requeue(countdown, exc)

    def _requeue(self, countdown: float, exc: Exception) -> BaseException:
        """``Retry`` for Celery to re-queue the message after ``countdown`` seconds.

        If the broker refuses the new message, the current one is rejected with requeue:
        it is delivered again (RETRY → STARTED) instead of being lost.
        """
        try:
            return cast(BaseException, self.retry(countdown=countdown, exc=exc, throw=False))
        except Exception as publish_exc:
            logger.error("task_requeue_failed", error_type=type(publish_exc).__name__)
            return Reject(publish_exc, requeue=True)
