"""The quick start: the same API on the embedded SQLite database (LIKE search, keyset)."""

from __future__ import annotations

import httpx

from reference_app.app import create_app
from reference_app.migrations import upgrade
from reference_app.settings import build_settings

from ..conftest import TEST_PASSWORD


async def test_the_api_works_on_sqlite(tmp_path, settings_overrides):
    url = f"sqlite:///{tmp_path / 'quick.db'}"
    upgrade(url, "head")
    app = create_app(build_settings({**settings_overrides, "database_url": url}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        credentials = {"username": "quick-start", "password": TEST_PASSWORD}
        assert (await http.post("/api/v1/users", json=credentials)).status_code == 201
        token = (await http.post("/api/v1/auth/token", json=credentials)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for title in ("Disk 100% full", "Disk_latency", "Other"):
            await http.post("/api/v1/incidents", json={"title": title}, headers=headers)
        found = await http.get("/api/v1/incidents", params={"q": "disk_"}, headers=headers)
        assert [item["title"] for item in found.json()["items"]] == ["Disk_latency"]
        percent = await http.get("/api/v1/incidents", params={"q": "100%"}, headers=headers)
        assert [item["title"] for item in percent.json()["items"]] == ["Disk 100% full"]
        first = (await http.get("/api/v1/incidents?limit=2", headers=headers)).json()
        rest = (await http.get(first["links"]["next"], headers=headers)).json()
        titles = [item["title"] for item in first["items"] + rest["items"]]
        assert titles == ["Other", "Disk_latency", "Disk 100% full"]
        ready = await http.get("/health/startup")
        assert ready.status_code == 200
        summary = await http.get("/api/v1/analytics/summary", headers=headers)
        assert summary.json()["total"] == 3
