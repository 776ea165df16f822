"""RateLimitMiddleware in the real app: 429s, tiers, exemptions, Redis failures."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import event

from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import start_private_redis
from reference_app.app import create_app
from reference_app.auth.tokens import issue_token
from reference_app.settings import Settings, build_settings

LIMITS = {"anonymous": 3, "free": 5, "premium": 50, "enterprise": 500}
PROTECTED = "/api/v1/incidents"


@pytest.fixture
def limited_settings(settings_overrides, migrated) -> Callable[..., Settings]:
    def make(**rate_limit: object) -> Settings:
        return build_settings(
            {
                **settings_overrides,
                "redis_key_prefix": f"test:rlm:{secrets.token_hex(6)}:",
                "rate_limit": {**LIMITS, **rate_limit},
            }
        )

    return make


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app


def token(settings: Settings, tier: str) -> dict[str, str]:
    access, _ = issue_token(settings, user_id=uuid.uuid4(), kind="access", tier=tier)
    return {"Authorization": f"Bearer {access}"}


async def test_the_fourth_anonymous_request_gets_a_429_problem_with_every_header(limited_settings):
    async with serve(limited_settings()) as (client, _app):
        answers = [await client.get(PROTECTED, headers={"X-Request-ID": f"rl-{i}"}) for i in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    first, limited = answers[0], answers[3]
    assert first.headers["ratelimit-policy"] == '"anonymous";q=3;w=60'
    assert first.headers["ratelimit"] == '"anonymous";r=2;t=20'
    assert first.headers["x-ratelimit-limit"] == "3" and first.headers["x-ratelimit-remaining"] == "2"
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-reset"]) <= 60
    assert limited.headers["x-request-id"] == "rl-3"
    assert limited.headers["x-content-type-options"] == "nosniff"
    assert limited.headers["cache-control"] == "no-store"
    body = limited.json()
    assert body["status"] == 429 and body["title"] == "Too Many Requests"
    assert body["type"].endswith("/rate-limited") and body["correlation_id"] == "rl-3"


async def test_tiers_come_from_the_token_and_have_their_own_limits(limited_settings):
    settings = limited_settings()
    async with serve(settings) as (client, _app):
        free = [await client.get(PROTECTED, headers=token(settings, "free")) for _ in range(1)]
        premium_headers = token(settings, "premium")
        premium = [await client.get(PROTECTED, headers=premium_headers) for _ in range(10)]
        bogus = await client.get(PROTECTED, headers={"Authorization": "Bearer not-a-jwt"})
    assert free[0].headers["ratelimit-policy"] == '"free";q=5;w=60'
    assert all(p.status_code == 200 for p in premium)
    assert premium[-1].headers["ratelimit-policy"] == '"premium";q=50;w=60'
    assert premium[-1].headers["x-ratelimit-remaining"] == "40"
    assert bogus.headers["ratelimit-policy"] == '"anonymous";q=3;w=60'  # invalid credentials: anonymous


async def _api_key(client: httpx.AsyncClient, bearer: dict[str, str], tier: str) -> str:
    created = await client.post("/api/v1/api-keys", json={"tier": tier}, headers=bearer)
    assert created.status_code == 201, created.text
    return str(created.json()["api_key"])


async def test_each_api_key_has_its_own_budget_in_its_tier(limited_settings):
    settings = limited_settings()
    async with serve(settings) as (client, app):
        name, password = f"rl-{secrets.token_hex(4)}", "p" * 12
        assert (await client.post("/api/v1/users", json={"username": name, "password": password})).status_code == 201
        tokens = (await client.post("/api/v1/auth/token", json={"username": name, "password": password})).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        first, second = await _api_key(client, bearer, "free"), await _api_key(client, bearer, "premium")
        by_first = [await client.get(PROTECTED, headers={"X-API-Key": first}) for _ in range(6)]
        by_second = await client.get(PROTECTED, headers={"X-API-Key": second})
        redis = app.state.resources.redis
        stored = await redis.exists(f"{settings.redis_key_prefix}rl:free:{hashlib.sha256(first.encode()).hexdigest()}")
    assert [a.status_code for a in by_first] == [200] * 5 + [429]  # the free tier's 5, then limited
    assert by_first[0].headers["ratelimit-policy"] == '"free";q=5;w=60'
    # Same user, another key: a budget of its own, in its own tier (spec: rl:{tier}:{sha256(key)}).
    assert by_second.status_code == 200 and by_second.headers["ratelimit-policy"] == '"premium";q=50;w=60'
    assert stored == 1


async def test_an_unknown_api_key_is_limited_as_anonymous_and_looked_up_once(limited_settings):
    async with serve(limited_settings(anonymous=50)) as (client, app):
        engine = app.state.resources.engine
        statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        bogus = {"X-API-Key": f"gk_{secrets.token_hex(16)}"}
        answers = [await client.get(PROTECTED, headers=bogus) for _ in range(4)]
    assert [a.status_code for a in answers] == [401] * 4
    assert all(a.headers["ratelimit-policy"] == '"anonymous";q=50;w=60' for a in answers)
    assert answers[0].json()["detail"] == "The API key is unknown or revoked."
    # Remembered as unknown: made-up keys cannot turn every request into a database query.
    assert len(statements) == 1, statements


async def test_health_and_metrics_are_exempt(limited_settings):
    async with serve(limited_settings(anonymous=1)) as (client, _app):
        for _ in range(5):
            for path in ("/health/live", "/health/ready", "/metrics"):
                response = await client.get(path)
                assert response.status_code == 200 and "ratelimit" not in response.headers


async def test_rejections_are_counted_in_metrics(limited_settings):
    async with serve(limited_settings(anonymous=1)) as (client, app):
        await client.get(PROTECTED)
        await client.get(PROTECTED)
        metrics = app.state.metrics
        assert metrics.sample("rate_limit_requests_total", {"result": "allowed"}) == 1
        assert metrics.sample("rate_limit_requests_total", {"result": "rejected"}) == 1


@pytest.mark.slow
async def test_redis_killed_fails_open_serves_counts_and_logs(limited_settings, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="reference_app.ratelimit")
    with ProcessGroup() as group:
        server = start_private_redis(tmp_path, group=group)
        settings = limited_settings().model_copy(update={"redis_url": server.url})
        async with serve(settings) as (client, app):
            assert "ratelimit" in (await client.get(PROTECTED)).headers
            server.process.stop()
            answers = [
                await client.post("/api/v1/users", json={"username": f"u-{secrets.token_hex(4)}", "password": "p" * 12})
                for _ in range(5)
            ]
            assert [a.status_code for a in answers] == [201] * 5  # limit 3, yet all served
            assert all("ratelimit" not in a.headers for a in answers)
            assert app.state.metrics.sample("rate_limit_requests_total", {"result": "fail_open"}) == 5
    # ...and logged: once (a down Redis must not turn every request into a log line).
    unavailable = [r for r in caplog.records if r.getMessage() == "rate limiter unavailable"]
    assert len(unavailable) == 1 and unavailable[0].failure_mode == "open", unavailable


async def test_closed_mode_answers_503_problem_when_redis_is_down(limited_settings):
    settings = limited_settings(failure_mode="closed").model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with serve(settings) as (client, app):
        response = await client.get(PROTECTED, headers={"X-Request-ID": "closed-1"})
        live = await client.get("/health/live")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1" and response.headers["x-request-id"] == "closed-1"
    body = response.json()
    assert body["status"] == 503 and body["correlation_id"] == "closed-1"
    assert "redis" not in response.text.lower() and "Error" not in body["detail"]
    assert live.status_code == 200  # exempt paths do not depend on the limiter
    assert app.state.metrics.sample("rate_limit_requests_total", {"result": "fail_closed"}) == 1


async def test_every_limited_operation_documents_429_and_503(limited_settings):
    async with serve(limited_settings()) as (client, _app):
        document = (await client.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = operation["responses"]
            if path.startswith("/api/v1"):
                assert {"429", "503"} <= set(statuses), (method, path)
                assert "Retry-After" in statuses["429"]["headers"]
            else:
                assert "429" not in statuses, (method, path)
