"""api/health.py: live without I/O; ready and startup follow the dependencies and lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from reference_app.app import create_app
from reference_app.migrations import upgrade
from reference_app.responses import HEALTH_MEDIA_TYPE
from reference_app.settings import Settings, build_settings
from reference_app.state import app_lifecycle

#: A TCP port nothing listens on (port 1 is reserved and closed here).
CLOSED_PORT = 1


def health(response, status: int, health_status: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == HEALTH_MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == health_status
    return body


@asynccontextmanager
async def running(settings: Settings, *, lifespan: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        if not lifespan:
            yield http
            return
        async with app.router.lifespan_context(app):
            yield http


async def test_live_passes(client):
    health(await client.get("/health/live"), 200, "pass")


async def test_ready_passes_with_database_and_redis(client):
    body = health(await client.get("/health/ready"), 200, "pass")
    assert body["checks"]["database:connection"][0]["status"] == "pass"
    assert body["checks"]["redis:connection"][0]["status"] == "pass"


async def test_startup_passes_at_the_migration_head(client):
    health(await client.get("/health/startup"), 200, "pass")


async def test_database_down_fails_readiness_without_leaking_the_dsn(settings_overrides):
    dsn = f"postgresql+asyncpg://postgres:hunter2@127.0.0.1:{CLOSED_PORT}/nowhere"
    async with running(build_settings({**settings_overrides, "database_url": dsn})) as http:
        response = await http.get("/health/ready")
        body = health(response, 503, "fail")
        live = await http.get("/health/live")
    assert body["checks"]["database:connection"][0]["status"] == "fail"
    assert body["checks"]["redis:connection"][0]["status"] == "pass"
    assert "hunter2" not in response.text
    assert "nowhere" not in response.text
    assert "postgresql" not in response.text
    health(live, 200, "pass")


async def test_redis_down_is_a_warning(settings_overrides):
    url = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    async with running(build_settings({**settings_overrides, "redis_url": url})) as http:
        body = health(await http.get("/health/ready"), 200, "warn")
    assert body["checks"]["redis:connection"][0]["status"] == "fail"
    assert body["checks"]["redis:connection"][0]["output"] == "unreachable"


async def test_not_ready_before_startup_and_after_shutdown_begins(app_settings, migrated):
    async with running(app_settings, lifespan=False) as http:
        health(await http.get("/health/ready"), 503, "fail")
        health(await http.get("/health/startup"), 503, "fail")
        health(await http.get("/health/live"), 200, "pass")
    app = create_app(app_settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        health(await http.get("/health/ready"), 200, "pass")
        app_lifecycle(app.state).begin_shutdown()
        health(await http.get("/health/ready"), 503, "fail")


async def test_startup_waits_for_migrations(settings_overrides, fresh_database_url):
    settings = build_settings({**settings_overrides, "database_url": fresh_database_url})
    async with running(settings) as http:
        body = health(await http.get("/health/startup"), 503, "fail")
        assert body["checks"]["database:migrations"][0]["output"] == "migrations pending"
        upgrade(fresh_database_url, "head")
        health(await http.get("/health/startup"), 200, "pass")
