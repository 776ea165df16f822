"""Broken variants of the probe worker, for the failure proofs of properties 18 and 19.

    python -m tests.properties.task_workers VARIANT --ready-file F

Each variant is the app's Celery with one part replaced (a backoff, the store, the task
class); everything else, including the worker itself, is the reference app's.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update

from reference_app.db.models import BackgroundTask, TaskStatus
from reference_app.settings import Settings
from reference_app.tasks.backoff import Backoff
from reference_app.tasks.celery_app import ReferenceCelery, create_celery, register
from reference_app.tasks.probe import ProbeTask, build_probe_celery, main
from reference_app.tasks.runtime import TaskRuntime, backoff_for
from reference_app.tasks.store import TaskStore


class UncappedBackoff(Backoff):
    """base·2ⁿ with no cap."""

    def ceiling(self, retry: int) -> float:
        return self.base_s * 2.0**retry


class LateBackoff(Backoff):
    """Waits half as long again as the documented delay."""

    def delay(self, retry: int) -> float:
        return 1.5 * super().delay(retry)


class UnguardedStore(TaskStore):
    """Moves a task to any status, whatever it was: a finished task can start again."""

    def transition(
        self, task_id: uuid.UUID, new: TaskStatus, *, at: datetime | None = None, **values: Any
    ) -> BackgroundTask | None:
        statement = (
            update(BackgroundTask)
            .where(BackgroundTask.id == task_id)
            .values(status=new, version=BackgroundTask.version + 1, updated_at=at or self.now(), **values)
            .returning(BackgroundTask)
        )
        with self._sessions() as session, session.begin():
            return session.execute(statement).scalar_one_or_none()


class UnguardedRuntime(TaskRuntime):
    @property
    def store(self) -> TaskStore:
        current = super().store
        if not isinstance(current, UnguardedStore):
            self._store = UnguardedStore(current.engine)
        assert self._store is not None
        return self._store


class ResultlessProbeTask(ProbeTask):
    """Marks SUCCESS but never stores the result."""

    def _finish(self, runtime: TaskRuntime, task_id: uuid.UUID, status: TaskStatus, **values: Any) -> None:
        values.pop("result", None)
        super()._finish(runtime, task_id, status, **values)


def _with_backoff(backoff_class: type[Backoff]) -> Callable[[Settings], ReferenceCelery]:
    def build(settings: Settings) -> ReferenceCelery:
        documented = backoff_for(settings)
        backoff = backoff_class(base_s=documented.base_s, cap_s=documented.cap_s, jitter=documented.jitter)
        celery = create_celery(settings, runtime=TaskRuntime(settings, backoff=backoff))
        register(celery, ProbeTask)
        return celery

    return build


def _one_more_retry(settings: Settings) -> ReferenceCelery:
    tasks = settings.tasks.model_copy(update={"max_retries": settings.tasks.max_retries + 1})
    return build_probe_celery(settings.model_copy(update={"tasks": tasks}))


def _unguarded(settings: Settings) -> ReferenceCelery:
    celery = create_celery(settings, runtime=UnguardedRuntime(settings))
    register(celery, ProbeTask)
    return celery


def _resultless(settings: Settings) -> ReferenceCelery:
    celery = create_celery(settings)
    register(celery, ResultlessProbeTask)
    return celery


VARIANTS: dict[str, Callable[[Settings], ReferenceCelery]] = {
    "uncapped-backoff": _with_backoff(UncappedBackoff),
    "late-backoff": _with_backoff(LateBackoff),
    "one-more-retry": _one_more_retry,
    "unguarded-transitions": _unguarded,
    "resultless": _resultless,
}

if __name__ == "__main__":
    sys.exit(main(sys.argv[2:], build=VARIANTS[sys.argv[1]]))
