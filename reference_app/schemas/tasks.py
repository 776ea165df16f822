"""Background task schemas: ``ExportCreate``, ``TaskAccepted``, ``TaskPublic`` and the page."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from reference_app.db.models import TaskPriority, TaskStatus
from reference_app.schemas.incidents import PageLinks


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"format": "csv", "priority": "high"}]})

    format: ExportFormat = ExportFormat.JSON
    #: Queue order: every waiting ``high`` task starts before any ``normal`` or ``low`` one.
    priority: TaskPriority = TaskPriority.NORMAL


class TaskAccepted(BaseModel):
    """What ``202 Accepted`` carries: where to follow the task."""

    task_id: uuid.UUID
    status: TaskStatus = Field(examples=["PENDING"])
    status_url: str = Field(examples=["/api/v1/tasks/0b6f3f5e-8a1c-4b8e-9a57-1d0e6c1f2a3b"])


class TaskPublic(BaseModel):
    """A task as ``GET /tasks/{id}`` shows it; WebSocket status messages have this shape too."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(examples=["export"])
    status: TaskStatus
    priority: TaskPriority
    params: dict[str, JsonValue] = Field(examples=[{"format": "csv"}])
    #: Set on SUCCESS; for an export: ``location`` (file name), ``rows``, ``bytes``, ``format``.
    result: dict[str, JsonValue] | None = Field(examples=[{"location": "0b6f3f5e.csv", "rows": 42}])
    #: Set on FAILURE (and, while retrying, the error that caused the retry).
    error: str | None
    retries: int = Field(description="Retries so far (attempts after the first)")
    version: int = Field(description="Status changes so far, starting at 1 (PENDING): orders messages")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(description="While RETRY: when the next attempt is due")


class TaskPage(BaseModel):
    """One page of your tasks, newest first; ``next_cursor`` is null exactly when ``has_more`` is false."""

    items: list[TaskPublic]
    limit: int
    next_cursor: str | None
    has_more: bool
    links: PageLinks
