"""``/tasks``: your background tasks, one by id or keyset-paginated like incidents.

Status changes live: a WebSocket on ``/ws/tasks/{task_id}`` pushes each one
(``reference_app.api.ws``). Responses are ``no-store``: a status is never served stale.
"""

# No `from __future__ import annotations`: route signatures inside the factory refer to
# its local `pagination`, which string annotations could not resolve.

from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from reference_app.api.deps import CursorCodecDep, OwnedTaskDep, PrincipalDep, TaskRepositoryDep
from reference_app.cursor import CursorCodec, Keyset, filters_fingerprint
from reference_app.db.models import BackgroundTask
from reference_app.openapi import problem_responses
from reference_app.schemas.incidents import PageLinks
from reference_app.schemas.tasks import TaskPage, TaskPublic
from reference_app.settings import PaginationSettings

#: Cursor fingerprint of the task listing: an incidents cursor is refused here (400).
TASKS_FINGERPRINT = filters_fingerprint({"resource": "tasks"})


def build_tasks_router(pagination: PaginationSettings) -> APIRouter:
    """The router; built per app because the documented ``limit`` bounds are settings."""
    router = APIRouter(prefix="/tasks", tags=["tasks"])

    @router.get("", operation_id="listTasks", responses=problem_responses(400, 401, 422, 429))
    async def list_tasks(
        *,
        request: Request,
        principal: PrincipalDep,
        tasks: TaskRepositoryDep,
        cursors: CursorCodecDep,
        limit: Annotated[int, Query(ge=1, le=pagination.max_limit, description="Page size")] = pagination.default_limit,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    ) -> TaskPage:
        """Your tasks, newest first, one page at a time (follow `links.next`)."""
        after = cursors.decode(cursor, fingerprint=TASKS_FINGERPRINT) if cursor is not None else None
        rows = await tasks.list_page(principal.user_id, limit=limit, after=after)
        return _page(rows, limit=limit, request=request, cursor=cursor, cursors=cursors)

    @router.get("/{task_id}", operation_id="getTask", responses=problem_responses(401, 404, 422, 429))
    async def get_task(task: OwnedTaskDep) -> TaskPublic:
        """One of your tasks: status, retries, and the result (SUCCESS) or error (FAILURE).

        Live, without polling: the WebSocket `/api/v1/ws/tasks/{task_id}` (access token in
        `?access_token=` or `Authorization: Bearer`) sends this body now and after each
        status change, then closes with 1000 on SUCCESS or FAILURE. OpenAPI cannot
        describe WebSockets, hence this note.
        """
        return TaskPublic.model_validate(task)

    return router


def _page(
    rows: Sequence[BackgroundTask], *, limit: int, request: Request, cursor: str | None, cursors: CursorCodec
) -> TaskPage:
    page, has_more = rows[:limit], len(rows) > limit
    next_cursor = (
        cursors.encode(Keyset(page[-1].created_at, page[-1].id), fingerprint=TASKS_FINGERPRINT) if has_more else None
    )
    return TaskPage(
        items=[TaskPublic.model_validate(row) for row in page],
        limit=limit,
        next_cursor=next_cursor,
        has_more=has_more,
        links=PageLinks(
            self=_page_url(request, {"limit": limit, "cursor": cursor}),
            next=_page_url(request, {"limit": limit, "cursor": next_cursor}) if next_cursor else None,
        ),
    )


def _page_url(request: Request, params: dict[str, object]) -> str:
    """Origin-relative URL of a page (the Host header is never reflected)."""
    present = {key: value for key, value in params.items() if value is not None}
    return f"{request.url.path}?{urlencode(present)}"
