"""Fixtures for the reference app's own tests: the migrated app with its lifespan running
on this session's database and Redis key prefix, an httpx client, and signed-up users."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from gauntlet.services.postgres import create_database, drop_database
from gauntlet.services.session import ServiceSession
from reference_app.app import create_app
from reference_app.migrations import upgrade
from reference_app.settings import Settings, build_settings

TEST_SECRET = "test-secret-" + "x" * 40
TEST_PASSWORD = "correct horse battery"

# database_url, redis_url and redis_key_prefix come from the root conftest.py: Redis and
# PostgreSQL found or started by gauntlet.services, with this session's own database and
# key prefix (removed at the end).


@pytest.fixture
def fresh_database_url(service_session: ServiceSession) -> Iterator[str]:
    """An empty database of its own, for tests that migrate up and down."""
    name = f"refapp_{secrets.token_hex(6)}"
    url = create_database(service_session.postgres.url, name)
    try:
        yield url
    finally:
        drop_database(service_session.postgres.url, name)


@pytest.fixture(scope="session")
def settings_overrides(database_url: str, redis_url: str, redis_key_prefix: str) -> dict[str, object]:
    """What the test session sets; ``build_settings({**settings_overrides, ...})`` varies it."""
    return {
        "environment": "dev",
        "database_url": database_url,
        "redis_url": redis_url,
        "redis_key_prefix": redis_key_prefix,
        "secret_key": TEST_SECRET,
        # Cheap Argon2 in tests only: the default cost is deliberately slow.
        "password_hash": {"time_cost": 1, "memory_kib": 1024, "parallelism": 1},
        # One test client (one IP, few users) makes thousands of requests a minute: limits
        # stay on (headers are exercised) but far out of reach. tests/reference_app/ratelimit/
        # tests the spec's limits with their own settings.
        "rate_limit": {"anonymous": 1_000_000, "free": 1_000_000},
        # A test that starts an app on a dead Redis does not sit out the start-up wait;
        # test_redis_startup.py tests the wait with its own values.
        "redis_startup_wait_seconds": 0,
    }


@pytest.fixture(scope="session")
def app_settings(settings_overrides: dict[str, object]) -> Settings:
    return build_settings(settings_overrides)


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    upgrade(database_url, "head")
    return database_url


@pytest.fixture(scope="session")
async def app(app_settings: Settings, migrated: str) -> AsyncIterator[FastAPI]:
    application = create_app(app_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass(frozen=True)
class UserSession:
    """A signed-up user with a fresh token pair."""

    username: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def sign_up(client: httpx.AsyncClient, username: str | None = None) -> UserSession:
    name = username or f"user-{secrets.token_hex(5)}"
    created = await client.post("/api/v1/users", json={"username": name, "password": TEST_PASSWORD})
    assert created.status_code == 201, created.text
    issued = await client.post("/api/v1/auth/token", json={"username": name, "password": TEST_PASSWORD})
    assert issued.status_code == 200, issued.text
    body = issued.json()
    return UserSession(name, body["access_token"], body["refresh_token"])


@pytest.fixture
def make_user(client: httpx.AsyncClient) -> Callable[[], Awaitable[UserSession]]:
    """Sign up a new user and log in: ``session = await make_user()``."""
    return lambda: sign_up(client)


@pytest.fixture
async def user(client: httpx.AsyncClient) -> UserSession:
    return await sign_up(client)


@pytest.fixture
async def other_user(client: httpx.AsyncClient) -> UserSession:
    return await sign_up(client)
