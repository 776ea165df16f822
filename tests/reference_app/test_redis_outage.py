"""Redis stopped mid-test (a private redis-server, never the shared one): the app keeps
answering from the database with the same bodies, and counts the cache errors."""

from __future__ import annotations

import httpx
import pytest

from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import start_private_redis
from reference_app.app import create_app
from reference_app.settings import build_settings
from tests.reference_app.conftest import sign_up


@pytest.fixture
async def app_on_private_redis(settings_overrides, migrated, tmp_path):
    with ProcessGroup() as group:
        server = start_private_redis(tmp_path, group=group)
        settings = build_settings({**settings_overrides, "redis_url": server.url})
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield app, client, server


def cache_errors(app) -> float:
    return app.state.metrics.sample("cache_operations_total", {"result": "error"}) or 0.0


@pytest.mark.slow
async def test_reads_stay_correct_from_the_database_when_redis_stops(app_on_private_redis):
    app, client, server = app_on_private_redis
    user = await sign_up(client)
    created = await client.post("/api/v1/incidents", json={"title": "Redis outage drill"}, headers=user.headers)
    assert created.status_code == 201
    path = f"/api/v1/incidents/{created.json()['id']}"
    before = [await client.get(path, headers=user.headers) for _ in range(2)]  # miss, then hit
    listed_before = await client.get("/api/v1/incidents", headers=user.headers)
    assert app.state.metrics.sample("cache_operations_total", {"result": "hit"}) >= 1
    assert cache_errors(app) == 0

    server.process.stop()

    during = await client.get(path, headers=user.headers)
    assert during.status_code == 200
    assert during.content == before[1].content == before[0].content
    listed_during = await client.get("/api/v1/incidents", headers=user.headers)
    assert listed_during.status_code == 200
    assert listed_during.json()["items"] == listed_before.json()["items"]
    assert cache_errors(app) >= 2

    # Writes still succeed, and the next read shows them.
    second = await client.post("/api/v1/incidents", json={"title": "written while Redis is down"}, headers=user.headers)
    assert second.status_code == 201
    titles = [item["title"] for item in (await client.get("/api/v1/incidents", headers=user.headers)).json()["items"]]
    assert titles[0] == "written while Redis is down"

    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "warn"
