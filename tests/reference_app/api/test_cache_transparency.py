"""Cache on or off gives identical bodies (spec: Caching): the cache changes where a read
comes from, never what it says. Two apps on one database, one with the cache off, serve
the same user the same bytes for every cached read, warm or cold, before and after writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from reference_app.app import create_app
from reference_app.settings import build_settings
from tests.reference_app.conftest import sign_up


@pytest.fixture
async def uncached_client(settings_overrides, migrated) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(build_settings({**settings_overrides, "cache": {"enabled": False}}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


async def bodies(client: httpx.AsyncClient, paths: list[str], headers: dict[str, str]) -> list[bytes]:
    found = []
    for path in paths:
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        found.append(response.content)
    return found


async def test_cache_on_and_off_serve_identical_bodies(client, uncached_client):
    user = await sign_up(client)
    created = []
    for title in ("Disk full", "Latency spike ☃", "Login loop"):
        response = await client.post(
            "/api/v1/incidents", json={"title": title, "description": "d"}, headers=user.headers
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    paths = [f"/api/v1/incidents/{created[0]}", "/api/v1/incidents?limit=2", "/api/v1/analytics/summary"]
    for _round in range(2):  # cold, then warm: the second read of each comes from the cache
        cached = await bodies(client, paths, user.headers)
        assert cached == await bodies(uncached_client, paths, user.headers)
    patched = await client.patch(f"/api/v1/incidents/{created[0]}", json={"status": "resolved"}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    after = await bodies(client, paths, user.headers)
    assert after == await bodies(uncached_client, paths, user.headers)
    assert after != cached, "the write changed nothing the reads show: the comparison proves nothing"
