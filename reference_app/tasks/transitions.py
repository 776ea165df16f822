"""The task state machine, enforced in ONE place: a conditional UPDATE.

    PENDING → STARTED → (RETRY → STARTED)* → SUCCESS | FAILURE

Every status change is ``UPDATE tasks SET status = :new ... WHERE id = :id AND status IN
(allowed previous of :new)``: a change the machine does not allow matches no row and
changes nothing, whoever attempts it and however writers race (the database serialises
the UPDATEs). SUCCESS and FAILURE are final. One self-loop exists: STARTED again, for a
message redelivered after its worker died mid-run (``task_acks_late``), which re-claims
the task without moving it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Update, update

from reference_app.db.models import BackgroundTask, TaskStatus

#: For each status, the statuses a task may be in just before it.
ALLOWED_PREVIOUS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset(),
    TaskStatus.STARTED: frozenset({TaskStatus.PENDING, TaskStatus.RETRY, TaskStatus.STARTED}),
    TaskStatus.RETRY: frozenset({TaskStatus.STARTED}),
    TaskStatus.SUCCESS: frozenset({TaskStatus.STARTED}),
    TaskStatus.FAILURE: frozenset({TaskStatus.STARTED}),
}
#: Statuses nothing follows.
FINAL = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE})


def may_follow(previous: TaskStatus, new: TaskStatus) -> bool:
    """Whether a task in ``previous`` may move to ``new``.

    >>> may_follow(TaskStatus.RETRY, TaskStatus.STARTED), may_follow(TaskStatus.SUCCESS, TaskStatus.STARTED)
    (True, False)
    """
    return previous in ALLOWED_PREVIOUS[new]


def transition_statement(
    task_id: uuid.UUID, new: TaskStatus, *, at: datetime, values: Mapping[str, Any] | None = None
) -> Update:
    """The one UPDATE that moves a task to ``new`` (returns the row; no row: refused).

    ``values`` sets other columns in the same statement (``result``, ``error``...);
    ``version`` counts transitions and ``updated_at`` is ``at``.
    """
    if new is TaskStatus.PENDING:
        raise ValueError("PENDING is where a task starts (INSERT), never a transition")
    return (
        update(BackgroundTask)
        .where(BackgroundTask.id == task_id, BackgroundTask.status.in_(sorted(ALLOWED_PREVIOUS[new])))
        .values(status=new, version=BackgroundTask.version + 1, updated_at=at, **dict(values or {}))
        .returning(BackgroundTask)
    )
