"""A real model server process behind the real client stack (breaker in Redis, retries)."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gauntlet.services.ports import free_port
from reference_app.app import create_app
from reference_app.settings import build_settings
from tests.reference_app.conftest import sign_up

pytestmark = pytest.mark.slow

#: Seconds the model server gets to answer /health.
STARTUP_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def model_server_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_app.model_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert process.poll() is None, "the model server exited"
            try:
                if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the model server did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def live_client(settings_overrides, migrated, model_server_url) -> AsyncIterator[httpx.AsyncClient]:
    settings = build_settings(
        {
            **settings_overrides,
            "model_server_url": model_server_url,
            "redis_key_prefix": f"test:e2e:{secrets.token_hex(4)}:",
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_a_draft_comes_from_the_model_server_process(live_client):
    user = await sign_up(live_client)
    created = await live_client.post(
        "/api/v1/incidents",
        json={"title": "Checkout 502s", "description": "EU users fail. Since 09:40."},
        headers=user.headers,
    )
    incident_id = created.json()["id"]
    response = await live_client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["summary"] == "Checkout 502s: EU users fail."
    assert response.json()["model"] == "extractive-v1"
    metrics = (await live_client.get("/metrics")).text
    assert 'model_server_request_duration_seconds_count{outcome="success"} 1.0' in metrics
    assert "model_server_available 1.0" in metrics
