"""IdempotencyMiddleware over a real app and the real Redis (property E4)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from reference_app.idempotency import IdempotencyMiddleware

from .conftest import Backend, build_app, user_header

ALICE = {"X-User": "alice", "Idempotency-Key": "key-1"}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code
    return str(body["type"])


async def test_a_repeat_replays_the_first_response_byte_for_byte(client: httpx.AsyncClient, backend: Backend) -> None:
    first = await client.post("/items", json={"title": "a", "n": 1}, headers=ALICE)
    again = await client.post(
        "/items", content=b'{ "n": 1,  "title": "a" }', headers={**ALICE, "Content-Type": "application/json"}
    )
    assert backend.executions == 1
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"] == "/items/1"
    assert again.headers["x-custom"] == "kept"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


async def test_the_same_key_with_another_body_is_422(client: httpx.AsyncClient, backend: Backend) -> None:
    await client.post("/items", json={"title": "a"}, headers=ALICE)
    reused = await client.post("/items", json={"title": "b"}, headers=ALICE)
    assert reused.status_code == 422
    assert problem_type(reused).endswith("idempotency-key-reused")
    assert backend.executions == 1


async def test_twenty_concurrent_duplicates_execute_once(client: httpx.AsyncClient, backend: Backend) -> None:
    backend.delay_s = 0.05
    responses = await asyncio.gather(*(client.post("/items", json={"x": 1}, headers=ALICE) for _ in range(20)))
    assert backend.executions == 1
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    originals = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(originals) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.headers["retry-after"] == "1"
            assert problem_type(response).endswith("idempotency-request-in-progress")
        else:
            assert response.content == originals[0].content
    replay = await client.post("/items", json={"x": 1}, headers=ALICE)
    assert (replay.status_code, replay.content) == (201, originals[0].content)


@pytest.mark.parametrize("failure", ["5xx", "raise"])
async def test_a_failed_execution_releases_the_key(client: httpx.AsyncClient, backend: Backend, failure: str) -> None:
    backend.fail_next.append(failure)
    failed = await client.post("/items", json={"x": 1}, headers=ALICE)
    assert failed.status_code >= 500
    retried = await client.post("/items", json={"x": 1}, headers=ALICE)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert backend.executions == 2


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tkey", "del\x7f"])
async def test_an_invalid_key_is_a_400_problem(client: httpx.AsyncClient, backend: Backend, key: str) -> None:
    response = await client.post("/items", json={}, headers={"X-User": "alice", "Idempotency-Key": key})
    assert response.status_code == 400
    assert problem_type(response).endswith("invalid-idempotency-key")
    assert backend.executions == 0


async def test_requests_without_a_key_or_principal_are_not_deduplicated(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    for headers in ({"X-User": "alice"}, {"Idempotency-Key": "key-1"}):
        assert (await client.post("/items", json={}, headers=headers)).status_code == 201
        assert (await client.post("/items", json={}, headers=headers)).status_code == 201
    assert backend.executions == 4


async def test_keys_are_scoped_by_principal_and_route(client: httpx.AsyncClient, backend: Backend) -> None:
    await client.post("/items", json={}, headers=ALICE)
    bob = await client.post("/items", json={}, headers={**ALICE, "X-User": "bob"})
    assert "idempotent-replayed" not in bob.headers
    patched = await client.patch("/items/1", json={}, headers=ALICE)
    assert patched.status_code == 200 and "idempotent-replayed" not in patched.headers
    assert backend.executions == 3
    again = await client.patch("/items/1", json={}, headers=ALICE)
    assert again.headers["idempotent-replayed"] == "true"
    assert backend.executions == 3


async def test_records_expire_after_their_ttls(client: httpx.AsyncClient, shared_redis: Redis, key_prefix: str) -> None:
    await client.post("/items", json={}, headers=ALICE)
    keys = [key async for key in shared_redis.scan_iter(match=f"{key_prefix}*")]
    assert len(keys) == 1
    assert 23 * 3600 * 1000 < await shared_redis.pttl(keys[0]) <= 24 * 3600 * 1000


async def test_redis_unavailable_is_a_503_problem_never_an_execution(backend: Backend) -> None:
    app: FastAPI = build_app(backend)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    app.add_middleware(IdempotencyMiddleware, redis=dead, principal_of=user_header)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/items", json={}, headers=ALICE)
    await dead.aclose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert problem_type(response).endswith("idempotency-unavailable")
    assert backend.executions == 0


async def test_the_redis_client_may_be_resolved_per_request(
    backend: Backend, shared_redis: Redis, key_prefix: str
) -> None:
    app: FastAPI = build_app(backend)
    app.add_middleware(
        IdempotencyMiddleware, redis=lambda scope: shared_redis, key_prefix=key_prefix, principal_of=user_header
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        first = await http.post("/items", json={"a": 1}, headers=ALICE)
        again = await http.post("/items", json={"a": 1}, headers=ALICE)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert backend.executions == 1
