"""``WS /api/v1/ws/tasks/{task_id}``: live status of one of your tasks.

Authenticate with ``?access_token=<access JWT>`` (browsers cannot set headers on a
WebSocket) or ``Authorization: Bearer <access JWT>``. The server accepts, then:

1. sends the task as it is now (the ``GET /tasks/{id}`` body, ``TaskPublic``);
2. sends each later status change in the same shape, in ``version`` order, through Redis
   pub/sub (``reference_app.tasks.hub``): the worker publishes, any app process forwards;
3. closes with 1000 right after a final status (SUCCESS or FAILURE).

A client that reads too slowly loses its OLDEST unsent messages (a bounded queue of
``APP_TASKS__WS_QUEUE_SIZE`` per connection; a gap in ``version`` shows it); the final
status is never the one dropped. A client whose socket does not take a message within
``APP_TASKS__WS_SEND_TIMEOUT_SECONDS`` is given up (4408): its close frame is queued and
the handler ends at once (the close is not waited for longer than a send), releasing its
queue and subscription. The TCP connection itself stays until the client reads again or
uvicorn's WebSocket keepalive (ping every 20 s, 20 s to answer) fails it: ASGI gives the
app no way to abort a connection. Neither ever delays other clients. Messages from the
client are read and ignored.

Close codes:

====  =====================================================================
1000  the task reached SUCCESS or FAILURE (the last message says which)
1001  the server is shutting down
1011  task status messages are unavailable (Redis pub/sub) or the server failed
4401  missing, invalid or expired access token
4404  no such task, or it belongs to someone else (as 404 over HTTP)
4408  the client did not take a message in time
====  =====================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import orjson
import structlog
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from reference_app.auth.tokens import decode_token
from reference_app.errors import ProblemError
from reference_app.http.correlation import accepted_request_id
from reference_app.repositories.tasks import TaskRepository
from reference_app.schemas.tasks import TaskPublic
from reference_app.settings import Settings
from reference_app.state import app_resources, app_settings
from reference_app.tasks.events import task_channel
from reference_app.tasks.hub import HubUnavailableError, TaskEventHub, Watch
from reference_app.tasks.transitions import FINAL

CLOSE_FINAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_UNAVAILABLE = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_SLOW = 4408
_FINAL_VALUES = frozenset(status.value for status in FINAL)

router = APIRouter(tags=["tasks"])
logger = structlog.stdlib.get_logger("reference_app.api.ws")


def _token(websocket: WebSocket) -> str | None:
    token = websocket.query_params.get("access_token")
    if token:
        return token
    scheme, _, credentials = websocket.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _user_id(settings: Settings, websocket: WebSocket) -> uuid.UUID | None:
    token = _token(websocket)
    if token is None:
        return None
    try:
        return decode_token(settings, token, kind="access").user_id
    except ProblemError:
        return None


@router.websocket("/ws/tasks/{task_id}")
async def task_status_socket(websocket: WebSocket, task_id: str) -> None:
    correlation_id = accepted_request_id(websocket.headers.get("x-request-id", "").encode() or None)
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id or uuid.uuid4().hex):
        await websocket.accept()
        code = await _serve(websocket, task_id)
        if websocket.application_state is WebSocketState.CONNECTED:
            # Bounded like a send: a client that stopped reading cannot take the close frame
            # either, and waiting for it would keep this handler (and shutdown) forever.
            timeout = app_settings(websocket.app.state).tasks.ws_send_timeout_seconds
            with contextlib.suppress(RuntimeError, WebSocketDisconnect, TimeoutError):
                await asyncio.wait_for(websocket.close(code), timeout)


async def _serve(websocket: WebSocket, raw_task_id: str) -> int:
    """Run the connection; returns the close code."""
    state = websocket.app.state
    settings = app_settings(state)
    user_id = _user_id(settings, websocket)
    if user_id is None:
        return CLOSE_UNAUTHENTICATED
    try:
        task_id = uuid.UUID(raw_task_id)
    except ValueError:
        return CLOSE_NOT_FOUND
    resources = app_resources(state)
    hub: TaskEventHub | None = getattr(state, "task_events", None)
    if resources is None or hub is None:
        return CLOSE_UNAVAILABLE
    try:
        # Watch first, then read the row: a change committed after the read is published
        # after the watch began, so it is not missed (``version`` drops duplicates).
        async with hub.watch(task_channel(settings, task_id)) as watch:
            async with resources.sessions() as session:
                task = await TaskRepository(session).get(user_id, task_id)
            if task is None:
                return CLOSE_NOT_FOUND
            snapshot = TaskPublic.model_validate(task)
            timeout = settings.tasks.ws_send_timeout_seconds
            if not await _send(websocket, snapshot.model_dump_json(), timeout):
                return CLOSE_TOO_SLOW
            if snapshot.status in FINAL:
                return CLOSE_FINAL
            return await _forward(websocket, watch, last_version=snapshot.version, timeout=timeout)
    except HubUnavailableError:
        return CLOSE_UNAVAILABLE


async def _send(websocket: WebSocket, text: str, timeout: float) -> bool:
    try:
        await asyncio.wait_for(websocket.send_text(text), timeout)
    except TimeoutError:
        logger.warning("ws_client_too_slow", timeout_s=timeout)
        return False
    return True


async def _forward(websocket: WebSocket, watch: Watch, *, last_version: int, timeout: float) -> int:
    """Relay status messages until a final one, the client leaves, or the hub fails."""

    async def relay() -> int:
        version = last_version
        while True:
            message = await watch.get()
            if message is None:
                return CLOSE_GOING_AWAY if watch.shutdown else CLOSE_UNAVAILABLE
            data = orjson.loads(message)
            if int(data.get("version", 0)) <= version:
                continue  # already sent (the snapshot, or a duplicate)
            if not await _send(websocket, message.decode(), timeout):
                return CLOSE_TOO_SLOW
            version = int(data["version"])
            if data.get("status") in _FINAL_VALUES:
                return CLOSE_FINAL

    async def client_gone() -> int:
        with contextlib.suppress(WebSocketDisconnect):
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        return CLOSE_GOING_AWAY

    tasks = [asyncio.create_task(relay()), asyncio.create_task(client_gone())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
