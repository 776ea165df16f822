"""Priorities on Redis (property 20): with a backlog and one worker (prefetch 1, late
acks), every high-priority task starts before every lower-priority task that was
waiting when it arrived; normal before low."""

from __future__ import annotations

import secrets
import threading

import pytest

from reference_app.db.models import TaskPriority, TaskStatus
from reference_app.tasks import create_celery

from . import support
from .support import BlockingTask, RecordingTask, register_test_tasks, running_worker, send, wait_status

pytestmark = pytest.mark.slow


def test_high_priority_overtakes_the_waiting_backlog(task_settings, task_store):
    celery = create_celery(task_settings())
    register_test_tasks(celery)
    support.STARTS.clear()
    gate = f"gate-{secrets.token_hex(3)}"
    with running_worker(celery):
        blocker = send(celery, task_store, BlockingTask.name, {"key": gate})
        wait_status(task_store, blocker, TaskStatus.STARTED)  # the worker is busy: a backlog forms
        waiting = [("low", TaskPriority.LOW)] * 4 + [("normal", TaskPriority.NORMAL)] * 3
        waiting += [("high", TaskPriority.HIGH)] * 2 + [("low", TaskPriority.LOW)] * 2
        ids = [
            send(celery, task_store, RecordingTask.name, {"label": f"{label}-{n}"}, priority=priority)
            for n, (label, priority) in enumerate(waiting)
        ]
        support.GATES.setdefault(gate, threading.Event()).set()
        for task_id in ids:
            wait_status(task_store, task_id, TaskStatus.SUCCESS)
    order = [label.split("-")[0] for label in support.STARTS]
    assert order == ["high"] * 2 + ["normal"] * 3 + ["low"] * 6, support.STARTS
    # Within one priority, first in first out.
    lows = [int(label.split("-")[1]) for label in support.STARTS if label.startswith("low")]
    assert lows == sorted(lows)
