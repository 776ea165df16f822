"""``create_celery(settings)``: a Celery app on Redis, built from settings (never at import).

Broker facts this configuration relies on (Celery 5 + kombu's Redis transport):

- **Priorities are reversed on Redis**: 0 is the HIGHEST. ``priority_steps`` 0..9 give one
  Redis list per step, and BRPOP reads them in step order; a message without a
  priority counts as 0, so ``task_default_priority`` is set to ``normal``'s number.
- **Strict order** needs ``worker_prefetch_multiplier=1`` and ``task_acks_late=True``: the
  worker then holds only the message it is running, so a high-priority message that
  arrives during a backlog is the next one taken.
- Every broker key lives under ``{redis_key_prefix}celery:`` (kombu's ``global_keyprefix``):
  one app, one namespace, as for the app's other keys.
- No result backend: the status table in the database is the result store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import Celery

from reference_app.db.models import TaskPriority
from reference_app.settings import Settings
from reference_app.tasks.exports import ExportTask
from reference_app.tasks.runtime import TaskRuntime
from reference_app.tasks.tracked import TrackedTask

#: Celery priority of each API priority (Redis: lower number = served first).
PRIORITY_NUMBERS: Mapping[TaskPriority, int] = {
    TaskPriority.HIGH: 0,
    TaskPriority.NORMAL: 5,
    TaskPriority.LOW: 9,
}
#: Seconds to connect to the broker before a publish or the worker gives up (per try).
BROKER_CONNECT_TIMEOUT_SECONDS = 2.0
#: Seconds a broker socket read/write may block (BRPOP itself waits 1 s at most).
BROKER_SOCKET_TIMEOUT_SECONDS = 10.0


class ReferenceCelery(Celery):
    """A Celery app that carries its settings and the worker-side :class:`TaskRuntime`."""

    def __init__(self, settings: Settings, runtime: TaskRuntime) -> None:
        super().__init__(
            "reference_app",
            broker=settings.tasks.broker_url or settings.redis_url,
            set_as_current=False,
        )
        self.settings = settings
        self.runtime = runtime

    def close(self) -> None:
        """Close the broker pools and this process's task connections."""
        self.runtime.close()
        super().close()


def celery_config(settings: Settings) -> dict[str, Any]:
    tasks = settings.tasks
    return {
        "broker_transport_options": {
            "global_keyprefix": settings.redis_key("celery") + ":",
            "priority_steps": list(range(10)),
            "sep": ":",
            "queue_order_strategy": "priority",
            "socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
        "task_default_queue": tasks.queue,
        "task_default_priority": PRIORITY_NUMBERS[TaskPriority.NORMAL],
        "task_acks_late": True,
        # A worker process killed mid-task: the message goes back (the task is idempotent).
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_backend": None,
        "task_ignore_result": True,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        # Logging stays ours (JSON lines, reference_app.http.log_config).
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "enable_utc": True,
        "timezone": "UTC",
    }


def register(app: Celery, task_class: type[TrackedTask]) -> TrackedTask:
    """Register a fresh subclass of ``task_class`` on ``app`` (Celery binds task classes,
    not instances, to an app: a class shared by two apps would follow the last one)."""
    bound = type(task_class.__qualname__, (task_class,), {"__module__": task_class.__module__})
    task = app.register_task(bound())
    return task  # type: ignore[no-any-return]


def create_celery(settings: Settings, *, runtime: TaskRuntime | None = None) -> ReferenceCelery:
    """The app's Celery: producer in the API process, consumer in ``python -m reference_app worker``.

    >>> celery = create_celery(build_settings())
    >>> celery.send_task("reference_app.export", kwargs={...}, priority=PRIORITY_NUMBERS[TaskPriority.HIGH])
    """
    app = ReferenceCelery(settings, runtime if runtime is not None else TaskRuntime(settings))
    app.conf.update(celery_config(settings))
    register(app, ExportTask)
    return app
