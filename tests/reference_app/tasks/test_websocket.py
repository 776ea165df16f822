"""``WS /api/v1/ws/tasks/{id}`` through a real server (uvicorn) and the whole middleware
stack: the snapshot, then STARTED and SUCCESS pushed through Redis pub/sub from a real
worker; documented close codes for bad tokens and foreign or unknown tasks."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import connect

from gauntlet.services.ports import free_port
from reference_app.api.ws import CLOSE_FINAL, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from reference_app.app import create_app
from reference_app.tasks import create_celery

from ..conftest import sign_up
from .support import messages_until_close, running_worker, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def server(task_settings) -> Iterator[tuple[str, object]]:
    """The app under uvicorn in a thread (its own event loop), on a queue no worker reads yet."""
    settings = task_settings()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=free_port(), log_config=None, access_log=False, lifespan="on"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, name="uvicorn", daemon=True)
    thread.start()
    wait_for(lambda: instance.started, "uvicorn to start")
    try:
        yield f"127.0.0.1:{config.port}", settings
    finally:
        instance.should_exit = True
        thread.join(15)


async def test_a_client_sees_started_then_success_pushed_live(server):
    address, settings = server
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        owner = await sign_up(http)
        accepted = (await http.post("/api/v1/exports", json={"format": "json"}, headers=owner.headers)).json()
    url = f"ws://{address}/api/v1/ws/tasks/{accepted['task_id']}?access_token={owner.access_token}"
    async with connect(url, additional_headers={"X-Request-ID": "ws-test-1"}) as websocket:
        snapshot = orjson.loads(await asyncio.wait_for(websocket.recv(), 10))
        assert (snapshot["id"], snapshot["status"], snapshot["version"]) == (accepted["task_id"], "PENDING", 1)
        celery = create_celery(settings)
        with running_worker(celery):  # only now can the task run: the socket is already open
            received, code = await asyncio.wait_for(messages_until_close(websocket), 30)
    assert [m["status"] for m in received] == ["STARTED", "SUCCESS"]
    assert [m["version"] for m in received] == [2, 3]
    assert received[-1]["result"]["rows"] == 0
    assert code == CLOSE_FINAL


async def test_a_finished_task_gets_its_final_status_then_a_normal_close(server):
    address, settings = server
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        owner = await sign_up(http)
        accepted = (await http.post("/api/v1/exports", json={}, headers=owner.headers)).json()
        with running_worker(create_celery(settings)):
            while (await http.get(accepted["status_url"], headers=owner.headers)).json()["status"] != "SUCCESS":
                await asyncio.sleep(0.05)
    url = f"ws://{address}/api/v1/ws/tasks/{accepted['task_id']}"
    async with connect(url, additional_headers={"Authorization": f"Bearer {owner.access_token}"}) as websocket:
        received, code = await asyncio.wait_for(messages_until_close(websocket), 10)
    assert [m["status"] for m in received] == ["SUCCESS"]
    assert code == CLOSE_FINAL


async def test_bad_tokens_and_foreign_or_unknown_tasks_are_closed_with_their_codes(server):
    address, _ = server
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        owner, stranger = await sign_up(http), await sign_up(http)
        accepted = (await http.post("/api/v1/exports", json={}, headers=owner.headers)).json()
    cases = [
        (f"/api/v1/ws/tasks/{accepted['task_id']}", CLOSE_UNAUTHENTICATED),
        (f"/api/v1/ws/tasks/{accepted['task_id']}?access_token=not.a.jwt", CLOSE_UNAUTHENTICATED),
        (f"/api/v1/ws/tasks/{accepted['task_id']}?access_token={owner.refresh_token}", CLOSE_UNAUTHENTICATED),
        (f"/api/v1/ws/tasks/{accepted['task_id']}?access_token={stranger.access_token}", CLOSE_NOT_FOUND),
        (f"/api/v1/ws/tasks/{uuid.uuid4()}?access_token={owner.access_token}", CLOSE_NOT_FOUND),
        (f"/api/v1/ws/tasks/not-a-uuid?access_token={owner.access_token}", CLOSE_NOT_FOUND),
    ]
    for path, expected in cases:
        async with connect(f"ws://{address}{path}") as websocket:
            received, code = await asyncio.wait_for(messages_until_close(websocket), 10)
        assert (received, code) == ([], expected), path
