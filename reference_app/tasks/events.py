"""Status messages: every transition is published on the task's Redis channel.

Channel ``{redis_key_prefix}tasks:events:{task_id}``; the message is the task as
``GET /tasks/{id}`` shows it (``TaskPublic`` JSON). Any app process subscribed to the
channel can forward it to its WebSocket clients (``reference_app.tasks.hub``). Publishing
is best effort: the database row is the truth, and a WebSocket client gets the row first.
"""

from __future__ import annotations

import uuid

from reference_app.db.models import BackgroundTask
from reference_app.schemas.tasks import TaskPublic
from reference_app.settings import Settings


def task_channel(settings: Settings, task_id: uuid.UUID | str) -> str:
    return settings.redis_key("tasks", "events", str(task_id))


def task_message(task: BackgroundTask) -> bytes:
    """The JSON status message of ``task`` (the ``TaskPublic`` shape)."""
    return TaskPublic.model_validate(task).model_dump_json().encode()
