"""Retries with exponential backoff and the status they leave (properties 18, 19), on a
real Celery worker: countdowns are recorded in the status table, never timed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference_app.db.models import TaskStatus
from reference_app.tasks import create_celery
from reference_app.tasks.tracked import UNEXPECTED_ERROR

from .support import BrokenTask, FlakyTask, register_test_tasks, running_worker, send, wait_status

#: Backoff base of these tests: 50 ms keeps a real retry cycle short.
BASE_S = 0.05

pytestmark = pytest.mark.slow


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_failing_twice_then_succeeding_retries_twice_with_exact_backoff(task_settings, task_store, status_messages):
    settings = task_settings(max_retries=3, retry_backoff_seconds=BASE_S, retry_jitter=False)
    celery = create_celery(settings)
    register_test_tasks(celery)
    with running_worker(celery):
        task_id = send(celery, task_store, FlakyTask.name, {"failures": 2})
        final = wait_status(task_store, task_id, TaskStatus.SUCCESS, TaskStatus.FAILURE)
        messages = status_messages.wait_final(task_id)

    assert final.status is TaskStatus.SUCCESS
    assert final.result == {"attempts": 3}
    assert final.retries == 2
    statuses = [m["status"] for m in messages]
    assert statuses == ["STARTED", "RETRY", "STARTED", "RETRY", "STARTED", "SUCCESS"]
    assert [m["version"] for m in messages] == list(range(2, 8))  # no transition unpublished
    retries = [m for m in messages if m["status"] == "RETRY"]
    for n, message in enumerate(retries):
        countdown = _at(message["next_attempt_at"]) - _at(message["updated_at"])
        assert countdown == timedelta(seconds=BASE_S * 2**n)  # jitter off: exactly base·2ⁿ
    # Celery honoured each countdown: the next attempt started no earlier than it was due.
    for retry, started in zip(retries, [m for m in messages if m["status"] == "STARTED"][1:], strict=True):
        assert _at(started["started_at"]) >= _at(retry["next_attempt_at"])


def test_after_exhaustion_the_task_is_failure_with_the_error_recorded(task_settings, task_store, status_messages):
    settings = task_settings(max_retries=2, retry_backoff_seconds=BASE_S, retry_jitter=False)
    celery = create_celery(settings)
    register_test_tasks(celery)
    with running_worker(celery):
        task_id = send(celery, task_store, FlakyTask.name, {"failures": 99})
        final = wait_status(task_store, task_id, TaskStatus.SUCCESS, TaskStatus.FAILURE)
        messages = status_messages.wait_final(task_id)

    assert final.status is TaskStatus.FAILURE
    assert final.retries == 2
    assert final.error == "The flaky dependency timed out."
    assert final.finished_at is not None and final.result is None
    assert [m["status"] for m in messages] == ["STARTED", "RETRY", "STARTED", "RETRY", "STARTED", "FAILURE"]


def test_an_unexpected_error_fails_at_once_without_leaking_its_text(task_settings, task_store):
    celery = create_celery(task_settings(max_retries=3, retry_backoff_seconds=BASE_S))
    register_test_tasks(celery)
    with running_worker(celery):
        task_id = send(celery, task_store, BrokenTask.name, {})
        final = wait_status(task_store, task_id, TaskStatus.SUCCESS, TaskStatus.FAILURE)
    assert final.status is TaskStatus.FAILURE
    assert final.retries == 0
    assert final.error == UNEXPECTED_ERROR
    assert "hunter2" not in final.error
