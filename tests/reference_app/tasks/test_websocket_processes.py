"""``WS /api/v1/ws/tasks/{id}`` across processes: two ``python -m reference_app`` processes
share one Redis and one PostgreSQL database; a task is made through process A, and a
client of process B (and one of A) receives every status change live. The changes are
published by another process (a ``python -m reference_app worker``, or this test process
running the worker's own ``TaskStore.transition`` + ``TaskRuntime.publish``), so the only
way they reach B is Redis pub/sub: app processes never poll the task table."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gauntlet.services.ports import free_port
from gauntlet.services.postgres import create_database, drop_database
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.redis import delete_keys
from reference_app.api.ws import CLOSE_FINAL
from reference_app.auth.tokens import decode_token
from reference_app.db.models import TaskStatus
from reference_app.settings import Settings, build_settings
from reference_app.tasks.runtime import TaskRuntime

from ..conftest import TEST_SECRET, sign_up
from .support import messages_until_close

pytestmark = pytest.mark.slow

#: Seconds each app process (and the worker) gets to become ready: imports, migrations
#: already done, Redis and PostgreSQL connections, on a shared 2-core machine.
STARTUP_BOUND_S = 60.0
#: Seconds to wait for one WebSocket message.
MESSAGE_BOUND_S = 30.0


@dataclass(frozen=True)
class TwoApps:
    a: str
    b: str
    env: dict[str, str]
    settings: Settings
    workdir: Path


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def two_apps(service_session, redis_url, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoApps]:
    """Two app processes on a scratch database and a Redis key prefix of their own."""
    admin_url = service_session.postgres.url
    database = f"refapp_ws_{secrets.token_hex(6)}"
    database_url = create_database(admin_url, database)
    workdir = tmp_path_factory.mktemp("ws-processes")
    env = {
        **os.environ,
        "APP_ENVIRONMENT": "dev",
        "APP_DATABASE_URL": database_url,
        "APP_REDIS_URL": redis_url,
        "APP_REDIS_KEY_PREFIX": f"test:wsp:{secrets.token_hex(6)}:",
        "APP_SECRET_KEY": TEST_SECRET,
        "APP_TASKS__EXPORT_DIR": str(workdir / "exports"),
        # Cheap Argon2, as the in-process tests use: sign-ups are not under test here.
        "APP_PASSWORD_HASH__TIME_COST": "1",
        "APP_PASSWORD_HASH__MEMORY_KIB": "1024",
        "APP_PASSWORD_HASH__PARALLELISM": "1",
    }
    settings = build_settings(
        {
            "environment": "dev",
            "database_url": database_url,
            "redis_url": redis_url,
            "redis_key_prefix": env["APP_REDIS_KEY_PREFIX"],
            "secret_key": TEST_SECRET,
        }
    )
    try:
        with ProcessGroup() as processes:
            migrate = [sys.executable, "-m", "reference_app", "migrate"]
            subprocess.run(migrate, env=env, check=True, timeout=STARTUP_BOUND_S * 2)
            urls = []
            for name in ("app-a", "app-b"):
                port = free_port()
                command = [sys.executable, "-m", "reference_app", "--port", str(port), "--log-level", "warning"]
                process = processes.start(ManagedProcess(name, command, workdir, env=env))
                urls.append((f"http://127.0.0.1:{port}", process))
            for url, process in urls:
                wait_until(lambda url=url: _ready(url), STARTUP_BOUND_S, f"{url} to be ready", process=process)
            yield TwoApps(urls[0][0], urls[1][0], env, settings, workdir)
    finally:
        drop_database(admin_url, database)
        delete_keys(redis_url, env["APP_REDIS_KEY_PREFIX"])  # the Celery queue and its bookkeeping


def _ws_url(app_url: str, task_id: str, token: str) -> str:
    return f"ws{app_url.removeprefix('http')}/api/v1/ws/tasks/{task_id}?access_token={token}"


@pytest.fixture
def worker(two_apps: TwoApps) -> Iterator[Callable[[], ManagedProcess]]:
    """``start()``: a ``python -m reference_app worker`` on the two apps' queue, ready; stopped after the test."""
    with ProcessGroup() as processes:

        def start() -> ManagedProcess:
            ready = two_apps.workdir / f"worker-{secrets.token_hex(3)}.ready"
            command = [sys.executable, "-m", "reference_app", "worker", "--pool", "solo"]
            command += ["--hostname", f"ws-{secrets.token_hex(3)}@gauntlet", "--ready-file", str(ready)]
            process = processes.start(ManagedProcess(ready.stem, command, two_apps.workdir, env=two_apps.env))
            wait_until(ready.exists, STARTUP_BOUND_S, "the worker to be ready", process=process, interval=0.1)
            return process

        yield start


async def test_a_client_of_process_b_sees_a_workers_status_changes_of_a_task_made_through_process_a(two_apps, worker):
    async with httpx.AsyncClient(base_url=two_apps.a, timeout=30.0) as http:
        owner = await sign_up(http)
        accepted = (await http.post("/api/v1/exports", json={"format": "json"}, headers=owner.headers)).json()
    task_id = accepted["task_id"]
    async with (
        connect(_ws_url(two_apps.b, task_id, owner.access_token)) as on_b,
        connect(_ws_url(two_apps.a, task_id, owner.access_token)) as on_a,
    ):
        for websocket in (on_b, on_a):
            snapshot = orjson.loads(await asyncio.wait_for(websocket.recv(), MESSAGE_BOUND_S))
            assert (snapshot["id"], snapshot["status"], snapshot["version"]) == (task_id, "PENDING", 1)
        await asyncio.to_thread(worker)  # only now can the task run: both sockets are open and watching
        (from_b, code_b), (from_a, code_a) = await asyncio.wait_for(
            asyncio.gather(messages_until_close(on_b), messages_until_close(on_a)), MESSAGE_BOUND_S * 2
        )
    for received, code in ((from_b, code_b), (from_a, code_a)):
        assert [(m["status"], m["version"]) for m in received] == [("STARTED", 2), ("SUCCESS", 3)]
        assert received[-1]["result"]["rows"] == 0
        assert code == CLOSE_FINAL
    assert from_b == from_a  # the very same messages, fanned out by both processes


async def test_each_published_transition_reaches_both_processes_clients_before_the_next_is_made(two_apps):
    async with httpx.AsyncClient(base_url=two_apps.a, timeout=30.0) as http:
        owner = await sign_up(http)
    owner_id = decode_token(two_apps.settings, owner.access_token, kind="access").user_id
    runtime = TaskRuntime(two_apps.settings)  # the worker's store and publisher, in this process
    task_id = uuid.uuid4()
    await asyncio.to_thread(runtime.store.create, task_id, kind="export", owner_id=owner_id, params={"format": "csv"})
    try:
        async with (
            connect(_ws_url(two_apps.b, str(task_id), owner.access_token)) as on_b,
            connect(_ws_url(two_apps.a, str(task_id), owner.access_token)) as on_a,
        ):
            sockets = (on_b, on_a)

            async def next_messages() -> list[dict[str, Any]]:
                raw = await asyncio.gather(*(asyncio.wait_for(ws.recv(), MESSAGE_BOUND_S) for ws in sockets))
                return [orjson.loads(message) for message in raw]

            assert [m["version"] for m in await next_messages()] == [1, 1]  # the snapshots

            async def move(status: TaskStatus, *, publish: bool = True, **values: Any) -> int:
                moved = await asyncio.to_thread(runtime.store.transition, task_id, status, **values)
                assert moved is not None, status
                if publish:
                    await asyncio.to_thread(runtime.publish, moved)
                return moved.version

            steps = [
                (TaskStatus.STARTED, {}),
                (TaskStatus.RETRY, {"retries": 1, "error": "The upstream timed out."}),
                (TaskStatus.STARTED, {}),
                (TaskStatus.RETRY, {"retries": 2, "error": "The upstream timed out again."}),
                (TaskStatus.STARTED, {}),
            ]
            for status, values in steps:
                version = await move(status, **values)
                for message in await next_messages():
                    assert (message["status"], message["version"]) == (status.value, version)
                    assert message["retries"] == values.get("retries", message["retries"])

            # A change whose PUBLISH never happened (publishing is best effort) reaches nobody:
            # the sockets carry what was published, not what the table holds.
            await move(TaskStatus.STARTED, publish=False)
            final = await move(TaskStatus.SUCCESS, result={"rows": 7}, error=None)
            for message in await next_messages():
                assert (message["status"], message["version"], message["result"]) == ("SUCCESS", final, {"rows": 7})
            for websocket in sockets:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(websocket.recv(), MESSAGE_BOUND_S)
                assert websocket.close_code == CLOSE_FINAL
    finally:
        await asyncio.to_thread(runtime.close)
