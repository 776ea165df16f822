"""An export's effect is idempotent under redelivery: the same task id run twice leaves one
file, one SUCCESS, and no second transition."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from reference_app.db.models import TaskStatus
from reference_app.schemas.tasks import ExportFormat
from reference_app.tasks import EXPORT_TASK, create_celery
from reference_app.tasks.exports import export_path, write_export

from .support import running_worker, send, wait_for, wait_status

pytestmark = pytest.mark.slow


def test_calling_the_task_body_twice_with_one_task_id_has_one_effect(task_settings, task_store, status_messages):
    settings = task_settings()
    celery = create_celery(settings)
    task = celery.tasks[EXPORT_TASK]
    task_id = uuid.uuid4()
    task_store.create(task_id, kind="export", params={"format": "csv"})
    owner = str(uuid.uuid4())  # no incidents: an empty export is still an export
    try:
        task.apply(kwargs={"owner_id": owner, "format": "csv"}, task_id=str(task_id))
        first = task_store.get(task_id)
        written = export_path(Path(settings.tasks.export_dir), task_id, ExportFormat.CSV).read_bytes()
        task.apply(kwargs={"owner_id": owner, "format": "csv"}, task_id=str(task_id))  # the redelivery
        second = task_store.get(task_id)
    finally:
        celery.close()
    assert first.status is TaskStatus.SUCCESS
    assert (second.status, second.version, second.result) == (first.status, first.version, first.result)
    status_messages.wait_final(task_id)
    assert [m["status"] for m in status_messages.of(task_id)] == ["STARTED", "SUCCESS"]
    files = sorted(p.name for p in Path(settings.tasks.export_dir).iterdir())
    assert files == [f"{task_id}.csv"]
    assert export_path(Path(settings.tasks.export_dir), task_id, ExportFormat.CSV).read_bytes() == written


def test_a_message_delivered_twice_through_the_broker_runs_once(task_settings, task_store, status_messages):
    settings = task_settings()
    celery = create_celery(settings)
    task_id = uuid.uuid4()
    kwargs = {"owner_id": str(uuid.uuid4()), "format": "json"}
    with running_worker(celery):
        send(celery, task_store, EXPORT_TASK, kwargs, task_id=task_id)
        send(celery, task_store, EXPORT_TASK, kwargs, task_id=task_id)
        wait_status(task_store, task_id, TaskStatus.SUCCESS)
        marker = send(celery, task_store, EXPORT_TASK, kwargs)  # FIFO: once it ran, both copies did
        wait_status(task_store, marker, TaskStatus.SUCCESS)
    wait_for(lambda: len(status_messages.of(task_id)) >= 2, "the status messages")
    assert [m["status"] for m in status_messages.of(task_id)] == ["STARTED", "SUCCESS"]
    assert task_store.get(task_id).version == 3


def test_writing_an_export_twice_leaves_one_complete_file(task_settings, task_store):
    settings = task_settings()
    celery = create_celery(settings)
    try:
        task_id, owner = uuid.uuid4(), uuid.uuid4()
        first = write_export(celery.runtime, task_id, owner, ExportFormat.JSON)
        second = write_export(celery.runtime, task_id, owner, ExportFormat.JSON)
    finally:
        celery.close()
    assert first == second == {"location": f"{task_id}.json", "rows": 0, "bytes": 2, "format": "json"}
    assert [p.name for p in Path(settings.tasks.export_dir).iterdir()] == [f"{task_id}.json"]
