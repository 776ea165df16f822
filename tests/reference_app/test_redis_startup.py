"""Redis down when the app starts (a private redis-server, never the shared one).

Spec "Health": Redis is not required. At start-up the app waits for it with bounded
backoff; if it comes up meanwhile the app starts normally, otherwise the app starts
degraded (readiness 200 ``warn``) and uses Redis again once it answers, without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis

from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.redis import start_private_redis
from gauntlet.services.types import PrivateServer
from reference_app.app import create_app
from reference_app.settings import build_settings
from reference_app.state import Phase
from tests.reference_app.conftest import sign_up

pytestmark = pytest.mark.slow

#: Bound on anything this test waits for (a start-up attempt logged, Redis answering).
WAIT_BOUND_S = 20.0


def answers(url: str) -> Callable[[], bool]:
    def ping() -> bool:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    return ping


def start_again(server: PrivateServer, group: ProcessGroup) -> None:
    """The same redis-server command (same port, same URL) as a new process."""
    old = server.process
    process = ManagedProcess(f"{old.name}-again", old.command, old.log_path.parent, cwd=old.cwd)
    group.add(process)
    process.start()
    wait_until(answers(server.url), WAIT_BOUND_S, f"redis-server at {server.url}", process=process)


@pytest.fixture
def stopped_redis(tmp_path) -> Iterator[tuple[PrivateServer, ProcessGroup]]:
    """A private Redis's URL with nothing listening on it yet (started, then stopped)."""
    with ProcessGroup() as group:
        server = start_private_redis(tmp_path, group=group)
        server.process.stop()
        assert not answers(server.url)()
        yield server, group


@asynccontextmanager
async def running(app) -> AsyncIterator[asyncio.Task[None]]:
    """The app's lifespan in a task of its own (entered and left there), started, not awaited."""
    stop = asyncio.Event()

    async def serve() -> None:
        async with app.router.lifespan_context(app):
            await stop.wait()

    task = asyncio.create_task(serve())
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_BOUND_S)


def warnings_of(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "reference_app.redis"]


async def until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_BOUND_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_the_app_waits_for_redis_and_starts_once_it_answers(settings_overrides, migrated, stopped_redis, caplog):
    server, group = stopped_redis
    settings = build_settings(
        {**settings_overrides, "redis_url": server.url, "redis_startup_wait_seconds": WAIT_BOUND_S}
    )
    app = create_app(settings)
    with caplog.at_level("WARNING", logger="reference_app.redis"):
        async with running(app) as lifespan:
            await until(lambda: len(warnings_of(caplog)) >= 1, "a failed start-up PING")
            assert not lifespan.done() and app.state.lifecycle.phase is Phase.STARTING  # still waiting

            await asyncio.to_thread(start_again, server, group)
            await until(lambda: app.state.lifecycle.accepting, "start-up to complete")

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "pass"
    assert warnings_of(caplog)[0].startswith("redis not reachable (attempt 1, ConnectionError)")
    assert not any("starting degraded" in message for message in warnings_of(caplog))
    assert server.url.split("//")[1] not in " ".join(warnings_of(caplog))  # no URL in the logs


async def test_past_the_bound_the_app_starts_degraded_and_uses_redis_once_it_is_up(
    settings_overrides, migrated, stopped_redis, caplog
):
    server, group = stopped_redis
    prefix = str(settings_overrides["redis_key_prefix"])
    settings = build_settings({**settings_overrides, "redis_url": server.url, "redis_startup_wait_seconds": 0.5})
    app = create_app(settings)
    with caplog.at_level("WARNING", logger="reference_app.redis"):
        async with running(app):
            await until(lambda: app.state.lifecycle.accepting, "the degraded start-up to complete")
            assert any("starting degraded" in message for message in warnings_of(caplog))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                degraded = await client.get("/health/ready")
                assert (degraded.status_code, degraded.json()["status"]) == (200, "warn")
                user = await sign_up(client)  # served from the database while Redis is down
                created = await client.post("/api/v1/incidents", json={"title": "before Redis"}, headers=user.headers)
                assert created.status_code == 201

                await asyncio.to_thread(start_again, server, group)

                recovered = await client.get("/health/ready")
                assert (recovered.status_code, recovered.json()["status"]) == (200, "pass")
                path = f"/api/v1/incidents/{created.json()['id']}"
                reads = [await client.get(path, headers=user.headers) for _ in range(2)]
    assert [read.status_code for read in reads] == [200, 200]
    assert reads[0].content == reads[1].content
    # The same app, never restarted, now writes its cache entries into the Redis that came up.
    with redis.Redis.from_url(server.url) as direct:
        keys = direct.keys(f"{prefix}c:*")
    assert keys, "no cache entry reached Redis after it came up"
    assert app.state.metrics.sample("cache_operations_total", {"result": "hit"}) >= 1
