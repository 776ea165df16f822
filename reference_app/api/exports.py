"""``POST /exports``: queue an export of your incidents; follow it at ``status_url``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from reference_app.api.deps import IdempotencyKeyDep, PrincipalDep, TaskQueueDep, TaskRepositoryDep
from reference_app.errors import ProblemError
from reference_app.http import problem
from reference_app.http.headers import scope_state
from reference_app.openapi import links_to, problem_responses
from reference_app.schemas.tasks import ExportCreate, TaskAccepted
from reference_app.tasks import EXPORT_TASK, BrokerUnavailableError

#: Seconds a client should wait before retrying when the queue is unavailable.
QUEUE_RETRY_AFTER_SECONDS = 5

router = APIRouter(prefix="/exports", tags=["exports"])

_ACCEPTED_LINKS = links_to({"GetTask": "getTask"}, "task_id", "$response.body#/task_id")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="createExport",
    responses={
        202: {
            "description": "Accepted: the export runs in a worker; follow `status_url`.",
            "headers": {"Location": {"description": "The task's status URL", "schema": {"type": "string"}}},
            "links": _ACCEPTED_LINKS,
        },
        **problem_responses(400, 401, 409, 422, 429, 503),
    },
)
async def create_export(
    *,
    body: ExportCreate,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    tasks: TaskRepositoryDep,
    queue: TaskQueueDep,
    _idempotency_key: IdempotencyKeyDep,
) -> TaskAccepted:
    """Export your incidents (JSON or CSV) in the background; answers at once with the task id.

    The request's `X-Request-ID` travels with the task: the worker's log lines carry it.
    """
    correlation_id = scope_state(request.scope).get("correlation_id") or problem.current_correlation_id.get()
    task = await tasks.create(
        principal.user_id,
        kind="export",
        priority=body.priority,
        params={"format": body.format.value},
        correlation_id=correlation_id,
    )
    try:
        await queue.submit(
            EXPORT_TASK,
            task.id,
            kwargs={"owner_id": str(principal.user_id), "format": body.format.value},
            priority=body.priority,
            correlation_id=correlation_id,
        )
    except BrokerUnavailableError as exc:
        await tasks.discard(task.id)
        raise ProblemError(
            503,
            "Service Unavailable",
            slug="queue-unavailable",
            detail=str(exc),
            headers={"Retry-After": str(QUEUE_RETRY_AFTER_SECONDS)},
        ) from exc
    status_url = str(request.app.url_path_for("get_task", task_id=str(task.id)))
    response.headers["Location"] = status_url
    return TaskAccepted(task_id=task.id, status=task.status, status_url=status_url)
