"""The export task: the owner's incidents written to one file, JSON or CSV.

Idempotent under redelivery: the file name is the task id (``{task_id}.{format}``) and it
is written to a temporary name then renamed over, so running the body twice leaves one
complete file, never two or a torn one; a redelivered message for a finished task does
not even reach the body (``TrackedTask``).
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Row, select

from reference_app.db.models import Incident
from reference_app.schemas.tasks import ExportFormat
from reference_app.tasks.errors import PermanentTaskError
from reference_app.tasks.runtime import TaskRuntime
from reference_app.tasks.tracked import TrackedTask, runtime_of

EXPORT_TASK = "reference_app.export"
#: Columns of an export, in file order.
EXPORT_COLUMNS = ("id", "title", "description", "status", "severity", "created_at", "updated_at")


def export_path(export_dir: Path, task_id: uuid.UUID, export_format: ExportFormat) -> Path:
    return export_dir / f"{task_id}.{export_format.value}"


def render(rows: Sequence[Row[Any]], export_format: ExportFormat) -> bytes:
    records = [{name: _plain(value) for name, value in zip(EXPORT_COLUMNS, row, strict=True)} for row in rows]
    if export_format is ExportFormat.JSON:
        return orjson.dumps(records)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().encode()


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def write_export(
    runtime: TaskRuntime, task_id: uuid.UUID, owner_id: uuid.UUID, export_format: ExportFormat
) -> dict[str, Any]:
    """Write the export of ``owner_id``'s incidents; returns the task's result."""
    columns = [getattr(Incident, name) for name in EXPORT_COLUMNS]
    statement = select(*columns).where(Incident.owner_id == owner_id).order_by(Incident.created_at, Incident.id)
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(statement).all()
    body = render(rows, export_format)
    target = export_path(runtime.export_dir, task_id, export_format)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return {"location": target.name, "rows": len(rows), "bytes": len(body), "format": export_format.value}


class ExportTask(TrackedTask):
    """``run(owner_id, format)``: the owner's incidents to ``{export_dir}/{task_id}.{format}``."""

    name = EXPORT_TASK

    def run(self, owner_id: str, format: str) -> dict[str, Any]:
        try:
            export_format = ExportFormat(format)
            owner = uuid.UUID(owner_id)
        except ValueError as exc:
            raise PermanentTaskError(f"Unsupported export request: {exc}") from exc
        return write_export(runtime_of(self.app), uuid.UUID(str(self.request.id)), owner, export_format)
