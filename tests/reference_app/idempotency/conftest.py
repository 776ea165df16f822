"""Fixtures for the idempotency tests: the shared Redis under a private key prefix, and a
tiny FastAPI app behind IdempotencyMiddleware that counts its executions."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis
from starlette.types import Scope

from reference_app.idempotency import IdempotencyMiddleware


@pytest.fixture(scope="session")
def session_prefix(redis_key_prefix: str) -> str:
    """Under the session's own prefix (root conftest), whose keys are deleted at the end."""
    return f"{redis_key_prefix}idem:"


@pytest.fixture
def key_prefix(session_prefix: str) -> str:
    return f"{session_prefix}{secrets.token_hex(4)}:"


@pytest.fixture(scope="session")
async def shared_redis(redis_url: str) -> AsyncIterator[Redis]:
    """The session's Redis (found or started by gauntlet.services): never paused or stopped."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def user_header(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-user":
            return value.decode()
    return None


@dataclass
class Backend:
    """What the test app did: executions per route, and failures still to inject."""

    executions: int = 0
    fail_next: list[str] = field(default_factory=list)
    delay_s: float = 0.0


def build_app(backend: Backend) -> FastAPI:
    app = FastAPI()

    @app.post("/items", status_code=201)
    async def create_item(request: Request, response: Response) -> dict[str, object]:
        backend.executions += 1
        number = backend.executions
        if backend.delay_s:
            await asyncio.sleep(backend.delay_s)
        if backend.fail_next:
            failure = backend.fail_next.pop(0)
            if failure == "raise":
                raise RuntimeError("boom")
            response.status_code = 503
            return {"error": "unavailable"}
        response.headers["Location"] = f"/items/{number}"
        response.headers["X-Custom"] = "kept"
        return {"id": number, "body": await request.json(), "text": "Zürich ☃"}

    @app.patch("/items/{item_id}")
    async def update_item(item_id: int) -> dict[str, int]:
        backend.executions += 1
        return {"id": item_id, "version": backend.executions}

    @app.get("/items")
    async def list_items() -> dict[str, int]:
        return {"executions": backend.executions}

    return app


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
async def client(backend: Backend, shared_redis: Redis, key_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(backend)
    app.add_middleware(IdempotencyMiddleware, redis=shared_redis, key_prefix=key_prefix, principal_of=user_header)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
