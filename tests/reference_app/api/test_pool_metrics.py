"""``db_pool_connections{state}`` on the real app's GET /metrics follows the engine's pool:
connections held (by a session, or by a request blocked in PostgreSQL) are ``in_use``,
returned ones ``idle``, and the pool never holds more than its configured size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from reference_app.settings import build_settings
from tests.reference_app.api.served import ServedApp, served
from tests.reference_app.conftest import sign_up

#: Connections the pool keeps (``db_pool.size``) and may open beyond them (``max_overflow``).
POOL_SIZE = 2
MAX_OVERFLOW = 1
#: Polls of pg_stat_activity while waiting for the request to block on the table lock.
LOCK_WAIT_POLLS = 1000
#: Seconds between two polls.
LOCK_WAIT_POLL_SECONDS = 0.01


class PooledApp(ServedApp):
    async def pool_gauges(self) -> dict[str, float]:
        response = await self.client.get("/metrics")
        assert response.status_code == 200, response.text
        [family] = [f for f in text_string_to_metric_families(response.text) if f.name == "db_pool_connections"]
        assert family.type == "gauge"
        gauges = {sample.labels["state"]: sample.value for sample in family.samples}
        assert set(gauges) == {"in_use", "idle"}
        assert 0 <= gauges["in_use"] + gauges["idle"] <= POOL_SIZE + MAX_OVERFLOW
        return gauges


@pytest.fixture
async def pooled(settings_overrides, migrated) -> AsyncIterator[PooledApp]:
    """Its own app with a small pool (and no cache: every list request reaches PostgreSQL)."""
    settings = build_settings(
        {
            **settings_overrides,
            "db_pool": {"size": POOL_SIZE, "max_overflow": MAX_OVERFLOW},
            "cache": {"enabled": False},
        }
    )
    async with served(settings, PooledApp) as app:
        yield app


async def test_held_sessions_are_in_use_and_returned_ones_idle_up_to_the_pool_size(pooled):
    assert (await pooled.pool_gauges())["in_use"] == 0
    async with AsyncExitStack() as stack:
        for held in range(1, POOL_SIZE + MAX_OVERFLOW + 1):
            session = await stack.enter_async_context(pooled.resources.sessions())
            await session.execute(text("SELECT 1"))  # checks a connection out until the session closes
            assert await pooled.pool_gauges() == {"in_use": held, "idle": 0}
    # The overflow connection is closed on return; the pool keeps exactly its size.
    assert await pooled.pool_gauges() == {"in_use": 0, "idle": POOL_SIZE}


async def test_a_request_waiting_in_the_database_holds_a_connection(pooled):
    user = await sign_up(pooled.client)
    assert (await pooled.pool_gauges())["in_use"] == 0
    async with pooled.resources.sessions() as locker:
        # The list query blocks on this lock while its request holds a pooled connection.
        await locker.execute(text("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE"))
        listing = asyncio.create_task(pooled.client.get("/api/v1/incidents", headers=user.headers))
        try:
            await wait_for_a_lock_waiter(locker)
            assert await pooled.pool_gauges() == {"in_use": 2, "idle": 0}
        finally:
            await locker.rollback()  # releases the lock
            response = await listing
    assert response.status_code == 200, response.text
    assert await pooled.pool_gauges() == {"in_use": 0, "idle": POOL_SIZE}


async def wait_for_a_lock_waiter(session) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE '%FROM incidents%'"
    )
    for _ in range(LOCK_WAIT_POLLS):
        # pg_stat_activity is a snapshot per transaction: take a new one each poll.
        await session.execute(text("SELECT pg_stat_clear_snapshot()"))
        if (await session.execute(query)).scalar_one() > 0:
            return
        await asyncio.sleep(LOCK_WAIT_POLL_SECONDS)
    pytest.fail("GET /api/v1/incidents never waited for the table lock")
