"""Fixtures for the reference app's own tests: a private PostgreSQL database and Redis
key prefix per session, the migrated app with its lifespan running, and an httpx client.

Temporary until the shared fixtures (services found or started, per DESIGN.md) exist.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import redis
from fastapi import FastAPI

from reference_app.app import create_app
from reference_app.migrations import upgrade
from reference_app.settings import Settings, build_settings

#: Maintenance database of the shared server; test databases are created from it.
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
TEST_SECRET = "test-secret-" + "x" * 40
TEST_PASSWORD = "correct horse battery"


def create_database() -> str:
    name = f"refapp_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = create_database()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """An empty database of its own, for tests that migrate up and down."""
    name = create_database()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_key_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"test:{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


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
